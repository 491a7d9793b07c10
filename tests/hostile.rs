//! A hostile or broken server: answers for another order, huge or control-laden platform
//! text, malformed signed bodies, ambiguous headers and duplicate keys, 5xx failover, and
//! notifications with a nonce of the wrong length. Each refusal is a clean, bounded error.

mod common;

use std::sync::{Arc, Mutex};

use common::hostile::{query_body, recover_request, submit_body, Hostile, Reply};
use common::*;
use serde_json::{json, Value};
use wx_recover::{Client, Error, ErrorKind, SignedHeaders};
use wx_recover::{Level, Sink};

const ORDER: &str = "HOSTILE-1";
const TARGET: &str = "1900000100";

fn has_control(s: &str) -> bool {
    s.chars().any(|c| (c as u32) < 0x20 || c as u32 == 0x7f)
}

fn query_err(server: &Hostile, overrides: Value) -> Error {
    try_query_err(server, overrides).unwrap_or_else(|p| panic!("{p}"))
}

fn try_query_err(server: &Hostile, overrides: Value) -> Result<Error, String> {
    match server.client(overrides).query(ORDER, TARGET) {
        Ok(o) => Err(format!("accepted: {}", o.raw)),
        Err(e) => Ok(e),
    }
}

/// Fails a case of a table with a message, so every failing case is reported, not only the first.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

fn every_case_passes(label: &str, outcomes: Vec<Result<(), String>>) {
    let failed: Vec<String> = outcomes.into_iter().filter_map(Result::err).collect();
    assert!(failed.is_empty(), "{label}:\n{}", failed.join("\n"));
}

/// Every line the client logs at TRACE and above.
fn capture(c: &Client) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink_lines = Arc::clone(&lines);
    let sink: Arc<Sink> = Arc::new(move |_level: Level, line: &str| {
        sink_lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line.to_string());
    });
    c.set_logger(Some((Level::Trace, sink)));
    lines
}

#[test]
fn the_hostile_server_signs_well_formed_answers_the_client_accepts() {
    let q = Hostile::start(vec![Reply::signed(200, query_body(ORDER, TARGET))]);
    let order = q.client(json!({})).query(ORDER, TARGET).expect("query");
    assert_eq!(order.raw["out_request_no"], ORDER);
    let s = Hostile::start(vec![Reply::signed(200, submit_body(ORDER))]);
    let acc = s
        .client(json!({}))
        .submit(&recover_request(ORDER))
        .expect("submit");
    assert_eq!(acc.out_request_no, ORDER);
    assert_eq!(acc.attempts, 1);
}

#[test]
fn a_query_answer_for_another_order_or_merchant_is_a_bad_response() {
    let cases = [
        ("out_request_no", query_body("SOMEONE-ELSES", TARGET)),
        ("mchid", query_body(ORDER, "1999999999")),
    ];
    let outcomes = cases.into_iter().map(|(label, body)| {
        let server = Hostile::start(vec![Reply::signed(200, body)]);
        let e = try_query_err(&server, json!({})).map_err(|p| format!("other {label}: {p}"))?;
        ensure!(e.kind == ErrorKind::BadResponse, "{label}: {e}");
        ensure!(e.retry_safe, "{label}: not retry_safe: {e:?}");
        ensure!(e.attempts >= 1, "{label}: attempts {}", e.attempts);
        ensure!(e.http_status == 200, "{label}: HTTP {}", e.http_status);
        Ok(())
    });
    every_case_passes("answers for another order", outcomes.collect());
}

#[test]
fn huge_platform_code_message_and_detail_are_bounded_in_the_error() {
    let body = json!({
        "code": "C".repeat(100 * 1024),
        "message": "m ".repeat(300 * 1024),
        "detail": {"field": "mchid", "junk": "d".repeat(150 * 1024)},
    })
    .to_string();
    let server = Hostile::start(vec![Reply::plain(400, body)]);
    let e = query_err(&server, json!({}));
    assert_eq!(e.kind, ErrorKind::Api, "{:?}", e.kind);
    assert_eq!(e.http_status, 400);
    assert!(
        e.message.len() <= 1100,
        "message is {} bytes",
        e.message.len()
    );
    let code_len = e.code.as_deref().map_or(0, str::len);
    assert!(code_len <= 64, "code is {code_len} bytes");
    let detail_len = e.detail.as_deref().map_or(0, str::len);
    assert!(detail_len <= 64 * 1024, "detail is {detail_len} bytes");
    let shown = e.to_string().len();
    assert!(shown < 2000, "formatted error is {shown} bytes");
}

#[test]
fn control_characters_from_the_network_never_reach_messages_or_logs() {
    let forged = json!({
        "code": "PARAM\u{1b}[31mERROR",
        "message": "bad\r\n2026-01-01 INFO forged log line",
    })
    .to_string();
    let cases = [
        (
            "JSON error",
            Reply::plain(400, forged).set_header("Request-ID", "RID\tforged"),
        ),
        (
            "non-JSON 502",
            Reply::plain(502, b"<html>\x1b[2J\r\nBad Gateway\x07</html>".to_vec()),
        ),
    ];
    let outcomes = cases.into_iter().map(|(label, reply)| {
        let server = Hostile::start(vec![reply]);
        let c = server.client(json!({}));
        let lines = capture(&c);
        let e = match c.query(ORDER, TARGET) {
            Ok(o) => return Err(format!("{label}: accepted: {}", o.raw)),
            Err(e) => e,
        };
        ensure!(e.kind == ErrorKind::Api, "{label}: {e:?}");
        ensure!(!has_control(&e.message), "{label}: message {:?}", e.message);
        let shown = e.to_string();
        ensure!(!has_control(&shown), "{label}: shown {shown:?}");
        let lines = lines.lock().unwrap_or_else(|p| p.into_inner());
        ensure!(!lines.is_empty(), "{label}: nothing logged");
        for l in lines.iter() {
            ensure!(!has_control(l), "{label}: log line {l:?}");
        }
        Ok(())
    });
    every_case_passes("control characters", outcomes.collect());
}

#[test]
fn malformed_signed_answers_are_bad_responses_with_the_true_attempt_count() {
    let mut deep = b"{\"recover_order\":".to_vec();
    deep.extend(std::iter::repeat(b'[').take(100_000));
    deep.extend(std::iter::repeat(b']').take(100_000));
    deep.push(b'}');
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend(query_body(ORDER, TARGET));
    let mut trailing = query_body(ORDER, TARGET);
    trailing.extend_from_slice(b" {\"more\":1} garbage");
    let cases: [(&str, u16, Vec<u8>); 5] = [
        ("empty 204", 204, Vec::new()),
        ("deep nesting", 200, deep),
        ("BOM prefix", 200, bom),
        ("trailing garbage", 200, trailing),
        ("null", 200, b"null".to_vec()),
    ];
    let outcomes = cases.into_iter().map(|(label, status, body)| {
        let server = Hostile::start(vec![Reply::signed(status, body)]);
        let e = try_query_err(&server, json!({})).map_err(|p| format!("{label}: {p}"))?;
        ensure!(e.kind == ErrorKind::BadResponse, "{label}: {e}");
        ensure!(e.http_status == status, "{label}: {e}");
        ensure!(e.attempts >= 1, "{label}: attempts {} ({e})", e.attempts);
        ensure!(e.request_id.is_some(), "{label}: no Request-ID");
        ensure!(
            server.requests() == 1,
            "{label}: {} requests",
            server.requests()
        );
        Ok(())
    });
    every_case_passes("malformed signed answers", outcomes.collect());
}

#[test]
fn a_huge_request_id_is_kept_but_the_formatted_error_stays_short() {
    let id = format!("08DE{}", "A-".repeat(5 * 1024));
    let server = Hostile::start(vec![Reply::plain(
        400,
        r#"{"code":"PARAM_ERROR","message":"mchid is wrong"}"#,
    )
    .set_header("Request-ID", id.as_bytes())]);
    let e = query_err(&server, json!({}));
    assert_eq!(e.kind, ErrorKind::Api, "{:?}", e.kind);
    assert!(e.request_id.is_some(), "Request-ID dropped");
    let shown = e.to_string();
    assert!(
        shown.len() < 1000,
        "formatted error is {} bytes",
        shown.len()
    );
}

#[test]
fn a_repeated_wechatpay_header_makes_a_signed_answer_unverified() {
    let cases = [
        ("Wechatpay-Signature", "AAAA".to_string()),
        ("Wechatpay-Timestamp", "1700000000".to_string()),
        ("Wechatpay-Nonce", "anotherNonce".to_string()),
        (
            "Wechatpay-Serial",
            "PUB_KEY_ID_0000000000000000000000000000".to_string(),
        ),
        (
            "Wechatpay-Signature-Type",
            "WECHATPAY2-SHA256-RSA2048".to_string(),
        ),
    ];
    let outcomes = cases.into_iter().map(|(name, second)| {
        // The valid header comes first: a client that reads only the first one accepts.
        let reply = Reply::signed(200, query_body(ORDER, TARGET)).header(name, second);
        let server = Hostile::start(vec![reply]);
        let e = try_query_err(&server, json!({})).map_err(|p| format!("two {name}: {p}"))?;
        ensure!(e.kind == ErrorKind::Unverified, "two {name}: {e}");
        ensure!(e.retry_safe, "two {name}: not retry_safe");
        ensure!(e.attempts >= 1, "two {name}: attempts {}", e.attempts);
        Ok(())
    });
    every_case_passes("repeated Wechatpay-* headers", outcomes.collect());
}

#[test]
fn a_signed_body_with_a_duplicate_key_is_a_bad_response() {
    // The last duplicate is the expected value: a parser that keeps the last one accepts.
    let submit = format!(
        r#"{{"wxpay_recover_no":"1000202601010000000000000001","out_request_no":"SOMEONE-ELSES","out_request_no":"{ORDER}"}}"#
    );
    let server = Hostile::start(vec![Reply::signed(200, submit)]);
    let e = server
        .client(json!({}))
        .submit(&recover_request(ORDER))
        .expect_err("duplicate key refused");
    assert_eq!(e.kind, ErrorKind::BadResponse, "submit: {e}");
    assert!(e.attempts >= 1, "submit: attempts {}", e.attempts);

    let query = String::from_utf8(query_body(ORDER, TARGET))
        .expect("utf-8")
        .replace(
            r#""recover_state":"SUCCESS""#,
            r#""recover_state":"FAILED","recover_state":"SUCCESS""#,
        );
    assert!(query.contains("FAILED"), "{query}");
    let server = Hostile::start(vec![Reply::signed(200, query)]);
    let e = query_err(&server, json!({}));
    assert_eq!(e.kind, ErrorKind::BadResponse, "query: {e}");
    assert!(e.attempts >= 1, "query: attempts {}", e.attempts);
}

#[test]
fn after_a_5xx_from_the_primary_the_retry_goes_to_the_backup() {
    let sb = sandbox("hostile-5xx-failover");
    let c = client(
        &sb,
        json!({"max_attempts": 3, "timeout_ms": 2000, "deadline_ms": 10000}),
    );
    fault(
        &sb,
        json!({"kind": "system_error", "listener": "primary", "count": 3}),
    );
    let acc = c
        .submit(&request(&sb, 0, "HOSTILE-FO-1"))
        .expect("accepted by the backup");
    assert!(acc.attempts >= 2, "attempts {}", acc.attempts);
    assert!(stat(&sb, "/backup/requests") >= 1, "{}", sb.stats());
}

#[test]
fn a_notification_whose_nonce_is_not_12_characters_is_refused_cleanly() {
    let sb = sandbox("hostile-nonce");
    let c = client(&sb, no_overrides());
    let key = sb.info()["apiv3_key"]
        .as_str()
        .expect("apiv3_key")
        .to_string();
    let plaintext = json!({"out_request_no": "N-1", "recover_state": "SUCCESS"}).to_string();
    let long = "n".repeat(200);
    let nonces = ["", "short", "uluk4a9R25R", "0123456789abc", long.as_str()];
    let outcomes = nonces.into_iter().map(|nonce| {
        // Sealed under the nonce itself where OpenSSL allows it, so only the length is wrong.
        let mut tag = [0u8; 16];
        let ciphertext = match openssl::symm::encrypt_aead(
            openssl::symm::Cipher::aes_256_gcm(),
            key.as_bytes(),
            Some(nonce.as_bytes()),
            b"transaction",
            plaintext.as_bytes(),
            &mut tag,
        ) {
            Ok(mut ct) => {
                ct.extend_from_slice(&tag);
                openssl::base64::encode_block(&ct)
            }
            Err(_) => openssl::base64::encode_block(&[7u8; 48]),
        };
        let body = json!({
            "id": "EV-1", "create_time": "2026-01-01T10:00:00+08:00",
            "event_type": "RECOVER.SUCCESS", "resource_type": "encrypt-resource",
            "summary": "recover",
            "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext,
                         "nonce": nonce, "associated_data": "transaction",
                         "original_type": "recover"},
        })
        .to_string();
        let v = sb
            .sign_notification(json!({"body": body}))
            .expect("sandbox signs");
        let h = |k: &str| v["headers"][k].as_str().expect("header").to_string();
        let headers = SignedHeaders {
            timestamp: h("Wechatpay-Timestamp"),
            nonce: h("Wechatpay-Nonce"),
            signature: h("Wechatpay-Signature"),
            serial: h("Wechatpay-Serial"),
            signature_type: Some(h("Wechatpay-Signature-Type")),
        };
        let signed_body = v["body"].as_str().expect("body").as_bytes().to_vec();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            c.parse_notification(&headers, &signed_body)
        }));
        let Ok(result) = outcome else {
            return Err(format!("nonce {nonce:?}: panicked"));
        };
        let e = match result {
            Ok(n) => {
                return Err(format!(
                    "nonce {:.20?} ({} chars) accepted: {}",
                    nonce,
                    nonce.len(),
                    n.plaintext
                ))
            }
            Err(e) => e,
        };
        ensure!(e.kind == ErrorKind::BadResponse, "nonce {nonce:.20?}: {e}");
        ensure!(
            !e.to_string().contains(&plaintext),
            "nonce {nonce:.20?}: plaintext quoted"
        );
        Ok(())
    });
    every_case_passes("notification nonces", outcomes.collect());
}
