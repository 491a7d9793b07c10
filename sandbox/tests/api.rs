//! Recover / query / certificates rules and request verification.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

#[test]
fn recover_then_query_success() {
    let e = start("ok");
    let c = &e.c;
    let mchid = c.order(0)["mchid"].as_str().expect("mchid").to_string();
    let r = c.recover(&c.recover_body(0, "OUT-OK-1"));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    c.verify(&r).expect("response signature");
    assert_eq!(r.header("Wechatpay-Serial"), Some(c.pub_id.as_str()));
    let v = r.json();
    assert_eq!(v["out_request_no"], "OUT-OK-1");
    let no = v["wxpay_recover_no"].as_str().expect("no").to_string();
    assert!(!no.is_empty());

    // Immediately: EXECUTING, no finish time.
    let q = c.query("OUT-OK-1", &mchid);
    assert_eq!(q.status, 200);
    c.verify(&q).expect("query signature");
    let o = &q.json()["recover_order"];
    assert_eq!(q.json()["control_scene"], "RECOVER");
    assert_eq!(o["recover_state"], "EXECUTING");
    assert!(o.get("recover_finish_time").is_none());

    let v = wait_final(c, "OUT-OK-1", &mchid);
    let o = &v["recover_order"];
    assert_eq!(o["recover_state"], "SUCCESS");
    assert_eq!(o["wxpay_recover_no"], no.as_str());
    assert_eq!(o["out_request_no"], "OUT-OK-1");
    assert_eq!(
        o["related_wxpay_punish_no"],
        c.order(0)["related_wxpay_punish_no"]
    );
    assert_eq!(o["mchid"], mchid.as_str());
    assert_eq!(o["recover_reason"], "风控解除 test");
    for k in [
        "punish_scene",
        "punish_rule_version",
        "recover_accept_time",
        "recover_finish_time",
    ] {
        assert!(
            o[k].as_str().is_some_and(|s| !s.is_empty()),
            "{k} missing: {o}"
        );
    }
    assert!(o["recover_accept_time"]
        .as_str()
        .expect("t")
        .ends_with("+08:00"));
    assert!(o.get("error_code").is_none());

    let recs = e.sb.recovers();
    assert_eq!(recs.as_array().expect("array").len(), 1);
    assert_eq!(recs[0]["state"], "SUCCESS");
    assert_eq!(recs[0]["accept_count"], 1);
    assert_eq!(e.sb.stats()["recovers_accepted"], 1);
}

#[test]
fn seeded_failure_reports_error() {
    let e = start("fail");
    let c = &e.c;
    let o = c.order(9);
    assert_eq!(o["outcome"], "FAILED");
    assert_eq!(c.order(0)["outcome"], "SUCCESS");
    let failed = e.sb.info()["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter(|o| o["outcome"] == "FAILED")
        .count();
    assert_eq!(failed, 2, "1 in 10 of 20 orders fail");
    let r = c.recover(&c.recover_body(9, "OUT-FAIL"));
    assert_eq!(r.status, 200);
    let v = wait_final(c, "OUT-FAIL", o["mchid"].as_str().expect("m"));
    let ro = &v["recover_order"];
    assert_eq!(ro["recover_state"], "FAILED");
    assert!(ro["error_code"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(ro["error_message"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(ro["recover_finish_time"].is_string());
    // A failed recover does not block a new attempt with a new out_request_no.
    let r = c.recover(&c.recover_body(9, "OUT-FAIL-2"));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

#[test]
fn reentry_same_and_different_content() {
    let e = start("reentry");
    let c = &e.c;
    let body = c.recover_body(1, "OUT-RE");
    let r1 = c.recover(&body);
    assert_eq!(r1.status, 200);
    // Same content, freshly encrypted (different ciphertext, same plaintext).
    let mut again = body.clone();
    again["bal_account_no"] = json!(c.encrypt(c.order(1)["bal_account_no"].as_str().expect("b")));
    assert_ne!(again["bal_account_no"], body["bal_account_no"]);
    let r2 = c.recover(&again);
    assert_eq!(r2.status, 200);
    c.verify(&r2).expect("sig");
    assert_eq!(r1.json()["wxpay_recover_no"], r2.json()["wxpay_recover_no"]);
    assert_eq!(e.sb.recovers()[0]["accept_count"], 2);
    assert_eq!(e.sb.stats()["recovers_accepted"], 2);
    assert_eq!(e.sb.stats()["recover_records"], 1);

    // Different content under the same out_request_no.
    let mut diff = c.recover_body(1, "OUT-RE");
    diff["recover_reason"] = json!("another reason");
    c.recover(&diff).expect_err(400, "INVALID_REQUEST");
    let mut diff = c.recover_body(1, "OUT-RE");
    diff.as_object_mut().expect("obj").remove("recover_reason");
    c.recover(&diff).expect_err(400, "INVALID_REQUEST");
    // Re-entry after the final state still answers the same number.
    wait_final(c, "OUT-RE", c.order(1)["mchid"].as_str().expect("m"));
    let r3 = c.recover(&c.recover_body(1, "OUT-RE"));
    assert_eq!(r3.status, 200);
    assert_eq!(r1.json()["wxpay_recover_no"], r3.json()["wxpay_recover_no"]);
}

#[test]
fn already_exists_for_other_out_request_no() {
    let e = start("exists");
    let c = &e.c;
    assert_eq!(c.recover(&c.recover_body(2, "OUT-A")).status, 200);
    c.recover(&c.recover_body(2, "OUT-B"))
        .expect_err(400, "ALREADY_EXISTS");
    wait_final(c, "OUT-A", c.order(2)["mchid"].as_str().expect("m"));
    c.recover(&c.recover_body(2, "OUT-C"))
        .expect_err(400, "ALREADY_EXISTS");
    assert_eq!(e.sb.stats()["recover_records"], 1);
}

#[test]
fn param_errors_name_the_field() {
    let e = start("param");
    let c = &e.c;
    let base = c.recover_body(3, "OUT-P");
    let fields = [
        "out_request_no",
        "related_webank_punish_no",
        "related_wxpay_punish_no",
        "mchid",
        "bal_account_no",
    ];
    for f in fields {
        for bad in [Value::Null, json!(""), json!(12), json!("a\u{1}b")] {
            let mut b = base.clone();
            if bad.is_null() {
                b.as_object_mut().expect("obj").remove(f);
            } else {
                b[f] = bad.clone();
            }
            let m = c.recover(&b).expect_err(400, "PARAM_ERROR");
            assert!(
                m.contains(f),
                "message {m:?} should name {f} (bad value {bad})"
            );
        }
    }
    let mut b = base.clone();
    b["out_request_no"] = json!("x".repeat(65));
    assert!(c
        .recover(&b)
        .expect_err(400, "PARAM_ERROR")
        .contains("out_request_no"));
    let mut b = base.clone();
    b["out_request_no"] = json!("x".repeat(64));
    assert_eq!(c.recover(&b).status, 200, "64 bytes is allowed");

    let mut b = c.recover_body(4, "OUT-P2");
    b["recover_reason"] = json!("理".repeat(257));
    assert!(c
        .recover(&b)
        .expect_err(400, "PARAM_ERROR")
        .contains("recover_reason"));
    b["recover_reason"] = json!("tab\there");
    assert!(c
        .recover(&b)
        .expect_err(400, "PARAM_ERROR")
        .contains("recover_reason"));
    b["recover_reason"] = json!(5);
    assert!(c
        .recover(&b)
        .expect_err(400, "PARAM_ERROR")
        .contains("recover_reason"));
    b["recover_reason"] = json!("理".repeat(256));
    assert_eq!(c.recover(&b).status, 200, "256 characters is allowed");

    // Ciphertext problems.
    let mut b = c.recover_body(5, "OUT-P3");
    b["bal_account_no"] = json!("not base64 !!");
    assert!(c
        .recover(&b)
        .expect_err(400, "PARAM_ERROR")
        .contains("bal_account_no"));
    b["bal_account_no"] = json!(b64(b"plaintext, not RSA"));
    assert!(c
        .recover(&b)
        .expect_err(400, "PARAM_ERROR")
        .contains("bal_account_no"));
    // Encrypted with some other key.
    let other = other_key();
    let mut enc = openssl::encrypt::Encrypter::new(&other).expect("enc");
    enc.set_rsa_padding(openssl::rsa::Padding::PKCS1_OAEP)
        .expect("pad");
    let mut ct = vec![0u8; 256];
    let n = enc.encrypt(b"6230000000000104729", &mut ct).expect("enc");
    ct.truncate(n);
    b["bal_account_no"] = json!(b64(&ct));
    assert!(c
        .recover(&b)
        .expect_err(400, "PARAM_ERROR")
        .contains("bal_account_no"));

    // Body shape.
    for raw in [&b"{not json"[..], b"[1,2]", b"", b"\"str\""] {
        let r = c
            .call("primary", "POST", RECOVER, raw, None, Some(&c.pub_id))
            .expect("io");
        r.expect_err(400, "PARAM_ERROR");
    }
    assert_eq!(e.sb.stats()["signature_failures"], 0);
}

#[test]
fn business_rules_in_order() {
    let e = start("biz");
    let c = &e.c;
    // out_request_no == related_webank_punish_no
    let o = c.order(0);
    let mut b = c.recover_body(0, o["related_webank_punish_no"].as_str().expect("w"));
    c.recover(&b).expect_err(400, "INVALID_REQUEST");
    // unknown target merchant
    b = c.recover_body(0, "OUT-B1");
    b["mchid"] = json!("1999999999");
    c.recover(&b).expect_err(400, "NOT_FOUND");
    // unknown control order for a known merchant
    b = c.recover_body(0, "OUT-B2");
    b["related_wxpay_punish_no"] = json!("999");
    c.recover(&b).expect_err(404, "NOT_FOUND");
    b = c.recover_body(0, "OUT-B2");
    b["related_webank_punish_no"] = json!("WBP-NOPE");
    c.recover(&b).expect_err(404, "NOT_FOUND");
    // the order exists but belongs to another merchant
    b = c.recover_body(0, "OUT-B3");
    b["mchid"] = c.order(1)["mchid"].clone();
    c.recover(&b).expect_err(404, "NOT_FOUND");
    // ledger mismatch: the ledger of order 1 for order 0
    b = c.recover_body(0, "OUT-B4");
    b["bal_account_no"] = json!(c.encrypt(c.order(1)["bal_account_no"].as_str().expect("b")));
    c.recover(&b).expect_err(400, "INVALID_REQUEST");
    // PARAM_ERROR wins over business rules
    b = c.recover_body(0, o["related_webank_punish_no"].as_str().expect("w"));
    b["mchid"] = json!("");
    c.recover(&b).expect_err(400, "PARAM_ERROR");
    assert_eq!(e.sb.stats()["recover_records"], 0);
}

#[test]
fn wechatpay_serial_header_rules() {
    let e = start("serial");
    let c = &e.c;
    let body = serde_json::to_vec(&c.recover_body(0, "OUT-S")).expect("json");
    let r = c
        .call("primary", "POST", RECOVER, &body, None, None)
        .expect("io");
    assert!(r
        .expect_err(400, "PARAM_ERROR")
        .contains("Wechatpay-Serial"));
    let r = c
        .call(
            "primary",
            "POST",
            RECOVER,
            &body,
            None,
            Some("PUB_KEY_ID_0123"),
        )
        .expect("io");
    r.expect_err(400, "PARAM_ERROR");
    // The platform certificate serial is accepted and then names the answer's key.
    let r = c
        .call(
            "primary",
            "POST",
            RECOVER,
            &body,
            None,
            Some(&c.cert_serial),
        )
        .expect("io");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("Wechatpay-Serial"), Some(c.cert_serial.as_str()));
    c.verify(&r).expect("sig");
    // Query: public key id named -> public key id answers.
    let q = c.query("OUT-S", c.order(0)["mchid"].as_str().expect("m"));
    assert_eq!(q.header("Wechatpay-Serial"), Some(c.pub_id.as_str()));
    // Query without the header is served (signed with the public key id).
    let pq = format!(
        "{QUERY}OUT-S?control_type=RECOVER&mchid={}",
        c.order(0)["mchid"].as_str().expect("m")
    );
    let q = c.call("primary", "GET", &pq, b"", None, None).expect("io");
    assert_eq!(q.status, 200);
    assert_eq!(q.header("Wechatpay-Serial"), Some(c.pub_id.as_str()));
}

#[test]
fn signature_failures_are_401() {
    let e = start("sig");
    let c = &e.c;
    let body = serde_json::to_vec(&c.recover_body(0, "OUT-SIG")).expect("json");
    let other = other_key();
    let n = nonce();
    let cases: Vec<(&str, String)> = vec![
        ("wrong key", c.auth_custom(&other, &c.mchid, &c.serial, now(), &nonce(), "POST", RECOVER, &body)),
        ("wrong mchid", c.auth_custom(&c.key, "1900000002", &c.serial, now(), &nonce(), "POST", RECOVER, &body)),
        ("wrong serial", c.auth_custom(&c.key, &c.mchid, "ABCDEF", now(), &nonce(), "POST", RECOVER, &body)),
        ("old ts", c.auth_custom(&c.key, &c.mchid, &c.serial, now() - 301, &nonce(), "POST", RECOVER, &body)),
        ("future ts", c.auth_custom(&c.key, &c.mchid, &c.serial, now() + 301, &nonce(), "POST", RECOVER, &body)),
        ("other body", c.auth_custom(&c.key, &c.mchid, &c.serial, now(), &nonce(), "POST", RECOVER, b"{}")),
        ("other method", c.auth_custom(&c.key, &c.mchid, &c.serial, now(), &nonce(), "GET", RECOVER, &body)),
        ("other path", c.auth_custom(&c.key, &c.mchid, &c.serial, now(), &nonce(), "POST", "/v3/x", &body)),
        ("bad scheme", c.auth("POST", RECOVER, &body).replace("WECHATPAY2-SHA256-RSA2048", "WECHATPAY2-SHA256-RSA")),
        ("no signature", c.auth("POST", RECOVER, &body).split(",signature").next().expect("s").to_string()),
        ("not base64", format!("WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{}\",timestamp=\"{}\",serial_no=\"{}\",signature=\"@@@\"", c.mchid, nonce(), now(), c.serial)),
        ("garbage", "garbage".to_string()),
        ("unquoted", c.auth("POST", RECOVER, &body).replace('"', "")),
    ];
    for (what, auth) in &cases {
        let r = c
            .call(
                "primary",
                "POST",
                RECOVER,
                &body,
                Some(auth.clone()),
                Some(&c.pub_id),
            )
            .expect("io");
        let m = r.expect_err(401, "SIGN_ERROR");
        assert!(!m.is_empty(), "{what}");
    }
    // Parameters in a different order are fine; then the same nonce again is refused.
    let ts = now();
    let good = c.auth_custom(&c.key, &c.mchid, &c.serial, ts, &n, "POST", RECOVER, &body);
    let rest = good.strip_prefix("WECHATPAY2-SHA256-RSA2048 ").expect("p");
    let mut parts: Vec<&str> = rest.split(',').collect();
    parts.reverse();
    let reordered = format!("WECHATPAY2-SHA256-RSA2048 {}", parts.join(", "));
    let r = c
        .call(
            "primary",
            "POST",
            RECOVER,
            &body,
            Some(reordered),
            Some(&c.pub_id),
        )
        .expect("io");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = c
        .call(
            "primary",
            "POST",
            RECOVER,
            &body,
            Some(good),
            Some(&c.pub_id),
        )
        .expect("io");
    assert!(r.expect_err(401, "SIGN_ERROR").contains("nonce"));
    // Missing Authorization header entirely.
    let conn = c.connect(&c.url("primary"));
    let r = c
        .send_with_headers(&conn, "GET", "/v3/certificates", b"", Vec::new())
        .expect("io");
    r.expect_err(401, "SIGN_ERROR");
    assert_eq!(
        e.sb.stats()["signature_failures"].as_u64(),
        Some(cases.len() as u64 + 2)
    );
    // Query string is part of the signed message: signing one query and sending another fails.
    let order0 = c.order(0);
    let mchid = order0["mchid"].as_str().expect("m");
    let signed = format!("{QUERY}OUT-SIG?control_type=RECOVER&mchid={mchid}");
    let sent = format!("{QUERY}OUT-SIG?mchid={mchid}&control_type=RECOVER");
    let auth = c.auth("GET", &signed, b"");
    let r = c
        .call("primary", "GET", &sent, b"", Some(auth), Some(&c.pub_id))
        .expect("io");
    r.expect_err(401, "SIGN_ERROR");
}

#[test]
fn query_rules() {
    let e = start("query");
    let c = &e.c;
    let mchid = c.order(0)["mchid"].as_str().expect("m").to_string();
    // An out_request_no needing percent-encoding in the path.
    let out = "OUT/Q 1+x";
    assert_eq!(c.recover(&c.recover_body(0, out)).status, 200);
    let q = c.query("OUT%2FQ%201+x", &mchid);
    assert_eq!(q.status, 200, "{}", String::from_utf8_lossy(&q.body));
    assert_eq!(q.json()["recover_order"]["out_request_no"], out);
    c.verify(&q).expect("sig");

    c.query("OUT-NOPE", &mchid).expect_err(404, "NOT_FOUND");
    c.query("OUT%2FQ%201+x", "1900000199")
        .expect_err(404, "NOT_FOUND");
    c.query("OUT%zz", &mchid).expect_err(400, "PARAM_ERROR");
    for pq in [
        format!("{QUERY}X?mchid={mchid}"),
        format!("{QUERY}X?control_type=punish&mchid={mchid}"),
        format!("{QUERY}X?control_type=RECOVER"),
        format!("{QUERY}X?control_type=RECOVER&mchid="),
        format!("{QUERY}X"),
    ] {
        let r = c
            .call("primary", "GET", &pq, b"", None, Some(&c.pub_id))
            .expect("io");
        r.expect_err(400, "PARAM_ERROR");
    }
    // Unknown paths.
    let r = c
        .call("primary", "GET", "/v3/nothing", b"", None, None)
        .expect("io");
    assert_eq!(r.status, 404);
}

#[test]
fn certificates_download_decrypts() {
    let e = start("certs");
    let c = &e.c;
    let r = c
        .call("primary", "GET", "/v3/certificates", b"", None, None)
        .expect("io");
    assert_eq!(r.status, 200);
    c.verify(&r).expect("sig");
    let v = r.json();
    let d = &v["data"][0];
    assert_eq!(d["serial_no"], c.cert_serial.as_str());
    assert!(d["effective_time"].is_string() && d["expire_time"].is_string());
    let ec = &d["encrypt_certificate"];
    assert_eq!(ec["algorithm"], "AEAD_AES_256_GCM");
    assert_eq!(ec["associated_data"], "certificate");
    let nonce = ec["nonce"].as_str().expect("nonce");
    assert_eq!(nonce.len(), 12);
    let data = openssl::base64::decode_block(ec["ciphertext"].as_str().expect("ct")).expect("b64");
    let (ct, tag) = data.split_at(data.len() - 16);
    let key = e.sb.info()["apiv3_key"].as_str().expect("k");
    assert_eq!(key.len(), 32);
    let pem = openssl::symm::decrypt_aead(
        openssl::symm::Cipher::aes_256_gcm(),
        key.as_bytes(),
        Some(nonce.as_bytes()),
        b"certificate",
        ct,
        tag,
    )
    .expect("decrypt");
    assert_eq!(pem, read_pem(&e.sb.info()["platform_certificate"]));
    let cert = openssl::x509::X509::from_pem(&pem).expect("x509");
    let serial = cert
        .serial_number()
        .to_bn()
        .expect("bn")
        .to_hex_str()
        .expect("hex")
        .to_string();
    assert_eq!(serial, c.cert_serial);
    assert_eq!(serial.len(), 40);
    assert!(cert.public_key().expect("pk").public_eq(&c.wx_pub));
    // Signed by the sandbox CA.
    let ca = openssl::x509::X509::from_pem(&read_pem(&e.sb.info()["ca_cert"])).expect("ca");
    assert!(cert
        .verify(&ca.public_key().expect("ca pk"))
        .expect("verify"));
}

#[test]
fn rate_limit_per_minute() {
    let e = start_with("rate", |o| o.rate_limit_per_minute = 3);
    let c = &e.c;
    for i in 0..3 {
        let r = c.query(&format!("N{i}"), "1900000100");
        assert_eq!(r.status, 404);
    }
    c.query("N4", "1900000100")
        .expect_err(429, "FREQUENCY_LIMITED");
    // Separate budget per API.
    let r = c.recover(&c.recover_body(0, "OUT-R"));
    assert_eq!(r.status, 200);
    // Off: well over 200 requests in a row (one keep-alive connection) are all served.
    let e = start_with("rate0", |o| o.rate_limit_per_minute = 0);
    let conn = e.c.connect(&e.c.url("primary"));
    for i in 0..205 {
        let pq = format!("{QUERY}N{i}?control_type=RECOVER&mchid=1");
        let r = e.c.send(&conn, "GET", &pq, b"", None, None).expect("io");
        assert_eq!(r.status, 404);
    }
    assert_eq!(e.sb.stats()["primary"]["connections"], 1);
}

fn rate(e: &Env, api: &str) -> (u64, u64, u64, u64) {
    let r = &e.sb.stats()["rate"][api];
    let n = |k: &str| {
        r[k].as_u64()
            .unwrap_or_else(|| panic!("rate.{api}.{k}: {r}"))
    };
    (
        n("limit"),
        n("arrivals"),
        n("busiest_window"),
        n("throttled"),
    )
}

#[test]
fn rate_stats_count_arrivals_per_endpoint() {
    let e = start_with("rate-stats", |o| o.rate_limit_per_minute = 3);
    let c = &e.c;
    for api in ["recover", "query", "certificates"] {
        assert_eq!(rate(&e, api), (3, 0, 0, 0), "{api}");
    }
    for i in 0..5 {
        let r = c.query(&format!("N{i}"), "1900000100");
        assert_eq!(r.status, if i < 3 { 404 } else { 429 }, "query {i}");
    }
    assert_eq!(c.recover(&c.recover_body(0, "OUT-RS")).status, 200);
    let r = c
        .call("primary", "GET", "/v3/certificates", b"", None, None)
        .expect("io");
    assert_eq!(r.status, 200);
    // A refused request still arrived: 5 arrivals in one window, 2 of them answered 429.
    assert_eq!(rate(&e, "query"), (3, 5, 5, 2));
    assert_eq!(rate(&e, "recover"), (3, 1, 1, 0));
    assert_eq!(rate(&e, "certificates"), (3, 1, 1, 0));
    // A request that fails authentication is not an arrival; the rate_limited fault's 429s
    // count as throttled (they act before verification, so they are not arrivals either).
    let body = serde_json::to_vec(&c.recover_body(1, "OUT-RS2")).expect("json");
    let r = c
        .call(
            "primary",
            "POST",
            RECOVER,
            &body,
            Some("garbage".into()),
            None,
        )
        .expect("io");
    assert_eq!(r.status, 401);
    e.sb.inject(json!({"kind": "rate_limited", "path": "recover"}))
        .expect("inject");
    c.recover(&c.recover_body(1, "OUT-RS2"))
        .expect_err(429, "FREQUENCY_LIMITED");
    assert_eq!(rate(&e, "recover"), (3, 1, 1, 1));
    // The backup listener counts toward the same endpoint.
    assert_eq!(
        c.recover_on("backup", &c.recover_body(1, "OUT-RS2"))
            .expect("io")
            .status,
        200
    );
    assert_eq!(rate(&e, "recover"), (3, 2, 2, 1));
    // reset empties the statistics and the platform's windows.
    e.sb.reset();
    for api in ["recover", "query", "certificates"] {
        assert_eq!(rate(&e, api), (3, 0, 0, 0), "{api}");
    }
    assert_eq!(c.query("N9", "1900000100").status, 404);
    assert_eq!(rate(&e, "query"), (3, 1, 1, 0));
}

#[test]
fn rate_limit_changes_at_runtime() {
    let e = start_with("rate-set", |o| o.rate_limit_per_minute = 2);
    let c = &e.c;
    let v =
        e.sb.set_rate_limit(json!({"per_minute": 4, "api": "query"}))
            .expect("set");
    assert_eq!(
        v["limits"],
        json!({"recover": 2, "query": 4, "certificates": 2, "punish": 2})
    );
    for i in 0..4 {
        assert_eq!(c.query(&format!("N{i}"), "1").status, 404, "query {i}");
    }
    c.query("N4", "1").expect_err(429, "FREQUENCY_LIMITED");
    assert_eq!(c.recover(&c.recover_body(0, "OUT-A")).status, 200);
    assert_eq!(c.recover(&c.recover_body(1, "OUT-B")).status, 200);
    c.recover(&c.recover_body(2, "OUT-C"))
        .expect_err(429, "FREQUENCY_LIMITED");
    assert_eq!(rate(&e, "query"), (4, 5, 5, 1));
    // Lowering a limit below what the window already holds refuses at once.
    e.sb.set_rate_limit(json!({"per_minute": 3, "api": "query"}))
        .expect("set");
    c.query("N5", "1").expect_err(429, "FREQUENCY_LIMITED");
    // Over the admin API, for every endpoint; 0 = off.
    let info = e.sb.info().clone();
    let (s, v) = admin(
        &info,
        "POST",
        "/rate-limit",
        Some(&json!({"per_minute": 0})),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["limits"],
        json!({"recover": 0, "query": 0, "certificates": 0, "punish": 0})
    );
    for i in 2..8 {
        assert_eq!(
            c.recover(&c.recover_body(i, &format!("OUT-{i}"))).status,
            200
        );
    }
    assert_eq!(rate(&e, "recover"), (0, 9, 9, 1));
    for bad in [
        json!({}),
        json!({"per_minute": -1}),
        json!({"per_minute": "5"}),
        json!({"per_minute": 4_294_967_296u64}),
        json!({"per_minute": 5, "api": "notify"}),
        json!([5]),
    ] {
        let (s, v) = admin(&info, "POST", "/rate-limit", Some(&bad));
        assert_eq!((s, v["code"].as_str()), (400, Some("PARAM_ERROR")), "{bad}");
        assert!(e.sb.set_rate_limit(bad.clone()).is_err(), "{bad}");
    }
    // reset sets the start limit back.
    e.sb.reset();
    assert_eq!(rate(&e, "recover").0, 2);
    assert_eq!(rate(&e, "query").0, 2);
}

#[test]
fn keep_alive_counts_one_connection() {
    let e = start("keepalive");
    let c = &e.c;
    let conn = c.connect(&c.url("primary"));
    let b1 = serde_json::to_vec(&c.recover_body(0, "OUT-K1")).expect("json");
    let r1 = c
        .send(&conn, "POST", RECOVER, &b1, None, Some(&c.pub_id))
        .expect("io");
    assert_eq!(r1.status, 200);
    let pq = format!(
        "{QUERY}OUT-K1?control_type=RECOVER&mchid={}",
        c.order(0)["mchid"].as_str().expect("m")
    );
    let r2 = c
        .send(&conn, "GET", &pq, b"", None, Some(&c.pub_id))
        .expect("io");
    assert_eq!(r2.status, 200);
    assert_ne!(r1.header("Request-ID"), r2.header("Request-ID"));
    let s = e.sb.stats();
    assert_eq!(s["primary"]["connections"], 1, "{s}");
    assert_eq!(s["primary"]["requests"], 2, "{s}");
    assert_eq!(s["backup"]["connections"], 0);
}

#[test]
fn backup_shares_state() {
    let e = start("backup");
    let c = &e.c;
    let r = c
        .recover_on("primary", &c.recover_body(0, "OUT-BK"))
        .expect("io");
    assert_eq!(r.status, 200);
    let q = c
        .query_on("backup", "OUT-BK", c.order(0)["mchid"].as_str().expect("m"))
        .expect("io");
    assert_eq!(q.status, 200);
    c.verify(&q).expect("sig");
    let r2 = c
        .recover_on("backup", &c.recover_body(0, "OUT-BK"))
        .expect("io");
    assert_eq!(r.json()["wxpay_recover_no"], r2.json()["wxpay_recover_no"]);
    let s = e.sb.stats();
    assert_eq!(s["backup"]["requests"], 2);
    assert_eq!(s["primary"]["requests"], 1);
}

#[test]
fn request_ids_are_unique() {
    let e = start("rid");
    let c = &e.c;
    let conn = c.connect(&c.url("backup"));
    let mut seen = std::collections::HashSet::new();
    for i in 0..20 {
        let r = c
            .send(
                &conn,
                "GET",
                &format!("{QUERY}X{i}?control_type=RECOVER&mchid=1"),
                b"",
                None,
                None,
            )
            .expect("io");
        assert!(seen.insert(r.header("Request-ID").expect("rid").to_string()));
    }
    std::thread::sleep(Duration::from_millis(10));
}
