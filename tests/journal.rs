//! The journal: recorded before sending, re-entry from the stored bytes, the first outcome
//! kept, conflicts refused with nothing sent, refusals final, retry-safe failures settled by
//! reconcile, prune sparing pending entries, and no plaintext ledger id on disk.
//!
//! One suite, both engines: every test written `fn name(engine: Engine)` runs in module
//! `sqlite` (a file) and in module `postgres` (a database of its own on one real PostgreSQL
//! server, started by `tests/journal/pg_server.py`). The fleet journal's own cases (database
//! down, TLS, several merchants, `journal copy`) are in `tests/journal_fleet.rs`.

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::pg::Pg;
use common::*;
use serde_json::json;
use wx_recover::{Client, ErrorKind, JournalState, ReconcileOptions};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Engine {
    Sqlite,
    Postgres,
}

/// The one PostgreSQL server of this test binary.
fn pg() -> &'static Pg {
    static PG: OnceLock<Pg> = OnceLock::new();
    PG.get_or_init(|| Pg::start("journal-suite"))
}

/// A fresh journal for one test: a file, or a database of its own.
fn journal(engine: Engine, tag: &str) -> String {
    match engine {
        Engine::Sqlite => journal_path(tag).to_str().unwrap().to_string(),
        Engine::Postgres => pg().create_db(&tag.replace(['-', '.'], "_")),
    }
}

/// Every byte the journal keeps at rest: the files, or a dump of the database and every file
/// of the server's data directory.
fn stored_bytes(engine: Engine, spec: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    match engine {
        Engine::Sqlite => {
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(b) = std::fs::read(format!("{spec}{suffix}")) {
                    bytes.extend(b);
                }
            }
        }
        Engine::Postgres => {
            let db = spec.rsplit_once('/').unwrap().1;
            bytes.extend(pg().pg_dump_db(db));
            pg().psql("CHECKPOINT");
            let mut dirs = vec![pg().data_dir().to_path_buf()];
            while let Some(d) = dirs.pop() {
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        dirs.push(p);
                    } else if let Ok(b) = std::fs::read(&p) {
                        bytes.extend(b);
                    }
                }
            }
        }
    }
    bytes
}

fn journaled(sb: &wx_sandbox::Sandbox, spec: &str) -> Client {
    client(
        sb,
        json!({"journal": spec, "max_attempts": 2, "timeout_ms": 2000}),
    )
}

/// `#[test]` for each engine.
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::Engine::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(super::Engine::Postgres) } )*
        }
    };
}

both_engines!(
    an_accepted_order_is_returned_again_without_a_request,
    the_same_number_with_other_content_is_refused_and_nothing_is_sent,
    a_refusal_is_final_and_not_pending,
    an_unverified_answer_stays_in_doubt_and_reconcile_settles_it,
    prune_deletes_old_final_entries_only_and_no_plaintext_reaches_the_disk,
    two_clients_of_eight_threads_share_one_journal,
    a_client_waits_for_an_entry_another_holds_and_reconcile_skips_it,
    a_punish_and_a_recover_of_one_number_are_two_entries,
);

fn journal_path(tag: &str) -> std::path::PathBuf {
    let dir = temp_dir(tag);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("journal.sqlite")
}

fn an_accepted_order_is_returned_again_without_a_request(engine: Engine) {
    let sb = sandbox("journal-accept");
    let path = journal(engine, "j-accept");
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

fn the_same_number_with_other_content_is_refused_and_nothing_is_sent(engine: Engine) {
    let sb = sandbox("journal-conflict");
    let c = journaled(&sb, &journal(engine, "j-conflict"));
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

fn a_refusal_is_final_and_not_pending(engine: Engine) {
    let sb = sandbox("journal-refused");
    let c = journaled(&sb, &journal(engine, "j-refused"));
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

fn an_unverified_answer_stays_in_doubt_and_reconcile_settles_it(engine: Engine) {
    let sb = sandbox("journal-doubt");
    let c = journaled(&sb, &journal(engine, "j-doubt"));
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

fn prune_deletes_old_final_entries_only_and_no_plaintext_reaches_the_disk(engine: Engine) {
    let sb = sandbox("journal-prune");
    let path = journal(engine, "j-prune");
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

    let bytes = stored_bytes(engine, &path);
    assert!(!bytes.is_empty());
    assert!(
        bytes.windows(9).any(|w| w == b"J-PRUNE-2"),
        "the scan reads what the journal stores"
    );
    for secret in [&req.bal_account_no, &pending.bal_account_no] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "plaintext bal_account_no found in the journal files"
        );
    }
}

fn two_clients_of_eight_threads_share_one_journal(engine: Engine) {
    let sb = sandbox("journal-share");
    let path = journal(engine, "j-share");
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
    let spec = path.to_str().unwrap();

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
    expect(&wx_recover::journal_pending_at(spec).unwrap());

    let sb = sandbox("journal-0.2");
    let c = journaled(&sb, spec);
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
    assert_eq!(version, 3);
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
    let c = journaled(&sb, path.to_str().unwrap());
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
    let c = journaled(&sb, path.to_str().unwrap());
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

/// A submit in flight holds its entry: a second client with the same order waits for the
/// first one's answer (and returns it, sending nothing), and `reconcile` passes the entry by.
fn a_client_waits_for_an_entry_another_holds_and_reconcile_skips_it(engine: Engine) {
    let sb = sandbox("journal-held");
    let spec = journal(engine, "j-held");
    let a = journaled(&sb, &spec);
    let b = journaled(&sb, &spec);
    let req = request(&sb, order_with_outcome(&sb, "SUCCESS"), "J-HELD-1");
    fault(&sb, json!({"kind": "delay", "path": "recover", "ms": 1500}));
    std::thread::scope(|s| {
        let first = s.spawn(|| a.submit(&req));
        // Until the first request reaches the sandbox, the entry may not exist yet.
        let give_up = std::time::Instant::now() + Duration::from_secs(10);
        while stat(&sb, "/primary/in_flight") == 0 {
            assert!(
                std::time::Instant::now() < give_up,
                "the first submit never arrived"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let report = b.reconcile(ReconcileOptions::default()).unwrap();
        assert!(
            report.counts.is_empty(),
            "reconcile worked a held entry: {report:?}"
        );
        assert_eq!(report.busy, 1);
        let second = b.submit(&req).expect("the holder's outcome");
        let first = first.join().unwrap().expect("accepted");
        assert_eq!(second.wxpay_recover_no, first.wxpay_recover_no);
        assert_eq!(second.attempts, 0, "the waiting client sent nothing");
    });
    assert_eq!(stat(&sb, "/primary/requests"), 1);
    assert_eq!(
        b.journal_entry("J-HELD-1").unwrap().unwrap().state,
        JournalState::Accepted
    );
}

/// The platform numbers punishes and recovers separately: one `out_request_no` may be both,
/// as two entries; a punish conflicts only with a punish; reconcile follows a punish with the
/// PUNISH query; no plaintext ledger id or card number is stored.
fn a_punish_and_a_recover_of_one_number_are_two_entries(engine: Engine) {
    let sb = sandbox("journal-kinds");
    let spec = journal(engine, "j-kinds");
    let c = journaled(&sb, &spec);
    let o = order(&sb, 0);
    let p = wx_recover::PunishRequest {
        out_request_no: "J-KIND-1".into(),
        mchid: o["mchid"].as_str().unwrap().into(),
        bal_account_no: "6230000000000666001".into(),
        punish_scene: 6,
        card_no: Some("6222020000000006666".into()),
        ..Default::default()
    };
    let placed = c.punish(&p).expect("punish");
    c.submit(&request(
        &sb,
        order_with_outcome(&sb, "SUCCESS"),
        "J-KIND-1",
    ))
    .expect("a recover with the same number");
    let pe = c
        .journal_entry_of("J-KIND-1", wx_recover::JournalKind::Punish)
        .unwrap()
        .unwrap();
    let re = c.journal_entry("J-KIND-1").unwrap().unwrap();
    assert_eq!(pe.platform_no(), Some(placed.wxpay_punish_no.as_str()));
    assert_ne!(pe.platform_no(), re.platform_no());
    assert_eq!(c.pending().unwrap().len(), 2);
    let mut other = p.clone();
    other.punish_scene = 7;
    assert_eq!(
        c.punish(&other).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
    let mut state = JournalState::Accepted;
    for _ in 0..100 {
        let r = c.reconcile(ReconcileOptions::default()).unwrap();
        if r.pending.is_empty() {
            state = c
                .journal_entry_of("J-KIND-1", wx_recover::JournalKind::Punish)
                .unwrap()
                .unwrap()
                .state;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(state, JournalState::Succeeded);
    let bytes = stored_bytes(engine, &spec);
    for secret in [&p.bal_account_no, p.card_no.as_ref().unwrap()] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "plaintext in the journal"
        );
    }
}
