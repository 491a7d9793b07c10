//! The fleet journal's own cases, each against a real PostgreSQL of its own
//! (tests/journal/pg_server.py): the database going away and coming back, an outcome that
//! cannot be written, TLS with the right and a wrong CA, several merchants in one database,
//! `journal copy` from a 0.2 SQLite file, and the password kept out of every message. The cases
//! both engines share are in tests/journal.rs; crash storms with several processes in
//! tests/journal/fleet_storm.py and tests/journal/race.py.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::pg::Pg;
use common::*;
use serde_json::json;
use wx_recover::{Client, Config, ErrorKind, JournalState, ReconcileOptions};

fn journaled(sb: &wx_sandbox::Sandbox, url: &str) -> Client {
    client(
        sb,
        json!({"journal": url, "journal_timeout_ms": 1500, "journal_lease_margin_ms": 0,
               "max_attempts": 1, "timeout_ms": 3000, "deadline_ms": 3000}),
    )
}

/// Every log line of a client, at trace level.
fn capture(c: &Client) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&lines);
    c.set_logger(Some((
        wx_recover::Level::Trace,
        Arc::new(move |_, line: &str| seen.lock().unwrap().push(line.to_string())),
    )));
    lines
}

fn assert_no_password(pg: &Pg, text: &str) {
    assert!(!text.contains(pg.password()), "the password leaked: {text}");
}

#[test]
fn a_database_that_is_down_fails_a_submit_before_sending_and_the_same_client_resumes() {
    let sb = sandbox("fleet-down");
    let mut pg = Pg::start("fleet-down");
    let c = journaled(&sb, &pg.url());
    let lines = capture(&c);
    c.submit(&request(&sb, 0, "F-DOWN-1")).expect("accepted");
    let sent = stat(&sb, "/primary/requests");

    pg.crash();
    let req = request(&sb, 1, "F-DOWN-2");
    let e = c.submit(&req).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Network, "{e}");
    assert!(e.retry_safe, "nothing was sent: {e}");
    assert_eq!(e.attempts, 0);
    assert!(
        e.message
            .starts_with("journal postgresql://wx:***@127.0.0.1:"),
        "{e}"
    );
    assert!(e.message.contains("nothing was sent"), "{e}");
    assert_no_password(&pg, &format!("{e} {e:?}"));
    assert_eq!(
        stat(&sb, "/primary/requests"),
        sent,
        "nothing reached the platform"
    );
    for (what, err) in [
        ("pending", c.pending().map(drop).unwrap_err()),
        (
            "reconcile",
            c.reconcile(ReconcileOptions::default())
                .map(drop)
                .unwrap_err(),
        ),
        ("prune", c.prune(30).map(drop).unwrap_err()),
        (
            "journal_entry",
            c.journal_entry("F-DOWN-1").map(drop).unwrap_err(),
        ),
    ] {
        assert_eq!(err.kind, ErrorKind::Network, "{what}: {err}");
        assert!(err.message.contains("unavailable"), "{what}: {err}");
        assert_no_password(&pg, &err.to_string());
    }

    pg.start_again();
    // The same client, no new one: its pool replaces the connections the crash closed.
    let a = c.submit(&req).expect("accepted once the database is back");
    assert_eq!(
        c.journal_entry("F-DOWN-2")
            .unwrap()
            .unwrap()
            .wxpay_recover_no
            .as_deref(),
        Some(a.wxpay_recover_no.as_str())
    );
    assert_eq!(c.pending().unwrap().len(), 2);
    for l in lines.lock().unwrap().iter() {
        assert_no_password(&pg, l);
    }
}

/// The answer arrives while the database is gone: the outcome cannot be written, the entry
/// stays IN_DOUBT (it was recorded before sending), and reconcile settles it by re-entry with
/// the platform's own number, not a second recover.
#[test]
fn an_outcome_that_cannot_be_written_leaves_the_entry_in_doubt_for_reconcile() {
    let sb = sandbox("fleet-outcome");
    let mut pg = Pg::start("fleet-outcome");
    let c = journaled(&sb, &pg.url());
    let req = request(&sb, order_with_outcome(&sb, "SUCCESS"), "F-OUT-1");
    fault(&sb, json!({"kind": "delay", "path": "recover", "ms": 1200}));
    let answer = std::thread::scope(|s| {
        let submit = s.spawn(|| c.submit(&req));
        let give_up = Instant::now() + Duration::from_secs(10);
        while stat(&sb, "/primary/in_flight") == 0 {
            assert!(Instant::now() < give_up, "the submit never arrived");
            std::thread::sleep(Duration::from_millis(10));
        }
        pg.crash();
        submit.join().unwrap()
    });
    let accepted = answer.expect("the platform's answer is still the caller's");
    pg.start_again();
    let e = c.journal_entry("F-OUT-1").unwrap().unwrap();
    assert_eq!(
        e.state,
        JournalState::InDoubt,
        "the outcome was not written"
    );

    let report = c.reconcile(ReconcileOptions::default()).unwrap();
    assert_eq!(
        report.counts.get(&JournalState::Accepted),
        Some(&1),
        "{report:?}"
    );
    let e = c.journal_entry("F-OUT-1").unwrap().unwrap();
    assert_eq!(
        e.wxpay_recover_no.as_deref(),
        Some(accepted.wxpay_recover_no.as_str())
    );
    assert_eq!(
        stat(&sb, "/recover_records"),
        1,
        "re-entry, not a second recover"
    );
}

#[test]
fn verify_full_against_the_right_ca_works_and_a_wrong_ca_is_a_clear_error() {
    let sb = sandbox("fleet-tls");
    let pg = Pg::start_tls("fleet-tls");
    assert!(pg.url().contains("sslmode=verify-full"), "{}", pg.url());
    let c = journaled(&sb, &pg.url());
    c.submit(&request(&sb, 0, "F-TLS-1"))
        .expect("accepted over TLS");
    assert_eq!(
        pg.psql("SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.application_name = 'wx-recover'")
            .trim(),
        "1",
        "the journal's connection is encrypted"
    );
    // The certificate names localhost too.
    let by_name = pg.url().replace("@127.0.0.1:", "@localhost:");
    journaled(&sb, &by_name)
        .pending()
        .expect("verify-full by host name");

    let wrong = pg.url().replace(
        pg.ca_path().to_str().unwrap(),
        pg.wrong_ca_path().to_str().unwrap(),
    );
    let err = Client::from_json(&config(
        &sb,
        json!({"journal": wrong, "journal_timeout_ms": 1500}),
    ))
    .err()
    .expect("a wrong CA is refused");
    assert_eq!(err.kind, ErrorKind::Config, "{err}");
    assert!(err.message.starts_with("journal"), "{err}");
    assert!(
        err.message.contains("certificate"),
        "names the certificate: {err}"
    );
    assert_no_password(&pg, &err.to_string());
    // Another host name than the certificate's fails verify-full, and passes verify-ca.
    let other_name = pg.url().replace("@127.0.0.1:", "@127.0.0.2:");
    if std::net::TcpStream::connect(("127.0.0.2", pg.port)).is_ok() {
        let err = Client::from_json(&config(
            &sb,
            json!({"journal": other_name, "journal_timeout_ms": 1500}),
        ))
        .err()
        .expect("a host the certificate does not name");
        assert_eq!(err.kind, ErrorKind::Config, "{err}");
        let ca_only = other_name.replace("verify-full", "verify-ca");
        journaled(&sb, &ca_only)
            .pending()
            .expect("verify-ca checks the chain only");
    }
}

#[test]
fn clients_of_two_merchants_share_one_database_without_seeing_each_other() {
    let sb = sandbox("fleet-merchants");
    let pg = Pg::start("fleet-merchants");
    let a = journaled(&sb, &pg.url());
    a.submit(&request(&sb, 0, "F-M-1")).expect("accepted");
    let b = client(
        &sb,
        json!({"journal": pg.url(), "mchid": "1900009999", "journal_timeout_ms": 1500}),
    );
    assert!(b.journal_entry("F-M-1").unwrap().is_none());
    assert!(b.pending().unwrap().is_empty());
    assert_eq!(a.pending().unwrap().len(), 1);
    assert_eq!(
        pg.psql("SELECT merchant, out_request_no, state FROM wx_recover_entries")
            .trim(),
        format!("{}|F-M-1|ACCEPTED", sb.info()["mchid"].as_str().unwrap())
    );
    // The schema is versioned.
    assert_eq!(pg.psql("SELECT version FROM wx_recover_schema").trim(), "1");
}

/// A host's 0.2 SQLite journal (tests/vectors/journal-0.2.sqlite) moves into the fleet
/// database with its pending entry; the copy run twice copies nothing twice.
#[test]
fn journal_copy_moves_a_0_2_file_into_postgresql_once() {
    let pg = Pg::start("fleet-copy");
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/journal-0.2.sqlite");
    let dir = temp_dir("fleet-copy");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("j.sqlite");
    std::fs::copy(&fixture, &file).unwrap();
    let from = file.to_str().unwrap();
    let t = Duration::from_secs(5);
    let first = wx_recover::journal_copy(from, &pg.url(), "1900000001", t).unwrap();
    assert_eq!((first.copied, first.skipped, first.pending), (3, 0, 2));
    let again = wx_recover::journal_copy(from, &pg.url(), "1900000001", t).unwrap();
    assert_eq!((again.copied, again.skipped), (0, 3));
    assert_eq!(
        pg.psql("SELECT count(*) FROM wx_recover_entries").trim(),
        "3"
    );

    let pending = wx_recover::journal_pending_at(&pg.url()).unwrap();
    let mut states: Vec<_> = pending
        .iter()
        .map(|e| (e.out_request_no.as_str(), e.state))
        .collect();
    states.sort();
    assert_eq!(
        states,
        [
            ("FIX-ACCEPTED", JournalState::Accepted),
            ("FIX-NETWORK", JournalState::InDoubt)
        ]
    );
    let doubt = pending
        .iter()
        .find(|e| e.out_request_no == "FIX-NETWORK")
        .unwrap();
    assert_eq!(
        doubt.last_error.as_ref().map(|l| l.status),
        Some(ErrorKind::Network)
    );
    let refused = pg.psql(
        "SELECT state, error_status, error_http_status, error_code FROM wx_recover_entries WHERE out_request_no = 'FIX-REFUSED'",
    );
    assert_eq!(refused.trim(), "REFUSED|API|404|NOT_FOUND");

    for (from, to, field) in [
        (pg.url(), pg.url(), "from"),
        (from.to_string(), file.display().to_string(), "to"),
    ] {
        let e = wx_recover::journal_copy(&from, &to, "1900000001", t).unwrap_err();
        assert!(e.message.starts_with(field), "{e}");
        assert_no_password(&pg, &e.to_string());
    }
}

#[test]
fn a_wrong_password_or_value_is_a_configuration_error_without_the_password() {
    let sb = sandbox("fleet-password");
    let pg = Pg::start("fleet-password");
    let wrong = pg.url().replace(pg.password(), "not-the-password-0451");
    let e = Client::from_json(&config(
        &sb,
        json!({"journal": wrong, "journal_timeout_ms": 1500}),
    ))
    .err()
    .expect("refused login");
    assert_eq!(e.kind, ErrorKind::Config, "{e}");
    assert!(
        e.message.starts_with("journal: postgresql://wx:***@"),
        "{e}"
    );
    assert!(!e.to_string().contains("not-the-password-0451"), "{e}");
    // The password may come from PGPASSWORD instead of the URL.
    let cfg = config(&sb, json!({"journal": pg.url_without_password()}));
    std::env::set_var("PGPASSWORD", pg.password());
    let parsed = Config::from_json(&cfg);
    std::env::remove_var("PGPASSWORD");
    Client::new(parsed.expect("config")).expect("PGPASSWORD is used");
    // Or from a password file (PGPASSFILE), which must be owner-only, as libpq requires.
    let dir = temp_dir("fleet-passfile");
    std::fs::create_dir_all(&dir).unwrap();
    let passfile = dir.join("pgpass");
    std::fs::write(
        &passfile,
        format!("# test\n127.0.0.1:{}:wx:wx:{}\n", pg.port, pg.password()),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::env::set_var("PGPASSFILE", &passfile);
        let wide = Config::from_json(&cfg);
        std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
        let owner_only = Config::from_json(&cfg);
        std::env::remove_var("PGPASSFILE");
        let e = Client::new(wide.expect("config"))
            .err()
            .expect("a readable passfile is ignored");
        assert_eq!(e.kind, ErrorKind::Config, "{e}");
        Client::new(owner_only.expect("config")).expect("the passfile's password is used");
    }
    // A mistyped URL is taken for no path, and its password is not echoed either.
    let typo = pg.url().replacen("postgresql://", "postgresql:/", 1);
    let e = Client::from_json(&config(&sb, json!({"journal": typo})))
        .err()
        .expect("no such file");
    assert_no_password(&pg, &format!("{e} {e:?}"));
    let e = Config::from_json(&config(
        &sb,
        json!({"journal": pg.url().replace("postgresql", "postgress")}),
    ))
    .err()
    .expect("unknown scheme");
    assert!(e.message.contains("unknown scheme"), "{e}");
    assert_no_password(&pg, &format!("{e} {e:?}"));
}

/// A client whose pool holds several idle connections when the database restarts: the first
/// call after the restart finds them all closed and succeeds on a new one.
#[test]
fn idle_pooled_connections_closed_by_a_restart_cost_no_call() {
    let sb = sandbox("fleet-pool");
    let mut pg = Pg::start("fleet-pool");
    let c = client(
        &sb,
        json!({"journal": pg.url(), "journal_timeout_ms": 5000, "journal_pool_size": 3}),
    );
    // Three calls at once while a lock holds the table: the pool grows to three connections.
    std::thread::scope(|s| {
        let pg = &pg;
        let c = &c;
        s.spawn(move || {
            pg.psql("BEGIN; LOCK TABLE wx_recover_entries IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1.5); COMMIT;")
        });
        std::thread::sleep(Duration::from_millis(300));
        for _ in 0..3 {
            s.spawn(move || c.pending().expect("pending"));
        }
    });
    assert_eq!(
        pg.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wx-recover'")
            .trim(),
        "3",
        "the pool holds three connections"
    );
    pg.crash();
    pg.start_again();
    for i in 0..3 {
        c.submit(&request(&sb, i, &format!("F-POOL-{i}")))
            .unwrap_or_else(|e| panic!("submit {i} after the restart: {e}"));
    }
}
