//! Fault injection: every kind, count, listener and path filters, admin HTTP API.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn records(e: &Env) -> usize {
    e.sb.recovers().as_array().expect("array").len()
}

#[test]
fn system_error_does_nothing() {
    let e = start("f-500");
    let c = &e.c;
    e.sb.inject(json!({"kind": "system_error"}))
        .expect("inject");
    c.recover(&c.recover_body(0, "OUT-1"))
        .expect_err(500, "SYSTEM_ERROR");
    assert_eq!(records(&e), 0);
    // Count 1 by default: the retry succeeds.
    assert_eq!(c.recover(&c.recover_body(0, "OUT-1")).status, 200);
    assert_eq!(records(&e), 1);
}

#[test]
fn count_listener_and_path_filters() {
    let e = start("f-filter");
    let c = &e.c;
    e.sb.inject(json!({"kind": "system_error", "count": 2, "listener": "backup", "path": "query"}))
        .expect("inject");
    // Other listener and other path untouched.
    assert_eq!(c.query_on("primary", "X", "1").expect("io").status, 404);
    assert_eq!(
        c.recover_on("backup", &c.recover_body(0, "OUT-F"))
            .expect("io")
            .status,
        200
    );
    c.query_on("backup", "X", "1")
        .expect("io")
        .expect_err(500, "SYSTEM_ERROR");
    c.query_on("backup", "X", "1")
        .expect("io")
        .expect_err(500, "SYSTEM_ERROR");
    assert_eq!(c.query_on("backup", "X", "1").expect("io").status, 404);
    assert_eq!(e.sb.stats()["faults_pending"], 0);
    // Invalid faults are refused.
    for bad in [
        json!({"kind": "nope"}),
        json!({"count": 1}),
        json!({"kind": "reset", "count": 0}),
        json!({"kind": "reset", "listener": "third"}),
        json!({"kind": "reset", "path": "other"}),
        json!({"kind": "delay", "ms": -1}),
        json!("reset"),
    ] {
        assert!(e.sb.inject(bad.clone()).is_err(), "{bad}");
    }
}

#[test]
fn reset_closes_before_acting() {
    let e = start("f-reset");
    let c = &e.c;
    e.sb.inject(json!({"kind": "reset", "path": "recover"}))
        .expect("inject");
    let r = c.recover_on("primary", &c.recover_body(0, "OUT-R"));
    assert!(r.is_err(), "expected the connection to close, got {r:?}");
    assert_eq!(records(&e), 0);
    assert_eq!(c.recover(&c.recover_body(0, "OUT-R")).status, 200);
}

#[test]
fn reset_after_accept_records_then_closes() {
    let e = start("f-raa");
    let c = &e.c;
    e.sb.inject(json!({"kind": "reset_after_accept"}))
        .expect("inject");
    let body = c.recover_body(0, "OUT-RAA");
    assert!(c.recover_on("primary", &body).is_err());
    assert_eq!(records(&e), 1, "accepted although unanswered");
    // The safe retry: same out_request_no gets the recorded number.
    let r = c.recover(&body);
    assert_eq!(r.status, 200);
    let recs = e.sb.recovers();
    assert_eq!(recs[0]["wxpay_recover_no"], r.json()["wxpay_recover_no"]);
    assert_eq!(recs[0]["accept_count"], 2);
}

#[test]
fn delay_answers_late() {
    let e = start("f-delay");
    let c = &e.c;
    e.sb.inject(json!({"kind": "delay", "ms": 400}))
        .expect("inject");
    let t = Instant::now();
    let r = c.recover(&c.recover_body(0, "OUT-D"));
    assert!(t.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.status, 200);
    c.verify(&r).expect("sig");
    assert_eq!(records(&e), 1);
}

#[test]
fn signature_faults() {
    let e = start("f-sig");
    let c = &e.c;
    let m = c.order(0)["mchid"].as_str().expect("m").to_string();
    assert_eq!(c.recover(&c.recover_body(0, "OUT-S")).status, 200);

    e.sb.inject(json!({"kind": "bad_signature"}))
        .expect("inject");
    let r = c.query("OUT-S", &m);
    assert_eq!(r.status, 200);
    let sig = r.header("Wechatpay-Signature").expect("sig");
    assert!(
        openssl::base64::decode_block(sig).is_ok(),
        "well-formed base64"
    );
    assert_eq!(c.verify(&r), Err("signature mismatch".to_string()));

    e.sb.inject(json!({"kind": "signtest"})).expect("inject");
    let r = c.query("OUT-S", &m);
    assert_eq!(r.status, 200);
    assert!(r
        .header("Wechatpay-Signature")
        .expect("sig")
        .starts_with("WECHATPAY/SIGNTEST/"));
    assert!(c.verify(&r).is_err());

    e.sb.inject(json!({"kind": "stale_timestamp"}))
        .expect("inject");
    let r = c.query("OUT-S", &m);
    assert_eq!(c.verify(&r), Err("stale timestamp".to_string()));
    assert!(
        c.signature_valid(&r),
        "signed correctly over the old timestamp"
    );
    let ts: i64 = r
        .header("Wechatpay-Timestamp")
        .expect("ts")
        .parse()
        .expect("int");
    assert!(now() - ts >= 590);

    e.sb.inject(json!({"kind": "wrong_serial"}))
        .expect("inject");
    let r = c.query("OUT-S", &m);
    assert!(c
        .verify(&r)
        .expect_err("unknown serial")
        .contains("unknown serial"));
    assert!(c.signature_valid(&r));

    // Back to normal.
    c.verify(&c.query("OUT-S", &m)).expect("sig");
}

#[test]
fn non_json_does_nothing() {
    let e = start("f-html");
    let c = &e.c;
    e.sb.inject(json!({"kind": "non_json", "path": "recover"}))
        .expect("inject");
    let r = c.recover(&c.recover_body(0, "OUT-H"));
    assert_eq!(r.status, 200);
    c.verify(&r).expect("correctly signed");
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    assert!(String::from_utf8_lossy(&r.body).contains("<html>"));
    assert_eq!(records(&e), 0);
}

#[test]
fn huge_body_is_signed() {
    let e = start("f-huge");
    let c = &e.c;
    e.sb.inject(json!({"kind": "huge_body"})).expect("inject");
    let r = c.recover(&c.recover_body(0, "OUT-HUGE"));
    assert_eq!(r.status, 200);
    assert!(r.body.len() >= 4 * 1024 * 1024);
    c.verify(&r).expect("sig");
    assert_eq!(r.json()["out_request_no"], "OUT-HUGE");
    assert_eq!(records(&e), 1);
}

#[test]
fn rate_limited_does_nothing() {
    let e = start("f-429");
    let c = &e.c;
    e.sb.inject(json!({"kind": "rate_limited", "count": 2}))
        .expect("inject");
    c.recover(&c.recover_body(0, "OUT-L"))
        .expect_err(429, "FREQUENCY_LIMITED");
    c.recover(&c.recover_body(0, "OUT-L"))
        .expect_err(429, "FREQUENCY_LIMITED");
    assert_eq!(records(&e), 0);
    assert_eq!(c.recover(&c.recover_body(0, "OUT-L")).status, 200);
}

#[test]
fn down_refuses_and_drops_then_reset_restores() {
    let e = start("f-down");
    let c = &e.c;
    let held = c.connect(&c.url("primary"));
    assert_eq!(
        c.send(&held, "GET", "/v3/certificates", b"", None, None)
            .expect("io")
            .status,
        200
    );
    e.sb.inject(json!({"kind": "down", "listener": "primary", "count": 5}))
        .expect("inject");
    let err = c.reachable("primary").expect_err("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
    // The held keep-alive connection was dropped: a request on it needs a new connection,
    // which is refused.
    std::thread::sleep(Duration::from_millis(50));
    assert!(c
        .send(&held, "GET", "/v3/certificates", b"", None, None)
        .is_err());
    // Backup is still there.
    assert_eq!(
        c.recover_on("backup", &c.recover_body(0, "OUT-DN"))
            .expect("io")
            .status,
        200
    );
    assert_eq!(e.sb.stats()["listeners_up"]["primary"], false);
    e.sb.reset();
    assert_eq!(
        c.query_on(
            "primary",
            "OUT-DN",
            c.order(0)["mchid"].as_str().expect("m")
        )
        .expect("io")
        .status,
        200
    );
}

#[test]
fn down_with_ms_comes_back_by_itself() {
    let e = start("f-down-ms");
    let c = &e.c;
    e.sb.inject(json!({"kind": "down", "ms": 300}))
        .expect("inject");
    assert!(c.reachable("primary").is_err());
    assert!(c.reachable("backup").is_err());
    let t = Instant::now();
    loop {
        if c.reachable("primary").is_ok() && c.reachable("backup").is_ok() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "listeners did not come back"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(t.elapsed() >= Duration::from_millis(200));
}

#[test]
fn admin_http_api() {
    let e = start("f-admin");
    let c = &e.c;
    let info = e.sb.info().clone();
    let (s, v) = admin(
        &info,
        "POST",
        "/faults",
        Some(&json!({"kind": "system_error", "listener": "primary"})),
    );
    assert_eq!((s, v["ok"].as_bool()), (200, Some(true)));
    let (s, v) = admin(&info, "POST", "/faults", Some(&json!({"kind": "bogus"})));
    assert_eq!(s, 400);
    assert_eq!(v["code"], "PARAM_ERROR");
    let (s, _) = admin(
        &info,
        "POST",
        "/faults",
        Some(&json!({"kind": "down", "listener": "backup"})),
    );
    assert_eq!(s, 200);
    assert!(c.reachable("backup").is_err());
    let (s, v) = admin(&info, "GET", "/stats", None);
    assert_eq!(s, 200);
    assert_eq!(v["faults_pending"], 1);
    let (s, _) = admin(&info, "POST", "/reset", None);
    assert_eq!(s, 200);
    assert_eq!(e.sb.stats()["faults_pending"], 0);
    assert_eq!(
        c.recover_on("backup", &c.recover_body(0, "OUT-AD"))
            .expect("io")
            .status,
        200
    );
    assert_eq!(
        c.recover(&c.recover_body(0, "OUT-AD")).status,
        200,
        "system_error was cleared"
    );
    let (s, v) = admin(&info, "GET", "/recovers", None);
    assert_eq!(s, 200);
    assert_eq!(v[0]["out_request_no"], "OUT-AD");
    assert_eq!(v[0]["accept_count"], 2);
    for k in [
        "wxpay_recover_no",
        "related_webank_punish_no",
        "related_wxpay_punish_no",
        "mchid",
        "state",
    ] {
        assert!(v[0][k].is_string(), "{k}");
    }
    let (s, v) = admin(&info, "GET", "/stats", None);
    assert_eq!(s, 200);
    for k in [
        "recovers_accepted",
        "signature_failures",
        "notifications_delivered",
    ] {
        assert!(v[k].is_u64(), "{k}");
    }
    assert!(v["primary"]["connections"].as_u64().expect("n") >= 1);
    let (s, _) = admin(&info, "GET", "/nothing", None);
    assert_eq!(s, 404);
}

/// Sends a recover on a fresh primary connection and expects no answer within `wait`.
fn send_unanswered(e: &Env, out: &str, i: usize, wait: Duration) -> Pending {
    let c = &e.c;
    let conn = c.connect(&c.url("primary"));
    let body = serde_json::to_vec(&c.recover_body(i, out)).expect("json");
    let headers = c.headers("POST", RECOVER, &body, None, Some(&c.pub_id));
    let pending = conn.send_in_background("POST", RECOVER, headers, body);
    if let Some(r) = pending.wait(wait) {
        panic!("a blackholed request is never answered, got {r:?}");
    }
    pending
}

/// Expects `pending` to end within 5 s with its connection closed, not answered.
fn expect_closed_unanswered(pending: &Pending) {
    let r = pending.wait(Duration::from_secs(5)).expect("ended");
    let err = r.expect_err("closed without an answer");
    assert_ne!(err.kind(), std::io::ErrorKind::WouldBlock, "{err}");
    assert_ne!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
}

#[test]
fn blackhole_holds_requests_until_reset() {
    let e = start("f-blackhole");
    let c = &e.c;
    e.sb.inject(json!({"kind": "blackhole", "listener": "primary", "count": 2}))
        .expect("inject");
    let first = send_unanswered(&e, "OUT-BH1", 0, Duration::from_millis(700));
    let second = send_unanswered(&e, "OUT-BH2", 1, Duration::from_millis(300));
    let st = e.sb.stats();
    assert_eq!(st["blackhole_held"], 2);
    assert_eq!(st["faults_pending"], 0, "the count is used up");
    assert_eq!(records(&e), 0, "a held request is not processed");
    // The count ran out: the primary answers again, and the backup was never affected.
    assert_eq!(c.recover(&c.recover_body(2, "OUT-BH3")).status, 200);
    assert_eq!(
        c.recover_on("backup", &c.recover_body(3, "OUT-BH4"))
            .expect("io")
            .status,
        200
    );
    // Still held a while later; reset closes both connections without an answer.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(e.sb.stats()["blackhole_held"], 2);
    assert!(first.wait(Duration::ZERO).is_none() && second.wait(Duration::ZERO).is_none());
    e.sb.reset();
    expect_closed_unanswered(&first);
    expect_closed_unanswered(&second);
    let t = Instant::now();
    while e.sb.stats()["blackhole_held"] != 0 {
        assert!(t.elapsed() < Duration::from_secs(5), "still held");
        std::thread::sleep(Duration::from_millis(10));
    }
    let recs = e.sb.recovers();
    let outs: Vec<&str> = recs
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["out_request_no"].as_str().expect("out"))
        .collect();
    assert_eq!(outs, ["OUT-BH3", "OUT-BH4"]);
    // The held orders can be recovered normally afterwards.
    assert_eq!(c.recover(&c.recover_body(0, "OUT-BH1")).status, 200);
}

#[test]
fn blackhole_filters_by_path_and_down_drops_what_it_holds() {
    let e = start("f-blackhole-path");
    e.sb.inject(json!({"kind": "blackhole", "path": "query", "count": 100}))
        .expect("inject");
    let c = &e.c;
    let conn = c.connect(&c.url("backup"));
    let pq = format!("{QUERY}X?control_type=RECOVER&mchid=1");
    let headers = c.headers("GET", &pq, b"", None, None);
    let held = conn.send_in_background("GET", &pq, headers, Vec::new());
    assert!(
        held.wait(Duration::from_millis(200)).is_none(),
        "blackholed"
    );
    // Other paths pass; the fault is still pending for the next 99 queries.
    assert_eq!(c.recover(&c.recover_body(0, "OUT-Q")).status, 200);
    assert_eq!(e.sb.stats()["faults_pending"], 1);
    assert_eq!(e.sb.stats()["blackhole_held"], 1);
    // Taking the listener down drops the held connection with the others.
    e.sb.inject(json!({"kind": "down", "listener": "backup"}))
        .expect("down");
    let t = Instant::now();
    while e.sb.stats()["blackhole_held"] != 0 {
        assert!(t.elapsed() < Duration::from_secs(5), "still held");
        std::thread::sleep(Duration::from_millis(10));
    }
    expect_closed_unanswered(&held);
    e.sb.reset();
    assert_eq!(e.sb.stats()["faults_pending"], 0);
    let m = c.order(0)["mchid"].as_str().expect("m").to_string();
    assert_eq!(c.query_on("backup", "OUT-Q", &m).expect("io").status, 200);
}
