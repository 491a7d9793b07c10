//! Logging never leaks a secret, clock skew is named with its offset, and a client refuses
//! use after `fork()` instead of hanging.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use serde_json::json;
use wx_recover::Level;
use wx_recover::{Client, ErrorKind};

/// Every secret a sandbox's client knows, for scanning text.
fn secrets(sb: &wx_sandbox::Sandbox) -> Vec<String> {
    let info = sb.info();
    let mut out = vec![info["apiv3_key"].as_str().expect("apiv3").to_string()];
    let pem = std::fs::read_to_string(info["merchant_private_key"].as_str().expect("key path"))
        .expect("key");
    out.extend(
        pem.lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 16)
            .map(str::to_string),
    );
    for o in info["orders"].as_array().expect("orders") {
        out.push(o["bal_account_no"].as_str().expect("bal").to_string());
    }
    out
}

fn assert_clean(text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "secret material found in: {text}"
        );
    }
    assert!(
        !text.contains("signature=\""),
        "an Authorization value was logged: {text}"
    );
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    // Signatures, ciphertexts and key bodies are long base64 runs; nothing we log is.
    let longest = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest < 100, "a long base64-like run was logged: {text}");
}

#[test]
fn trace_logging_carries_the_story_but_no_secret() {
    let sb = sandbox("logging");
    let c = client(&sb, json!({"max_attempts": 2}));
    let lines: Arc<Mutex<Vec<(Level, String)>>> = Arc::default();
    let sink = Arc::clone(&lines);
    c.set_logger(Some((
        Level::Trace,
        Arc::new(move |l, m: &str| sink.lock().unwrap().push((l, m.to_string()))),
    )));

    let mut errors = Vec::new();
    let r = request(&sb, 0, "LOG-1");
    c.submit(&r).expect("accepted");
    c.query("LOG-1", &r.mchid).expect("queried");
    errors.push(
        c.submit(&request(&sb, 0, "LOG-2"))
            .expect_err("already exists")
            .to_string(),
    );
    for kind in ["bad_signature", "signtest", "wrong_serial", "non_json"] {
        fault(&sb, json!({"kind": kind, "count": 1}));
        errors.push(
            c.submit(&request(&sb, 1, "LOG-3"))
                .expect_err(kind)
                .to_string(),
        );
    }
    fault(&sb, json!({"kind": "system_error", "count": 1}));
    c.submit(&request(&sb, 2, "LOG-4")).expect("retried");
    let mut bad = request(&sb, 3, "LOG-5");
    bad.bal_account_no = "6230999999999999999".into();
    errors.push(c.submit(&bad).expect_err("ledger mismatch").to_string());
    bad.bal_account_no = "9".repeat(300);
    errors.push(c.submit(&bad).expect_err("too long").to_string());
    errors.push(
        c.encrypt(&"8".repeat(300))
            .expect_err("too long")
            .to_string(),
    );

    let captured = Arc::clone(&lines);
    let lines = lines.lock().unwrap().clone();
    let all: String = lines
        .iter()
        .map(|(_, l)| format!("{l}\n"))
        .collect::<String>()
        + &errors.join("\n");
    let mut secrets = secrets(&sb);
    secrets.push("6230999999999999999".into());
    secrets.push("9".repeat(300));
    secrets.push("8".repeat(300));
    assert_clean(&all, &secrets);

    let has =
        |level: Level, needle: &str| lines.iter().any(|(l, m)| *l == level && m.contains(needle));
    assert!(has(
        Level::Debug,
        "POST /v3/aggracct-bc/wb-channel/control-orders/recover -> 200 Request-ID="
    ));
    assert!(has(
        Level::Debug,
        "GET /v3/aggracct-bc/wb-channel/control-orders/LOG-1 -> 200"
    ));
    assert!(has(Level::Debug, "retrying in"));
    // What a call returns as its error is logged at DEBUG only: never WARN or ERROR, which
    // would print every error twice for a caller who logs what it catches.
    assert!(has(Level::Debug, "unverified response"));
    assert!(has(Level::Debug, "ALREADY_EXISTS"));
    assert!(
        !lines.iter().any(|(l, m)| *l <= Level::Warn
            && (m.contains("ALREADY_EXISTS") || m.contains("unverified response"))),
        "a returned error was logged at WARN or above: {lines:?}"
    );
    assert!(has(Level::Trace, "Authorization=<redacted>"));
    assert!(lines.iter().any(|(_, m)| m.contains("attempt=2")));

    // Off means off.
    let before = captured.lock().unwrap().len();
    c.set_logger(None);
    c.submit(&request(&sb, 4, "LOG-6")).expect("accepted");
    assert_eq!(captured.lock().unwrap().len(), before);
}

#[test]
fn a_sign_error_from_clock_skew_names_the_offset() {
    let sb = sandbox("clock");
    let c = client(&sb, json!({"max_attempts": 1}));
    sb.set_clock_offset(600);
    let e = c
        .submit(&request(&sb, 0, "CLOCK-1"))
        .expect_err("timestamp outside the window");
    assert_eq!(
        (e.kind, e.http_status, e.code.as_deref()),
        (ErrorKind::Api, 401, Some("SIGN_ERROR"))
    );
    let m = &e.message;
    assert!(
        m.contains("local clock is") && m.contains("behind the platform's"),
        "{m}"
    );
    let offset: i64 = m
        .split("local clock is ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("offset in the message");
    assert!((595..=605).contains(&offset), "measured offset {offset}");

    // A genuine signature problem is not blamed on the clock.
    sb.set_clock_offset(0);
    let mut cfg: serde_json::Value =
        serde_json::from_str(&config(&sb, json!({"max_attempts": 1}))).expect("json");
    let other = openssl::rsa::Rsa::generate(2048)
        .expect("rsa")
        .private_key_to_pem()
        .expect("pem");
    cfg.as_object_mut()
        .expect("obj")
        .remove("merchant_private_key");
    cfg["merchant_private_key_pem"] = String::from_utf8(other).expect("utf8").into();
    let wrong_key = Client::from_json(&cfg.to_string()).expect("client");
    let e = wrong_key
        .submit(&request(&sb, 1, "CLOCK-2"))
        .expect_err("wrong key");
    assert_eq!(e.code.as_deref(), Some("SIGN_ERROR"));
    assert!(!e.message.contains("clock"), "{}", e.message);
}

#[test]
fn a_client_refuses_use_after_fork_and_a_new_one_works() {
    let sb = sandbox("fork");
    let c = client(&sb, json!({}));
    c.submit(&request(&sb, 0, "FORK-1")).expect("parent works");
    let cfg = config(&sb, json!({}));
    let child_req = request(&sb, 1, "FORK-2");
    // SAFETY: the child only runs code that is safe after fork in practice (allocation,
    // the library's own calls, new threads) and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = (|| {
            let e = match c.submit(&child_req) {
                Ok(_) => return 10,
                Err(e) => e,
            };
            if e.kind != ErrorKind::InvalidArgument || !e.message.contains("fork") {
                return 11;
            }
            let fresh = match Client::from_json(&cfg) {
                Ok(f) => f,
                Err(_) => return 12,
            };
            if fresh.submit(&child_req).is_err() {
                return 13;
            }
            drop(c); // the inherited client is dropped in the child without hanging
            0
        })();
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(libc::WIFEXITED(status), "child did not exit normally");
    assert_eq!(
        libc::WEXITSTATUS(status),
        0,
        "child failed its checks (code {})",
        libc::WEXITSTATUS(status)
    );
    // The parent's client still works and the child's recover landed once.
    c.query("FORK-2", &request(&sb, 1, "FORK-2").mchid)
        .expect("child's recover visible");
}
