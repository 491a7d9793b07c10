//! Answers: the JSON success and error bodies, and the HTTP response built from one, with
//! `Request-ID`, `Date` and, on a 2xx, the platform's `Wechatpay-*` signature headers.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use super::auth::AUTH_SCHEME;
use super::faults::FaultKind;
use super::state::Shared;
use crate::crypto::rsa_sign;
use crate::util::{b64, http_date, random_alnum, random_bytes};

/// The padding field `huge_body` adds to a 2xx JSON answer.
const HUGE_PADDING: usize = 4 * 1024 * 1024;
/// A well-formed public key id that is not the sandbox's (never generated: real ids start `01`).
pub const WRONG_SERIAL: &str = "PUB_KEY_ID_0999999999999999999999999999";

/// The key that signs an answer, as the request's `Wechatpay-Serial` named it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Serial {
    PubKey,
    /// A platform certificate (index into `Shared::certs`) was named. Answers are signed with
    /// the newest valid certificate, as the platform does after a rotation.
    Cert(usize),
}

pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub serial: Serial,
}

impl Answer {
    pub fn ok(v: Value, serial: Serial) -> Answer {
        Answer {
            status: 200,
            body: serde_json::to_vec(&v).unwrap_or_default(),
            content_type: "application/json",
            serial,
        }
    }

    pub fn err(status: u16, code: &str, message: impl Into<String>) -> Answer {
        let v = json!({"code": code, "message": message.into()});
        Answer {
            status,
            body: serde_json::to_vec(&v).unwrap_or_default(),
            content_type: "application/json",
            serial: Serial::PubKey,
        }
    }

    fn err_detail(status: u16, code: &str, message: impl Into<String>, detail: Value) -> Answer {
        let v = json!({"code": code, "message": message.into(), "detail": detail});
        Answer {
            status,
            body: serde_json::to_vec(&v).unwrap_or_default(),
            content_type: "application/json",
            serial: Serial::PubKey,
        }
    }

    pub fn param(message: impl Into<String>) -> Answer {
        Answer::err(400, "PARAM_ERROR", message)
    }

    pub fn param_field(field: &str, message: impl Into<String>) -> Answer {
        Answer::err_detail(400, "PARAM_ERROR", message, json!({"field": field}))
    }
}

impl Shared {
    /// The five Wechatpay-* headers for a signed message with the given body.
    pub fn sign_headers(
        &self,
        body: &[u8],
        serial_cert: bool,
        fault: Option<FaultKind>,
    ) -> Vec<(&'static str, String)> {
        self.sign_headers_at(body, serial_cert, fault, 0)
    }

    pub(super) fn sign_headers_at(
        &self,
        body: &[u8],
        serial_cert: bool,
        fault: Option<FaultKind>,
        offset_s: i64,
    ) -> Vec<(&'static str, String)> {
        let mut ts = self.now() + offset_s;
        if fault == Some(FaultKind::StaleTimestamp) {
            ts -= 600;
        }
        let nonce = random_alnum(32);
        let (cert_serial, signing_key) = if serial_cert {
            self.cert_signer()
        } else {
            (String::new(), self.mat.wechatpay_key.clone())
        };
        let serial = match (fault, serial_cert) {
            (Some(FaultKind::WrongSerial), _) => WRONG_SERIAL.to_string(),
            (_, true) => cert_serial,
            (_, false) => self.mat.wechatpay_public_key_id.clone(),
        };
        let mut msg = format!("{ts}\n{nonce}\n").into_bytes();
        msg.extend_from_slice(body);
        msg.push(b'\n');
        let sig = match fault {
            Some(FaultKind::BadSignature) => b64(&random_bytes(256)),
            Some(FaultKind::SignTest) => format!("WECHATPAY/SIGNTEST/{}", random_alnum(64)),
            _ => rsa_sign(&signing_key, &msg)
                .map(|s| b64(&s))
                .unwrap_or_default(),
        };
        vec![
            ("Wechatpay-Timestamp", ts.to_string()),
            ("Wechatpay-Nonce", nonce),
            ("Wechatpay-Signature", sig),
            ("Wechatpay-Serial", serial),
            ("Wechatpay-Signature-Type", AUTH_SCHEME.to_string()),
        ]
    }

    /// The HTTP response for `ans`; `fault` is the one the request took, if any (it may pad or
    /// spoil a 2xx answer).
    pub(super) fn build_response(
        &self,
        mut ans: Answer,
        rid: &str,
        fault: Option<FaultKind>,
    ) -> Response<Full<Bytes>> {
        let ok = (200..300).contains(&ans.status);
        if ok && fault == Some(FaultKind::HugeBody) {
            if let Ok(Value::Object(mut m)) = serde_json::from_slice::<Value>(&ans.body) {
                m.insert(
                    "sandbox_padding".into(),
                    Value::String("x".repeat(HUGE_PADDING)),
                );
                ans.body = serde_json::to_vec(&Value::Object(m)).unwrap_or_default();
            }
        }
        let mut resp = Response::new(Full::new(Bytes::new()));
        *resp.status_mut() =
            StatusCode::from_u16(ans.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(rid) {
            h.insert("Request-ID", v);
        }
        h.insert(CONTENT_TYPE, HeaderValue::from_static(ans.content_type));
        if let Ok(v) = HeaderValue::from_str(&http_date(self.now())) {
            h.insert(hyper::header::DATE, v);
        }
        if ok && fault.is_some_and(FaultKind::spoils_signature) {
            self.spoiled
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(rid.to_string());
        }
        if ok {
            let cert = matches!(ans.serial, Serial::Cert(_));
            for (k, v) in self.sign_headers(&ans.body, cert, fault) {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(k, v);
                }
            }
        }
        *resp.body_mut() = Full::new(Bytes::from(ans.body));
        resp
    }
}
