//! The punish endpoint's request rules and re-entry, and the per-endpoint machinery (rate
//! limits, faults, `/stats`) applied to it.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const MCH: &str = "1888000001";
const BAL: &str = "6230999900001111222";
const CARD: &str = "6217000011112222333";

/// Expects `400 PARAM_ERROR` naming `field` in the message and in `detail.field`.
fn expect_param(r: &Resp, field: &str) {
    let m = r.expect_err(400, "PARAM_ERROR");
    assert!(m.contains(field), "message {m:?} should name {field}");
    assert_eq!(r.json()["detail"]["field"], field, "{m}");
}

#[test]
fn param_errors_name_the_field() {
    let e = start("p-param");
    let c = &e.c;
    let base = c.punish_body("PUN-P", MCH, BAL);
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        if v.is_null() {
            b.as_object_mut().expect("obj").remove(k);
        } else {
            b[k] = v;
        }
        b
    };
    // punish_scene must be a JSON integer.
    for bad in [
        json!("1"),
        json!("9999"),
        json!(1.5),
        json!(1.0),
        json!(true),
        json!([1]),
        Value::Null,
    ] {
        let r = c.punish(&with("punish_scene", bad.clone()));
        expect_param(&r, "punish_scene");
        if bad.is_string() {
            assert!(r.message().contains("string"), "{}", r.message());
        }
    }
    for f in ["out_request_no", "mchid", "bal_account_no"] {
        for bad in [Value::Null, json!(""), json!(12), json!("a\u{1}b")] {
            expect_param(&c.punish(&with(f, bad)), f);
        }
    }
    expect_param(
        &c.punish(&with("out_request_no", json!("x".repeat(65)))),
        "out_request_no",
    );
    for bad in [
        json!("2030-01-02"),
        json!("2030-01-02 03:04:05+08:00"),
        json!("2030-02-30T03:04:05+08:00"),
        json!("tomorrow"),
        json!(1893456000),
    ] {
        expect_param(&c.punish(&with("punish_end_time", bad)), "punish_end_time");
    }
    for (f, bad) in [
        ("bal_account_no", json!("not base64 !!")),
        ("bal_account_no", json!(b64(b"plaintext, not RSA"))),
        ("card_no", json!("not base64 !!")),
        ("card_no", json!(b64(b"plaintext, not RSA"))),
        ("card_no", json!("")),
        ("card_no", json!(5)),
        ("req_scene", json!("SJT")),
        ("fund_repatriation_strategy", json!("SOME")),
        ("sgn_no", json!(5)),
        ("punish_reason", json!("理".repeat(257))),
        ("punish_reason", json!("tab\there")),
    ] {
        expect_param(&c.punish(&with(f, bad)), f);
    }
    for raw in [&b"{not json"[..], b"[1,2]", b""] {
        c.call("primary", "POST", PUNISH, raw, None, Some(&c.pub_id))
            .expect("io")
            .expect_err(400, "PARAM_ERROR");
    }
    // The encrypted fields need Wechatpay-Serial, as on the recover.
    let b = serde_json::to_vec(&base).expect("json");
    let r = c
        .call("primary", "POST", PUNISH, &b, None, None)
        .expect("io");
    assert!(r
        .expect_err(400, "PARAM_ERROR")
        .contains("Wechatpay-Serial"));
    assert_eq!(e.sb.stats()["punish_records"], 0);

    // Limits that pass: 64 bytes, 256 characters, null optional fields, unknown fields, every
    // documented enumeration value, the scene as any integer.
    let mut ok = with("out_request_no", json!("x".repeat(64)));
    ok["punish_reason"] = json!("理".repeat(256));
    ok["sgn_no"] = Value::Null;
    ok["card_no"] = Value::Null;
    ok["some_future_field"] = json!({"x": 1});
    ok["req_scene"] = json!("SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT");
    ok["fund_repatriation_strategy"] = json!("ALL_ALLOWED_WHEN_UNIQUE");
    ok["punish_end_time"] = json!("2030-01-02T03:04:05.5Z");
    ok["punish_scene"] = json!(0);
    let r = c.punish(&ok);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(e.sb.stats()["signature_failures"], 0);
}

#[test]
fn reentry_same_and_different_content() {
    let e = start("p-reentry");
    let c = &e.c;
    let mut body = c.punish_body("PUN-RE", MCH, BAL);
    body["card_no"] = json!(c.encrypt(CARD));
    body["punish_end_time"] = json!("2030-01-02T03:04:05+08:00");
    let r1 = c.punish(&body);
    assert_eq!(r1.status, 200);
    // Same plaintexts, fresh ciphertexts; an unknown extra field is not content.
    let mut again = body.clone();
    again["bal_account_no"] = json!(c.encrypt(BAL));
    again["card_no"] = json!(c.encrypt(CARD));
    again["extra"] = json!("ignored");
    assert_ne!(again["bal_account_no"], body["bal_account_no"]);
    let r2 = c.punish(&again);
    assert_eq!(r2.status, 200, "{}", String::from_utf8_lossy(&r2.body));
    c.verify(&r2).expect("sig");
    assert_eq!(r1.json(), r2.json());
    let p = &e.sb.punishes()[0];
    assert_eq!(p["accept_count"], 2);
    assert_eq!(e.sb.stats()["punishes_accepted"], 2);
    assert_eq!(e.sb.stats()["punish_records"], 1);

    for (k, v) in [
        ("punish_scene", json!(2)),
        ("mchid", json!("1888000002")),
        ("bal_account_no", json!(c.encrypt("6230000000000000000"))),
        ("card_no", json!(c.encrypt("6217000000000000000"))),
        ("card_no", Value::Null),
        ("punish_end_time", json!("2030-01-02T03:04:06+08:00")),
        ("punish_reason", json!("now with a reason")),
        ("sgn_no", json!("SGN")),
    ] {
        let mut diff = body.clone();
        if v.is_null() {
            diff.as_object_mut().expect("obj").remove(k);
        } else {
            diff[k] = v;
        }
        let m = c.punish(&diff).expect_err(400, "INVALID_REQUEST");
        assert!(m.contains("out_request_no"), "{k}: {m}");
    }
    // After the final state, re-entry still answers the same number.
    c.wait_punish_final("PUN-RE", MCH);
    assert_eq!(c.punish(&body).json(), r1.json());
    assert_eq!(e.sb.punishes()[0]["accept_count"], 3);
}

#[test]
fn rate_limit_has_its_own_punish_bucket() {
    let e = start_with("p-rate", |o| o.rate_limit_per_minute = 2);
    let c = &e.c;
    for i in 0..2 {
        let r = c.punish(&c.punish_body(&format!("PUN-L{i}"), MCH, BAL));
        assert_eq!(r.status, 200);
    }
    c.punish(&c.punish_body("PUN-L2", MCH, BAL))
        .expect_err(429, "FREQUENCY_LIMITED");
    // The recover's budget is untouched.
    assert_eq!(c.recover(&c.recover_body(0, "REC-L")).status, 200);
    let rate = &e.sb.stats()["rate"];
    assert_eq!(
        rate["punish"],
        json!({"limit": 2, "arrivals": 3, "busiest_window": 3, "throttled": 1})
    );
    assert_eq!(rate["recover"]["arrivals"], 1);
    assert_eq!(e.sb.stats()["punish_records"], 2);
    // POST /rate-limit names it "punish".
    let (s, v) = admin(
        e.sb.info(),
        "POST",
        "/rate-limit",
        Some(&json!({"per_minute": 5, "api": "punish"})),
    );
    assert_eq!(s, 200);
    assert_eq!(
        v["limits"],
        json!({"recover": 2, "query": 2, "certificates": 2, "punish": 5})
    );
    assert_eq!(c.punish(&c.punish_body("PUN-L2", MCH, BAL)).status, 200);
    e.sb.reset();
    assert_eq!(e.sb.stats()["rate"]["punish"]["limit"], 2);
}

#[test]
fn faults_filtered_by_path_punish() {
    let e = start("p-faults");
    let c = &e.c;
    let records = || e.sb.punishes().as_array().expect("array").len();
    e.sb.inject(json!({"kind": "system_error", "path": "punish"}))
        .expect("inject");
    // Other endpoints pass by.
    assert_eq!(c.recover(&c.recover_body(0, "REC-F")).status, 200);
    c.punish(&c.punish_body("PUN-F1", MCH, BAL))
        .expect_err(500, "SYSTEM_ERROR");
    assert_eq!(records(), 0);
    assert_eq!(c.punish(&c.punish_body("PUN-F1", MCH, BAL)).status, 200);

    // reset_after_accept: recorded, unanswered; the retry gets the recorded number.
    e.sb.inject(json!({"kind": "reset_after_accept", "path": "punish"}))
        .expect("inject");
    let body = c.punish_body("PUN-F2", MCH, BAL);
    assert!(c.punish_on("primary", &body).is_err());
    assert_eq!(records(), 2, "accepted although unanswered");
    let r = c.punish(&body);
    assert_eq!(r.status, 200);
    assert_eq!(
        e.sb.punishes()[1]["wxpay_punish_no"],
        r.json()["wxpay_punish_no"]
    );
    assert_eq!(e.sb.punishes()[1]["accept_count"], 2);

    // delay holds the answer; rate_limited counts as the punish's throttling.
    e.sb.inject(json!({"kind": "delay", "ms": 300, "path": "punish"}))
        .expect("inject");
    let t = Instant::now();
    assert_eq!(c.punish(&c.punish_body("PUN-F3", MCH, BAL)).status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    e.sb.inject(json!({"kind": "rate_limited", "path": "punish", "listener": "backup"}))
        .expect("inject");
    c.punish_on("backup", &c.punish_body("PUN-F4", MCH, BAL))
        .expect("io")
        .expect_err(429, "FREQUENCY_LIMITED");
    assert_eq!(e.sb.stats()["rate"]["punish"]["throttled"], 1);
    assert_eq!(e.sb.stats()["rate"]["recover"]["throttled"], 0);
    // bad_signature spoils a punish answer like any 2xx.
    e.sb.inject(json!({"kind": "bad_signature", "path": "punish"}))
        .expect("inject");
    let r = c.punish(&c.punish_body("PUN-F5", MCH, BAL));
    assert_eq!(r.status, 200);
    assert_eq!(c.verify(&r), Err("signature mismatch".to_string()));
    assert_eq!(e.sb.stats()["faults_pending"], 0);
    assert!(e
        .sb
        .inject(json!({"kind": "reset", "path": "punishes"}))
        .expect_err("unknown path")
        .contains("\"punish\""));
}
