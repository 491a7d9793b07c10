//! Platform certificates downloaded from `GET /v3/certificates`: decrypting the answer and
//! choosing among the certificates. The download and refresh policy are in `platform_keys`.

use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;
use serde_json::Value;

use crate::core::error::{truncate, Error, ErrorKind, Result};
use crate::infra::crypto;

/// One decrypted platform certificate.
#[derive(Clone, Debug)]
pub struct PlatformCert {
    /// Upper-case hex, as `Wechatpay-Serial` names it.
    pub serial: String,
    pub key: PKey<Public>,
    /// Validity window from the certificate itself (Unix seconds).
    pub not_before: i64,
    pub not_after: i64,
}

impl PlatformCert {
    pub fn valid_at(&self, now: i64) -> bool {
        self.not_before <= now && now < self.not_after
    }
}

fn bad(why: impl Into<String>) -> Error {
    Error::new(ErrorKind::BadResponse, why)
}

fn unix_of(t: &Asn1TimeRef) -> Result<i64> {
    let epoch = Asn1Time::from_unix(0).map_err(|e| Error::internal(format!("epoch: {e}")))?;
    let d = epoch
        .diff(t)
        .map_err(|_| bad("platform certificate has an unreadable validity time"))?;
    Ok(d.days as i64 * 86_400 + d.secs as i64)
}

/// Decrypts every entry of a `/v3/certificates` answer with the APIv3 key. Any entry that
/// cannot be decrypted or does not match its `serial_no` fails the whole answer: a partial
/// set would hide a wrong APIv3 key or a tampered answer.
pub fn decrypt_all(body: &Value, apiv3_key: &[u8]) -> Result<Vec<PlatformCert>> {
    let entries = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("certificates answer has no data array"))?;
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let text = |obj: &Value, k: &str| -> Result<String> {
            obj.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| bad(format!("certificates answer: data[{i}] lacks {k}")))
        };
        let serial_no = text(entry, "serial_no")?;
        let enc = entry.get("encrypt_certificate").ok_or_else(|| {
            bad(format!(
                "certificates answer: data[{i}] lacks encrypt_certificate"
            ))
        })?;
        let algorithm = text(enc, "algorithm")?;
        if algorithm != "AEAD_AES_256_GCM" {
            return Err(bad(format!(
                "certificates answer: data[{i}] uses unsupported algorithm {:?}",
                truncate(&algorithm, 40)
            )));
        }
        let nonce = text(enc, "nonce")?;
        let aad = enc
            .get("associated_data")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ciphertext = text(enc, "ciphertext")?;
        let pem = crypto::aes_gcm_decrypt(apiv3_key, &nonce, aad, &ciphertext).map_err(|e| {
            bad(format!(
                "certificates answer: data[{i}] (serial {}): {}",
                truncate(&serial_no, 64),
                e.message
            ))
        })?;
        let cert = X509::from_pem(&pem).map_err(|_| {
            bad(format!(
                "certificates answer: data[{i}] does not decrypt to a PEM certificate"
            ))
        })?;
        let (key, serial) = crypto::certificate_from_pem("platform certificate", &pem)
            .map_err(|e| bad(format!("certificates answer: data[{i}]: {}", e.message)))?;
        if !serial.eq_ignore_ascii_case(&serial_no) {
            return Err(bad(format!(
                "certificates answer: data[{i}] serial_no {:?} does not match its certificate",
                truncate(&serial_no, 64)
            )));
        }
        out.push(PlatformCert {
            serial,
            key,
            not_before: unix_of(cert.not_before())?,
            not_after: unix_of(cert.not_after())?,
        });
    }
    Ok(out)
}

/// The certificate to encrypt with: the newest (latest start of validity) among those valid now.
pub fn newest_valid(certs: &[PlatformCert], now: i64) -> Option<&PlatformCert> {
    certs
        .iter()
        .filter(|c| c.valid_at(now))
        .max_by_key(|c| c.not_before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::base64;
    use openssl::bn::BigNum;
    use openssl::hash::MessageDigest;
    use openssl::rsa::Rsa;
    use openssl::symm::{encrypt_aead, Cipher};
    use openssl::x509::{X509Builder, X509NameBuilder};
    use serde_json::json;

    const KEY: &[u8] = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

    fn cert(serial_hex: &str, from: i64, days: u32) -> Vec<u8> {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "test").unwrap();
        let name = name.build();
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        let serial = BigNum::from_hex_str(serial_hex).unwrap();
        b.set_serial_number(&serial.to_asn1_integer().unwrap())
            .unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::from_unix(from).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::from_unix(from + days as i64 * 86_400).unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        b.build().to_pem().unwrap()
    }

    fn entry(serial: &str, pem: &[u8], key: &[u8]) -> Value {
        let mut tag = [0u8; 16];
        let mut ct = encrypt_aead(
            Cipher::aes_256_gcm(),
            key,
            Some(b"0123456789ab"),
            b"certificate",
            pem,
            &mut tag,
        )
        .unwrap();
        ct.extend_from_slice(&tag);
        json!({"serial_no": serial, "effective_time": "x", "expire_time": "y",
               "encrypt_certificate": {"algorithm": "AEAD_AES_256_GCM", "nonce": "0123456789ab",
               "associated_data": "certificate", "ciphertext": base64::encode_block(&ct)}})
    }

    #[test]
    fn decrypts_and_picks_the_newest_valid() {
        let now = crate::core::clock::unix_now();
        let old = cert("1A2B", now - 10 * 86_400, 365);
        let new = cert("3C4D", now - 86_400, 365);
        let future = cert("5E6F", now + 86_400, 365);
        let body = json!({"data": [entry("1A2B", &old, KEY), entry("3c4d", &new, KEY),
                                    entry("5E6F", &future, KEY)]});
        let certs = decrypt_all(&body, KEY).unwrap();
        assert_eq!(certs.len(), 3);
        assert_eq!(newest_valid(&certs, now).unwrap().serial, "3C4D");
        assert!(!certs[2].valid_at(now));
    }

    #[test]
    fn wrong_key_mismatched_serial_and_shape_are_errors() {
        let now = crate::core::clock::unix_now();
        let pem = cert("1A2B", now - 86_400, 30);
        let e = decrypt_all(&json!({"data": [entry("1A2B", &pem, KEY)]}), &[b'x'; 32]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadResponse);
        assert!(e.message.contains("AES-GCM"), "{}", e.message);
        let e = decrypt_all(&json!({"data": [entry("FFFF", &pem, KEY)]}), KEY).unwrap_err();
        assert!(e.message.contains("does not match"), "{}", e.message);
        let e = decrypt_all(&json!({"nodata": []}), KEY).unwrap_err();
        assert!(e.message.contains("data array"), "{}", e.message);
    }
}
