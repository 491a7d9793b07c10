//! Client::parse_notification: either arbitrary bodies or envelopes built from fuzzed fields
//! with a resource really sealed under the APIv3 key, always correctly signed (unless `skew`
//! moves the timestamp), so the fuzzer reaches the envelope rules and the decryption.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use wx_recover::{ErrorKind, SignedHeaders};
use wx_recover_fuzz as fx;

#[derive(Arbitrary, Debug)]
struct Envelope {
    id: String,
    create_time: String,
    event_type: String,
    resource_type: Option<String>,
    summary: Option<String>,
    algorithm: Option<String>,
    nonce: String,
    associated_data: String,
    original_type: Option<String>,
    plaintext: Vec<u8>,
    json_plaintext: bool,
    wrong_aad: bool,
}

#[derive(Arbitrary, Debug)]
struct Input {
    raw: Vec<u8>,
    envelope: Option<Envelope>,
    nonce: String,
    skew: i16,
}

fuzz_target!(|inp: Input| {
    let mut plaintext: Option<Vec<u8>> = None;
    let body = match &inp.envelope {
        None => inp.raw.clone(),
        Some(e) => {
            let pt = if e.json_plaintext {
                json!({"out_request_no": String::from_utf8_lossy(&e.plaintext), "recover_state": "SUCCESS"})
                    .to_string()
                    .into_bytes()
            } else {
                e.plaintext.clone()
            };
            let iv = if e.nonce.is_empty() {
                "0"
            } else {
                e.nonce.as_str()
            };
            let aad = if e.wrong_aad {
                format!("{}x", e.associated_data)
            } else {
                e.associated_data.clone()
            };
            // A nonce that is not 12 bytes is sealed under another IV but sent as given.
            let Some(ct) = fx::seal(iv.as_bytes(), aad.as_bytes(), &pt) else {
                return;
            };
            plaintext = Some(pt);
            let mut resource = json!({
                "algorithm": e.algorithm.clone().unwrap_or_else(|| "AEAD_AES_256_GCM".into()),
                "ciphertext": ct, "nonce": iv, "associated_data": e.associated_data,
            });
            if let Some(t) = &e.original_type {
                resource["original_type"] = Value::from(t.clone());
            }
            let mut v = json!({
                "id": e.id, "create_time": e.create_time, "event_type": e.event_type,
                "resource_type": e.resource_type.clone().unwrap_or_else(|| "encrypt-resource".into()),
                "resource": resource,
            });
            if let Some(s) = &e.summary {
                v["summary"] = Value::from(s.clone());
            }
            v.to_string().into_bytes()
        }
    };
    let timestamp = (fx::now() + inp.skew as i64).to_string();
    let h = SignedHeaders {
        signature: fx::platform_sign(&timestamp, &inp.nonce, &body),
        timestamp,
        nonce: inp.nonce.clone(),
        serial: fx::PUBLIC_KEY_ID.to_string(),
        signature_type: None,
    };
    match fx::client().parse_notification(&h, &body) {
        Ok(n) => {
            assert!((inp.skew as i64).abs() < 300, "stale notification accepted");
            assert!(!inp.nonce.is_empty());
            if let (Some(e), Some(pt)) = (&inp.envelope, &plaintext) {
                assert!(
                    !e.wrong_aad,
                    "resource with wrong associated_data decrypted"
                );
                assert_eq!(n.plaintext.as_bytes(), &pt[..]);
                assert_eq!(n.id, e.id);
                assert_eq!(n.event_type, e.event_type);
                assert_eq!(n.associated_data, e.associated_data);
            }
            assert!(n.resource().is_ok(), "plaintext accepted but not JSON");
        }
        Err(e) => {
            assert!(
                matches!(e.kind, ErrorKind::Unverified | ErrorKind::BadResponse),
                "{:?}: {e}",
                e.kind
            );
            assert!(!e.retry_safe);
            // The decrypted resource is the caller's data: never quoted in an error.
            if let (Some(env), Some(pt)) = (&inp.envelope, &plaintext) {
                if let Ok(p) = std::str::from_utf8(pt) {
                    let elsewhere = format!("{env:?}{}", inp.nonce);
                    if p.len() >= 12 && !elsewhere.contains(p) {
                        assert!(!e.to_string().contains(p), "error quotes the plaintext");
                    }
                }
            }
        }
    }
});
