//! `POST /v3/aggracct-bc/wb-channel/control-orders/recover`: lifting a control order (解管),
//! its re-entry rules, the delayed final state (which sends the result notification), and the
//! recover order as the query, the notification and `GET /recovers` show it.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use openssl::pkey::{PKey, Private};
use serde_json::{json, Map, Value};

use super::answer::{Answer, Serial};
use super::routes::Call;
use super::state::{RState, RecoverRecord, Shared};
use crate::crypto::oaep_decrypt;
use crate::notify;
use crate::util::{compact_time, has_control, now_unix, random_digits, rfc3339, unb64};

/// The route's handler.
pub fn answer(sh: &Arc<Shared>, call: &Call<'_>) -> Answer {
    sh.do_recover(call.body, call.serial)
}

struct RecoverReq {
    out_request_no: String,
    related_webank_punish_no: String,
    related_wxpay_punish_no: String,
    mchid: String,
    bal_plain: String,
    reason: Option<String>,
}

impl Shared {
    fn do_recover(self: &Arc<Self>, body: &[u8], serial: Serial) -> Answer {
        let v: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return Answer::param(format!("request body is not valid JSON: {e}")),
        };
        let Some(obj) = v.as_object() else {
            return Answer::param("request body must be a JSON object");
        };
        let key = match serial {
            Serial::PubKey => self.mat.wechatpay_key.clone(),
            Serial::Cert(i) => match self.certs_read().get(i) {
                Some(c) => c.key.clone(),
                None => self.mat.wechatpay_key.clone(),
            },
        };
        let req = match parse_recover(obj, &key) {
            Ok(r) => r,
            Err(a) => return a,
        };
        if req.out_request_no == req.related_webank_punish_no {
            return Answer::err(
                400,
                "INVALID_REQUEST",
                "out_request_no must differ from related_webank_punish_no",
            );
        }
        let Some(idxs) = self.by_mchid.get(&req.mchid) else {
            return Answer::err(400, "NOT_FOUND", "target merchant (mchid) does not exist");
        };
        let Some(&oi) = idxs.iter().find(|&&i| {
            let o = &self.orders[i];
            o.related_webank_punish_no == req.related_webank_punish_no
                && o.related_wxpay_punish_no == req.related_wxpay_punish_no
        }) else {
            return Answer::err(404, "NOT_FOUND", "related control order does not exist");
        };
        if self.orders[oi].bal_account_no != req.bal_plain {
            return Answer::err(
                400,
                "INVALID_REQUEST",
                "bal_account_no is not the ledger of the related control order",
            );
        }
        let mut st = self.lock();
        if let Some(&ri) = st.by_out.get(&req.out_request_no) {
            let r = &mut st.recovers[ri];
            let same = r.related_webank_punish_no == req.related_webank_punish_no
                && r.related_wxpay_punish_no == req.related_wxpay_punish_no
                && r.mchid == req.mchid
                && r.bal_plain == req.bal_plain
                && r.reason == req.reason;
            if !same {
                return Answer::err(
                    400,
                    "INVALID_REQUEST",
                    "out_request_no was already used with different request content",
                );
            }
            r.accept_count += 1;
            self.recovers_accepted.fetch_add(1, Ordering::Relaxed);
            return Answer::ok(
                json!({"wxpay_recover_no": r.wxpay_recover_no, "out_request_no": r.out_request_no}),
                serial,
            );
        }
        if st
            .recovers
            .iter()
            .any(|r| r.order_idx == oi && r.state != RState::Failed)
        {
            return Answer::err(
                400,
                "ALREADY_EXISTS",
                "the merchant's control order has already been recovered",
            );
        }
        let now = now_unix();
        let n = self.recover_ctr.fetch_add(1, Ordering::Relaxed);
        let wxpay_recover_no = format!(
            "3{}{:06}{}",
            compact_time(now),
            n % 1_000_000,
            random_digits(4)
        );
        let rec = RecoverRecord {
            out_request_no: req.out_request_no.clone(),
            wxpay_recover_no: wxpay_recover_no.clone(),
            order_idx: oi,
            related_webank_punish_no: req.related_webank_punish_no,
            related_wxpay_punish_no: req.related_wxpay_punish_no,
            mchid: req.mchid,
            bal_plain: req.bal_plain,
            reason: req.reason,
            state: RState::Executing,
            accept_time: now,
            finish_time: None,
            accept_count: 1,
        };
        let ri = st.recovers.len();
        st.recovers.push(rec);
        st.by_out.insert(req.out_request_no.clone(), ri);
        drop(st);
        self.recovers_accepted.fetch_add(1, Ordering::Relaxed);
        let sh = Arc::clone(self);
        let delay = self.cfg.recover_delay_ms;
        self.handle.spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            sh.finish_recover(ri);
        });
        Answer::ok(
            json!({"wxpay_recover_no": wxpay_recover_no, "out_request_no": req.out_request_no}),
            serial,
        )
    }

    fn finish_recover(self: &Arc<Self>, ri: usize) {
        let plain = {
            let mut st = self.lock();
            let Some(r) = st.recovers.get_mut(ri) else {
                return;
            };
            if r.state != RState::Executing {
                return;
            }
            r.state = if self.orders[r.order_idx].success {
                RState::Success
            } else {
                RState::Failed
            };
            r.finish_time = Some(now_unix());
            let r = r.clone();
            (self.recover_order_json(&r), r.state)
        };
        if let Some(url) = self.cfg.notify_url.clone() {
            let sh = Arc::clone(self);
            self.handle.spawn(async move {
                notify::deliver(sh, url, plain.1 == RState::Success, plain.0).await;
            });
        }
    }

    /// The recover order as the query answers it and the notification carries it.
    pub(super) fn recover_order_json(&self, r: &RecoverRecord) -> Value {
        let o = &self.orders[r.order_idx];
        let mut m = Map::new();
        m.insert("wxpay_recover_no".into(), json!(r.wxpay_recover_no));
        m.insert("out_request_no".into(), json!(r.out_request_no));
        m.insert(
            "related_wxpay_punish_no".into(),
            json!(r.related_wxpay_punish_no),
        );
        m.insert("mchid".into(), json!(r.mchid));
        m.insert("punish_scene".into(), json!(o.punish_scene));
        m.insert("punish_rule_version".into(), json!(o.punish_rule_version));
        m.insert("recover_accept_time".into(), json!(rfc3339(r.accept_time)));
        if let Some(t) = r.finish_time {
            m.insert("recover_finish_time".into(), json!(rfc3339(t)));
        }
        m.insert("recover_state".into(), json!(r.state.as_str()));
        if let Some(reason) = &r.reason {
            m.insert("recover_reason".into(), json!(reason));
        }
        if r.state == RState::Failed {
            m.insert("error_code".into(), json!("LEDGER_STATE_ABNORMAL"));
            m.insert(
                "error_message".into(),
                json!("台账状态异常,解管失败 (sandbox: order seeded to fail)"),
            );
        }
        Value::Object(m)
    }

    /// Admin `GET /recovers`: every recover record, with its acceptance count.
    pub fn recovers_json(&self) -> Value {
        let st = self.lock();
        Value::Array(
            st.recovers
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    m.insert("out_request_no".into(), json!(r.out_request_no));
                    m.insert("wxpay_recover_no".into(), json!(r.wxpay_recover_no));
                    m.insert(
                        "related_webank_punish_no".into(),
                        json!(r.related_webank_punish_no),
                    );
                    m.insert(
                        "related_wxpay_punish_no".into(),
                        json!(r.related_wxpay_punish_no),
                    );
                    m.insert("mchid".into(), json!(r.mchid));
                    m.insert("state".into(), json!(r.state.as_str()));
                    m.insert("accept_count".into(), json!(r.accept_count));
                    m.insert("accept_time".into(), json!(rfc3339(r.accept_time)));
                    if let Some(t) = r.finish_time {
                        m.insert("finish_time".into(), json!(rfc3339(t)));
                    }
                    if let Some(reason) = &r.reason {
                        m.insert("recover_reason".into(), json!(reason));
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    }
}

/// A required string field: present, non-empty, without control characters.
fn req_field(obj: &Map<String, Value>, name: &str) -> Result<String, Answer> {
    match obj.get(name) {
        None | Some(Value::Null) => Err(Answer::param_field(
            name,
            format!("missing required field {name}"),
        )),
        Some(Value::String(s)) => {
            if s.is_empty() {
                Err(Answer::param_field(
                    name,
                    format!("field {name} must not be empty"),
                ))
            } else if has_control(s) {
                Err(Answer::param_field(
                    name,
                    format!("field {name} contains control characters"),
                ))
            } else {
                Ok(s.clone())
            }
        }
        Some(_) => Err(Answer::param_field(
            name,
            format!("field {name} must be a string"),
        )),
    }
}

/// The request body's fields, `bal_account_no` decrypted with `key`; `Err` is the 400 answer.
fn parse_recover(obj: &Map<String, Value>, key: &PKey<Private>) -> Result<RecoverReq, Answer> {
    let out_request_no = req_field(obj, "out_request_no")?;
    if out_request_no.len() > 64 {
        return Err(Answer::param_field(
            "out_request_no",
            "field out_request_no is longer than 64 bytes",
        ));
    }
    let related_webank_punish_no = req_field(obj, "related_webank_punish_no")?;
    let related_wxpay_punish_no = req_field(obj, "related_wxpay_punish_no")?;
    let mchid = req_field(obj, "mchid")?;
    let bal_ct = req_field(obj, "bal_account_no")?;
    let ct = unb64(&bal_ct).ok_or_else(|| {
        Answer::param_field(
            "bal_account_no",
            "field bal_account_no is not base64 (it must be encrypted)",
        )
    })?;
    let pt = oaep_decrypt(key, &ct).map_err(|_| {
        Answer::param_field(
            "bal_account_no",
            "field bal_account_no could not be decrypted (RSA-OAEP SHA-1 with the WeChat Pay public key expected)",
        )
    })?;
    let bal_plain = String::from_utf8(pt).map_err(|_| {
        Answer::param_field("bal_account_no", "decrypted bal_account_no is not UTF-8")
    })?;
    if bal_plain.is_empty() || has_control(&bal_plain) || bal_plain.len() > 214 {
        return Err(Answer::param_field(
            "bal_account_no",
            "decrypted bal_account_no is empty, too long or contains control characters",
        ));
    }
    let reason = match obj.get("recover_reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            if s.chars().count() > 256 {
                return Err(Answer::param_field(
                    "recover_reason",
                    "field recover_reason is longer than 256 characters",
                ));
            }
            if has_control(s) {
                return Err(Answer::param_field(
                    "recover_reason",
                    "field recover_reason contains control characters",
                ));
            }
            Some(s.clone())
        }
        Some(_) => {
            return Err(Answer::param_field(
                "recover_reason",
                "field recover_reason must be a string",
            ))
        }
    };
    Ok(RecoverReq {
        out_request_no,
        related_webank_punish_no,
        related_wxpay_punish_no,
        mchid,
        bal_plain,
        reason,
    })
}
