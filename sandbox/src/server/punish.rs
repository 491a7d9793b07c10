//! `POST /v3/aggracct-bc/wb-channel/control-orders/punish`: placing a control order (管控),
//! its re-entry rules, the delayed final state, and the punish order as the PUNISH query and
//! `GET /punishes` show it.
//!
//! A punish is accepted as EXECUTING and reaches its final state after `recover_delay_ms` (the
//! same delay as a recover): SUCCESS, with `effect_state` ACTIVE, and RECOVERED once a recover
//! naming it (`related_webank_punish_no` = its `out_request_no`, `related_wxpay_punish_no` = its
//! `wxpay_punish_no`, same `mchid` and ledger) reached SUCCESS.
//!
//! Choosing the outcome: a punish whose `punish_scene` is [`PUNISH_SCENE_FAILS`] (9999) ends
//! FAILED, with `error_code` `PUNISH_FAILED`; every other scene ends SUCCESS. (Seeded orders
//! choose a recover's outcome by their index; a punish chooses its own by its scene.) A recover
//! of a punish's order always ends SUCCESS; one of a punish that is not SUCCESS is refused.
//! No result notification is sent for a punish.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use openssl::pkey::{PKey, Private};
use serde_json::{json, Map, Value};

use super::answer::{Answer, Serial};
use super::fields::{
    body_object, encrypted, json_type, opt_enum, opt_rfc3339, opt_string, out_request_no,
    req_field, req_integer,
};
use super::routes::Call;
use super::state::{PunishRecord, PunishReq, RState, Shared};
use crate::util::{compact_time, now_unix, random_digits, rfc3339};

/// The `punish_scene` that makes a punish end FAILED (`error_code` `PUNISH_FAILED`).
pub const PUNISH_SCENE_FAILS: i64 = 9999;
/// The `error_code` of a punish that ended FAILED.
pub const PUNISH_FAILED: &str = "PUNISH_FAILED";
/// `punish_rule_version` of every punish (an integer in `punish_order`, a string in a
/// `recover_order` lifting it).
pub const PUNISH_RULE_VERSION: i64 = 1;
/// `control_action` of every punish order.
pub const CONTROL_ACTIONS: [&str; 2] = ["DISABLE_WITHDRAWAL", "DISABLE_PAY"];
/// The values `req_scene` may take (punish and recover).
pub const REQ_SCENES: [&str; 3] = [
    "SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT",
    "SJT_MICRO_MERCHANT",
    "WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT",
];
/// The values `fund_repatriation_strategy` may take.
pub const FUND_REPATRIATION_STRATEGIES: [&str; 2] = ["ALL_FORBIDDEN", "ALL_ALLOWED_WHEN_UNIQUE"];

/// The route's handler.
pub fn answer(sh: &Arc<Shared>, call: &Call<'_>) -> Answer {
    sh.do_punish(call.body, call.serial)
}

impl Shared {
    fn do_punish(self: &Arc<Self>, body: &[u8], serial: Serial) -> Answer {
        let obj = match body_object(body) {
            Ok(o) => o,
            Err(a) => return a,
        };
        let req = match parse_punish(&obj, &self.decryption_key(serial)) {
            Ok(r) => r,
            Err(a) => return a,
        };
        let scene_type = obj.get("punish_scene").map_or("null", json_type);
        let mut st = self.lock();
        if let Some(&pi) = st.punish_by_out.get(&req.out_request_no) {
            let p = &mut st.punishes[pi];
            if p.req != req {
                return Answer::err(
                    400,
                    "INVALID_REQUEST",
                    "out_request_no was already used with different request content",
                );
            }
            p.accept_count += 1;
            self.punishes_accepted.fetch_add(1, Ordering::Relaxed);
            return Answer::ok(
                json!({"wxpay_punish_no": p.wxpay_punish_no, "out_request_no": p.req.out_request_no}),
                serial,
            );
        }
        let now = now_unix();
        let n = self.punish_ctr.fetch_add(1, Ordering::Relaxed);
        let wxpay_punish_no = format!(
            "1{}{:06}{}",
            compact_time(now),
            n % 1_000_000,
            random_digits(4)
        );
        let out = req.out_request_no.clone();
        let pi = st.punishes.len();
        st.punishes.push(PunishRecord {
            req,
            scene_type,
            wxpay_punish_no: wxpay_punish_no.clone(),
            state: RState::Executing,
            recovered: false,
            accept_time: now,
            finish_time: None,
            accept_count: 1,
        });
        st.punish_by_out.insert(out.clone(), pi);
        drop(st);
        self.punishes_accepted.fetch_add(1, Ordering::Relaxed);
        let sh = Arc::clone(self);
        let delay = self.cfg.recover_delay_ms;
        self.handle.spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            sh.finish_punish(pi);
        });
        Answer::ok(
            json!({"wxpay_punish_no": wxpay_punish_no, "out_request_no": out}),
            serial,
        )
    }

    fn finish_punish(&self, pi: usize) {
        let mut st = self.lock();
        let Some(p) = st.punishes.get_mut(pi) else {
            return;
        };
        if p.state != RState::Executing {
            return;
        }
        p.state = if p.req.punish_scene == PUNISH_SCENE_FAILS {
            RState::Failed
        } else {
            RState::Success
        };
        p.finish_time = Some(now_unix());
    }

    /// The punish order as the PUNISH query answers it.
    pub(super) fn punish_order_json(&self, p: &PunishRecord) -> Value {
        let r = &p.req;
        let mut m = Map::new();
        m.insert("wxpay_punish_no".into(), json!(p.wxpay_punish_no));
        m.insert("out_request_no".into(), json!(r.out_request_no));
        m.insert("mchid".into(), json!(r.mchid));
        m.insert("punish_scene".into(), json!(r.punish_scene));
        m.insert("punish_rule_version".into(), json!(PUNISH_RULE_VERSION));
        if let Some(reason) = &r.reason {
            m.insert("punish_reason".into(), json!(reason));
        }
        m.insert("punish_start_time".into(), json!(rfc3339(p.accept_time)));
        if let Some(t) = &r.end_time {
            m.insert("punish_end_time".into(), json!(t));
        }
        m.insert("punish_accept_time".into(), json!(rfc3339(p.accept_time)));
        if let Some(t) = p.finish_time {
            m.insert("punish_finish_time".into(), json!(rfc3339(t)));
        }
        m.insert("punish_state".into(), json!(p.state.as_str()));
        if let Some(effect) = effect_state(p) {
            m.insert("effect_state".into(), json!(effect));
        }
        m.insert("control_action".into(), json!(CONTROL_ACTIONS));
        if p.state == RState::Failed {
            m.insert("error_code".into(), json!(PUNISH_FAILED));
            m.insert(
                "error_message".into(),
                json!("管控失败 (sandbox: punish_scene 9999 chosen to fail)"),
            );
        }
        Value::Object(m)
    }

    /// Admin `GET /punishes`: every punish record, encrypted fields decrypted.
    pub fn punishes_json(&self) -> Value {
        let st = self.lock();
        Value::Array(
            st.punishes
                .iter()
                .map(|p| {
                    let r = &p.req;
                    let mut m = Map::new();
                    m.insert("out_request_no".into(), json!(r.out_request_no));
                    m.insert("wxpay_punish_no".into(), json!(p.wxpay_punish_no));
                    m.insert("mchid".into(), json!(r.mchid));
                    m.insert("bal_account_no".into(), json!(r.bal_plain));
                    m.insert("punish_scene".into(), json!(r.punish_scene));
                    m.insert("punish_scene_type".into(), json!(p.scene_type));
                    for (k, v) in [
                        ("card_no", &r.card_plain),
                        ("sgn_no", &r.sgn_no),
                        ("req_scene", &r.req_scene),
                        ("fund_repatriation_strategy", &r.fund_repatriation_strategy),
                        ("punish_reason", &r.reason),
                        ("punish_end_time", &r.end_time),
                    ] {
                        if let Some(v) = v {
                            m.insert(k.into(), json!(v));
                        }
                    }
                    m.insert("state".into(), json!(p.state.as_str()));
                    if let Some(effect) = effect_state(p) {
                        m.insert("effect_state".into(), json!(effect));
                    }
                    m.insert("accept_count".into(), json!(p.accept_count));
                    m.insert("accept_time".into(), json!(rfc3339(p.accept_time)));
                    if let Some(t) = p.finish_time {
                        m.insert("finish_time".into(), json!(rfc3339(t)));
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    }
}

/// `effect_state`: only once the punish is SUCCESS.
fn effect_state(p: &PunishRecord) -> Option<&'static str> {
    match (p.state, p.recovered) {
        (RState::Success, false) => Some("ACTIVE"),
        (RState::Success, true) => Some("RECOVERED"),
        _ => None,
    }
}

/// The request body's fields, the encrypted ones decrypted with `key`; `Err` is the 400 answer.
fn parse_punish(obj: &Map<String, Value>, key: &PKey<Private>) -> Result<PunishReq, Answer> {
    let out_request_no = out_request_no(obj)?;
    let mchid = req_field(obj, "mchid")?;
    let bal_plain = encrypted(obj, "bal_account_no", key, true)?.unwrap_or_default();
    let punish_scene = req_integer(obj, "punish_scene")?;
    Ok(PunishReq {
        out_request_no,
        mchid,
        bal_plain,
        punish_scene,
        reason: opt_string(obj, "punish_reason", Some(256))?,
        end_time: opt_rfc3339(obj, "punish_end_time")?,
        card_plain: encrypted(obj, "card_no", key, false)?,
        sgn_no: opt_string(obj, "sgn_no", None)?,
        req_scene: opt_enum(obj, "req_scene", &REQ_SCENES)?,
        fund_repatriation_strategy: opt_enum(
            obj,
            "fund_repatriation_strategy",
            &FUND_REPATRIATION_STRATEGIES,
        )?,
    })
}
