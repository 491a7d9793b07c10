//! Who sent a request and which key it names: the merchant's `Authorization` signature
//! (scheme, parameters, time window, nonce replay) and the `Wechatpay-Serial` header.

use std::collections::HashMap;

use hyper::header::HeaderMap;
use hyper::Method;

use super::answer::{Answer, Serial};
use super::routes::SerialRule;
use super::state::Shared;
use crate::crypto::rsa_verify;
use crate::util::unb64;

pub const AUTH_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";
/// Replay window for request timestamps and nonces.
pub const WINDOW_SECS: i64 = 300;

impl Shared {
    /// Verifies the request's `Authorization` over method, path and query, timestamp, nonce and
    /// body, and records the nonce. `Err` is the 401 message.
    pub(super) fn verify_auth(
        &self,
        method: &Method,
        pq: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), String> {
        let h = headers
            .get(hyper::header::AUTHORIZATION)
            .ok_or("missing Authorization header")?
            .to_str()
            .map_err(|_| "Authorization header is not visible ASCII")?;
        let rest = h
            .strip_prefix(AUTH_SCHEME)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or("Authorization scheme must be WECHATPAY2-SHA256-RSA2048")?;
        let mut params: HashMap<&str, &str> = HashMap::new();
        for part in rest.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, v) = part
                .split_once('=')
                .ok_or("malformed Authorization parameter (expected key=\"value\")")?;
            let k = k.trim();
            let v = v
                .trim()
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or("Authorization parameter values must be double-quoted")?;
            if params.insert(k, v).is_some() {
                return Err(format!("duplicate Authorization parameter {k}"));
            }
        }
        let get = |k: &str| {
            params
                .get(k)
                .copied()
                .ok_or_else(|| format!("Authorization lacks {k}"))
        };
        let mchid = get("mchid")?;
        let nonce = get("nonce_str")?;
        let ts = get("timestamp")?;
        let serial = get("serial_no")?;
        let sig = get("signature")?;
        if mchid != self.mat.mchid {
            return Err("mchid in Authorization is not a merchant known to the sandbox".into());
        }
        if !serial.eq_ignore_ascii_case(&self.mat.merchant_serial_no) {
            return Err("serial_no does not name the merchant API certificate".into());
        }
        if ts.is_empty() || ts.len() > 12 || !ts.bytes().all(|b| b.is_ascii_digit()) {
            return Err("timestamp must be Unix seconds".into());
        }
        let tsn: i64 = ts.parse().map_err(|_| "timestamp must be Unix seconds")?;
        let now = self.now();
        if (now - tsn).abs() >= WINDOW_SECS {
            return Err("timestamp is outside the 5-minute window".into());
        }
        if nonce.is_empty() {
            return Err("nonce_str is empty".into());
        }
        let sig = unb64(sig).ok_or("signature is not valid base64")?;
        let mut msg = Vec::with_capacity(pq.len() + body.len() + 96);
        msg.extend_from_slice(method.as_str().as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(pq.as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(ts.as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(nonce.as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(body);
        msg.push(b'\n');
        if !rsa_verify(&self.mat.merchant_public, &msg, &sig) {
            return Err("signature verification failed".into());
        }
        let mut st = self.lock();
        if now - st.last_prune >= 1 {
            st.nonces.retain(|_, t| now - *t < WINDOW_SECS);
            st.last_prune = now;
        }
        let key = format!("{mchid}\u{0}{nonce}");
        if st.nonces.contains_key(&key) {
            return Err("nonce_str was already used".into());
        }
        st.nonces.insert(key, tsn);
        Ok(())
    }

    /// The key the request's `Wechatpay-Serial` names, under the endpoint's rule; `Err` is the
    /// 400 answer.
    pub(super) fn named_serial(
        &self,
        rule: SerialRule,
        headers: &HeaderMap,
    ) -> Result<Serial, Answer> {
        let named = headers
            .get("wechatpay-serial")
            .map(|v| v.to_str().unwrap_or("\u{0}").trim().to_string());
        let cert_named = named.as_deref().and_then(|s| self.cert_index(s));
        match (named.as_deref(), cert_named) {
            (Some(s), _) if s == self.mat.wechatpay_public_key_id => Ok(Serial::PubKey),
            (Some(_), Some(i)) => Ok(Serial::Cert(i)),
            // The certificate download is signed by a platform certificate unless the public
            // key was named, so a client that knows no key yet can bootstrap from it.
            _ if rule == SerialRule::Bootstrap && self.cfg.certificates_signed_by_certificate => {
                Ok(Serial::Cert(0))
            }
            _ if rule == SerialRule::Bootstrap => Ok(Serial::PubKey),
            (None, _) if rule != SerialRule::Required => Ok(Serial::PubKey),
            (None, _) => Err(Answer::param(
                "missing Wechatpay-Serial header (required with encrypted fields)",
            )),
            (Some(_), _) => Err(Answer::param(
                "Wechatpay-Serial names neither the WeChat Pay public key id nor the platform certificate serial",
            )),
        }
    }
}
