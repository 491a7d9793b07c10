//! The API calls: paths, request bodies, and what a verified answer must contain, for the
//! recover (解管) and its query. See WeChat Pay's "解管" and "查询管控单" API pages.

use std::time::SystemTime;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{unix_now, Client};
use crate::crypto;
use crate::error::{Error, ErrorKind, Result};
use crate::json;
use crate::model::{check_identifier, Accepted, RecoverOrder, RecoverRequest};
use crate::retry::{Exchange, Verification};
use crate::stats::Endpoint;
use crate::text;
use crate::transport::Answer;

pub(crate) const RECOVER_PATH: &str = "/v3/aggracct-bc/wb-channel/control-orders/recover";
const QUERY_PATH_PREFIX: &str = "/v3/aggracct-bc/wb-channel/control-orders/";
/// A local clock this far from the platform's is worth naming in a `SIGN_ERROR`.
const CLOCK_SKEW_HINT_SECS: i64 = 60;
/// Everything but RFC 3986 unreserved characters is encoded in a path segment or query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Client {
    /// Submits a recover. Every attempt sends the same body bytes (same `out_request_no`), so a
    /// retry after an unknown outcome is re-entry, never a second recover. With a journal, the
    /// order is recorded durably before the first byte goes out (`journal/mod.rs`).
    pub fn submit(&self, request: &RecoverRequest) -> Result<Accepted> {
        request.validate()?;
        if self.journal.is_some() {
            return self.submit_journaled(request);
        }
        let (serial, body) = self.recover_body(request)?;
        self.send_recover(&request.out_request_no, &body, &serial)
    }

    /// The recover body with `bal_account_no` encrypted, and the `Wechatpay-Serial` of the key
    /// that encrypted it: one key for the whole call, so the serial names the key used.
    pub(crate) fn recover_body(&self, request: &RecoverRequest) -> Result<(String, Vec<u8>)> {
        let (serial, key) = self.encryption_key()?;
        let encrypted = crypto::encrypt_oaep(&key, request.bal_account_no.as_bytes())?;
        let mut body = json!({
            "out_request_no": request.out_request_no,
            "related_webank_punish_no": request.related_webank_punish_no,
            "related_wxpay_punish_no": request.related_wxpay_punish_no,
            "mchid": request.mchid,
            "bal_account_no": encrypted,
        });
        if let Some(reason) = &request.recover_reason {
            body["recover_reason"] = Value::String(reason.clone());
        }
        let body = serde_json::to_vec(&body)
            .map_err(|e| Error::internal(format!("serialising the request: {e}")))?;
        Ok((serial, body))
    }

    /// Sends a recover body (new or stored) and checks its acceptance.
    pub(crate) fn send_recover(
        &self,
        out_request_no: &str,
        body: &[u8],
        serial: &str,
    ) -> Result<Accepted> {
        let ex = self.execute(
            Endpoint::Recover,
            Method::POST,
            RECOVER_PATH,
            Some(body),
            Some(serial),
            Verification::Here,
        )?;
        let parsed = parse_object(&ex)?;
        let field = |name: &str| {
            parsed
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let bad = |why: &str| ex.fail(Error::new(ErrorKind::BadResponse, why));
        let wxpay_recover_no =
            field("wxpay_recover_no").ok_or_else(|| bad("answer has no wxpay_recover_no"))?;
        match field("out_request_no") {
            Some(n) if n == out_request_no => {}
            _ => return Err(bad("answer's out_request_no does not match the request")),
        }
        Ok(Accepted {
            wxpay_recover_no,
            out_request_no: out_request_no.to_string(),
            request_id: ex.answer.request_id,
            attempts: ex.attempts,
        })
    }

    /// Queries a recover by its `out_request_no` for the target merchant `mchid`. The answer
    /// must be about that order: another order's state is never returned as this one's.
    pub fn query(&self, out_request_no: &str, mchid: &str) -> Result<RecoverOrder> {
        check_identifier("out_request_no", out_request_no)?;
        if out_request_no.len() > crate::model::OUT_REQUEST_NO_MAX_BYTES {
            return Err(Error::invalid("out_request_no", "must be at most 64 bytes"));
        }
        check_identifier("mchid", mchid)?;
        let path = format!(
            "{QUERY_PATH_PREFIX}{}?control_type=RECOVER&mchid={}",
            percent_encode(out_request_no),
            percent_encode(mchid)
        );
        let (serial, _) = self.encryption_key()?;
        let ex = self.execute(
            Endpoint::Query,
            Method::GET,
            &path,
            None,
            Some(&serial),
            Verification::Here,
        )?;
        let parsed = parse_object(&ex)?;
        let order =
            RecoverOrder::from_query_body(&parsed, ex.answer.request_id.clone(), ex.attempts)
                .map_err(|e| ex.fail(e))?;
        for (name, wanted) in [("out_request_no", out_request_no), ("mchid", mchid)] {
            if order.field(name) != Some(wanted) {
                return Err(ex.fail(Error::new(
                    ErrorKind::BadResponse,
                    format!("query answer's recover_order.{name} does not match the request"),
                )));
            }
        }
        self.journal_query_result(&order);
        Ok(order)
    }
}

/// The verified body as a JSON object, parsed strictly (no duplicate keys).
pub(crate) fn parse_object(ex: &Exchange) -> Result<Value> {
    match json::parse_strict(&ex.answer.body) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(ex.fail(Error::new(
            ErrorKind::BadResponse,
            "verified answer is not a JSON object",
        ))),
        Err(why) => Err(ex.fail(Error::new(
            ErrorKind::BadResponse,
            format!(
                "verified answer is not valid JSON: {}",
                text::clean(&why, 120)
            ),
        ))),
    }
}

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

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_unreserved_only() {
        assert_eq!(percent_encode("Ab-._~9"), "Ab-._~9");
        assert_eq!(percent_encode("a b/c?d%"), "a%20b%2Fc%3Fd%25");
        assert_eq!(percent_encode("解"), "%E8%A7%A3");
    }

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
