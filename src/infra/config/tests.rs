//! Configuration rules, each error naming its key.
use super::*;
use crate::core::error::ErrorKind;
use openssl::rsa::Rsa;

fn pems() -> (String, String) {
    let rsa = Rsa::generate(2048).unwrap();
    (
        String::from_utf8(rsa.private_key_to_pem().unwrap()).unwrap(),
        String::from_utf8(rsa.public_key_to_pem().unwrap()).unwrap(),
    )
}

fn base(private: &str, public: &str) -> Value {
    serde_json::json!({
        "mchid": "1900000001",
        "merchant_serial_no": "ABC",
        "merchant_private_key_pem": private,
        "wechatpay_public_key_id": "PUB_KEY_ID_0001",
        "wechatpay_public_key_pem": public,
    })
}

fn err_of(v: &Value) -> Error {
    match Config::from_json(&v.to_string()) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn defaults_and_errors_that_name_the_key() {
    let (private, public) = pems();
    let ok = Config::from_json(&base(&private, &public).to_string()).unwrap();
    assert_eq!(ok.base_url, DEFAULT_BASE_URL);
    assert_eq!(ok.backup_url.as_deref(), Some(DEFAULT_BACKUP_URL));
    assert_eq!(ok.max_attempts, 3);
    assert_eq!(ok.rate_limit_per_minute, 200);
    assert_eq!(
        ok.static_encryption_key().map(|k| k.serial.as_str()),
        Some("PUB_KEY_ID_0001")
    );
    assert!(!ok.certificate_download);

    let mut v = base(&private, &public);
    v["bogus"] = 1.into();
    assert!(err_of(&v).message.starts_with("bogus:"));

    let mut v = base(&private, &public);
    v["timeout_ms"] = "10".into();
    let e = err_of(&v);
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(e.message.starts_with("timeout_ms:"), "{}", e.message);

    let mut v = base(&private, &public);
    v["max_attempts"] = 0.into();
    assert!(err_of(&v).message.starts_with("max_attempts:"));

    let mut v = base(&private, &public);
    v["base_url"] = "http://example.com".into();
    assert!(err_of(&v).message.starts_with("base_url:"));

    let mut v = base(&private, &public);
    v["backup_url"] = "".into();
    assert!(Config::from_json(&v.to_string())
        .unwrap()
        .backup_url
        .is_none());

    let mut v = base(&private, &public);
    v.as_object_mut().unwrap().remove("mchid");
    assert!(err_of(&v).message.starts_with("mchid:"));

    let mut v = base(&private, &public);
    v["apiv3_key"] = "short".into();
    assert!(err_of(&v).message.starts_with("apiv3_key:"));

    let mut v = base(&private, &public);
    v["merchant_private_key_pem"] =
        "-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n-----END PRIVATE KEY-----".into();
    let e = err_of(&v);
    assert!(e.message.starts_with("merchant_private_key_pem:"));
    assert!(!e.message.contains("SECRETSTUFF"));

    let mut v = base(&private, &public);
    v.as_object_mut().unwrap().remove("wechatpay_public_key_id");
    assert!(err_of(&v).message.starts_with("wechatpay_public_key_id:"));

    let mut v = base(&private, &public);
    v["merchant_private_key"] = "/nonexistent/key.pem".into();
    assert!(err_of(&v).message.starts_with("merchant_private_key:"));

    // Devices and FIFOs fail at once: no blocking read, no unbounded allocation.
    let mut v = base(&private, &public);
    v.as_object_mut()
        .unwrap()
        .remove("merchant_private_key_pem");
    v["merchant_private_key"] = "/dev/zero".into();
    let e = err_of(&v);
    assert!(e.message.contains("not a regular file"), "{}", e.message);

    let mut v = base(&private, &public);
    v[&"k".repeat(500)] = 1.into();
    assert!(err_of(&v).message.len() < 120);

    assert!(Config::from_json("[1]")
        .err()
        .unwrap()
        .message
        .contains("object"));
    assert!(Config::from_json("{")
        .err()
        .unwrap()
        .message
        .contains("JSON"));
}

#[test]
fn the_configuration_reference_lists_exactly_the_accepted_keys() {
    let doc = include_str!("../../../docs/configuration.md");
    let mut documented = std::collections::BTreeSet::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let first_cell = line.split('|').nth(1).unwrap_or_default();
        for (i, part) in first_cell.split('`').enumerate() {
            if i % 2 == 1 {
                documented.insert(part.to_string());
            }
        }
    }
    let accepted: std::collections::BTreeSet<String> =
        super::KNOWN_KEYS.iter().map(|k| k.to_string()).collect();
    assert_eq!(
        documented, accepted,
        "docs/configuration.md and the accepted keys differ"
    );
}

#[test]
fn a_duplicated_key_is_a_config_error_that_names_it() {
    let (private, public) = pems();
    let good = base(&private, &public).to_string();
    // The same key twice: one setting would be silently lost.
    let twice = good.replacen('{', r#"{"journal":"a.sqlite","journal":"b.sqlite","#, 1);
    let e = Config::from_json(&twice)
        .err()
        .expect("a duplicated key is refused");
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(
        e.message.contains("duplicate") && e.message.contains("\"journal\""),
        "{}",
        e.message
    );
    assert!(
        !e.message.contains("BEGIN"),
        "no key material in the message: {}",
        e.message
    );
    let e = Config::from_json("{\"mchid\": ")
        .err()
        .expect("broken JSON");
    assert!(
        e.message.contains("not valid JSON (line 1"),
        "{}",
        e.message
    );
}
