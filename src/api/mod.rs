//! Layer 4, the API calls: each call of WeChat Pay's control-order API family is a `CallSpec`
//! row below (how it goes on the wire) and a file that builds its body and checks its answer
//! (`recover`, `punish`, `query`); `call` sends one through the executor with the platform keys as its
//! verifier; `keys` chooses the WeChat Pay key that encrypts and verifies, and
//! downloads platform certificates. Sends through the exchange layer; uses everything below.
//! Adding an endpoint: one row here, one file beside this one.

pub(crate) mod call;
pub(crate) mod keys;
pub(crate) mod punish;
pub(crate) mod query;
pub(crate) mod recover;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde_json::Value;

use crate::core::error::{Error, ErrorKind, Result};
use crate::core::json;
use crate::core::kinds::Endpoint;
use crate::core::text;
use crate::exchange::executor::Exchange;

/// How one call goes on the wire.
pub(crate) struct CallSpec {
    /// The bucket and counters it uses.
    pub endpoint: Endpoint,
    pub method: Method,
    /// The path; `{}` stands for the percent-encoded `out_request_no` where the path has one.
    pub path: &'static str,
}

/// 解管: `POST …/control-orders/recover` (the seed page).
pub(crate) const RECOVER: CallSpec = CallSpec {
    endpoint: Endpoint::Recover,
    method: Method::POST,
    path: "/v3/aggracct-bc/wb-channel/control-orders/recover",
};

/// 查询管控单: `GET …/control-orders/{out_request_no}?control_type=…&mchid=…`.
pub(crate) const QUERY: CallSpec = CallSpec {
    endpoint: Endpoint::Query,
    method: Method::GET,
    path: "/v3/aggracct-bc/wb-channel/control-orders/{}",
};

/// 下载平台证书: `GET /v3/certificates`.
pub(crate) const CERTIFICATES: CallSpec = CallSpec {
    endpoint: Endpoint::Certificates,
    method: Method::GET,
    path: "/v3/certificates",
};

/// 管控: `POST …/control-orders/punish` (the family's description of 2025.09.09).
pub(crate) const PUNISH: CallSpec = CallSpec {
    endpoint: Endpoint::Punish,
    method: Method::POST,
    path: "/v3/aggracct-bc/wb-channel/control-orders/punish",
};

/// Everything but RFC 3986 unreserved characters is encoded in a path segment or query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// Sends a submit body (recover or punish, new or stored) and checks its acceptance: the
/// platform's number in `number_field` must be there and the answer must name the order that
/// was sent. Returns the number and the exchange it came from.
pub(crate) fn send_submit(
    api: call::Api<'_>,
    spec: &CallSpec,
    number_field: &str,
    out_request_no: &str,
    body: &[u8],
    serial: &str,
) -> Result<(String, Exchange)> {
    let ex = api.send(spec, spec.path, Some(body), Some(serial))?;
    let parsed = parse_object(&ex)?;
    let field = |name: &str| {
        parsed
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let bad = |why: String| ex.fail(Error::new(ErrorKind::BadResponse, why));
    let number = field(number_field).ok_or_else(|| bad(format!("answer has no {number_field}")))?;
    match field("out_request_no") {
        Some(n) if n == out_request_no => {}
        _ => {
            return Err(bad(
                "answer's out_request_no does not match the request".to_string()
            ))
        }
    }
    Ok((number, ex))
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
    fn every_call_has_one_row_and_its_own_bucket() {
        let calls = [&RECOVER, &QUERY, &CERTIFICATES, &PUNISH];
        let endpoints: Vec<Endpoint> = calls.iter().map(|c| c.endpoint).collect();
        assert_eq!(endpoints, Endpoint::ALL.to_vec());
        assert!(calls.iter().all(|c| c.path.starts_with("/v3/")));
    }
}
