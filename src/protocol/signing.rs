//! Signing and verification: the `Authorization` header of every request, and the check of
//! every signed answer and notification (trusted serial, SHA256withRSA signature, replay
//! window), as WeChat Pay's APIv3 signature rules describe them.

use openssl::pkey::{PKey, Public};

use crate::core::clock::unix_now;
use crate::core::error::{Error, ErrorKind, Result};
use crate::core::text;
use crate::infra::config::Config;
use crate::infra::crypto;
use crate::infra::transport::Answer;

/// The platform's replay window for signed answers and notifications.
pub(crate) const REPLAY_WINDOW_SECS: i64 = 300;
pub(crate) const SIGNATURE_TYPE: &str = "WECHATPAY2-SHA256-RSA2048";

/// The `Wechatpay-*` headers of a signed answer or notification.
#[derive(Debug, Clone, Default)]
pub struct SignedHeaders {
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
    pub serial: String,
    /// `Wechatpay-Signature-Type`; checked when present.
    pub signature_type: Option<String>,
}

const NAMES: [&str; 5] = [
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
];

impl SignedHeaders {
    /// The signed headers from raw header names and values, matched case-insensitively. Two
    /// headers of the same `Wechatpay-*` name, or one that is not text, are `Unverified`:
    /// which of two signatures counts must never depend on their order.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<SignedHeaders> {
        let mut found: [Option<String>; 5] = Default::default();
        for (name, value) in pairs {
            let Some(i) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(name)) else {
                continue;
            };
            let unverified = |why: &str| {
                Err(Error::new(
                    ErrorKind::Unverified,
                    format!("{} header {why}", NAMES[i]),
                ))
            };
            if found[i].is_some() {
                return unverified("appears more than once");
            }
            match std::str::from_utf8(value) {
                Ok(v) if !v.chars().any(char::is_control) => found[i] = Some(v.to_string()),
                _ => return unverified("is not printable text"),
            }
        }
        let [timestamp, nonce, signature, serial, signature_type] = found;
        Ok(SignedHeaders {
            timestamp: timestamp.unwrap_or_default(),
            nonce: nonce.unwrap_or_default(),
            signature: signature.unwrap_or_default(),
            serial: serial.unwrap_or_default(),
            signature_type,
        })
    }
}

impl SignedHeaders {
    /// An answer's signed headers; duplicates are refused (see `from_pairs`).
    pub(crate) fn of_answer(answer: &Answer) -> Result<SignedHeaders> {
        SignedHeaders::from_pairs(
            answer
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_bytes())),
        )
    }
}

/// The `Authorization` value for a request of the merchant `config` names: `url` is the path
/// and query exactly as sent. The one place the header is built.
pub(crate) fn authorization(
    config: &Config,
    method: &str,
    url: &str,
    body: &[u8],
) -> Result<String> {
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(
            "method",
            "must be an upper-case HTTP method",
        ));
    }
    if !url.starts_with('/') || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::invalid(
            "url",
            "must be the path and query as sent, starting with '/'",
        ));
    }
    let timestamp = unix_now().to_string();
    let nonce = crypto::nonce()?;
    let message = crypto::request_message(method, url, &timestamp, &nonce, body);
    let signature = crypto::sign(config.merchant_key(), &message)?;
    Ok(format!(
        "{SIGNATURE_TYPE} mchid=\"{}\",nonce_str=\"{}\",timestamp=\"{}\",serial_no=\"{}\",signature=\"{}\"",
        config.mchid(),
        nonce,
        timestamp,
        config.merchant_serial_no(),
        signature
    ))
}

/// Checks `headers` and `body` against the key `key_for` gives for the serial they name:
/// trusted serial, signature over `timestamp\nnonce\nbody\n`, and a timestamp within the
/// replay window.
pub(crate) fn check_signed(
    headers: &SignedHeaders,
    body: &[u8],
    key_for: impl FnOnce(&str) -> std::result::Result<PKey<Public>, String>,
) -> Result<()> {
    let fail = |why: String| Err(Error::new(ErrorKind::Unverified, why));
    if let Some(t) = &headers.signature_type {
        if t != SIGNATURE_TYPE {
            return fail(format!(
                "unsupported Wechatpay-Signature-Type \"{}\"",
                text::clean(t, 40)
            ));
        }
    }
    if headers.serial.is_empty()
        || headers.timestamp.is_empty()
        || headers.nonce.is_empty()
        || headers.signature.is_empty()
    {
        return fail("missing Wechatpay-Serial, -Timestamp, -Nonce or -Signature".into());
    }
    // Cheap checks first: a replayed message must not cause a certificate download.
    let Ok(ts) = headers.timestamp.parse::<i64>() else {
        return fail("Wechatpay-Timestamp is not a number".into());
    };
    let skew = unix_now().saturating_sub(ts);
    if skew.unsigned_abs() >= REPLAY_WINDOW_SECS as u64 {
        return fail(format!(
            "Wechatpay-Timestamp is {skew} s from the local clock (window {REPLAY_WINDOW_SECS} s): replayed answer or local clock skew"
        ));
    }
    let key = match key_for(&headers.serial) {
        Ok(k) => k,
        Err(why) => return fail(why),
    };
    let message = crypto::response_message(&headers.timestamp, &headers.nonce, body);
    if !crypto::verify(&key, &message, &headers.signature) {
        return fail("Wechatpay-Signature does not verify".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_case_insensitively_and_duplicates_are_refused() {
        let h = SignedHeaders::from_pairs([
            ("wechatpay-timestamp", &b"1"[..]),
            ("WECHATPAY-NONCE", b"n"),
            ("Wechatpay-Signature", b"s"),
            ("Wechatpay-Serial", b"PUB"),
            ("Content-Type", b"x"),
        ])
        .unwrap();
        assert_eq!((h.timestamp.as_str(), h.serial.as_str()), ("1", "PUB"));
        assert!(h.signature_type.is_none());
        let e = SignedHeaders::from_pairs([
            ("Wechatpay-Signature", &b"a"[..]),
            ("wechatpay-signature", b"b"),
        ])
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unverified);
        assert!(e.message.contains("more than once"), "{}", e.message);
        let e = SignedHeaders::from_pairs([("Wechatpay-Nonce", &b"a\r\nb"[..])]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unverified);
    }
}
