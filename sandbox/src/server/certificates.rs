//! `GET /v3/certificates`: the platform certificates, encrypted with the APIv3 key; which
//! certificate signs certificate-mode answers; and admin `POST /rotate-certificate`.

use std::sync::{Arc, RwLockReadGuard};

use openssl::pkey::{PKey, Private};
use serde_json::{json, Map, Value};

use super::answer::Answer;
use super::routes::Call;
use super::state::{PlatformCert, Shared};
use crate::crypto::aes_gcm_encrypt;
use crate::util::{b64, now_unix, random_alnum, rfc3339};

/// The route's handler.
pub fn answer(sh: &Arc<Shared>, call: &Call<'_>) -> Answer {
    let mut data = Vec::new();
    for c in sh.certs_read().iter() {
        let nonce = random_alnum(12);
        let ct = match aes_gcm_encrypt(
            sh.mat.apiv3_key.as_bytes(),
            nonce.as_bytes(),
            b"certificate",
            &c.pem,
        ) {
            Ok(c) => c,
            Err(e) => return Answer::err(500, "SYSTEM_ERROR", format!("encryption failed: {e}")),
        };
        data.push(json!({
            "serial_no": c.serial,
            "effective_time": rfc3339(c.not_before),
            "expire_time": rfc3339(c.not_after),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": b64(&ct),
            }
        }));
    }
    Answer::ok(json!({ "data": data }), call.serial)
}

impl Shared {
    pub(super) fn certs_read(&self) -> RwLockReadGuard<'_, Vec<PlatformCert>> {
        self.certs.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The index of the served certificate with this serial.
    pub(super) fn cert_index(&self, serial: &str) -> Option<usize> {
        self.certs_read()
            .iter()
            .position(|c| c.serial.eq_ignore_ascii_case(serial))
    }

    /// The serial and key that sign certificate-mode messages: the newest certificate valid
    /// now (the state dir's own one if none is).
    pub(super) fn cert_signer(&self) -> (String, PKey<Private>) {
        let now = now_unix();
        let certs = self.certs_read();
        let pick = certs
            .iter()
            .filter(|c| c.not_before <= now && now < c.not_after)
            .max_by_key(|c| c.not_before)
            .or(certs.first());
        match pick {
            Some(c) => (c.serial.clone(), c.key.clone()),
            None => (
                self.mat.platform_certificate_serial.clone(),
                self.mat.wechatpay_key.clone(),
            ),
        }
    }

    /// Admin `POST /rotate-certificate`: issues a new platform certificate (new RSA key, signed
    /// by the sandbox CA) and serves it from `/v3/certificates` next to the others, or alone
    /// with `retire_previous`. Options: `valid_from_s` (offset of notBefore from now, default
    /// -60), `valid_days` (default 365), `retire_previous` (default false).
    pub fn rotate_certificate(&self, v: &Value) -> Result<Value, String> {
        let obj = match v {
            Value::Null => Map::new(),
            Value::Object(o) => o.clone(),
            _ => return Err("rotate-certificate body must be a JSON object".into()),
        };
        let valid_from = match obj.get("valid_from_s") {
            None | Some(Value::Null) => -60,
            Some(x) => x.as_i64().ok_or("\"valid_from_s\" must be an integer")?,
        };
        let days = match obj.get("valid_days") {
            None | Some(Value::Null) => 365,
            Some(x) => x
                .as_u64()
                .filter(|d| (1..=3650).contains(d))
                .ok_or("\"valid_days\" must be an integer from 1 to 3650")?,
        };
        let retire = match obj.get("retire_previous") {
            None | Some(Value::Null) => false,
            Some(x) => x.as_bool().ok_or("\"retire_previous\" must be a boolean")?,
        };
        let not_before = now_unix() + valid_from;
        let not_after = not_before + days as i64 * 86_400;
        let (key, cert_pem, serial) =
            crate::material::issue_platform_certificate(&self.mat.dir, not_before, not_after)
                .map_err(|e| format!("cannot issue a certificate: {e}"))?;
        let mut certs = self.certs.write().unwrap_or_else(|p| p.into_inner());
        if retire {
            certs.clear();
        }
        certs.push(PlatformCert {
            key,
            pem: cert_pem,
            serial: serial.clone(),
            not_before,
            not_after,
        });
        let all: Vec<&str> = certs.iter().map(|c| c.serial.as_str()).collect();
        Ok(json!({"serial_no": serial, "certificates": all}))
    }
}
