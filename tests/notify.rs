//! Result notifications: the sandbox's real delivery to a receiver, and every failure
//! (tampered, stale, unknown serial, wrong APIv3 key, malformed envelope) as its own error.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use wx_recover::{ErrorKind, SignedHeaders};
use wx_sandbox::Sandbox;

fn headers_of(v: &Value) -> SignedHeaders {
    let h = |k: &str| v["headers"][k].as_str().expect("header").to_string();
    SignedHeaders {
        timestamp: h("Wechatpay-Timestamp"),
        nonce: h("Wechatpay-Nonce"),
        signature: h("Wechatpay-Signature"),
        serial: h("Wechatpay-Serial"),
        signature_type: Some(h("Wechatpay-Signature-Type")),
    }
}

fn signed(sb: &Sandbox, request: Value) -> (SignedHeaders, Vec<u8>) {
    let v = sb.sign_notification(request).expect("sandbox signs");
    let body = v["body"].as_str().expect("body").as_bytes().to_vec();
    (headers_of(&v), body)
}

fn plaintext() -> Value {
    json!({"wxpay_recover_no": "WXR1", "out_request_no": "N-1", "recover_state": "SUCCESS",
           "mchid": "1900000100", "recover_reason": "核实无误"})
}

/// One HTTP/1.1 request read from `listener`, answered `status`. Returns (headers, body).
fn receive_one(listener: &TcpListener, status: u16) -> (Vec<(String, String)>, Vec<u8>) {
    let (stream, _) = listener.accept().expect("sandbox connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut line = String::new();
    reader.read_line(&mut line).expect("request line");
    assert!(line.starts_with("POST "), "{line}");
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').expect("header line");
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().expect("length"))
        .expect("content-length");
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).expect("body");
    let mut w = stream;
    write!(
        w,
        "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("answer");
    (headers, body)
}

#[test]
fn delivered_notification_is_verified_and_decrypted() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://127.0.0.1:{}/notify",
        listener.local_addr().expect("addr").port()
    );
    let sb = sandbox_with("notify-delivery", |o| o.notify_url = Some(url));
    let c = client(&sb, no_overrides());
    let i = order_with_outcome(&sb, "SUCCESS");
    let req = request(&sb, i, "NTF-1");
    let acc = c.submit(&req).expect("accepted");

    let (headers, body) = receive_one(&listener, 204);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let h = SignedHeaders {
        timestamp: get("Wechatpay-Timestamp"),
        nonce: get("Wechatpay-Nonce"),
        signature: get("Wechatpay-Signature"),
        serial: get("Wechatpay-Serial"),
        signature_type: Some(get("Wechatpay-Signature-Type")),
    };
    let n = c
        .parse_notification(&h, &body)
        .expect("verified and decrypted");
    assert_eq!(n.event_type, "RECOVER.SUCCESS");
    assert_eq!(n.resource_type, "encrypt-resource");
    assert_eq!(n.field("original_type"), Some("recover_order"));
    assert!(!n.id.is_empty() && !n.create_time.is_empty() && !n.summary.is_empty());
    let order = n.resource().expect("json");
    assert_eq!(order["out_request_no"], "NTF-1");
    assert_eq!(order["wxpay_recover_no"], acc.wxpay_recover_no.as_str());
    assert_eq!(order["recover_state"], "SUCCESS");

    // The same bytes with one byte changed no longer verify.
    let mut tampered = body.clone();
    let pos = tampered.iter().position(|&b| b == b'R').expect("an R");
    tampered[pos] = b'X';
    let e = c.parse_notification(&h, &tampered).expect_err("tampered");
    assert_eq!(e.kind, ErrorKind::Unverified);
    assert!(e.message.contains("does not verify"), "{}", e.message);

    for _ in 0..100 {
        if stat(&sb, "/notifications_delivered") == 1 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the 204 was not counted as a delivery: {}", sb.stats());
}

#[test]
fn each_failure_is_a_distinct_error() {
    let sb = sandbox("notify-failures");
    let c = client(&sb, no_overrides());

    let (h, body) = signed(&sb, json!({"plaintext": plaintext()}));
    let n = c.parse_notification(&h, &body).expect("good one");
    assert_eq!(n.resource().expect("json"), plaintext());
    assert_eq!(n.event_type, "RECOVER.SUCCESS");

    let check = |h: &SignedHeaders, body: &[u8], kind: ErrorKind, needle: &str| {
        let e = c.parse_notification(h, body).expect_err(needle);
        assert_eq!(e.kind, kind, "{e}");
        assert!(e.message.starts_with("notification: "), "{}", e.message);
        assert!(e.message.contains(needle), "{} lacks {needle}", e.message);
        assert!(!e.retry_safe);
        assert!(
            !e.message.contains("核实无误"),
            "plaintext leaked into {}",
            e.message
        );
    };

    // Tampered body (the ciphertext's first character changed, not re-signed).
    let text = String::from_utf8(body.clone()).expect("utf8");
    let at = text.find("\"ciphertext\":\"").expect("ciphertext") + 14;
    let mut bytes = body.clone();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    check(
        &h,
        &bytes,
        ErrorKind::Unverified,
        "Wechatpay-Signature does not verify",
    );

    // Same tampering, re-signed by the platform key: now the AES-GCM tag catches it.
    let (h2, b2) = signed(
        &sb,
        json!({"body": String::from_utf8(bytes).expect("utf8")}),
    );
    check(
        &h2,
        &b2,
        ErrorKind::BadResponse,
        "AES-GCM authentication failed",
    );

    // Stale and future timestamps.
    let (hs, bs) = signed(
        &sb,
        json!({"plaintext": plaintext(), "timestamp_offset_s": -600}),
    );
    check(&hs, &bs, ErrorKind::Unverified, "replayed");
    let (hf, bf) = signed(
        &sb,
        json!({"plaintext": plaintext(), "timestamp_offset_s": 400}),
    );
    check(&hf, &bf, ErrorKind::Unverified, "Wechatpay-Timestamp");

    // Unknown serial.
    let mut hu = h.clone();
    hu.serial = "PUB_KEY_ID_0999999999999999999999999999".into();
    check(
        &hu,
        &body,
        ErrorKind::Unverified,
        "not a known WeChat Pay key",
    );

    // Missing header.
    let mut hm = h.clone();
    hm.nonce.clear();
    check(&hm, &body, ErrorKind::Unverified, "missing Wechatpay-");

    // Wrong APIv3 key on the receiving side.
    let other = client(
        &sb,
        json!({"apiv3_key": "0123456789abcdef0123456789abcdef"}),
    );
    let e = other.parse_notification(&h, &body).expect_err("wrong key");
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(e.message.contains("wrong APIv3 key"), "{}", e.message);

    // Envelopes that verify but break the rules.
    let env: Value = serde_json::from_slice(&body).expect("json");
    let sign_text = |t: String| signed(&sb, json!({"body": t}));
    let (h3, b3) = sign_text("{not json".into());
    check(&h3, &b3, ErrorKind::BadResponse, "body is not valid JSON");
    let (h3, b3) = sign_text("[1,2]".into());
    check(&h3, &b3, ErrorKind::BadResponse, "not a JSON object");
    // A signed body that repeats a key: "last one wins" would let two readers disagree.
    let dup = env
        .to_string()
        .replacen('{', r#"{"event_type":"FORGED.EVENT","#, 1);
    let (h3, b3) = sign_text(dup);
    check(
        &h3,
        &b3,
        ErrorKind::BadResponse,
        "duplicate key \"event_type\"",
    );
    let mut v = env.clone();
    v.as_object_mut().expect("obj").remove("id");
    let (h3, b3) = sign_text(v.to_string());
    check(&h3, &b3, ErrorKind::BadResponse, "missing field id");
    let mut v = env.clone();
    v["resource"]
        .as_object_mut()
        .expect("obj")
        .remove("ciphertext");
    let (h3, b3) = sign_text(v.to_string());
    check(
        &h3,
        &b3,
        ErrorKind::BadResponse,
        "missing field resource.ciphertext",
    );
    let mut v = env.clone();
    v["resource_type"] = "plain-resource".into();
    let (h3, b3) = sign_text(v.to_string());
    check(
        &h3,
        &b3,
        ErrorKind::BadResponse,
        "unsupported resource_type",
    );
    let mut v = env.clone();
    v["resource"]["algorithm"] = "AEAD_SM4_GCM".into();
    let (h3, b3) = sign_text(v.to_string());
    check(
        &h3,
        &b3,
        ErrorKind::BadResponse,
        "unsupported resource.algorithm",
    );
    let mut v = env.clone();
    v["event_type"] = 7.into();
    let (h3, b3) = sign_text(v.to_string());
    check(
        &h3,
        &b3,
        ErrorKind::BadResponse,
        "event_type is not a string",
    );

    // No APIv3 key configured: a configuration error, before any verification.
    let no_key = client(&sb, json!({"apiv3_key": null}));
    let e = no_key.parse_notification(&h, &body).expect_err("no key");
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(e.message.starts_with("apiv3_key:"), "{}", e.message);
}

#[test]
fn certificate_signed_notifications_in_download_and_migration_modes() {
    let sb = sandbox_with("notify-certs", |o| {
        o.certificates_signed_by_certificate = true
    });
    let (h, body) = signed(
        &sb,
        json!({"plaintext": plaintext(), "serial": "certificate"}),
    );
    assert_eq!(
        h.serial,
        sb.info()["platform_certificate_serial"]
            .as_str()
            .expect("serial")
    );

    // Public-key mode alone does not know the certificate.
    let pk = client(&sb, no_overrides());
    let e = pk
        .parse_notification(&h, &body)
        .expect_err("unknown serial");
    assert_eq!(e.kind, ErrorKind::Unverified);
    assert_eq!(stat(&sb, "/certificates_requests"), 0);

    // Migration: public key + downloaded certificates. The unknown serial triggers one download.
    let mig = client(&sb, json!({"certificate_download": true}));
    let n = mig
        .parse_notification(&h, &body)
        .expect("verified after a download");
    assert_eq!(n.resource().expect("json"), plaintext());
    assert_eq!(stat(&sb, "/certificates_requests"), 1);
    let (hp, bp) = signed(&sb, json!({"plaintext": plaintext()}));
    mig.parse_notification(&hp, &bp)
        .expect("public-key signed too");
    assert_eq!(stat(&sb, "/certificates_requests"), 1);

    // Download mode: APIv3 key only.
    let dl = client(
        &sb,
        json!({"wechatpay_public_key_id": null, "wechatpay_public_key": null}),
    );
    dl.parse_notification(&h, &body).expect("verified");
    assert_eq!(stat(&sb, "/certificates_requests"), 2);
    let e = dl
        .parse_notification(&hp, &bp)
        .expect_err("public key unknown in download mode");
    assert_eq!(e.kind, ErrorKind::Unverified);
}
