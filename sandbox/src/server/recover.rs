//! `POST /v3/aggracct-bc/wb-channel/control-orders/recover`: lifting a control order (解管),
//! a seeded one or one a punish placed, its re-entry rules, the delayed final state (which
//! sends the result notification and marks a punish's order RECOVERED), and the recover order
//! as the query, the notification and `GET /recovers` show it.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use openssl::pkey::{PKey, Private};
use serde_json::{json, Map, Value};

use super::answer::{Answer, Serial};
use super::fields::{body_object, encrypted, opt_enum, opt_string, out_request_no, req_field};
use super::punish::{PUNISH_RULE_VERSION, REQ_SCENES};
use super::routes::Call;
use super::state::{RState, RecoverRecord, Shared, State, Target};
use crate::notify;
use crate::util::{compact_time, now_unix, random_digits, rfc3339};

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
    card_plain: Option<String>,
    sgn_no: Option<String>,
    req_scene: Option<String>,
}

/// The control order a recover names, found: its ledger, and the scene and rule version its
/// `recover_order` carries.
struct Resolved {
    target: Target,
    ledger: String,
    punish_scene: String,
    punish_rule_version: String,
}

impl Shared {
    fn do_recover(self: &Arc<Self>, body: &[u8], serial: Serial) -> Answer {
        let obj = match body_object(body) {
            Ok(o) => o,
            Err(a) => return a,
        };
        let req = match parse_recover(&obj, &self.decryption_key(serial)) {
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
        let mut st = self.lock();
        let found = match self.resolve(&st, &req) {
            Ok(f) => f,
            Err(a) => return a,
        };
        if found.ledger != req.bal_plain {
            return Answer::err(
                400,
                "INVALID_REQUEST",
                "bal_account_no is not the ledger of the related control order",
            );
        }
        if let Target::Punish(pi) = found.target {
            let state = st.punishes[pi].state;
            if state != RState::Success {
                return Answer::err(
                    400,
                    "INVALID_REQUEST",
                    format!(
                        "the related control order is not in effect (punish_state {})",
                        state.as_str()
                    ),
                );
            }
        }
        if let Some(&ri) = st.by_out.get(&req.out_request_no) {
            let r = &mut st.recovers[ri];
            let same = r.related_webank_punish_no == req.related_webank_punish_no
                && r.related_wxpay_punish_no == req.related_wxpay_punish_no
                && r.mchid == req.mchid
                && r.bal_plain == req.bal_plain
                && r.reason == req.reason
                && r.card_plain == req.card_plain
                && r.sgn_no == req.sgn_no
                && r.req_scene == req.req_scene;
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
            .any(|r| r.target == found.target && r.state != RState::Failed)
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
            target: found.target,
            punish_scene: found.punish_scene,
            punish_rule_version: found.punish_rule_version,
            related_webank_punish_no: req.related_webank_punish_no,
            related_wxpay_punish_no: req.related_wxpay_punish_no,
            mchid: req.mchid,
            bal_plain: req.bal_plain,
            reason: req.reason,
            card_plain: req.card_plain,
            sgn_no: req.sgn_no,
            req_scene: req.req_scene,
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

    /// The control order the recover names: a seeded one, else one a punish placed (its
    /// `out_request_no` and `wxpay_punish_no`), of the recover's target merchant.
    fn resolve(&self, st: &State, req: &RecoverReq) -> Result<Resolved, Answer> {
        let seeded = self.by_mchid.get(&req.mchid);
        if seeded.is_none() && !st.punishes.iter().any(|p| p.req.mchid == req.mchid) {
            return Err(Answer::err(
                400,
                "NOT_FOUND",
                "target merchant (mchid) does not exist",
            ));
        }
        let seeded = seeded.into_iter().flatten().copied().find(|&i| {
            let o = &self.orders[i];
            o.related_webank_punish_no == req.related_webank_punish_no
                && o.related_wxpay_punish_no == req.related_wxpay_punish_no
        });
        if let Some(oi) = seeded {
            let o = &self.orders[oi];
            return Ok(Resolved {
                target: Target::Seeded(oi),
                ledger: o.bal_account_no.clone(),
                punish_scene: o.punish_scene.to_string(),
                punish_rule_version: o.punish_rule_version.to_string(),
            });
        }
        let punish = st
            .punish_by_out
            .get(&req.related_webank_punish_no)
            .copied()
            .filter(|&pi| {
                let p = &st.punishes[pi];
                p.wxpay_punish_no == req.related_wxpay_punish_no && p.req.mchid == req.mchid
            });
        match punish {
            Some(pi) => {
                let p = &st.punishes[pi];
                Ok(Resolved {
                    target: Target::Punish(pi),
                    ledger: p.req.bal_plain.clone(),
                    punish_scene: p.req.punish_scene.to_string(),
                    punish_rule_version: PUNISH_RULE_VERSION.to_string(),
                })
            }
            None => Err(Answer::err(
                404,
                "NOT_FOUND",
                "related control order does not exist",
            )),
        }
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
            let success = match r.target {
                Target::Seeded(oi) => self.orders[oi].success,
                Target::Punish(_) => true,
            };
            r.state = if success {
                RState::Success
            } else {
                RState::Failed
            };
            r.finish_time = Some(now_unix());
            let r = r.clone();
            if let (Target::Punish(pi), RState::Success) = (r.target, r.state) {
                if let Some(p) = st.punishes.get_mut(pi) {
                    p.recovered = true;
                }
            }
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
        let mut m = Map::new();
        m.insert("wxpay_recover_no".into(), json!(r.wxpay_recover_no));
        m.insert("out_request_no".into(), json!(r.out_request_no));
        m.insert(
            "related_wxpay_punish_no".into(),
            json!(r.related_wxpay_punish_no),
        );
        m.insert("mchid".into(), json!(r.mchid));
        m.insert("punish_scene".into(), json!(r.punish_scene));
        m.insert("punish_rule_version".into(), json!(r.punish_rule_version));
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
                    for (k, v) in [
                        ("card_no", &r.card_plain),
                        ("sgn_no", &r.sgn_no),
                        ("req_scene", &r.req_scene),
                    ] {
                        if let Some(v) = v {
                            m.insert(k.into(), json!(v));
                        }
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    }
}

/// The request body's fields, the encrypted ones decrypted with `key`; `Err` is the 400 answer.
fn parse_recover(obj: &Map<String, Value>, key: &PKey<Private>) -> Result<RecoverReq, Answer> {
    let out_request_no = out_request_no(obj)?;
    let related_webank_punish_no = req_field(obj, "related_webank_punish_no")?;
    let related_wxpay_punish_no = req_field(obj, "related_wxpay_punish_no")?;
    let mchid = req_field(obj, "mchid")?;
    let bal_plain = encrypted(obj, "bal_account_no", key, true)?.unwrap_or_default();
    let reason = opt_string(obj, "recover_reason", Some(256))?;
    Ok(RecoverReq {
        out_request_no,
        related_webank_punish_no,
        related_wxpay_punish_no,
        mchid,
        bal_plain,
        reason,
        card_plain: encrypted(obj, "card_no", key, false)?,
        sgn_no: opt_string(obj, "sgn_no", None)?,
        req_scene: opt_enum(obj, "req_scene", &REQ_SCENES)?,
    })
}
