//! Reading the request bodies of recover and punish: the JSON object, required and optional
//! string fields, enumerations, the RSA-OAEP encrypted fields (decrypted with the key the
//! request's `Wechatpay-Serial` named) and RFC 3339 times. Every `Err` is the `400
//! PARAM_ERROR` answer, naming the field in its message and in `detail.field`.

use openssl::pkey::{PKey, Private};
use serde_json::{Map, Value};

use super::answer::{Answer, Serial};
use super::state::Shared;
use crate::crypto::oaep_decrypt;
use crate::util::{has_control, unb64};

/// The longest `out_request_no`, in bytes.
const MAX_OUT_REQUEST_NO: usize = 64;
/// The longest plaintext an RSA-2048 OAEP (SHA-1) ciphertext can hold.
const MAX_PLAINTEXT: usize = 214;

impl Shared {
    /// The private key that decrypts fields encrypted to the key `serial` named.
    pub(super) fn decryption_key(&self, serial: Serial) -> PKey<Private> {
        match serial {
            Serial::PubKey => self.mat.wechatpay_key.clone(),
            Serial::Cert(i) => match self.certs_read().get(i) {
                Some(c) => c.key.clone(),
                None => self.mat.wechatpay_key.clone(),
            },
        }
    }
}

/// The request body as a JSON object.
pub fn body_object(body: &[u8]) -> Result<Map<String, Value>, Answer> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Answer::param("request body must be a JSON object")),
        Err(e) => Err(Answer::param(format!(
            "request body is not valid JSON: {e}"
        ))),
    }
}

/// A required string field: present, non-empty, without control characters.
pub fn req_field(obj: &Map<String, Value>, name: &str) -> Result<String, Answer> {
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

/// `out_request_no`: a required field of at most 64 bytes.
pub fn out_request_no(obj: &Map<String, Value>) -> Result<String, Answer> {
    let out = req_field(obj, "out_request_no")?;
    if out.len() > MAX_OUT_REQUEST_NO {
        return Err(Answer::param_field(
            "out_request_no",
            "field out_request_no is longer than 64 bytes",
        ));
    }
    Ok(out)
}

/// An optional string field (absent or `null` = `None`): a string without control
/// characters, of at most `max_chars` characters when given.
pub fn opt_string(
    obj: &Map<String, Value>,
    name: &str,
    max_chars: Option<usize>,
) -> Result<Option<String>, Answer> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            if let Some(max) = max_chars.filter(|&m| s.chars().count() > m) {
                return Err(Answer::param_field(
                    name,
                    format!("field {name} is longer than {max} characters"),
                ));
            }
            if has_control(s) {
                return Err(Answer::param_field(
                    name,
                    format!("field {name} contains control characters"),
                ));
            }
            Ok(Some(s.clone()))
        }
        Some(_) => Err(Answer::param_field(
            name,
            format!("field {name} must be a string"),
        )),
    }
}

/// An optional string field that must be one of `allowed` when given.
pub fn opt_enum(
    obj: &Map<String, Value>,
    name: &str,
    allowed: &[&str],
) -> Result<Option<String>, Answer> {
    let v = opt_string(obj, name, None)?;
    match v {
        Some(s) if !allowed.contains(&s.as_str()) => Err(Answer::param_field(
            name,
            format!("field {name} must be one of {}", allowed.join(", ")),
        )),
        v => Ok(v),
    }
}

/// A field encrypted with RSA-OAEP (SHA-1, MGF1-SHA-1) to `key`, decrypted. Required: as
/// `req_field`, then the plaintext rules; optional: absent or `null` is `None`.
pub fn encrypted(
    obj: &Map<String, Value>,
    name: &str,
    key: &PKey<Private>,
    required: bool,
) -> Result<Option<String>, Answer> {
    if !required && matches!(obj.get(name), None | Some(Value::Null)) {
        return Ok(None);
    }
    let b64 = req_field(obj, name)?;
    let ct = unb64(&b64).ok_or_else(|| {
        Answer::param_field(
            name,
            format!("field {name} is not base64 (it must be encrypted)"),
        )
    })?;
    let pt = oaep_decrypt(key, &ct).map_err(|_| {
        Answer::param_field(
            name,
            format!("field {name} could not be decrypted (RSA-OAEP SHA-1 with the WeChat Pay public key expected)"),
        )
    })?;
    let plain = String::from_utf8(pt)
        .map_err(|_| Answer::param_field(name, format!("decrypted {name} is not UTF-8")))?;
    if plain.is_empty() || has_control(&plain) || plain.len() > MAX_PLAINTEXT {
        return Err(Answer::param_field(
            name,
            format!("decrypted {name} is empty, too long or contains control characters"),
        ));
    }
    Ok(Some(plain))
}

/// The JSON type of a value, as `GET /punishes` reports what a field arrived as.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A required field that must be a JSON integer (a string such as `"1"` is refused).
pub fn req_integer(obj: &Map<String, Value>, name: &str) -> Result<i64, Answer> {
    match obj.get(name) {
        None | Some(Value::Null) => Err(Answer::param_field(
            name,
            format!("missing required field {name}"),
        )),
        Some(Value::Number(n)) if n.is_f64() => Err(Answer::param_field(
            name,
            format!(
                "field {name} must be a JSON integer, not a number with a fraction or exponent"
            ),
        )),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| Answer::param_field(name, format!("field {name} is out of range"))),
        Some(v) => {
            let t = json_type(v);
            let a = if t.starts_with(['a', 'o']) { "an" } else { "a" };
            Err(Answer::param_field(
                name,
                format!("field {name} must be a JSON integer, not {a} {t}"),
            ))
        }
    }
}

/// An optional RFC 3339 date-time (`2025-09-09T10:00:00+08:00`, `…Z`, fractional seconds
/// allowed), kept as sent.
pub fn opt_rfc3339(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, Answer> {
    match opt_string(obj, name, None)? {
        Some(s) if !is_rfc3339(&s) => Err(Answer::param_field(
            name,
            format!("field {name} is not an RFC 3339 date-time (e.g. 2025-09-09T10:00:00+08:00)"),
        )),
        v => Ok(v),
    }
}

/// Whether `s` is an RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` with a real
/// calendar date, hours < 24, minutes < 60 and seconds ≤ 60 (a leap second).
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let d = b.get(from..from + len)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| d.iter().fold(0, |n, c| n * 10 + u32::from(c - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(year), Some(month), Some(day)) = (num(0, 4), num(5, 2), num(8, 2)) else {
        return false;
    };
    if !(at(4, b'-') && at(7, b'-') && matches!(b.get(10), Some(b'T' | b't'))) {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    let (Some(h), Some(m), Some(sec)) = (num(11, 2), num(14, 2), num(17, 2)) else {
        return false;
    };
    if !(at(13, b':') && at(16, b':')) || day == 0 || day > days || h > 23 || m > 59 || sec > 60 {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b':')
                && num(i + 1, 2).is_some_and(|oh| oh <= 23)
                && num(i + 4, 2).is_some_and(|om| om <= 59)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc3339_accepts_date_times_and_nothing_else() {
        for ok in [
            "2025-09-09T10:00:00+08:00",
            "2025-09-09T10:00:00Z",
            "2025-09-09t10:00:00z",
            "2025-09-09T10:00:00.123456-05:30",
            "2024-02-29T23:59:60+00:00",
            "0001-01-01T00:00:00Z",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "",
            "2025-09-09",
            "2025-09-09 10:00:00+08:00",
            "2025-09-09T10:00:00",
            "2025-09-09T10:00+08:00",
            "2025-02-29T10:00:00Z",
            "2025-13-01T10:00:00Z",
            "2025-00-01T10:00:00Z",
            "2025-04-31T10:00:00Z",
            "2025-09-09T24:00:00Z",
            "2025-09-09T10:60:00Z",
            "2025-09-09T10:00:61Z",
            "2025-09-09T10:00:00.Z",
            "2025-09-09T10:00:00+0800",
            "2025-09-09T10:00:00+24:00",
            "2025-09-09T10:00:00Z ",
            "25-09-09T10:00:00Z",
            "2025/09/09T10:00:00Z",
            "２０２５-09-09T10:00:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn integers_only() {
        let obj = |v: Value| json!({ "n": v }).as_object().cloned().expect("object");
        assert_eq!(req_integer(&obj(json!(7)), "n").ok(), Some(7));
        assert_eq!(req_integer(&obj(json!(-7)), "n").ok(), Some(-7));
        for bad in [
            json!("7"),
            json!(7.0),
            json!(1.5),
            json!(u64::MAX),
            json!(true),
        ] {
            assert!(req_integer(&obj(bad.clone()), "n").is_err(), "{bad}");
        }
        assert!(req_integer(&obj(Value::Null), "n").is_err());
        assert_eq!(json_type(&json!(7)), "integer");
        assert_eq!(json_type(&json!(7.5)), "number");
        assert_eq!(json_type(&json!("7")), "string");
    }
}
