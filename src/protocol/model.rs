//! The recover request, its answers, and the input rules checked before any network I/O.

use serde_json::Value;

use crate::core::error::{Error, ErrorKind, Result};
use crate::infra::crypto::OAEP_MAX_PLAINTEXT;

/// A recover (解管) request. `bal_account_no` is the plaintext ledger id; the client encrypts it.
#[derive(Clone, Default)]
pub struct RecoverRequest {
    pub out_request_no: String,
    pub related_webank_punish_no: String,
    pub related_wxpay_punish_no: String,
    pub mchid: String,
    pub bal_account_no: String,
    pub recover_reason: Option<String>,
    /// Optional, encrypted like `bal_account_no` with the same key (the family's API
    /// description of 2025.09.09; the 解管 page does not list it). Sent only when given.
    pub card_no: Option<String>,
    /// Optional: the merchant sub-account agreement number. Sent only when given.
    pub sgn_no: Option<String>,
    /// Optional: see `protocol::punish::REQ_SCENES`; any non-empty value passes. Sent only when given.
    pub req_scene: Option<String>,
}

impl std::fmt::Debug for RecoverRequest {
    // The ledger id is sensitive: keep it out of every debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoverRequest")
            .field("out_request_no", &self.out_request_no)
            .field("related_webank_punish_no", &self.related_webank_punish_no)
            .field("related_wxpay_punish_no", &self.related_wxpay_punish_no)
            .field("mchid", &self.mchid)
            .field("bal_account_no", &"<redacted>")
            .field("recover_reason", &self.recover_reason)
            .field("card_no", &self.card_no.as_ref().map(|_| "<redacted>"))
            .field("sgn_no", &self.sgn_no)
            .field("req_scene", &self.req_scene)
            .finish()
    }
}

pub const OUT_REQUEST_NO_MAX_BYTES: usize = 64;
/// WeChat Pay's 解管 API page gives no length for the other identifiers; real ones are a few
/// dozen bytes. A cap keeps a mistaken megabyte out of URLs, bodies and error messages.
pub const IDENTIFIER_MAX_BYTES: usize = 256;
pub const RECOVER_REASON_MAX_CHARS: usize = 256;

/// Present, non-empty, free of control characters. Used for every identifier the API takes.
pub fn check_identifier(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "is required and must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    if value.len() > IDENTIFIER_MAX_BYTES {
        return Err(Error::invalid(field, "must be at most 256 bytes"));
    }
    Ok(())
}

/// Free text the platform shows people (`punish_reason`, `recover_reason`): at most 256
/// characters, visible ones only.
pub(crate) fn check_reason(field: &str, reason: &str) -> Result<()> {
    if reason.chars().count() > RECOVER_REASON_MAX_CHARS {
        return Err(Error::invalid(field, "must be at most 256 characters"));
    }
    if reason.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "must contain visible characters only (no control characters)",
        ));
    }
    Ok(())
}

/// A sensitive field the client encrypts: present, no control characters, within RSA-OAEP's
/// limit. Errors never echo the value.
pub(crate) fn check_secret(field: &str, value: &str) -> Result<()> {
    if value.len() > OAEP_MAX_PLAINTEXT {
        return Err(Error::invalid(
            field,
            "must be at most 214 bytes (RSA-OAEP limit)",
        ));
    }
    check_identifier(field, value)
}

/// An optional identifier: when given, present and clean.
pub(crate) fn check_optional(field: &str, value: Option<&str>) -> Result<()> {
    value.map_or(Ok(()), |v| check_identifier(field, v))
}

/// RFC 3339 (`2026-12-31T23:59:59+08:00`), as the API's time fields are.
pub(crate) fn check_rfc3339(field: &str, value: &str) -> Result<()> {
    let bad = || {
        Error::invalid(
            field,
            "must be an RFC 3339 time such as 2026-12-31T23:59:59+08:00",
        )
    };
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .filter(|s| s.iter().all(u8::is_ascii_digit))
            .map(|s| s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return Err(bad());
    }
    if b[13] != b':' || b[16] != b':' {
        return Err(bad());
    }
    let (y, mo, d) = (digits(0..4), digits(5..7), digits(8..10));
    let (h, mi, s) = (digits(11..13), digits(14..16), digits(17..19));
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) = (y, mo, d, h, mi, s) else {
        return Err(bad());
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo) || d == 0 || d > days[mo as usize - 1] || h > 23 || mi > 59 || s > 60
    {
        return Err(bad());
    }
    let mut rest = &b[19..];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(bad());
        }
        rest = &rest[1 + n..];
    }
    match rest {
        [b'Z' | b'z'] => Ok(()),
        [b'+' | b'-', h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') <= 23
                && (m1 - b'0') * 10 + (m2 - b'0') <= 59 =>
        {
            Ok(())
        }
        _ => Err(bad()),
    }
}

impl RecoverRequest {
    /// The rules of WeChat Pay's 解管 API page, checked before anything is encrypted or sent. Errors name the field
    /// and never echo `bal_account_no`.
    pub fn validate(&self) -> Result<()> {
        if self.out_request_no.len() > OUT_REQUEST_NO_MAX_BYTES {
            return Err(Error::invalid("out_request_no", "must be at most 64 bytes"));
        }
        check_identifier("out_request_no", &self.out_request_no)?;
        check_identifier("related_webank_punish_no", &self.related_webank_punish_no)?;
        check_identifier("related_wxpay_punish_no", &self.related_wxpay_punish_no)?;
        check_identifier("mchid", &self.mchid)?;
        if self.bal_account_no.len() > OAEP_MAX_PLAINTEXT {
            return Err(Error::invalid(
                "bal_account_no",
                "must be at most 214 bytes (RSA-OAEP limit)",
            ));
        }
        check_identifier("bal_account_no", &self.bal_account_no)?;
        if self.out_request_no == self.related_webank_punish_no {
            return Err(Error::invalid(
                "out_request_no",
                "must differ from related_webank_punish_no",
            ));
        }
        if let Some(reason) = &self.recover_reason {
            check_reason("recover_reason", reason)?;
        }
        if let Some(card) = &self.card_no {
            check_secret("card_no", card)?;
        }
        check_optional("sgn_no", self.sgn_no.as_deref())?;
        check_optional("req_scene", self.req_scene.as_deref())
    }

    /// Whether any of the optional fields of the family's description is given.
    pub(crate) fn has_extensions(&self) -> bool {
        self.card_no.is_some() || self.sgn_no.is_some() || self.req_scene.is_some()
    }
}

/// The platform accepted the recover. The outcome comes later, by query or notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub wxpay_recover_no: String,
    pub out_request_no: String,
    pub request_id: Option<String>,
    pub attempts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoverState {
    /// A state this version does not know; the raw value is in `RecoverOrder::field("recover_state")`.
    Unknown,
    Executing,
    Success,
    Failed,
}

impl RecoverState {
    pub fn parse(s: &str) -> RecoverState {
        match s {
            "EXECUTING" => RecoverState::Executing,
            "SUCCESS" => RecoverState::Success,
            "FAILED" => RecoverState::Failed,
            _ => RecoverState::Unknown,
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, RecoverState::Success | RecoverState::Failed)
    }
}

/// Declares the documented `recover_order` fields once: the typed struct and the field table
/// every binding reads through the C ABI.
macro_rules! recover_order_fields {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        /// The documented fields of a `recover_order` (WeChat Pay's "查询管控单" API page). Every
        /// one is a string there; `None` when absent.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct RecoverOrderFields {
            $($(#[$doc])* pub $name: Option<String>,)*
        }

        /// The documented `recover_order` field names, in the API page's order.
        pub const RECOVER_ORDER_FIELDS: &[&str] = &[$(stringify!($name)),*];

        impl RecoverOrderFields {
            fn from_object(obj: &serde_json::Map<String, Value>) -> RecoverOrderFields {
                RecoverOrderFields {
                    $($name: obj.get(stringify!($name)).and_then(field_text),)*
                }
            }

            /// A documented field by name.
            pub fn get(&self, name: &str) -> Option<&str> {
                match name {
                    $(stringify!($name) => self.$name.as_deref(),)*
                    _ => None,
                }
            }
        }
    };
}

recover_order_fields!(
    wxpay_recover_no,
    out_request_no,
    related_wxpay_punish_no,
    mchid,
    punish_scene,
    punish_rule_version,
    /// RFC 3339.
    recover_accept_time,
    /// RFC 3339; until the order is final the platform sends it empty (as documented) or
    /// leaves it out, and the field is then `Some("")` or `None`.
    recover_finish_time,
    /// `EXECUTING`, `SUCCESS` or `FAILED` (see [`RecoverState`]).
    recover_state,
    recover_reason,
    /// Present when the recover failed.
    error_code,
    /// Present when the recover failed.
    error_message,
);

/// A documented field's text: a string as is; a number or boolean (the platform documents
/// strings, but its `punish_order` carries some of these as integers) as its JSON text; an
/// object, array or null as absent.
fn field_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A recover order as the query or a notification gives it: the typed documented fields, the
/// parsed state, and every field the documentation does not name, kept as JSON text.
#[derive(Debug, Clone)]
pub struct RecoverOrder {
    pub state: RecoverState,
    pub fields: RecoverOrderFields,
    /// Undocumented fields, sorted by name: name and JSON text of the value.
    pub extra: Vec<(String, String)>,
    /// The `recover_order` object exactly as received (after verification).
    pub raw: Value,
    pub request_id: Option<String>,
    pub attempts: u32,
}

impl RecoverOrder {
    /// A documented field (`wxpay_recover_no`, `recover_state`, `error_code`, …).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }

    /// Every field present, documented ones first in table order, then the undocumented ones:
    /// (name, text, documented). The one field list the C ABI and every binding expose.
    pub fn field_list(&self) -> Vec<(String, String, bool)> {
        RECOVER_ORDER_FIELDS
            .iter()
            .filter_map(|n| self.field(n).map(|v| (n.to_string(), v.to_string(), true)))
            .chain(
                self.extra
                    .iter()
                    .map(|(n, v)| (n.clone(), v.clone(), false)),
            )
            .collect()
    }

    /// A `recover_order` object (from a query answer, a notification's resource, or a caller's
    /// own HTTP stack).
    pub fn from_object(
        raw: Value,
        request_id: Option<String>,
        attempts: u32,
    ) -> Result<RecoverOrder> {
        let obj = raw.as_object().ok_or_else(|| {
            Error::new(ErrorKind::BadResponse, "recover_order is not a JSON object")
        })?;
        let fields = RecoverOrderFields::from_object(obj);
        let state = fields
            .recover_state
            .as_deref()
            .map(RecoverState::parse)
            .ok_or_else(|| {
                Error::new(ErrorKind::BadResponse, "recover_order has no recover_state")
            })?;
        let extra = obj
            .iter()
            .filter(|(k, _)| !RECOVER_ORDER_FIELDS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        Ok(RecoverOrder {
            state,
            fields,
            extra,
            raw,
            request_id,
            attempts,
        })
    }

    /// A `recover_order` given as JSON text, parsed strictly (no duplicate keys).
    pub fn parse(json: &[u8]) -> Result<RecoverOrder> {
        let raw = crate::core::json::parse_strict(json).map_err(|why| {
            Error::new(
                ErrorKind::BadResponse,
                format!(
                    "recover_order is not valid JSON: {}",
                    crate::core::text::clean(&why, 120)
                ),
            )
        })?;
        RecoverOrder::from_object(raw, None, 0)
    }

    pub(crate) fn from_query_body(
        body: &Value,
        request_id: Option<String>,
        attempts: u32,
    ) -> Result<RecoverOrder> {
        let raw = body
            .get("recover_order")
            .filter(|v| v.is_object())
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::BadResponse,
                    "query answer has no recover_order object",
                )
            })?;
        RecoverOrder::from_object(raw, request_id, attempts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> RecoverRequest {
        RecoverRequest {
            out_request_no: "R1".into(),
            related_webank_punish_no: "WB1".into(),
            related_wxpay_punish_no: "WX1".into(),
            mchid: "1900000101".into(),
            bal_account_no: "6222000011112222".into(),
            recover_reason: Some("核实无误，解除管控".into()),
            ..Default::default()
        }
    }

    fn field_of(r: &RecoverRequest) -> String {
        let e = r.validate().unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        e.message.split(':').next().unwrap().to_string()
    }

    #[test]
    fn rules_name_the_field() {
        assert!(good().validate().is_ok());
        let mut r = good();
        r.out_request_no = String::new();
        assert_eq!(field_of(&r), "out_request_no");
        r = good();
        r.out_request_no = "x".repeat(65);
        assert_eq!(field_of(&r), "out_request_no");
        r.out_request_no = "x".repeat(64);
        assert!(r.validate().is_ok());
        r = good();
        r.out_request_no = r.related_webank_punish_no.clone();
        assert_eq!(field_of(&r), "out_request_no");
        r = good();
        r.related_wxpay_punish_no = String::new();
        assert_eq!(field_of(&r), "related_wxpay_punish_no");
        r = good();
        r.mchid = "19\n00".into();
        assert_eq!(field_of(&r), "mchid");
        r = good();
        r.related_wxpay_punish_no = "9".repeat(257);
        assert_eq!(field_of(&r), "related_wxpay_punish_no");
        r = good();
        r.bal_account_no = "9".repeat(215);
        let e = r.validate().unwrap_err();
        assert!(e.message.starts_with("bal_account_no"));
        assert!(!e.message.contains("999"));
        r = good();
        r.recover_reason = Some("好".repeat(256));
        assert!(r.validate().is_ok());
        r.recover_reason = Some("好".repeat(257));
        assert_eq!(field_of(&r), "recover_reason");
        r.recover_reason = Some("tab\there".into());
        assert_eq!(field_of(&r), "recover_reason");
        assert!(!format!("{:?}", good()).contains("6222000011112222"));
    }

    /// The vector every binding checks too (tests/vectors/recover_order.json).
    #[test]
    fn the_shared_order_vector_gives_the_expected_fields() {
        let order =
            RecoverOrder::parse(include_bytes!("../../tests/vectors/recover_order.json")).unwrap();
        let expected: Value = serde_json::from_str(include_str!(
            "../../tests/vectors/recover_order.expected.json"
        ))
        .unwrap();
        let got: Vec<Value> = order
            .field_list()
            .into_iter()
            .map(|(n, v, d)| serde_json::json!([n, v, d]))
            .collect();
        assert_eq!(Value::Array(got), expected["fields"]);
        assert_eq!(order.state, RecoverState::Success);
        assert_eq!(order.fields.punish_scene.as_deref(), Some("2"));
        let e = RecoverOrder::parse(br#"{"recover_state":"SUCCESS","recover_state":"FAILED"}"#)
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
    }
}
