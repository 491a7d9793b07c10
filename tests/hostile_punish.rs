//! The hostile server's cases for the punish's answers: the acceptance and the PUNISH query
//! must be about the order sent or asked for, a forged signature is never trusted, and huge or
//! control-laden platform text is bounded and escaped.

mod common;

use common::hostile::{punish_body, punish_query_body, punish_request, Hostile, Reply};
use serde_json::json;
use wx_recover::{Error, ErrorKind, PunishState};

const ORDER: &str = "HOSTILE-P1";
const TARGET: &str = "1900000100";

fn punish_err(reply: Reply) -> Error {
    let server = Hostile::start(vec![reply]);
    match server
        .client(json!({"max_attempts": 1}))
        .punish(&punish_request(ORDER))
    {
        Ok(a) => panic!("accepted: {a:?}"),
        Err(e) => e,
    }
}

fn query_err(reply: Reply) -> Error {
    let server = Hostile::start(vec![reply]);
    match server
        .client(json!({"max_attempts": 1}))
        .query_punish(ORDER, TARGET)
    {
        Ok(o) => panic!("accepted: {}", o.raw),
        Err(e) => e,
    }
}

#[test]
fn well_formed_signed_answers_are_accepted() {
    let s = Hostile::start(vec![Reply::signed(200, punish_body(ORDER))]);
    let a = s
        .client(json!({}))
        .punish(&punish_request(ORDER))
        .expect("punish");
    assert_eq!((a.out_request_no.as_str(), a.attempts), (ORDER, 1));
    let q = Hostile::start(vec![Reply::signed(200, punish_query_body(ORDER, TARGET))]);
    let o = q
        .client(json!({}))
        .query_punish(ORDER, TARGET)
        .expect("query");
    assert_eq!(o.punish_state, PunishState::Success);
    assert_eq!(o.punish_scene, Some(2));
}

#[test]
fn answers_about_another_order_are_bad_responses() {
    for (label, e) in [
        (
            "punish for another number",
            punish_err(Reply::signed(200, punish_body("SOMEONE-ELSES"))),
        ),
        (
            "punish without its number",
            punish_err(Reply::signed(
                200,
                json!({"out_request_no": ORDER}).to_string(),
            )),
        ),
        (
            "query for another number",
            query_err(Reply::signed(200, punish_query_body("OTHER", TARGET))),
        ),
        (
            "query for another merchant",
            query_err(Reply::signed(200, punish_query_body(ORDER, "1999999999"))),
        ),
        (
            "query without punish_order",
            query_err(Reply::signed(
                200,
                json!({"control_scene": "PUNISH"}).to_string(),
            )),
        ),
    ] {
        assert_eq!(e.kind, ErrorKind::BadResponse, "{label}: {e}");
        assert!(e.retry_safe, "{label}: {e:?}");
        assert_eq!(e.http_status, 200, "{label}");
    }
}

#[test]
fn a_forged_signature_is_never_trusted() {
    let forge = |body: Vec<u8>| {
        Reply::signed(200, body).set_header("Wechatpay-Signature", "Zm9yZ2VkIHNpZ25hdHVyZQ==")
    };
    for (label, e) in [
        ("punish", punish_err(forge(punish_body(ORDER)))),
        ("query", query_err(forge(punish_query_body(ORDER, TARGET)))),
    ] {
        assert_eq!(e.kind, ErrorKind::Unverified, "{label}: {e}");
        assert!(
            e.retry_safe,
            "{label}: re-entry or a query is the next step: {e:?}"
        );
    }
    // A body changed after signing.
    let mut r = Reply::signed(200, punish_body(ORDER));
    r.body = punish_body("HOSTILE-P2");
    assert_eq!(punish_err(r).kind, ErrorKind::Unverified);
}

#[test]
fn giant_and_control_laden_platform_text_is_bounded_and_escaped() {
    let body = json!({
        "code": "C".repeat(100 * 1024),
        "message": "bad\r\n2026-01-01 INFO forged\u{1b}[31m ".repeat(20 * 1024),
    })
    .to_string();
    for (label, e) in [
        ("punish", punish_err(Reply::plain(400, body.clone()))),
        ("query", query_err(Reply::plain(400, body.clone()))),
    ] {
        assert_eq!((e.kind, e.http_status), (ErrorKind::Api, 400), "{label}");
        assert!(
            e.message.len() <= 1100,
            "{label}: message is {} bytes",
            e.message.len()
        );
        assert!(e.code.as_deref().map_or(0, str::len) <= 64, "{label}");
        let shown = e.to_string();
        assert!(shown.len() < 2000, "{label}");
        assert!(!shown.chars().any(|c| c.is_control()), "{label}: {shown:?}");
    }
}
