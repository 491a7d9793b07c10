//! End-to-end behaviour of the client against the sandbox: every status, every fault kind,
//! failover, re-entry, connection reuse and the client-side rate limiter.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use wx_recover::{Client, ErrorKind, RecoverState, SignedHeaders};

fn wait_final(client: &Client, out_request_no: &str, mchid: &str) -> wx_recover::RecoverOrder {
    let give_up = Instant::now() + Duration::from_secs(20);
    loop {
        let order = client.query(out_request_no, mchid).expect("query");
        if order.state.is_final() || Instant::now() > give_up {
            return order;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn submit_then_query_reaches_success_and_failed() {
    let sb = sandbox("success");
    let c = client(&sb, no_overrides());
    let ok = order_with_outcome(&sb, "SUCCESS");
    let req = request(&sb, ok, "OK-1");
    let acc = c.submit(&req).expect("accepted");
    assert_eq!(acc.out_request_no, "OK-1");
    assert!(!acc.wxpay_recover_no.is_empty());
    assert!(acc.request_id.is_some());
    assert_eq!(acc.attempts, 1);
    let order = wait_final(&c, "OK-1", &req.mchid);
    assert_eq!(order.state, RecoverState::Success);
    assert_eq!(
        order.field("wxpay_recover_no"),
        Some(acc.wxpay_recover_no.as_str())
    );
    assert_eq!(order.field("recover_reason"), Some("核实无误，解除管控"));
    assert!(order.field("recover_finish_time").is_some());
    assert!(order.request_id.is_some());

    let bad = order_with_outcome(&sb, "FAILED");
    let req = request(&sb, bad, "FAIL-1");
    c.submit(&req).expect("accepted");
    let order = wait_final(&c, "FAIL-1", &req.mchid);
    assert_eq!(order.state, RecoverState::Failed);
    assert!(order.field("error_code").is_some());
}

#[test]
fn reentry_returns_the_same_recover_and_a_second_number_is_refused() {
    let sb = sandbox("reentry");
    let c = client(&sb, no_overrides());
    let req = request(&sb, 0, "RE-1");
    let first = c.submit(&req).expect("accepted");
    let again = c.submit(&req).expect("re-entry accepted");
    assert_eq!(first.wxpay_recover_no, again.wxpay_recover_no);
    assert_eq!(stat(&sb, "/recover_records"), 1);

    let mut other = req.clone();
    other.out_request_no = "RE-2".into();
    let e = c.submit(&other).expect_err("second recover of one order");
    assert_eq!(e.kind, ErrorKind::Api);
    assert_eq!(
        (e.http_status, e.code.as_deref()),
        (400, Some("ALREADY_EXISTS"))
    );
    assert!(!e.retry_safe);
    assert_eq!(e.attempts, 1);
    assert!(e.request_id.is_some());
    assert!(e.to_string().contains(e.request_id.as_deref().unwrap()));

    let mut changed = req.clone();
    changed.recover_reason = Some("different".into());
    let e = c.submit(&changed).expect_err("same number, other content");
    assert_eq!(
        (e.http_status, e.code.as_deref()),
        (400, Some("INVALID_REQUEST"))
    );
}

#[test]
fn platform_rule_errors_carry_status_code_and_request_id() {
    let sb = sandbox("rules");
    let c = client(&sb, no_overrides());

    let mut r = request(&sb, 1, "NF-1");
    r.related_wxpay_punish_no = "NO-SUCH-ORDER".into();
    let e = c.submit(&r).expect_err("unknown order");
    assert_eq!(
        (e.kind, e.http_status, e.code.as_deref()),
        (ErrorKind::Api, 404, Some("NOT_FOUND"))
    );

    let mut r = request(&sb, 1, "NF-2");
    r.mchid = "1999999999".into();
    let e = c.submit(&r).expect_err("unknown merchant");
    assert_eq!((e.http_status, e.code.as_deref()), (400, Some("NOT_FOUND")));

    let mut r = request(&sb, 1, "LEDGER-1");
    r.bal_account_no = "6200000000000000".into();
    let e = c.submit(&r).expect_err("ledger mismatch");
    assert_eq!(
        (e.http_status, e.code.as_deref()),
        (400, Some("INVALID_REQUEST"))
    );
    assert!(
        !e.message.contains("6200000000000000"),
        "error must not echo the ledger id"
    );
    assert!(!e.retry_safe);

    let e = c
        .query("NEVER-SUBMITTED", &r.mchid)
        .expect_err("unknown recover");
    assert_eq!(
        (e.kind, e.http_status, e.code.as_deref()),
        (ErrorKind::Api, 404, Some("NOT_FOUND"))
    );
    assert!(e.request_id.is_some());
}

#[test]
fn invalid_arguments_are_refused_before_anything_is_sent() {
    let sb = sandbox("invalid");
    let c = client(&sb, no_overrides());
    let before = stat(&sb, "/primary/requests");
    type Breaker = Box<dyn Fn(&mut wx_recover::RecoverRequest)>;
    let cases: Vec<(&str, Breaker)> = vec![
        (
            "out_request_no",
            Box::new(|r| r.out_request_no = String::new()),
        ),
        (
            "out_request_no",
            Box::new(|r| r.out_request_no = "x".repeat(65)),
        ),
        (
            "out_request_no",
            Box::new(|r| r.out_request_no = r.related_webank_punish_no.clone()),
        ),
        (
            "related_webank_punish_no",
            Box::new(|r| r.related_webank_punish_no = String::new()),
        ),
        (
            "related_wxpay_punish_no",
            Box::new(|r| r.related_wxpay_punish_no = String::new()),
        ),
        ("mchid", Box::new(|r| r.mchid = String::new())),
        (
            "bal_account_no",
            Box::new(|r| r.bal_account_no = "1".repeat(215)),
        ),
        (
            "recover_reason",
            Box::new(|r| r.recover_reason = Some("x".repeat(257))),
        ),
        (
            "recover_reason",
            Box::new(|r| r.recover_reason = Some("line\nbreak".into())),
        ),
    ];
    for (field, breakit) in cases {
        let mut r = request(&sb, 2, "INV-1");
        breakit(&mut r);
        let e = c.submit(&r).expect_err(field);
        assert_eq!(e.kind, ErrorKind::InvalidArgument, "{field}");
        assert!(e.message.starts_with(field), "{field}: {}", e.message);
        assert_eq!(e.attempts, 0);
    }
    assert!(c.query("", "1900000101").is_err());
    assert_eq!(
        stat(&sb, "/primary/requests"),
        before,
        "nothing may reach the platform"
    );
}

#[test]
fn configuration_errors_name_the_key() {
    let sb = sandbox("config");
    let e = Client::from_json(&config(&sb, json!({"timeout_ms": "fast"})))
        .err()
        .expect("bad type");
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(e.message.starts_with("timeout_ms"));
    let e = Client::from_json(&config(&sb, json!({"merchant_private_key": "/nope.pem"})))
        .err()
        .expect("missing key file");
    assert!(e.message.starts_with("merchant_private_key"));
    let e = Client::from_json(&config(
        &sb,
        json!({"ca_cert": null, "max_attempts": 1, "backup_url": ""}),
    ))
    .expect("config without the sandbox CA")
    .submit(&request(&sb, 3, "TLS-1"))
    .expect_err("the sandbox certificate must not be trusted without its CA");
    assert_eq!(e.kind, ErrorKind::Network);
    assert_eq!(stat(&sb, "/recover_records"), 0);
}

#[test]
fn a_warm_client_reuses_one_connection() {
    let sb = sandbox("pool");
    let c = client(&sb, no_overrides());
    for i in 0..5 {
        let r = request(&sb, i, &format!("POOL-{i}"));
        c.submit(&r).expect("accepted");
        c.query(&r.out_request_no, &r.mchid).expect("queried");
    }
    assert_eq!(stat(&sb, "/primary/requests"), 10);
    assert_eq!(stat(&sb, "/primary/connections"), 1);
}

#[test]
fn query_signs_the_percent_encoded_url_it_sends() {
    let sb = sandbox("encode");
    let c = client(&sb, no_overrides());
    let r = request(&sb, 4, "R 1/解管?&=%");
    let acc = c.submit(&r).expect("accepted");
    let order = c
        .query(&r.out_request_no, &r.mchid)
        .expect("query with reserved characters");
    assert_eq!(order.field("out_request_no"), Some("R 1/解管?&=%"));
    assert_eq!(
        order.field("wxpay_recover_no"),
        Some(acc.wxpay_recover_no.as_str())
    );
    assert_eq!(stat(&sb, "/signature_failures"), 0);
}

#[test]
fn transient_faults_are_retried_with_the_same_number() {
    let sb = sandbox("retry");
    let c = client(&sb, no_overrides());
    for (i, kind) in [
        "system_error",
        "reset",
        "reset_after_accept",
        "rate_limited",
    ]
    .iter()
    .enumerate()
    {
        fault(&sb, json!({"kind": kind, "count": 1, "path": "recover"}));
        let r = request(&sb, i, &format!("RETRY-{kind}"));
        let acc = c.submit(&r).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(acc.attempts, 2, "{kind}");
    }
    // Every order has exactly one recover, although reset_after_accept was accepted twice.
    let recovers = sb.recovers();
    let list = recovers.as_array().expect("list");
    assert_eq!(list.len(), 4);
    let after_accept = list
        .iter()
        .find(|r| r["out_request_no"] == "RETRY-reset_after_accept")
        .expect("record");
    assert_eq!(after_accept["accept_count"], 2);
}

#[test]
fn persistent_faults_surface_with_all_details() {
    let sb = sandbox("persist");
    let c = client(&sb, json!({"max_attempts": 3}));
    fault(&sb, json!({"kind": "system_error", "count": 3}));
    let e = c.submit(&request(&sb, 0, "P-500")).expect_err("three 500s");
    assert_eq!(
        (e.kind, e.http_status, e.code.as_deref()),
        (ErrorKind::Api, 500, Some("SYSTEM_ERROR"))
    );
    assert!(e.retry_safe);
    assert_eq!(e.attempts, 3);
    assert!(e.request_id.is_some());

    fault(&sb, json!({"kind": "rate_limited", "count": 3}));
    let e = c.submit(&request(&sb, 0, "P-500")).expect_err("three 429s");
    assert_eq!(
        (e.http_status, e.code.as_deref()),
        (429, Some("FREQUENCY_LIMITED"))
    );
    assert!(e.retry_safe);

    // Other 4xx are never retried.
    let mut r = request(&sb, 1, "P-404");
    r.related_wxpay_punish_no = "MISSING".into();
    assert_eq!(c.submit(&r).expect_err("404").attempts, 1);
}

#[test]
fn answers_that_fail_verification_are_unverified_and_settled_by_reentry() {
    let sb = sandbox("unverified");
    let c = client(&sb, no_overrides());
    for (i, kind) in [
        "bad_signature",
        "signtest",
        "stale_timestamp",
        "wrong_serial",
    ]
    .iter()
    .enumerate()
    {
        fault(&sb, json!({"kind": kind, "count": 1}));
        let r = request(&sb, i, &format!("UV-{i}"));
        let e = c.submit(&r).expect_err(kind);
        assert_eq!(e.kind, ErrorKind::Unverified, "{kind}: {e}");
        assert!(e.retry_safe, "{kind}");
        assert_eq!(e.http_status, 200);
        assert!(e.request_id.is_some());
        if *kind == "stale_timestamp" {
            assert!(e.message.contains("clock"), "{}", e.message);
        }
        // The platform did accept it: re-entry settles the unknown outcome, once.
        let acc = c.submit(&r).expect("re-entry");
        let order = c.query(&r.out_request_no, &r.mchid).expect("query");
        assert_eq!(
            order.field("wxpay_recover_no"),
            Some(acc.wxpay_recover_no.as_str())
        );
    }
    assert_eq!(stat(&sb, "/recover_records"), 4);
}

#[test]
fn malformed_answers_are_bad_responses() {
    let sb = sandbox("badresp");
    let c = client(&sb, json!({"max_attempts": 1}));
    fault(&sb, json!({"kind": "non_json", "count": 1}));
    let e = c.submit(&request(&sb, 0, "BR-1")).expect_err("html");
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(e.retry_safe);
    fault(&sb, json!({"kind": "huge_body", "count": 1}));
    let e = c.submit(&request(&sb, 1, "BR-2")).expect_err("huge");
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(e.request_id.is_some());
}

#[test]
fn failover_to_the_backup_when_the_primary_is_down_or_slow() {
    let sb = sandbox("failover");
    // Within one call, without the breaker (tests/quota.rs covers it): each call starts on
    // the primary and its retry moves to the backup.
    let c = client(&sb, json!({"timeout_ms": 500, "breaker_enabled": false}));
    fault(&sb, json!({"kind": "down", "listener": "primary"}));
    let r = request(&sb, 0, "FO-1");
    let acc = c.submit(&r).expect("accepted via backup");
    assert_eq!(acc.attempts, 2);
    assert!(stat(&sb, "/backup/requests") >= 1);
    sb.reset();

    fault(
        &sb,
        json!({"kind": "delay", "ms": 2000, "listener": "primary", "count": 1}),
    );
    let r = request(&sb, 1, "FO-2");
    let acc = c.submit(&r).expect("accepted via backup after a timeout");
    assert_eq!(acc.attempts, 2);
    // The slow primary also accepted it: one recover, not two.
    std::thread::sleep(Duration::from_millis(2200));
    let records = sb.recovers();
    assert_eq!(
        records
            .as_array()
            .expect("list")
            .iter()
            .filter(|x| x["out_request_no"] == "FO-2")
            .count(),
        1
    );
}

#[test]
fn without_a_backup_network_failures_and_timeouts_are_reported() {
    let sb = sandbox("nobackup");
    let c = client(
        &sb,
        json!({"backup_url": "", "timeout_ms": 300, "max_attempts": 2}),
    );
    fault(&sb, json!({"kind": "down", "listener": "primary"}));
    let e = c.submit(&request(&sb, 0, "NB-1")).expect_err("down");
    assert_eq!(e.kind, ErrorKind::Network, "{e}");
    assert!(e.retry_safe);
    assert_eq!(e.attempts, 2);
    sb.reset();
    fault(&sb, json!({"kind": "delay", "ms": 1000, "count": 2}));
    let e = c.submit(&request(&sb, 1, "NB-2")).expect_err("slow");
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(e.retry_safe);
}

#[test]
fn the_client_side_limiter_refuses_without_sending() {
    let sb = sandbox("limiter");
    let c = client(
        &sb,
        json!({"rate_limit_per_minute": 2, "rate_limit_wait_ms": 0}),
    );
    c.submit(&request(&sb, 0, "RL-1")).expect("first");
    c.submit(&request(&sb, 1, "RL-2")).expect("second");
    let sent = stat(&sb, "/primary/requests");
    let e = c
        .submit(&request(&sb, 2, "RL-3"))
        .expect_err("third in a minute");
    assert_eq!(e.kind, ErrorKind::RateLimited);
    assert_eq!(e.attempts, 0);
    assert!(e.retry_safe);
    assert_eq!(stat(&sb, "/primary/requests"), sent);

    let waiting = client(
        &sb,
        json!({"rate_limit_per_minute": 1, "rate_limit_wait_ms": 200}),
    );
    waiting.submit(&request(&sb, 3, "RL-4")).expect("first");
    // No slot frees up within 200 ms of a one-per-minute window: refused, nothing sent.
    let sent = stat(&sb, "/primary/requests");
    assert_eq!(
        waiting
            .submit(&request(&sb, 4, "RL-5"))
            .expect_err("no slot")
            .kind,
        ErrorKind::RateLimited
    );
    assert_eq!(stat(&sb, "/primary/requests"), sent);
}

#[test]
fn the_sandbox_rate_limit_is_reported_as_429() {
    let sb = sandbox_with("server-limit", |o| o.rate_limit_per_minute = 2);
    let c = client(&sb, json!({"max_attempts": 1}));
    c.submit(&request(&sb, 0, "SL-1")).expect("first");
    c.submit(&request(&sb, 1, "SL-2")).expect("second");
    let e = c.submit(&request(&sb, 2, "SL-3")).expect_err("third");
    assert_eq!(
        (e.kind, e.http_status, e.code.as_deref()),
        (ErrorKind::Api, 429, Some("FREQUENCY_LIMITED"))
    );
}

#[test]
fn one_client_serves_eight_threads() {
    let sb = sandbox("threads");
    let c = client(&sb, no_overrides());
    std::thread::scope(|s| {
        for t in 0..8 {
            let (c, sb) = (&c, &sb);
            s.spawn(move || {
                for k in 0..4 {
                    let i = t * 4 + k;
                    c.submit(&request(sb, i, &format!("TH-{i}")))
                        .expect("accepted");
                }
            });
        }
    });
    assert_eq!(stat(&sb, "/recover_records"), 32);
    // At most one connection per thread, plus one per thread for the moment a finished
    // connection is still on its way back to the pool when that thread's next call starts.
    let connections = stat(&sb, "/primary/connections");
    assert!(connections <= 16, "{connections} connections for 8 threads");
}

#[test]
fn primitives_work_with_a_callers_own_http_stack() {
    let sb = sandbox("primitives");
    let c = client(&sb, no_overrides());
    let auth = c
        .authorization("GET", "/v3/certificates", b"")
        .expect("authorization");
    assert!(auth.starts_with("WECHATPAY2-SHA256-RSA2048 "));
    let ca = std::fs::read(sb.info()["ca_cert"].as_str().expect("ca")).expect("ca file");
    let http = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("pem"))
        .build()
        .expect("http");
    let resp = http
        .get(format!(
            "{}/v3/certificates",
            sb.info()["primary_url"].as_str().expect("url")
        ))
        .header("Authorization", auth)
        .header("Accept", "application/json")
        .send()
        .expect("sent");
    assert_eq!(resp.status(), 200);
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let headers = SignedHeaders {
        timestamp: h("Wechatpay-Timestamp"),
        nonce: h("Wechatpay-Nonce"),
        signature: h("Wechatpay-Signature"),
        serial: h("Wechatpay-Serial"),
        signature_type: Some(h("Wechatpay-Signature-Type")),
    };
    let body = resp.bytes().expect("body");
    c.verify(&headers, &body).expect("genuine answer verifies");
    let mut tampered = body.to_vec();
    tampered[0] ^= 1;
    assert_eq!(
        c.verify(&headers, &tampered).expect_err("tampered").kind,
        ErrorKind::Unverified
    );

    let ct = c.encrypt("6222000011112222").expect("encrypt");
    assert_ne!(
        ct,
        c.encrypt("6222000011112222").expect("encrypt"),
        "OAEP is randomised"
    );
    assert_eq!(
        c.wechatpay_serial(),
        sb.info()["wechatpay_public_key_id"].as_str().expect("id")
    );
}

#[test]
fn certificate_mode_encrypts_for_and_verifies_the_platform_certificate() {
    let sb = sandbox("certmode");
    let cert = sb.info()["platform_certificate"]
        .as_str()
        .expect("cert")
        .to_string();
    let c = client(
        &sb,
        json!({"wechatpay_public_key_id": null, "wechatpay_public_key": null, "platform_certificate": cert}),
    );
    assert_eq!(
        c.wechatpay_serial(),
        sb.info()["platform_certificate_serial"]
            .as_str()
            .expect("serial")
    );
    let r = request(&sb, 5, "CERT-1");
    c.submit(&r).expect("accepted in certificate mode");
    c.query(&r.out_request_no, &r.mchid)
        .expect("queried in certificate mode");
}
