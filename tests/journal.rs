//! The journal: recorded before sending, re-entry from the stored bytes, the first outcome
//! kept, conflicts refused with nothing sent, refusals final, retry-safe failures settled by
//! reconcile, prune sparing pending entries, and no plaintext ledger id on disk.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use wx_recover::{Client, ErrorKind, JournalState, ReconcileOptions};

fn journaled(sb: &wx_sandbox::Sandbox, path: &std::path::Path) -> Client {
    client(
        sb,
        json!({"journal": path.to_str().unwrap(), "max_attempts": 2, "timeout_ms": 2000}),
    )
}

fn journal_path(tag: &str) -> std::path::PathBuf {
    let dir = temp_dir(tag);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("journal.sqlite")
}

#[test]
fn an_accepted_order_is_returned_again_without_a_request() {
    let sb = sandbox("journal-accept");
    let path = journal_path("j-accept");
    let c = journaled(&sb, &path);
    let req = request(&sb, order_with_outcome(&sb, "SUCCESS"), "J-ACC-1");
    let first = c.submit(&req).expect("accepted");
    let e = c.journal_entry("J-ACC-1").unwrap().expect("entry");
    assert_eq!(e.state, JournalState::Accepted);
    assert_eq!(
        e.wxpay_recover_no.as_deref(),
        Some(first.wxpay_recover_no.as_str())
    );
    assert_eq!(e.attempts, 1);
    assert_eq!(c.pending().unwrap().len(), 1);

    let before = stat(&sb, "/primary/requests");
    // A new client (a restarted process) on the same file.
    drop(c);
    let c = journaled(&sb, &path);
    let again = c.submit(&req).expect("stored acceptance");
    assert_eq!(again.wxpay_recover_no, first.wxpay_recover_no);
    assert_eq!(again.attempts, 0);
    assert_eq!(stat(&sb, "/primary/requests"), before, "nothing was sent");
    assert_eq!(stat(&sb, "/recover_records"), 1);
}

#[test]
fn the_same_number_with_other_content_is_refused_and_nothing_is_sent() {
    let sb = sandbox("journal-conflict");
    let c = journaled(&sb, &journal_path("j-conflict"));
    let req = request(&sb, 0, "J-CONF-1");
    c.submit(&req).expect("accepted");
    let before = stat(&sb, "/primary/requests");
    let mut other = req.clone();
    other.recover_reason = Some("另一个原因".into());
    let e = c.submit(&other).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.starts_with("out_request_no:"), "{}", e.message);
    assert!(e.message.contains("different content"), "{}", e.message);
    let mut other = req.clone();
    other.bal_account_no = "6222000000000000".into();
    assert_eq!(
        c.submit(&other).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    assert_eq!(stat(&sb, "/primary/requests"), before);
}

#[test]
fn a_refusal_is_final_and_not_pending() {
    let sb = sandbox("journal-refused");
    let c = journaled(&sb, &journal_path("j-refused"));
    let mut req = request(&sb, 0, "J-REF-1");
    req.related_wxpay_punish_no = "NO-SUCH-ORDER".into();
    let e = c.submit(&req).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Api);
    let entry = c.journal_entry("J-REF-1").unwrap().unwrap();
    assert_eq!(entry.state, JournalState::Refused);
    let last = entry.last_error.expect("error kept");
    assert_eq!(last.status, ErrorKind::Api);
    assert_eq!(last.http_status, e.http_status);
    assert_eq!(last.code, e.code);
    assert!(c.pending().unwrap().is_empty());
    // The first outcome is kept: the same request gets the same refusal without a request.
    let before = stat(&sb, "/primary/requests");
    let again = c.submit(&req).unwrap_err();
    assert_eq!((again.kind, again.code), (ErrorKind::Api, e.code));
    assert_eq!(stat(&sb, "/primary/requests"), before);
}

#[test]
fn an_unverified_answer_stays_in_doubt_and_reconcile_settles_it() {
    let sb = sandbox("journal-doubt");
    let c = journaled(&sb, &journal_path("j-doubt"));
    let ok = order_with_outcome(&sb, "SUCCESS");
    let req = request(&sb, ok, "J-DOUBT-1");
    fault(&sb, json!({"kind": "bad_signature", "path": "recover"}));
    let e = c.submit(&req).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unverified);
    let entry = c.journal_entry("J-DOUBT-1").unwrap().unwrap();
    assert_eq!(entry.state, JournalState::InDoubt);
    assert_eq!(entry.last_error.unwrap().status, ErrorKind::Unverified);
    assert_eq!(c.pending().unwrap()[0].out_request_no, "J-DOUBT-1");

    let report = c.reconcile(ReconcileOptions::default()).unwrap();
    assert_eq!(report.counts.get(&JournalState::Accepted), Some(&1));
    assert_eq!(report.pending.len(), 1);
    // The platform holds exactly one recover for it, re-entered, not doubled.
    assert_eq!(stat(&sb, "/recover_records"), 1);
    let mut state = JournalState::Accepted;
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        let r = c.reconcile(ReconcileOptions::default()).unwrap();
        if r.pending.is_empty() {
            state = c.journal_entry("J-DOUBT-1").unwrap().unwrap().state;
            break;
        }
    }
    assert_eq!(state, JournalState::Succeeded);
    let recovers = sb.recovers();
    let rec = recovers
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["out_request_no"] == "J-DOUBT-1")
        .unwrap()
        .clone();
    let entry = c.journal_entry("J-DOUBT-1").unwrap().unwrap();
    assert_eq!(
        Some(rec["wxpay_recover_no"].as_str().unwrap()),
        entry.wxpay_recover_no.as_deref()
    );
}

#[test]
fn prune_deletes_old_final_entries_only_and_no_plaintext_reaches_the_disk() {
    let sb = sandbox("journal-prune");
    let path = journal_path("j-prune");
    let c = journaled(&sb, &path);
    let failed = order_with_outcome(&sb, "FAILED");
    let req = request(&sb, failed, "J-PRUNE-1");
    c.submit(&req).unwrap();
    let pending = request(&sb, 0, "J-PRUNE-2");
    c.submit(&pending).unwrap();
    for _ in 0..50 {
        if c.journal_entry("J-PRUNE-1")
            .unwrap()
            .unwrap()
            .state
            .is_final()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        let _ = c.query("J-PRUNE-1", &req.mchid);
    }
    assert_eq!(
        c.journal_entry("J-PRUNE-1").unwrap().unwrap().state,
        JournalState::Failed
    );
    assert_eq!(c.prune(1).unwrap(), 0, "finished just now: kept");
    assert_eq!(c.prune(0).unwrap(), 1);
    assert!(c.journal_entry("J-PRUNE-1").unwrap().is_none());
    assert!(
        c.journal_entry("J-PRUNE-2").unwrap().is_some(),
        "pending is never pruned"
    );

    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", path.display());
        if let Ok(b) = std::fs::read(&p) {
            bytes.extend(b);
        }
    }
    assert!(!bytes.is_empty());
    for secret in [&req.bal_account_no, &pending.bal_account_no] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "plaintext bal_account_no found in the journal files"
        );
    }
}

#[test]
fn two_clients_of_eight_threads_share_one_journal() {
    let sb = sandbox("journal-share");
    let path = journal_path("j-share");
    let clients = [journaled(&sb, &path), journaled(&sb, &path)];
    std::thread::scope(|s| {
        for (ci, c) in clients.iter().enumerate() {
            for t in 0..8 {
                let sb = &sb;
                s.spawn(move || {
                    for k in 0..2 {
                        // Both clients submit the same numbers: re-entry, never a double.
                        let i = t * 2 + k;
                        let req = request(sb, i, &format!("J-SHARE-{i}"));
                        c.submit(&req)
                            .unwrap_or_else(|e| panic!("client {ci}: {e}"));
                    }
                });
            }
        }
    });
    assert_eq!(clients[0].pending().unwrap().len(), 16);
    assert_eq!(stat(&sb, "/recover_records"), 16);
}

/// A journal written by 0.2 (schema 1, `tests/vectors/journal-0.2.sqlite`: an accepted order,
/// a refused one and one left in doubt by a broken connection) stored error kinds as display
/// text. This version reads it as it is, and migrates it to stable codes on open.
#[test]
fn a_journal_written_by_0_2_is_read_and_migrated_to_stable_codes() {
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/journal-0.2.sqlite");
    let path = journal_path("j-0.2");
    std::fs::copy(&fixture, &path).unwrap();

    let expect = |entries: &[wx_recover::JournalEntry]| {
        let refused = entries.iter().find(|e| e.out_request_no == "FIX-REFUSED");
        let doubt = entries.iter().find(|e| e.out_request_no == "FIX-NETWORK");
        if let Some(r) = refused {
            assert_eq!(r.state, JournalState::Refused);
            let last = r.last_error.as_ref().expect("a refusal keeps its error");
            assert_eq!(
                (last.status, last.http_status, last.code.as_deref()),
                (ErrorKind::Api, 404, Some("NOT_FOUND"))
            );
        }
        let d = doubt.expect("the in-doubt entry");
        assert_eq!(d.state, JournalState::InDoubt);
        assert_eq!(
            d.last_error.as_ref().map(|l| l.status),
            Some(ErrorKind::Network)
        );
    };
    // Read-only, unmigrated: the display text is understood.
    expect(&wx_recover::journal_pending_at(&path).unwrap());

    let sb = sandbox("journal-0.2");
    let c = journaled(&sb, &path);
    let all: Vec<_> = ["FIX-ACCEPTED", "FIX-REFUSED", "FIX-NETWORK"]
        .iter()
        .map(|n| c.journal_entry(n).unwrap().expect("entry kept"))
        .collect();
    assert_eq!(all[0].state, JournalState::Accepted);
    assert!(all[0].wxpay_recover_no.is_some());
    expect(&all);
    drop(c);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
    let stored: Vec<String> = conn
        .prepare("SELECT error_status FROM entries WHERE error_status IS NOT NULL ORDER BY out_request_no")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored, vec!["NETWORK".to_string(), "API".to_string()]);
}

/// Under the usual umask 022 a new journal and SQLite's `-wal` and `-shm` companions are
/// owner-only; an existing journal that others may read is named once in a WARN line.
#[test]
fn a_new_journal_is_owner_only_and_a_readable_one_is_warned_about_once() {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::{Arc, Mutex};
    // SAFETY: umask only sets this process's file-creation mask.
    let before = unsafe { libc::umask(0o022) };
    let sb = sandbox("journal-mode");
    let path = journal_path("j-mode");
    let c = journaled(&sb, &path);
    c.submit(&request(
        &sb,
        order_with_outcome(&sb, "SUCCESS"),
        "J-MODE-1",
    ))
    .expect("accepted");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let side = |suffix: &str| std::path::PathBuf::from(format!("{}{suffix}", path.display()));
    assert_eq!(mode(&path), 0o600, "journal");
    assert_eq!(mode(&side("-wal")), 0o600, "-wal");
    assert_eq!(mode(&side("-shm")), 0o600, "-shm");
    drop(c);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let c = journaled(&sb, &path);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&lines);
    c.set_logger(Some((
        wx_recover::Level::Warn,
        Arc::new(move |_, line: &str| seen.lock().unwrap().push(line.to_string())),
    )));
    c.pending().unwrap();
    c.pending().unwrap();
    let warned: Vec<String> = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("lets other local users read it"))
        .cloned()
        .collect();
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("0644"), "{}", warned[0]);
    unsafe { libc::umask(before) };
}
