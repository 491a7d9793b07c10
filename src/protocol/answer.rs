//! The platform's non-2xx answers: `{"code","message","detail"}` as an `Error`, every text
//! bounded and escaped, and a clock-skew hint on `SIGN_ERROR` (see WeChat Pay's APIv3 error
//! code page).

use std::time::SystemTime;

use serde_json::Value;

use crate::core::clock::unix_now;
use crate::core::error::{Error, ErrorKind};
use crate::core::text;
use crate::infra::transport::Answer;

/// A local clock this far from the platform's is worth naming in a `SIGN_ERROR`.
const CLOCK_SKEW_HINT_SECS: i64 = 60;

/// A non-2xx answer: the platform's `{"code","message","detail"}`, or what we can say of it.
/// Every text is bounded and escaped; `detail` is kept up to 64 KiB.
pub(crate) fn api_error(answer: &Answer) -> Error {
    let parsed: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let text_of = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
    };
    let message = match text_of("message") {
        Some(m) => text::clean(m, text::MESSAGE_MAX_CHARS),
        None => {
            let raw = String::from_utf8_lossy(&answer.body);
            format!(
                "HTTP {} with a non-JSON body: {}",
                answer.status,
                text::clean(raw.trim(), text::EXCERPT_MAX_CHARS)
            )
        }
    };
    let mut e = Error::new(ErrorKind::Api, message);
    e.code = text_of("code").map(|c| text::clean_bytes(c, text::CODE_MAX_BYTES));
    e.detail = parsed
        .as_ref()
        .and_then(|v| v.get("detail"))
        .map(Value::to_string)
        .filter(|d| d.len() <= text::DETAIL_MAX_BYTES);
    if answer.status == 401 {
        if let Some(offset) = answer
            .headers
            .get("Date")
            .and_then(|v| v.to_str().ok())
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|platform| unix_now() - platform.as_secs() as i64)
            .filter(|o| o.abs() >= CLOCK_SKEW_HINT_SECS)
        {
            e.message = format!(
                "{}; the local clock is {} s {} the platform's (its Date header): requests are signed with local time, so fix the clock (NTP)",
                e.message,
                offset.abs(),
                if offset > 0 { "ahead of" } else { "behind" }
            );
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn platform_text_is_bounded_and_escaped() {
        let body = serde_json::to_vec(&json!({
            "code": "X".repeat(100_000),
            "message": format!("bad\r\n2026-01-01 INFO forged{}", "m".repeat(600_000)),
            "detail": {"field": "y".repeat(70_000)},
        }))
        .unwrap();
        let answer = Answer {
            status: 400,
            headers: Default::default(),
            body,
            request_id: None,
        };
        let e = api_error(&answer);
        assert!(
            e.message.len() < 2 * text::MESSAGE_MAX_CHARS,
            "{}",
            e.message.len()
        );
        assert!(!e.message.contains('\n') && e.message.starts_with("bad\\r\\n"));
        assert!(e.code.as_ref().unwrap().len() <= text::CODE_MAX_BYTES);
        assert!(e.detail.is_none());
        let answer = Answer {
            status: 502,
            headers: Default::default(),
            body: b"<html>\x1b[2J gateway</html>".to_vec(),
            request_id: None,
        };
        let e = api_error(&answer);
        assert!(!e.message.contains('\x1b'), "{}", e.message);
    }
}
