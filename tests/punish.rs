//! The control order's whole life against the sandbox: a punish (管控) placed, followed to
//! SUCCESS/ACTIVE, lifted by a recover that names its numbers, and seen RECOVERED; the
//! encrypted fields as the sandbox decrypts them, `punish_scene` as a JSON integer, re-entry and
//! conflicts with and without a journal, input refused before the network, an in-doubt punish
//! reconciled, and the punish's own quota bucket and counters.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use wx_recover::{
    Client, EffectState, ErrorKind, JournalKind, JournalState, PunishRequest, PunishState,
    ReconcileOptions,
};

fn punish_request(sb: &wx_sandbox::Sandbox, no: &str) -> PunishRequest {
    let o = order(sb, 0);
    PunishRequest {
        out_request_no: no.to_string(),
        mchid: o["mchid"].as_str().unwrap().to_string(),
        bal_account_no: "6230000000000999001".to_string(),
        punish_scene: 3,
        punish_reason: Some("可疑交易，先行管控".to_string()),
        punish_end_time: Some("2027-06-30T23:59:59+08:00".to_string()),
        card_no: Some("6222020000000004321".to_string()),
        sgn_no: Some("SGN-001".to_string()),
        req_scene: Some(wx_recover::REQ_SCENES[1].to_string()),
        fund_repatriation_strategy: Some(wx_recover::FUND_REPATRIATION_STRATEGIES[0].to_string()),
    }
}

fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let give_up = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < give_up, "{what} never happened");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn punish_at_sandbox(sb: &wx_sandbox::Sandbox, no: &str) -> Value {
    sb.punishes()
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["out_request_no"] == no)
        .unwrap_or_else(|| panic!("{no} is not at the sandbox"))
        .clone()
}

#[test]
fn a_control_is_placed_followed_lifted_and_seen_recovered() {
    let sb = sandbox("punish-life");
    let c = client(&sb, json!({}));
    let p = punish_request(&sb, "P-LIFE-1");
    let placed = c.punish(&p).expect("punish accepted");
    assert_eq!(placed.out_request_no, "P-LIFE-1");
    assert!(!placed.wxpay_punish_no.is_empty());

    // The sandbox decrypted both sensitive fields to the caller's values; the scene arrived as
    // a JSON integer.
    let at = punish_at_sandbox(&sb, "P-LIFE-1");
    assert_eq!(at["bal_account_no"], p.bal_account_no.as_str());
    assert_eq!(at["card_no"], p.card_no.as_deref().unwrap());
    assert_eq!(at["punish_scene"], 3);
    assert_eq!(at["punish_scene_type"], "integer");

    let active = wait_for("the control in force", || {
        let o = c.query_punish("P-LIFE-1", &p.mchid).expect("query");
        (o.punish_state == PunishState::Success).then_some(o)
    });
    assert_eq!(active.effect_state, EffectState::Active);
    assert_eq!(
        active.field("wxpay_punish_no"),
        Some(placed.wxpay_punish_no.as_str())
    );
    assert_eq!(active.punish_scene, Some(3));
    assert!(active.punish_rule_version.is_some());
    assert!(!active.control_action.is_empty());

    // Lift it with a recover that names its numbers.
    let lift = wx_recover::RecoverRequest {
        out_request_no: "R-LIFE-1".into(),
        related_webank_punish_no: placed.out_request_no.clone(),
        related_wxpay_punish_no: placed.wxpay_punish_no.clone(),
        mchid: p.mchid.clone(),
        bal_account_no: p.bal_account_no.clone(),
        recover_reason: Some("核实无误，解除管控".into()),
        card_no: p.card_no.clone(),
        sgn_no: None,
        req_scene: None,
    };
    c.submit(&lift).expect("recover accepted");
    let rec = sb
        .recovers()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["out_request_no"] == "R-LIFE-1")
        .cloned()
        .expect("the recover at the sandbox");
    assert_eq!(
        rec["card_no"],
        p.card_no.as_deref().unwrap(),
        "the recover's card_no decrypts"
    );
    let lifted = wait_for("RECOVERED", || {
        let o = c.query_punish("P-LIFE-1", &p.mchid).expect("query");
        (o.effect_state == EffectState::Recovered).then_some(o)
    });
    assert_eq!(lifted.punish_state, PunishState::Success);
    let stats = c.stats();
    assert_eq!(stats.punish.requests, 1);
    assert!(
        stats.query.requests >= 2,
        "both kinds of query share the query bucket"
    );
}

#[test]
fn re_entry_returns_the_same_number_and_other_content_is_refused() {
    let sb = sandbox("punish-reentry");
    let c = client(&sb, json!({}));
    let p = punish_request(&sb, "P-RE-1");
    let first = c.punish(&p).unwrap();
    let again = c.punish(&p).unwrap();
    assert_eq!(first.wxpay_punish_no, again.wxpay_punish_no);
    let mut other = p.clone();
    other.punish_scene = 4;
    let e = c.punish(&other).unwrap_err();
    assert_eq!(
        (e.kind, e.code.as_deref()),
        (ErrorKind::Api, Some("INVALID_REQUEST"))
    );

    // With a journal the conflict is found before the network.
    let dir = temp_dir("punish-journal");
    std::fs::create_dir_all(&dir).unwrap();
    let j = client(
        &sb,
        json!({"journal": dir.join("j.sqlite").to_str().unwrap()}),
    );
    let q = punish_request(&sb, "P-RE-2");
    j.punish(&q).unwrap();
    let sent = stat(&sb, "/primary/requests");
    let mut other = q.clone();
    other.card_no = Some("6222020000000009999".into());
    let e = j.punish(&other).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.starts_with("out_request_no:"), "{e}");
    assert_eq!(stat(&sb, "/primary/requests"), sent, "nothing sent");
    let entry = j
        .journal_entry_of("P-RE-2", JournalKind::Punish)
        .unwrap()
        .unwrap();
    assert_eq!(entry.kind, JournalKind::Punish);
    assert_eq!(entry.state, JournalState::Accepted);
    assert!(
        j.journal_entry("P-RE-2").unwrap().is_none(),
        "a punish is not a recover"
    );
    // A recover may use the same out_request_no: the platform numbers them separately.
    assert!(entry.platform_no().is_some());
}

#[test]
fn malformed_input_is_refused_before_the_network() {
    let sb = sandbox("punish-input");
    let c = client(&sb, json!({}));
    let before = stat(&sb, "/primary/requests");
    type Spoil = fn(&mut PunishRequest);
    let cases: [(&str, Spoil); 4] = [
        ("punish_end_time", |p| {
            p.punish_end_time = Some("2027-13-01T00:00:00Z".into())
        }),
        ("out_request_no", |p| p.out_request_no = "P".repeat(65)),
        ("mchid", |p| p.mchid = String::new()),
        ("punish_reason", |p| {
            p.punish_reason = Some("a\u{1b}[31m".into())
        }),
    ];
    for (field, spoil) in cases {
        let mut p = punish_request(&sb, "P-BAD-1");
        spoil(&mut p);
        let e = c.punish(&p).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument, "{field}: {e}");
        assert!(e.message.starts_with(field), "{field}: {e}");
        assert!(!e.message.contains("6230000000000999001"), "{e}");
    }
    assert_eq!(stat(&sb, "/primary/requests"), before);
}

/// An answer that cannot be verified leaves the punish IN_DOUBT; reconcile re-enters it (the
/// sandbox's own number comes back) and follows it to SUCCEEDED; nothing is placed twice, and no
/// plaintext ledger id or card number reaches the journal file.
#[test]
fn an_in_doubt_punish_is_reconciled_to_succeeded() {
    let sb = sandbox("punish-doubt");
    let dir = temp_dir("punish-doubt");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("j.sqlite");
    let c = client(
        &sb,
        json!({"journal": path.to_str().unwrap(), "max_attempts": 1}),
    );
    let p = punish_request(&sb, "P-DOUBT-1");
    fault(&sb, json!({"kind": "bad_signature", "path": "punish"}));
    let e = c.punish(&p).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unverified);
    let entry = c
        .journal_entry_of("P-DOUBT-1", JournalKind::Punish)
        .unwrap()
        .unwrap();
    assert_eq!(entry.state, JournalState::InDoubt);
    let state = wait_for("SUCCEEDED", || {
        let _ = c.reconcile(ReconcileOptions::default()).unwrap();
        let e = c
            .journal_entry_of("P-DOUBT-1", JournalKind::Punish)
            .unwrap()
            .unwrap();
        e.state.is_final().then_some(e)
    });
    assert_eq!(state.state, JournalState::Succeeded);
    let at = punish_at_sandbox(&sb, "P-DOUBT-1");
    assert_eq!(state.platform_no(), at["wxpay_punish_no"].as_str());
    assert_eq!(sb.punishes().as_array().unwrap().len(), 1, "placed once");
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(b) = std::fs::read(format!("{}{suffix}", path.display())) {
            bytes.extend(b);
        }
    }
    for secret in [&p.bal_account_no, p.card_no.as_ref().unwrap()] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "plaintext found in the journal"
        );
    }
}

#[test]
fn a_chosen_failure_is_followed_to_failed() {
    let sb = sandbox("punish-failed");
    let dir = temp_dir("punish-failed");
    std::fs::create_dir_all(&dir).unwrap();
    let c: Client = client(
        &sb,
        json!({"journal": dir.join("j.sqlite").to_str().unwrap()}),
    );
    let mut p = punish_request(&sb, "P-FAIL-1");
    p.punish_scene = wx_sandbox::PUNISH_SCENE_FAILS;
    c.punish(&p).unwrap();
    let o = wait_for("FAILED", || {
        let o = c.query_punish("P-FAIL-1", &p.mchid).unwrap();
        o.punish_state.is_final().then_some(o)
    });
    assert_eq!(o.punish_state, PunishState::Failed);
    assert!(o.field("error_code").is_some());
    let e = c
        .journal_entry_of("P-FAIL-1", JournalKind::Punish)
        .unwrap()
        .unwrap();
    assert_eq!(e.state, JournalState::Failed);
}

/// A verified notification that names a punish is recorded in the journal's punish entry (and
/// leaves a recover of the same number alone).
#[test]
fn a_notification_naming_a_punish_is_recorded() {
    let sb = sandbox("punish-notify");
    let dir = temp_dir("punish-notify");
    std::fs::create_dir_all(&dir).unwrap();
    let c = client(
        &sb,
        json!({"journal": dir.join("j.sqlite").to_str().unwrap()}),
    );
    let p = punish_request(&sb, "P-NOTE-1");
    let placed = c.punish(&p).unwrap();
    let v = sb
        .sign_notification(json!({"plaintext": {
            "out_request_no": "P-NOTE-1", "wxpay_punish_no": placed.wxpay_punish_no,
            "mchid": p.mchid, "punish_state": "SUCCESS", "effect_state": "ACTIVE"}}))
        .expect("sandbox signs");
    let h = |k: &str| v["headers"][k].as_str().unwrap().to_string();
    let headers = wx_recover::SignedHeaders {
        timestamp: h("Wechatpay-Timestamp"),
        nonce: h("Wechatpay-Nonce"),
        signature: h("Wechatpay-Signature"),
        serial: h("Wechatpay-Serial"),
        signature_type: Some(h("Wechatpay-Signature-Type")),
    };
    c.parse_notification(&headers, v["body"].as_str().unwrap().as_bytes())
        .expect("verified");
    let e = c
        .journal_entry_of("P-NOTE-1", JournalKind::Punish)
        .unwrap()
        .unwrap();
    assert_eq!(e.state, JournalState::Succeeded);
    assert_eq!(e.platform_no(), Some(placed.wxpay_punish_no.as_str()));
}
