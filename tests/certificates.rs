//! Platform-certificate mode with automatic download: bootstrap, rotation, refresh on an
//! unknown serial (rate-limited), periodic refresh, and refresh failures.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use wx_recover::{Client, ErrorKind};
use wx_sandbox::Sandbox;

fn download_client(sb: &Sandbox, extra: serde_json::Value) -> Client {
    let mut o = json!({"wechatpay_public_key_id": null, "wechatpay_public_key": null});
    if let Some(m) = extra.as_object() {
        for (k, v) in m {
            o[k] = v.clone();
        }
    }
    client(sb, o)
}

/// A sandbox that signs an unnamed certificate download with a certificate, as the platform does.
fn cert_sandbox(tag: &str) -> Sandbox {
    sandbox_with(tag, |o| o.certificates_signed_by_certificate = true)
}

fn cert_serial(sb: &Sandbox) -> String {
    sb.info()["platform_certificate_serial"]
        .as_str()
        .expect("serial")
        .to_string()
}

#[test]
fn download_mode_recovers_and_follows_a_rotation() {
    let sb = cert_sandbox("certs-rotation");
    let c = download_client(&sb, json!({}));
    // Nothing is fetched until a call needs a key.
    assert_eq!(stat(&sb, "/certificates_requests"), 0);
    let req = request(&sb, 0, "CERT-1");
    let acc = c.submit(&req).expect("accepted in certificate mode");
    assert_eq!(acc.attempts, 1);
    assert_eq!(stat(&sb, "/certificates_requests"), 1);
    assert_eq!(c.wechatpay_serial(), cert_serial(&sb));
    assert_eq!(c.cached_certificate_serials(), vec![cert_serial(&sb)]);
    c.query("CERT-1", &req.mchid).expect("query verified");
    assert_eq!(stat(&sb, "/certificates_requests"), 1);

    // Rotation: the platform now signs with a new certificate the client has not seen.
    let rotated = sb.rotate_certificate(json!({})).expect("rotated");
    let new_serial = rotated["serial_no"].as_str().expect("serial").to_string();
    assert_ne!(new_serial, cert_serial(&sb));
    let order = c
        .query("CERT-1", &req.mchid)
        .expect("verified after one refresh");
    assert_eq!(order.field("out_request_no"), Some("CERT-1"));
    assert_eq!(stat(&sb, "/certificates_requests"), 2);
    // The newest valid certificate now encrypts; the sandbox decrypts with the one named.
    assert_eq!(c.wechatpay_serial(), new_serial);
    c.submit(&request(&sb, 1, "CERT-2"))
        .expect("accepted with the new certificate");
    assert_eq!(stat(&sb, "/certificates_requests"), 2);

    // A certificate not yet valid is downloaded but never used.
    sb.rotate_certificate(json!({"valid_from_s": 3600}))
        .expect("future cert");
    // Another rotation within the minute: the refresh is rate-limited, so verification fails.
    let third = sb.rotate_certificate(json!({})).expect("rotated again");
    let e = c
        .query("CERT-1", &req.mchid)
        .expect_err("refresh rate-limited");
    assert_eq!(e.kind, ErrorKind::Unverified);
    assert!(
        e.message.contains("not a known WeChat Pay key"),
        "{}",
        e.message
    );
    assert!(e.message.contains("less than 60 s ago"), "{}", e.message);
    assert!(
        e.message.contains(third["serial_no"].as_str().expect("s")),
        "{}",
        e.message
    );
    assert_eq!(stat(&sb, "/certificates_requests"), 2);

    // A fresh client downloads all four, keeps the three valid ones, encrypts with the newest.
    let fresh = download_client(&sb, json!({}));
    fresh.submit(&request(&sb, 2, "CERT-3")).expect("accepted");
    assert_eq!(fresh.cached_certificate_serials().len(), 3);
    assert_eq!(
        fresh.wechatpay_serial(),
        third["serial_no"].as_str().expect("s")
    );
}

#[test]
fn refresh_failure_keeps_the_cached_set() {
    let sb = cert_sandbox("certs-refresh-fail");
    let c = download_client(&sb, json!({"certificate_refresh_s": 1, "max_attempts": 1}));
    c.submit(&request(&sb, 0, "RF-1")).expect("accepted");
    assert_eq!(stat(&sb, "/certificates_requests"), 1);

    fault(
        &sb,
        json!({"kind": "system_error", "path": "certificates", "count": 100}),
    );
    std::thread::sleep(Duration::from_millis(1100));
    // The periodic refresh is due and fails; the call still works with the cached set.
    c.submit(&request(&sb, 1, "RF-2"))
        .expect("works with the cached set");
    assert_eq!(stat(&sb, "/certificates_requests"), 2);
    // And a failing refresh is not retried on every call.
    c.submit(&request(&sb, 2, "RF-3")).expect("still works");
    assert_eq!(stat(&sb, "/certificates_requests"), 2);

    // Once the platform answers again, the next due refresh succeeds.
    sb.reset();
    std::thread::sleep(Duration::from_millis(1100));
    c.submit(&request(&sb, 3, "RF-4")).expect("works");
    assert_eq!(stat(&sb, "/certificates_requests"), 3);
}

#[test]
fn first_download_failures_are_clear_errors() {
    let sb = cert_sandbox("certs-first-fail");
    fault(
        &sb,
        json!({"kind": "system_error", "path": "certificates", "count": 3}),
    );
    let c = download_client(&sb, json!({"max_attempts": 1}));
    let e = c
        .submit(&request(&sb, 0, "FF-1"))
        .expect_err("no certificate yet");
    assert_eq!(e.kind, ErrorKind::Api);
    assert_eq!(e.http_status, 500);
    assert!(
        e.message.starts_with("downloading platform certificates:"),
        "{}",
        e.message
    );
    assert!(c.wechatpay_serial().is_empty());
    assert_eq!(stat(&sb, "/recover_records"), 0);
    // With nothing cached, the next call tries again at once (no one-minute wait).
    sb.reset();
    c.submit(&request(&sb, 0, "FF-1"))
        .expect("accepted once the download works");

    // A wrong APIv3 key cannot decrypt the certificates.
    let wrong = download_client(
        &sb,
        json!({"apiv3_key": "0123456789abcdef0123456789abcdef"}),
    );
    let e = wrong
        .query("FF-1", "1900000100")
        .expect_err("cannot decrypt");
    assert_eq!(e.kind, ErrorKind::BadResponse);
    assert!(
        e.message.contains("AES-GCM authentication failed"),
        "{}",
        e.message
    );

    // A tampered signature on the certificates answer is refused.
    fault(
        &sb,
        json!({"kind": "bad_signature", "path": "certificates"}),
    );
    let c2 = download_client(&sb, json!({"max_attempts": 1}));
    let e = c2
        .query("FF-1", "1900000100")
        .expect_err("unverified download");
    assert_eq!(e.kind, ErrorKind::Unverified);
    assert!(
        e.message.contains("downloading platform certificates"),
        "{}",
        e.message
    );
}

#[test]
fn migration_with_a_static_certificate_and_the_public_key() {
    let sb = cert_sandbox("certs-migration");
    let cert = sb.info()["platform_certificate"]
        .as_str()
        .expect("path")
        .to_string();
    // Certificate only (static, no download): answers are signed by the certificate.
    let c = client(
        &sb,
        json!({"wechatpay_public_key_id": null, "wechatpay_public_key": null,
                               "apiv3_key": null, "platform_certificate": cert.clone()}),
    );
    assert_eq!(c.wechatpay_serial(), cert_serial(&sb));
    c.submit(&request(&sb, 0, "MIG-1")).expect("accepted");
    // Both: the public key encrypts and is named; the certificate still verifies its answers.
    let both = client(
        &sb,
        json!({"platform_certificate": cert, "certificate_download": true}),
    );
    assert!(both.wechatpay_serial().starts_with("PUB_KEY_ID_"));
    both.submit(&request(&sb, 1, "MIG-2")).expect("accepted");
    assert_eq!(stat(&sb, "/certificates_requests"), 0);
    // A rotation is followed by the downloading migration client for certificate-signed answers.
    let rotated = sb.rotate_certificate(json!({})).expect("rotated");
    let (hdrs, body) = {
        let v = sb
            .sign_notification(json!({"plaintext": {"k": "v"}, "serial": "certificate"}))
            .expect("signed");
        let h = |k: &str| v["headers"][k].as_str().expect("h").to_string();
        (
            wx_recover::SignedHeaders {
                timestamp: h("Wechatpay-Timestamp"),
                nonce: h("Wechatpay-Nonce"),
                signature: h("Wechatpay-Signature"),
                serial: h("Wechatpay-Serial"),
                signature_type: None,
            },
            v["body"].as_str().expect("b").as_bytes().to_vec(),
        )
    };
    assert_eq!(hdrs.serial, rotated["serial_no"].as_str().expect("s"));
    both.parse_notification(&hdrs, &body)
        .expect("verified by the rotated certificate");
    assert_eq!(stat(&sb, "/certificates_requests"), 1);

    // Configuration: download needs the APIv3 key.
    let e = Client::from_json(&config(
        &sb,
        json!({"certificate_download": true, "apiv3_key": null}),
    ))
    .err()
    .expect("refused");
    assert!(
        e.message.starts_with("certificate_download:"),
        "{}",
        e.message
    );
    let e = Client::from_json(&config(&sb, json!({"certificate_download": "yes"})))
        .err()
        .expect("refused");
    assert!(
        e.message.starts_with("certificate_download:"),
        "{}",
        e.message
    );
    let e = Client::from_json(&config(&sb, json!({"certificate_refresh_s": 0})))
        .err()
        .expect("refused");
    assert!(
        e.message.starts_with("certificate_refresh_s:"),
        "{}",
        e.message
    );
}
