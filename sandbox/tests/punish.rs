//! A control order's whole life: placed by a punish (管控), followed with the PUNISH query,
//! lifted by a recover (解管) naming the punish's numbers; the chosen FAILED outcome; the admin
//! listings.

mod common;

use common::*;
use serde_json::{json, Value};

/// A target merchant that no seeded order has: it exists only through its punishes.
const MCH: &str = "1888000001";
const BAL: &str = "6230999900001111222";
const CARD: &str = "6217000011112222333";

fn is_cst_time(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == 25 && s.ends_with("+08:00") && s.as_bytes()[10] == b'T')
}

#[test]
fn punish_then_recover_lifts_the_control_order() {
    let e = start("p-life");
    let c = &e.c;
    let mut body = c.punish_body("PUN-1", MCH, BAL);
    body["punish_reason"] = json!("风控管控 test");
    body["punish_end_time"] = json!("2030-01-02T03:04:05+08:00");
    let r = c.punish(&body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    c.verify(&r).expect("answer signature");
    assert_eq!(r.header("Wechatpay-Serial"), Some(c.pub_id.as_str()));
    let v = r.json();
    assert_eq!(v.as_object().expect("object").len(), 2, "{v}");
    assert_eq!(v["out_request_no"], "PUN-1");
    let no = v["wxpay_punish_no"].as_str().expect("number").to_string();
    assert!(
        no.len() == 25 && no.starts_with('1') && no.bytes().all(|b| b.is_ascii_digit()),
        "{no}"
    );

    // At once: EXECUTING, no effect yet.
    let q = c.punish_query("PUN-1", MCH);
    assert_eq!(q.status, 200, "{}", String::from_utf8_lossy(&q.body));
    c.verify(&q).expect("query signature");
    assert_eq!(q.json()["control_scene"], "PUNISH");
    assert!(q.json().get("recover_order").is_none());
    let o = &q.json()["punish_order"];
    assert_eq!(o["punish_state"], "EXECUTING");
    assert!(o.get("effect_state").is_none() && o.get("punish_finish_time").is_none());

    let v = c.wait_punish_final("PUN-1", MCH);
    let o = &v["punish_order"];
    assert_eq!(o["punish_state"], "SUCCESS");
    assert_eq!(o["effect_state"], "ACTIVE");
    assert_eq!(o["wxpay_punish_no"], no.as_str());
    assert_eq!(o["out_request_no"], "PUN-1");
    assert_eq!(o["mchid"], MCH);
    assert!(o["punish_scene"].is_i64() && o["punish_scene"] == 1, "{o}");
    assert!(o["punish_rule_version"].is_i64() && o["punish_rule_version"] == 1);
    assert_eq!(o["punish_reason"], "风控管控 test");
    assert_eq!(o["punish_end_time"], "2030-01-02T03:04:05+08:00");
    for k in [
        "punish_start_time",
        "punish_accept_time",
        "punish_finish_time",
    ] {
        assert!(is_cst_time(&o[k]), "{k}: {o}");
    }
    assert_eq!(
        o["control_action"],
        json!(["DISABLE_WITHDRAWAL", "DISABLE_PAY"])
    );
    assert!(o.get("error_code").is_none() && o.get("error_message").is_none());

    // A recover naming the punish's numbers is accepted like one of a seeded order.
    let rb = c.recover_punish_body("REC-1", "PUN-1", &no, MCH, BAL);
    let r = c.recover(&rb);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    c.verify(&r).expect("recover signature");
    let rno = r.json()["wxpay_recover_no"].clone();
    let fin = wait_final(c, "REC-1", MCH);
    let ro = &fin["recover_order"];
    assert_eq!(ro["recover_state"], "SUCCESS");
    assert_eq!(ro["wxpay_recover_no"], rno);
    assert_eq!(ro["related_wxpay_punish_no"], no.as_str());
    // In a recover_order the scene and rule version are strings.
    assert_eq!(ro["punish_scene"], "1");
    assert_eq!(ro["punish_rule_version"], "1");

    let o = &c.punish_query("PUN-1", MCH).json()["punish_order"];
    assert_eq!(o["punish_state"], "SUCCESS");
    assert_eq!(o["effect_state"], "RECOVERED");
    // Re-entry of the recover still answers its number; another one is ALREADY_EXISTS.
    let again = c.recover_punish_body("REC-1", "PUN-1", &no, MCH, BAL);
    assert_eq!(c.recover(&again).json()["wxpay_recover_no"], rno);
    c.recover(&c.recover_punish_body("REC-2", "PUN-1", &no, MCH, BAL))
        .expect_err(400, "ALREADY_EXISTS");

    let st = e.sb.stats();
    assert_eq!(
        (&st["punishes_accepted"], &st["punish_records"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(
        (&st["recovers_accepted"], &st["recover_records"]),
        (&json!(2), &json!(1))
    );
    // Seeded orders are untouched by all this.
    assert_eq!(c.recover(&c.recover_body(0, "REC-SEED")).status, 200);
}

#[test]
fn a_recover_must_name_a_punish_in_effect_with_its_numbers_merchant_and_ledger() {
    let e = start_with("p-rules", |o| o.recover_delay_ms = 1500);
    let c = &e.c;
    let no = c.punish(&c.punish_body("PUN-R", MCH, BAL)).json()["wxpay_punish_no"]
        .as_str()
        .expect("no")
        .to_string();
    // Still EXECUTING: the control is not in effect yet.
    let m = c
        .recover(&c.recover_punish_body("REC-R", "PUN-R", &no, MCH, BAL))
        .expect_err(400, "INVALID_REQUEST");
    assert!(m.contains("EXECUTING"), "{m}");
    c.wait_punish_final("PUN-R", MCH);
    // Wrong numbers, merchant or ledger, in the recover's rule order.
    c.recover(&c.recover_punish_body("REC-R", "PUN-R", "123", MCH, BAL))
        .expect_err(404, "NOT_FOUND");
    c.recover(&c.recover_punish_body("REC-R", "PUN-X", &no, MCH, BAL))
        .expect_err(404, "NOT_FOUND");
    c.recover(&c.recover_punish_body("REC-R", "PUN-R", &no, "1888000002", BAL))
        .expect_err(400, "NOT_FOUND");
    let seeded_mch = c.order(0)["mchid"].as_str().expect("m").to_string();
    c.recover(&c.recover_punish_body("REC-R", "PUN-R", &no, &seeded_mch, BAL))
        .expect_err(404, "NOT_FOUND");
    c.recover(&c.recover_punish_body("REC-R", "PUN-R", &no, MCH, "6230000000000000000"))
        .expect_err(400, "INVALID_REQUEST");
    c.recover(&c.recover_punish_body("PUN-R", "PUN-R", &no, MCH, BAL))
        .expect_err(400, "INVALID_REQUEST");
    assert_eq!(e.sb.stats()["recover_records"], 0);
    assert_eq!(
        c.recover(&c.recover_punish_body("REC-R", "PUN-R", &no, MCH, BAL))
            .status,
        200
    );
}

#[test]
fn punish_scene_9999_ends_failed_and_cannot_be_recovered() {
    assert_eq!(wx_sandbox::PUNISH_SCENE_FAILS, 9999);
    let e = start("p-failed");
    let c = &e.c;
    let mut body = c.punish_body("PUN-F", MCH, BAL);
    body["punish_scene"] = json!(9999);
    let r = c.punish(&body);
    assert_eq!(r.status, 200, "accepted like any other");
    let no = r.json()["wxpay_punish_no"]
        .as_str()
        .expect("no")
        .to_string();
    let o = c.wait_punish_final("PUN-F", MCH)["punish_order"].clone();
    assert_eq!(o["punish_state"], "FAILED");
    assert_eq!(o["error_code"], "PUNISH_FAILED");
    assert!(o["error_message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(is_cst_time(&o["punish_finish_time"]));
    assert!(o.get("effect_state").is_none());
    assert_eq!(o["punish_scene"], 9999);
    let m = c
        .recover(&c.recover_punish_body("REC-F", "PUN-F", &no, MCH, BAL))
        .expect_err(400, "INVALID_REQUEST");
    assert!(m.contains("FAILED"), "{m}");
    assert_eq!(e.sb.punishes()[0]["state"], "FAILED");
    assert!(e.sb.punishes()[0].get("effect_state").is_none());
}

#[test]
fn punish_query_rules() {
    let e = start("p-query");
    let c = &e.c;
    assert_eq!(c.punish(&c.punish_body("PUN/Q 1+x", MCH, BAL)).status, 200);
    let q = c.punish_query("PUN%2FQ%201+x", MCH);
    assert_eq!(q.status, 200, "{}", String::from_utf8_lossy(&q.body));
    assert_eq!(q.json()["punish_order"]["out_request_no"], "PUN/Q 1+x");
    c.punish_query("PUN-NOPE", MCH).expect_err(404, "NOT_FOUND");
    c.punish_query("PUN%2FQ%201+x", "1888000002")
        .expect_err(404, "NOT_FOUND");
    // Punish and recover numbers are separate: a RECOVER query does not find a punish.
    c.query("PUN%2FQ%201+x", MCH).expect_err(404, "NOT_FOUND");
    for bad in ["PUNISHED", "punish"] {
        let pq = format!("{QUERY}X?control_type={bad}&mchid={MCH}");
        let r = c
            .call("primary", "GET", &pq, b"", None, Some(&c.pub_id))
            .expect("io");
        assert!(r.expect_err(400, "PARAM_ERROR").contains("PUNISH"));
    }
    // A seeded merchant's unknown number is NOT_FOUND under PUNISH too.
    let seeded_mch = c.order(0)["mchid"].as_str().expect("m").to_string();
    c.punish_query("X", &seeded_mch)
        .expect_err(404, "NOT_FOUND");
    // A certificate serial named: the answer names it too.
    let pq = format!("{QUERY}PUN%2FQ%201+x?control_type=PUNISH&mchid={MCH}");
    let r = c
        .call("primary", "GET", &pq, b"", None, Some(&c.cert_serial))
        .expect("io");
    assert_eq!(r.header("Wechatpay-Serial"), Some(c.cert_serial.as_str()));
    c.verify(&r).expect("sig");
}

#[test]
fn admin_listings_show_decrypted_fields() {
    let e = start("p-admin");
    let c = &e.c;
    let mut body = c.punish_body("PUN-A", MCH, BAL);
    body["punish_scene"] = json!(7);
    body["card_no"] = json!(c.encrypt(CARD));
    body["sgn_no"] = json!("SGN-001");
    body["req_scene"] = json!("SJT_MICRO_MERCHANT");
    body["fund_repatriation_strategy"] = json!("ALL_FORBIDDEN");
    body["punish_reason"] = json!("r");
    let r = c.punish(&body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(c.punish(&c.punish_body("PUN-B", MCH, BAL)).status, 200);
    c.wait_punish_final("PUN-A", MCH);
    let (s, list) = admin(e.sb.info(), "GET", "/punishes", None);
    assert_eq!(s, 200);
    assert_eq!(list, e.sb.punishes());
    let p = &list[0];
    assert_eq!(p["out_request_no"], "PUN-A");
    assert_eq!(p["wxpay_punish_no"], r.json()["wxpay_punish_no"]);
    assert_eq!(p["mchid"], MCH);
    assert_eq!(p["bal_account_no"], BAL, "decrypted");
    assert_eq!(p["card_no"], CARD, "decrypted");
    assert_eq!(p["punish_scene"], 7);
    assert_eq!(p["punish_scene_type"], "integer");
    assert_eq!(p["sgn_no"], "SGN-001");
    assert_eq!(p["req_scene"], "SJT_MICRO_MERCHANT");
    assert_eq!(p["fund_repatriation_strategy"], "ALL_FORBIDDEN");
    assert_eq!(p["punish_reason"], "r");
    assert_eq!(p["state"], "SUCCESS");
    assert_eq!(p["effect_state"], "ACTIVE");
    assert_eq!(p["accept_count"], 1);
    assert!(is_cst_time(&p["accept_time"]) && is_cst_time(&p["finish_time"]));
    let q = &list[1];
    assert_eq!(q["out_request_no"], "PUN-B");
    for k in [
        "card_no",
        "sgn_no",
        "req_scene",
        "fund_repatriation_strategy",
    ] {
        assert!(q.get(k).is_none(), "{k} not given: {q}");
    }

    // A recover with the optional fields of the published description records them.
    let mut rb = c.recover_body(0, "REC-A");
    rb["card_no"] = json!(c.encrypt(CARD));
    rb["sgn_no"] = json!("SGN-002");
    rb["req_scene"] = json!("WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT");
    assert_eq!(c.recover(&rb).status, 200);
    assert_eq!(c.recover(&c.recover_body(1, "REC-B")).status, 200);
    let recs = e.sb.recovers();
    assert_eq!(recs[0]["card_no"], CARD);
    assert_eq!(recs[0]["sgn_no"], "SGN-002");
    assert_eq!(
        recs[0]["req_scene"],
        "WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT"
    );
    for k in ["card_no", "sgn_no", "req_scene"] {
        assert!(recs[1].get(k).is_none(), "{k}: {}", recs[1]);
    }
    // They are part of the recover's content: re-entry must repeat them.
    let mut again = rb.clone();
    again["card_no"] = json!(c.encrypt(CARD));
    assert_eq!(c.recover(&again).status, 200, "same plaintext");
    again["card_no"] = json!(c.encrypt("6217000000000000000"));
    c.recover(&again).expect_err(400, "INVALID_REQUEST");
    let mut again = rb.clone();
    again.as_object_mut().expect("obj").remove("sgn_no");
    c.recover(&again).expect_err(400, "INVALID_REQUEST");
    // And they are checked like the punish's.
    let mut bad = c.recover_body(2, "REC-C");
    bad["card_no"] = json!("not encrypted");
    assert!(c
        .recover(&bad)
        .expect_err(400, "PARAM_ERROR")
        .contains("card_no"));
    let mut bad = c.recover_body(2, "REC-C");
    bad["req_scene"] = json!("SOMETHING_ELSE");
    assert!(c
        .recover(&bad)
        .expect_err(400, "PARAM_ERROR")
        .contains("req_scene"));
}
