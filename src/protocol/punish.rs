//! The punish (管控) request, its acceptance, and the `punish_order` the PUNISH query answers
//! (WeChat Pay's control-order API description of 2025.09.09, the family of the 解管 page).
//! The input rules are checked before any network I/O, with errors that name the field.

use serde_json::Value;

use crate::core::error::{Error, ErrorKind, Result};
use crate::protocol::model::{
    check_identifier, check_optional, check_reason, check_rfc3339, check_secret,
    OUT_REQUEST_NO_MAX_BYTES,
};

/// `req_scene` values the description names. Any other non-empty value passes through, so a
/// value the platform adds later needs no new release.
pub const REQ_SCENES: [&str; 3] = [
    "SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT",
    "SJT_MICRO_MERCHANT",
    "WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT",
];

/// `fund_repatriation_strategy` values the description names (微众资金划回策略); others pass.
pub const FUND_REPATRIATION_STRATEGIES: [&str; 2] = ["ALL_FORBIDDEN", "ALL_ALLOWED_WHEN_UNIQUE"];

/// A punish (管控) request. `bal_account_no` and `card_no` are plaintext; the client encrypts
/// both with one key, the one `Wechatpay-Serial` names.
#[derive(Clone, Default)]
pub struct PunishRequest {
    pub out_request_no: String,
    /// The target merchant.
    pub mchid: String,
    pub bal_account_no: String,
    /// A scene id agreed with the platform beforehand; an integer on the wire.
    pub punish_scene: i64,
    pub punish_reason: Option<String>,
    /// RFC 3339. The control is not lifted when it passes; absent means long-term.
    pub punish_end_time: Option<String>,
    pub card_no: Option<String>,
    pub sgn_no: Option<String>,
    pub req_scene: Option<String>,
    pub fund_repatriation_strategy: Option<String>,
}

impl std::fmt::Debug for PunishRequest {
    // The ledger id and card number are sensitive: keep them out of every debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PunishRequest")
            .field("out_request_no", &self.out_request_no)
            .field("mchid", &self.mchid)
            .field("bal_account_no", &"<redacted>")
            .field("punish_scene", &self.punish_scene)
            .field("punish_reason", &self.punish_reason)
            .field("punish_end_time", &self.punish_end_time)
            .field("card_no", &self.card_no.as_ref().map(|_| "<redacted>"))
            .field("sgn_no", &self.sgn_no)
            .field("req_scene", &self.req_scene)
            .field(
                "fund_repatriation_strategy",
                &self.fund_repatriation_strategy,
            )
            .finish()
    }
}

impl PunishRequest {
    /// The description's rules, checked before anything is encrypted or sent. Errors name the
    /// field and never echo `bal_account_no` or `card_no`.
    pub fn validate(&self) -> Result<()> {
        if self.out_request_no.len() > OUT_REQUEST_NO_MAX_BYTES {
            return Err(Error::invalid("out_request_no", "must be at most 64 bytes"));
        }
        check_identifier("out_request_no", &self.out_request_no)?;
        check_identifier("mchid", &self.mchid)?;
        check_secret("bal_account_no", &self.bal_account_no)?;
        if let Some(r) = &self.punish_reason {
            check_reason("punish_reason", r)?;
        }
        if let Some(t) = &self.punish_end_time {
            check_rfc3339("punish_end_time", t)?;
        }
        if let Some(c) = &self.card_no {
            check_secret("card_no", c)?;
        }
        check_optional("sgn_no", self.sgn_no.as_deref())?;
        check_optional("req_scene", self.req_scene.as_deref())?;
        check_optional(
            "fund_repatriation_strategy",
            self.fund_repatriation_strategy.as_deref(),
        )
    }
}

/// The platform accepted the punish. Its outcome comes later, by the PUNISH query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PunishAccepted {
    /// What a later recover names as `related_wxpay_punish_no`.
    pub wxpay_punish_no: String,
    /// What a later recover names as `related_webank_punish_no`.
    pub out_request_no: String,
    pub request_id: Option<String>,
    pub attempts: u32,
}

/// `punish_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PunishState {
    /// A value this version does not know; the text is in `PunishOrder::punish_state_text`.
    Unknown,
    Executing,
    Success,
    Failed,
}

impl PunishState {
    pub fn parse(s: &str) -> PunishState {
        match s {
            "EXECUTING" => PunishState::Executing,
            "SUCCESS" => PunishState::Success,
            "FAILED" => PunishState::Failed,
            _ => PunishState::Unknown,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, PunishState::Success | PunishState::Failed)
    }
}

/// `effect_state`: whether the control is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectState {
    /// Absent, or a value this version does not know (the text is kept).
    Unknown,
    Active,
    /// Lifted by a recover.
    Recovered,
}

impl EffectState {
    pub fn parse(s: &str) -> EffectState {
        match s {
            "ACTIVE" => EffectState::Active,
            "RECOVERED" => EffectState::Recovered,
            _ => EffectState::Unknown,
        }
    }
}

/// The documented text fields of a `punish_order`, in the description's order.
pub const PUNISH_ORDER_TEXT_FIELDS: &[&str] = &[
    "wxpay_punish_no",
    "out_request_no",
    "mchid",
    "punish_reason",
    "punish_start_time",
    "punish_end_time",
    "punish_accept_time",
    "punish_finish_time",
    "punish_state",
    "effect_state",
    "error_code",
    "error_message",
];

/// Every documented `punish_order` field: the text ones, the two integers and the action list.
pub const PUNISH_ORDER_FIELDS: &[&str] = &[
    "wxpay_punish_no",
    "out_request_no",
    "mchid",
    "punish_scene",
    "punish_rule_version",
    "punish_reason",
    "punish_start_time",
    "punish_end_time",
    "punish_accept_time",
    "punish_finish_time",
    "punish_state",
    "effect_state",
    "control_action",
    "error_code",
    "error_message",
];

/// A control order as the PUNISH query gives it.
#[derive(Debug, Clone)]
pub struct PunishOrder {
    pub punish_state: PunishState,
    pub effect_state: EffectState,
    /// The documented text fields present, as (name, text), in `PUNISH_ORDER_TEXT_FIELDS` order.
    pub text: Vec<(&'static str, String)>,
    /// An integer on the wire (a string in `recover_order`); `None` when absent or not one.
    pub punish_scene: Option<i64>,
    pub punish_rule_version: Option<i64>,
    /// `DISABLE_RECEIVE`, `DISABLE_PAY`, …, as received (unknown values kept).
    pub control_action: Vec<String>,
    /// Undocumented fields, sorted by name: name and JSON text of the value.
    pub extra: Vec<(String, String)>,
    pub raw: Value,
    pub request_id: Option<String>,
    pub attempts: u32,
}

impl PunishOrder {
    /// A documented text field (`wxpay_punish_no`, `punish_state`, …).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.text
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A `punish_order` object.
    pub fn from_object(
        raw: Value,
        request_id: Option<String>,
        attempts: u32,
    ) -> Result<PunishOrder> {
        let bad = |why: &str| Error::new(ErrorKind::BadResponse, why);
        let obj = raw
            .as_object()
            .ok_or_else(|| bad("punish_order is not a JSON object"))?;
        let text: Vec<(&'static str, String)> = PUNISH_ORDER_TEXT_FIELDS
            .iter()
            .filter_map(|n| match obj.get(*n) {
                Some(Value::String(s)) => Some((*n, s.clone())),
                Some(Value::Number(x)) => Some((*n, x.to_string())),
                _ => None,
            })
            .collect();
        let find = |n: &str| text.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        let punish_state = find("punish_state")
            .map(PunishState::parse)
            .ok_or_else(|| bad("punish_order has no punish_state"))?;
        let effect_state = find("effect_state").map_or(EffectState::Unknown, EffectState::parse);
        // An integer as documented; a string of digits is taken too (never fatal).
        let int = |n: &str| match obj.get(n) {
            Some(Value::Number(x)) => x.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        let control_action = match obj.get("control_action") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let extra = obj
            .iter()
            .filter(|(k, _)| !PUNISH_ORDER_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        Ok(PunishOrder {
            punish_state,
            effect_state,
            punish_scene: int("punish_scene"),
            punish_rule_version: int("punish_rule_version"),
            text,
            control_action,
            extra,
            raw,
            request_id,
            attempts,
        })
    }

    pub(crate) fn from_query_body(
        body: &Value,
        request_id: Option<String>,
        attempts: u32,
    ) -> Result<PunishOrder> {
        let raw = body
            .get("punish_order")
            .filter(|v| v.is_object())
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::BadResponse,
                    "query answer has no punish_order object",
                )
            })?;
        PunishOrder::from_object(raw, request_id, attempts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> PunishRequest {
        PunishRequest {
            out_request_no: "P1".into(),
            mchid: "1900000101".into(),
            bal_account_no: "6222000011112222".into(),
            punish_scene: 3,
            punish_reason: Some("风险交易".into()),
            punish_end_time: Some("2027-01-01T00:00:00+08:00".into()),
            card_no: Some("6222020000000000001".into()),
            ..Default::default()
        }
    }

    fn field_of(r: &PunishRequest) -> String {
        let e = r.validate().unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        assert!(!e.message.contains("6222"), "{e}");
        e.message.split(':').next().unwrap().to_string()
    }

    #[test]
    fn rules_name_the_field() {
        assert!(good().validate().is_ok());
        let mut r = good();
        r.out_request_no = "x".repeat(65);
        assert_eq!(field_of(&r), "out_request_no");
        r = good();
        r.mchid = String::new();
        assert_eq!(field_of(&r), "mchid");
        r = good();
        r.bal_account_no = String::new();
        assert_eq!(field_of(&r), "bal_account_no");
        r = good();
        r.card_no = Some("9".repeat(215));
        assert_eq!(field_of(&r), "card_no");
        r = good();
        r.punish_reason = Some("a\u{7}b".into());
        assert_eq!(field_of(&r), "punish_reason");
        for t in [
            "2027-01-01",
            "2027-02-30T00:00:00Z",
            "2027-01-01 00:00:00+08:00",
            "2027-01-01T24:00:00Z",
            "2027-01-01T00:00:00+0800",
        ] {
            r = good();
            r.punish_end_time = Some(t.into());
            assert_eq!(field_of(&r), "punish_end_time", "{t}");
        }
        for t in ["2027-01-01T00:00:00Z", "2028-02-29T23:59:59.123-05:30"] {
            r = good();
            r.punish_end_time = Some(t.into());
            assert!(r.validate().is_ok(), "{t}");
        }
        r = good();
        r.req_scene = Some(String::new());
        assert_eq!(field_of(&r), "req_scene");
        r.req_scene = Some("A_SCENE_ADDED_LATER".into());
        assert!(r.validate().is_ok());
        assert!(!format!("{:?}", good()).contains("6222"));
    }

    #[test]
    fn a_punish_order_keeps_integers_actions_and_unknown_values() {
        let body = serde_json::json!({"control_scene": "PUNISH", "punish_order": {
            "wxpay_punish_no": "WXP1", "out_request_no": "P1", "mchid": "1900000101",
            "punish_scene": 3, "punish_rule_version": 2, "punish_state": "SUCCESS",
            "effect_state": "SOMETHING_NEW", "control_action": ["DISABLE_PAY", "DISABLE_NEW"],
            "punish_accept_time": "2026-12-06T10:00:00+08:00", "new_field": {"a": 1}}});
        let o = PunishOrder::from_query_body(&body, None, 1).unwrap();
        assert_eq!(o.punish_state, PunishState::Success);
        assert_eq!(o.effect_state, EffectState::Unknown);
        assert_eq!(o.field("effect_state"), Some("SOMETHING_NEW"));
        assert_eq!((o.punish_scene, o.punish_rule_version), (Some(3), Some(2)));
        assert_eq!(o.control_action, ["DISABLE_PAY", "DISABLE_NEW"]);
        assert_eq!(
            o.extra,
            [("new_field".to_string(), r#"{"a":1}"#.to_string())]
        );
        let e = PunishOrder::from_query_body(&serde_json::json!({"punish_order": {}}), None, 1)
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
    }
}
