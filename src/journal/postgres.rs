//! The fleet journal engine: PostgreSQL, which replicas on many hosts share. All of its SQL is
//! here. Every time (`created_at`, `lease_until`, …) is the database server's clock, in Unix
//! seconds, so leases taken on different hosts compare on one clock.
//!
//! - The schema (tables prefixed `wx_recover_`) is created on first use and migrated forward
//!   inside one transaction that holds an advisory lock: replicas starting together wait for
//!   each other instead of racing.
//! - Entries are keyed by the client's merchant (`mchid` of the configuration), the kind and
//!   `out_request_no`, so clients of several merchants share one database.
//! - `record` is one statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING`): it inserts and
//!   leases a new order, or leases an existing one, and says which, so two replicas racing with
//!   the same number cannot both win. With its statement prepared it is one round trip, and it
//!   commits with `synchronous_commit = on` before anything is sent.
//! - `claim` is one statement: a CTE selects pending entries `FOR UPDATE SKIP LOCKED` whose lease
//!   is free or expired, and the `UPDATE … RETURNING` leases them.
//! - Connections are pooled (at most `journal_pool_size`), each with its statements prepared
//!   once; a connection the server dropped is replaced, and a statement that found its
//!   connection closed is run once more on a new one.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use postgres::types::ToSql;
use postgres::{Client, Statement};

use super::engine::{Cursor, Engine, NewEntry, Recorded, Settle};
use super::{Entry, JournalState, Kind, LastError};
use crate::core::error::{Error, ErrorKind, Result};
use crate::infra::config::journal::{PgSslMode, PgTarget};

/// The schema version this library writes; older databases are migrated forward on first use.
pub(crate) const SCHEMA_VERSION: i32 = 1;

/// Taken (transaction-scoped) while the schema is checked and migrated: "wx-recover" in ASCII.
const MIGRATION_LOCK: i64 = 0x7778_2d72_6563_6f76;

/// Version 1.
const SCHEMA_1: &str = "
CREATE TABLE wx_recover_entries (
    merchant TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'RECOVER',
    out_request_no TEXT NOT NULL,
    related_webank_punish_no TEXT NOT NULL,
    related_wxpay_punish_no TEXT NOT NULL,
    mchid TEXT NOT NULL,
    recover_reason TEXT,
    body BYTEA NOT NULL,
    wechatpay_serial TEXT NOT NULL,
    digest TEXT NOT NULL,
    state TEXT NOT NULL,
    wxpay_recover_no TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    accepted_at BIGINT,
    finished_at BIGINT,
    error_status TEXT,
    error_http_status INTEGER,
    error_code TEXT,
    error_message TEXT,
    request_id TEXT,
    lease_owner TEXT,
    lease_until BIGINT,
    PRIMARY KEY (merchant, kind, out_request_no)
);
CREATE INDEX wx_recover_entries_pending ON wx_recover_entries (merchant, created_at, out_request_no)
    WHERE state IN ('IN_DOUBT', 'ACCEPTED');
CREATE INDEX wx_recover_entries_finished ON wx_recover_entries (merchant, finished_at)
    WHERE state IN ('SUCCEEDED', 'FAILED', 'REFUSED', 'EXPIRED');";

const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [SCHEMA_1];

/// The server's clock in Unix seconds.
macro_rules! now {
    () => {
        "floor(extract(epoch FROM clock_timestamp()))::bigint"
    };
}

macro_rules! entry_columns {
    () => {
        "out_request_no, related_webank_punish_no, related_wxpay_punish_no, mchid, state,
         wxpay_recover_no, attempts, error_status, error_http_status, error_code, error_message,
         request_id, created_at, updated_at, kind"
    };
}
const ENTRY_COLUMN_COUNT: usize = 15;

/// In `RECORD`'s update of an existing row: the content is the same, the entry is in doubt,
/// and no other live lease holds it, so this submit takes it over (one condition for the four
/// columns the take-over sets).
macro_rules! takeable {
    () => {
        concat!(
            "e.digest = EXCLUDED.digest AND e.state = 'IN_DOUBT' AND (e.lease_until IS NULL OR e.lease_until < ",
            now!(),
            " OR e.lease_owner = $10)"
        )
    };
}

/// $1 merchant, $2 out_request_no, $3..$9 the order, $10 holder, $11 lease seconds, $12 kind.
const RECORD: &str = concat!(
    "INSERT INTO wx_recover_entries AS e (merchant, kind, out_request_no,
       related_webank_punish_no, related_wxpay_punish_no, mchid, recover_reason, body,
       wechatpay_serial, digest, state, attempts, created_at, updated_at, last_attempt_at,
       lease_owner, lease_until)
     VALUES ($1, $12, $2, $3, $4, $5, $6, $7, $8, $9, 'IN_DOUBT', 1, ",
    now!(), ", ", now!(), ", ", now!(), ", $10, ", now!(), " + $11)
     ON CONFLICT (merchant, kind, out_request_no) DO UPDATE SET
       attempts = e.attempts + CASE WHEN ", takeable!(), " THEN 1 ELSE 0 END,
       last_attempt_at = CASE WHEN ", takeable!(), " THEN ", now!(), " ELSE e.last_attempt_at END,
       lease_until = CASE WHEN ", takeable!(), " THEN EXCLUDED.lease_until ELSE e.lease_until END,
       lease_owner = CASE WHEN ", takeable!(), " THEN $10 ELSE e.lease_owner END
     RETURNING (e.xmax = 0) AS inserted, e.digest = $9 AS same, e.lease_owner IS NOT DISTINCT FROM $10 AS mine, ",
    entry_columns!(),
    ", body, wechatpay_serial"
);

/// $1 merchant, $2 out_request_no, $3 holder, $4 lease seconds, $5 kind.
const BEGIN_ATTEMPT: &str = concat!(
    "UPDATE wx_recover_entries SET attempts = attempts + 1, last_attempt_at = ",
    now!(),
    ", updated_at = ",
    now!(),
    ", lease_owner = $3, lease_until = ",
    now!(),
    " + $4
     WHERE merchant = $1 AND kind = $5 AND out_request_no = $2
       AND state IN ('IN_DOUBT', 'ACCEPTED')"
);

/// $1 merchant, $2 out_request_no, $3 state, $4 wxpay_recover_no, $5 request_id,
/// $6 more attempts, $7..$10 error, $11 holder, $12 kind.
const SETTLE: &str = concat!(
    "UPDATE wx_recover_entries SET
       state = $3,
       wxpay_recover_no = COALESCE($4, wxpay_recover_no),
       request_id = COALESCE($5, request_id),
       attempts = GREATEST(0, attempts + COALESCE($6, 0)),
       error_status = $7, error_http_status = $8, error_code = $9, error_message = $10,
       accepted_at = COALESCE(accepted_at, CASE WHEN $3 = 'ACCEPTED' THEN ", now!(), " END),
       finished_at = COALESCE(finished_at, CASE WHEN $3 IN ('SUCCEEDED', 'FAILED', 'REFUSED', 'EXPIRED') THEN ", now!(), " END),
       last_attempt_at = CASE WHEN $6::integer IS NOT NULL THEN ", now!(), " ELSE last_attempt_at END,
       updated_at = ", now!(), ",
       lease_until = CASE WHEN lease_owner = $11 THEN NULL ELSE lease_until END,
       lease_owner = CASE WHEN lease_owner = $11 THEN NULL ELSE lease_owner END
     WHERE merchant = $1 AND kind = $12 AND out_request_no = $2
       AND state NOT IN ('SUCCEEDED', 'FAILED', 'REFUSED', 'EXPIRED')"
);

const ENTRY: &str = concat!(
    "SELECT ",
    entry_columns!(),
    " FROM wx_recover_entries WHERE merchant = $1 AND kind = $3 AND out_request_no = $2"
);

const REQUEST: &str = "SELECT body, wechatpay_serial FROM wx_recover_entries
     WHERE merchant = $1 AND kind = $3 AND out_request_no = $2";

/// $1 merchant (NULL: every merchant, for the operators' listing), $2 limit (NULL: all).
const PENDING: &str = concat!(
    "SELECT ",
    entry_columns!(),
    " FROM wx_recover_entries WHERE ($1::text IS NULL OR merchant = $1)
       AND state IN ('IN_DOUBT', 'ACCEPTED')
     ORDER BY created_at, kind, out_request_no LIMIT $2"
);

/// $1 merchant, $2 holder, $3/$7/$4 the cursor (created_at, kind, out_request_no), $5 limit,
/// $6 lease seconds. The row lock of
/// `FOR UPDATE` re-checks the lease on the newest row version, and `SKIP LOCKED` passes over
/// entries another replica is claiming at this moment.
const CLAIM: &str = concat!(
    "WITH c AS (
       SELECT merchant, kind, out_request_no FROM wx_recover_entries
        WHERE merchant = $1 AND state IN ('IN_DOUBT', 'ACCEPTED')
          AND (lease_until IS NULL OR lease_until < ",
    now!(),
    " OR lease_owner = $2)
          AND (created_at, kind, out_request_no) > ($3, $7, $4)
        ORDER BY created_at, kind, out_request_no LIMIT $5
        FOR UPDATE SKIP LOCKED)
     UPDATE wx_recover_entries e SET lease_owner = $2, lease_until = ",
    now!(),
    " + $6
       FROM c WHERE e.merchant = c.merchant AND e.kind = c.kind
        AND e.out_request_no = c.out_request_no
     RETURNING ",
    "e.out_request_no, e.related_webank_punish_no, e.related_wxpay_punish_no, e.mchid, e.state,
     e.wxpay_recover_no, e.attempts, e.error_status, e.error_http_status, e.error_code,
     e.error_message, e.request_id, e.created_at, e.updated_at, e.kind"
);

const RELEASE: &str = "UPDATE wx_recover_entries SET lease_owner = NULL, lease_until = NULL
     WHERE merchant = $1 AND kind = $4 AND out_request_no = $2 AND lease_owner = $3";

const BUSY: &str = concat!(
    "SELECT COUNT(*) FROM wx_recover_entries WHERE merchant = $1
       AND state IN ('IN_DOUBT', 'ACCEPTED') AND lease_until >= ",
    now!(),
    " AND lease_owner IS DISTINCT FROM $2"
);

const PRUNE: &str = concat!(
    "DELETE FROM wx_recover_entries WHERE merchant = $1
       AND state IN ('SUCCEEDED', 'FAILED', 'REFUSED', 'EXPIRED')
       AND COALESCE(finished_at, updated_at) <= ",
    now!(),
    " - $2"
);

/// `journal copy`: a row as SQLite had it, leases dropped; an existing key is left alone.
const IMPORT: &str = "INSERT INTO wx_recover_entries (merchant, kind, out_request_no,
       related_webank_punish_no, related_wxpay_punish_no, mchid, recover_reason, body,
       wechatpay_serial, digest, state, wxpay_recover_no, attempts, created_at, updated_at,
       last_attempt_at, accepted_at, finished_at, error_status, error_http_status, error_code,
       error_message, request_id)
     VALUES ($1, $23, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
       $17, $18, $19, $20, $21, $22)
     ON CONFLICT (merchant, kind, out_request_no) DO NOTHING";

struct Conn {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

/// A bounded pool. No background threads: a connection is opened by the caller that needs it,
/// and one the server closed is dropped when it is handed back.
struct Pool {
    idle: Mutex<(Vec<Conn>, usize)>,
    freed: Condvar,
    max: usize,
}

pub(crate) struct Postgres {
    target: PgTarget,
    /// This client's merchant; `None` only for the operators' read-only listing.
    merchant: Option<String>,
    holder: String,
    timeout: Duration,
    pool: Pool,
    /// The migration ran (or was found done) on this client.
    migrated: Mutex<bool>,
}

impl Postgres {
    /// Opens the fleet journal for `merchant` and brings its schema up to date. Fails when the
    /// database cannot be reached or refuses the login.
    pub fn open(
        target: &PgTarget,
        merchant: &str,
        holder: String,
        timeout: Duration,
        pool_size: usize,
    ) -> Result<Postgres> {
        let pg = Postgres::new(
            target,
            Some(merchant.to_string()),
            holder,
            timeout,
            pool_size,
        );
        pg.ensure_schema()?;
        Ok(pg)
    }

    /// Opens it to list every merchant's pending entries, or to copy into it.
    pub fn open_unscoped(target: &PgTarget, timeout: Duration) -> Result<Postgres> {
        let pg = Postgres::new(target, None, String::new(), timeout, 1);
        pg.ensure_schema()?;
        Ok(pg)
    }

    fn new(
        target: &PgTarget,
        merchant: Option<String>,
        holder: String,
        timeout: Duration,
        pool_size: usize,
    ) -> Postgres {
        Postgres {
            target: target.clone(),
            merchant,
            holder,
            timeout,
            pool: Pool {
                idle: Mutex::new((Vec::new(), 0)),
                freed: Condvar::new(),
                max: pool_size.max(1),
            },
            migrated: Mutex::new(false),
        }
    }

    fn merchant(&self) -> &str {
        self.merchant.as_deref().unwrap_or_default()
    }

    /// Creates or migrates the schema once per client, under the advisory lock.
    fn ensure_schema(&self) -> Result<()> {
        let mut done = self.migrated.lock().unwrap_or_else(|p| p.into_inner());
        if *done {
            return Ok(());
        }
        let mut conn = self.acquire()?;
        let result = migrate(&mut conn.client).map_err(|e| self.error(&e));
        self.give_back(conn);
        let found = result?;
        if found > SCHEMA_VERSION {
            return Err(Error::config(
                "journal",
                format!("{}: schema version {found} is newer than this library's ({SCHEMA_VERSION}); upgrade wx-recover", self.target.shown),
            ));
        }
        *done = true;
        Ok(())
    }

    fn connect(&self) -> Result<Conn> {
        let t = &self.target;
        let mut config = postgres::Config::new();
        config
            .host(&t.host)
            .port(t.port)
            .user(&t.user)
            .dbname(&t.dbname)
            .application_name("wx-recover")
            .connect_timeout(self.timeout)
            .tcp_user_timeout(self.timeout)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            // Every statement is bounded, and each commit is durable before it answers.
            .options(&format!(
                "-c statement_timeout={ms} -c lock_timeout={ms} -c synchronous_commit=on",
                ms = self.timeout.as_millis()
            ));
        if let Some(p) = &t.password {
            config.password(p);
        }
        let client = match t.ssl_mode {
            PgSslMode::Disable => config
                .ssl_mode(postgres::config::SslMode::Disable)
                .connect(postgres::NoTls),
            mode => {
                config.ssl_mode(if mode == PgSslMode::Prefer {
                    postgres::config::SslMode::Prefer
                } else {
                    postgres::config::SslMode::Require
                });
                config.connect(self.tls()?)
            }
        }
        .map_err(|e| self.error(&e))?;
        Ok(Conn {
            client,
            prepared: HashMap::new(),
        })
    }

    /// TLS 1.2 or newer, the server's chain verified against `sslrootcert` alone when given,
    /// else the system's roots; its host name too for `verify-full`.
    fn tls(&self) -> Result<postgres_openssl::MakeTlsConnector> {
        use openssl::ssl::{SslConnector, SslMethod, SslVersion};
        let t = &self.target;
        let fail = |why: String| Error::config("journal", format!("{}: TLS: {why}", t.shown));
        let mut b = SslConnector::builder(SslMethod::tls()).map_err(|e| fail(e.to_string()))?;
        b.set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(|e| fail(e.to_string()))?;
        match &t.root_cert {
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| fail(format!("sslrootcert {}: {e}", path.display())))?;
                let certs = openssl::x509::X509::stack_from_pem(&pem)
                    .map_err(|e| fail(format!("sslrootcert {}: {e}", path.display())))?;
                let mut store = openssl::x509::store::X509StoreBuilder::new()
                    .map_err(|e| fail(e.to_string()))?;
                for c in certs {
                    store.add_cert(c).map_err(|e| fail(e.to_string()))?;
                }
                b.set_verify_cert_store(store.build())
                    .map_err(|e| fail(e.to_string()))?;
            }
            None => {
                let probe = openssl_probe::probe();
                if let Some(file) = probe.cert_file {
                    // Adds to the defaults; a missing file leaves the defaults.
                    let _ = b.set_ca_file(file);
                }
            }
        }
        let mut connector = postgres_openssl::MakeTlsConnector::new(b.build());
        if t.ssl_mode != PgSslMode::VerifyFull {
            connector.set_callback(|c, _| {
                c.set_verify_hostname(false);
                Ok(())
            });
        }
        Ok(connector)
    }

    /// A pooled connection, opening one if the pool has room; waits up to the timeout for one.
    fn acquire(&self) -> Result<Conn> {
        let give_up = Instant::now() + self.timeout;
        let mut g = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = g.0.pop() {
                return Ok(c);
            }
            if g.1 < self.pool.max {
                g.1 += 1;
                drop(g);
                return self.connect().inspect_err(|_| {
                    let mut g = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
                    g.1 -= 1;
                    self.pool.freed.notify_one();
                });
            }
            let left = give_up.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.unavailable(format!(
                    "all {} connections stayed busy for {} ms (journal_pool_size)",
                    self.pool.max,
                    self.timeout.as_millis()
                )));
            }
            g = self
                .pool
                .freed
                .wait_timeout(g, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn give_back(&self, conn: Conn) {
        let mut g = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
        if conn.client.is_closed() {
            g.1 -= 1;
        } else {
            g.0.push(conn);
        }
        self.pool.freed.notify_one();
    }

    /// Drops every idle connection.
    fn drop_idle(&self) {
        let mut g = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
        let n = g.0.len();
        g.0.clear();
        g.1 -= n;
        self.pool.freed.notify_all();
    }

    /// Runs one prepared statement. A statement that finds its pooled connection closed (the
    /// server restarted since) runs once more on a new connection, the other idle connections
    /// dropped with it.
    fn run<T>(
        &self,
        sql: &'static str,
        f: impl Fn(&mut Client, &Statement) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        self.ensure_schema()?;
        for round in 0..2 {
            let mut conn = self.acquire()?;
            let stmt = match conn.prepared.get(sql) {
                Some(s) => Ok(s.clone()),
                None => conn.client.prepare(sql),
            };
            let result = stmt.and_then(|s| {
                conn.prepared.insert(sql, s.clone());
                f(&mut conn.client, &s)
            });
            let closed = conn.client.is_closed();
            self.give_back(conn);
            match result {
                Ok(v) => return Ok(v),
                Err(_) if closed && round == 0 => {
                    // The server closed this connection (a restart, a failover): the idle
                    // ones went with it. Drop them all, so the retry opens a new one.
                    self.drop_idle();
                    continue;
                }
                Err(e) => return Err(self.error(&e)),
            }
        }
        unreachable!("the loop returns in its second round")
    }

    /// The database cannot be used now: retry-safe, since nothing was sent.
    fn unavailable(&self, why: String) -> Error {
        let mut e = Error::new(
            ErrorKind::Network,
            format!(
                "journal {} unavailable: {why}; nothing was sent",
                self.target.shown
            ),
        );
        e.retry_safe = true;
        e
    }

    /// A driver error, without the password, bounded and escaped.
    fn error(&self, e: &postgres::Error) -> Error {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let more = s.to_string();
            if !text.contains(&more) {
                text = format!("{text}: {more}");
            }
            source = s.source();
        }
        if let Some(p) = self.target.password.as_deref().filter(|p| !p.is_empty()) {
            text = text.replace(p, "***");
        }
        let text = crate::core::text::clean(&text, 300);
        match e.as_db_error() {
            // A certificate that does not verify is the configuration's (sslrootcert, the
            // host name), not a passing outage.
            None if is_tls_refusal(e) => Error::config(
                "journal",
                format!(
                    "{}: TLS: {text} (check sslrootcert and the host name)",
                    self.target.shown
                ),
            ),
            // The server asked for a password and none was given (URL, PGPASSWORD or
            // password file): the configuration's.
            None if text.starts_with("invalid configuration") => Error::config(
                "journal",
                format!(
                    "{}: {text} (give it in the URL, PGPASSWORD or the password file)",
                    self.target.shown
                ),
            ),
            None => self.unavailable(text),
            Some(db) => {
                let code = db.code().code();
                // Class 28 (authorization) and 3D (no such database): the configuration.
                if code.starts_with("28") || code.starts_with("3D") {
                    Error::config("journal", format!("{}: {text}", self.target.shown))
                } else if code == "57014" || code.starts_with("08") || code.starts_with("57P") {
                    // A statement timeout, a connection failure, or the server shutting down.
                    self.unavailable(text)
                } else {
                    Error::new(
                        ErrorKind::Internal,
                        format!("journal {}: {text}", self.target.shown),
                    )
                }
            }
        }
    }

    /// Imports one SQLite row; false when the key was there already.
    pub(super) fn import(&self, merchant: &str, r: &super::copy::Row) -> Result<bool> {
        let e = &r.entry;
        let error_status = e.last_error.as_ref().map(|l| l.status.code());
        let http = e.last_error.as_ref().map(|l| i32::from(l.http_status));
        let code = e.last_error.as_ref().and_then(|l| l.code.clone());
        let message = e.last_error.as_ref().map(|l| l.message.clone());
        let attempts = i32::try_from(e.attempts).unwrap_or(i32::MAX);
        let n = self.run(IMPORT, |c, s| {
            let kind = e.kind.as_str();
            let params: [&(dyn ToSql + Sync); 23] = [
                &merchant,
                &e.out_request_no,
                &e.related_webank_punish_no,
                &e.related_wxpay_punish_no,
                &e.mchid,
                &r.recover_reason,
                &r.body,
                &r.serial,
                &r.digest,
                &e.state.as_str(),
                &e.wxpay_recover_no,
                &attempts,
                &e.created_at,
                &e.updated_at,
                &r.last_attempt_at,
                &r.accepted_at,
                &r.finished_at,
                &error_status,
                &http,
                &code,
                &message,
                &e.request_id,
                &kind,
            ];
            c.execute(s, &params)
        })?;
        Ok(n == 1)
    }
}

/// The server's certificate was refused (the chain or the host name did not verify).
fn is_tls_refusal(e: &postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(ssl) = s.downcast_ref::<openssl::ssl::Error>() {
            return ssl.ssl_error().is_some();
        }
        if s.to_string().contains("certificate verify failed") {
            return true;
        }
        source = s.source();
    }
    false
}

/// Creates the tables or migrates them forward, in one transaction holding the advisory lock.
/// Returns the version found (a newer one than this library's is left alone).
fn migrate(client: &mut Client) -> std::result::Result<i32, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS wx_recover_schema (
            singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
            version INTEGER NOT NULL)",
    )?;
    let version: i32 = tx
        .query_opt("SELECT version FROM wx_recover_schema", &[])?
        .map_or(0, |r| r.get(0));
    if version > SCHEMA_VERSION {
        // Reported by the caller as a configuration problem: this library is older.
        tx.rollback()?;
        return Ok(version);
    }
    for sql in MIGRATIONS.iter().skip(version as usize) {
        tx.batch_execute(sql)?;
    }
    if version < SCHEMA_VERSION {
        tx.execute(
            "INSERT INTO wx_recover_schema (singleton, version) VALUES (TRUE, $1)
             ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version",
            &[&SCHEMA_VERSION],
        )?;
    }
    tx.commit()?;
    Ok(version)
}

fn entry_of(r: &postgres::Row, at: usize) -> Entry {
    let state: String = r.get(at + 4);
    let error_status: Option<String> = r.get(at + 7);
    let last_error = error_status.map(|s| LastError {
        status: ErrorKind::from_code(&s).unwrap_or(ErrorKind::Internal),
        http_status: r
            .get::<_, Option<i32>>(at + 8)
            .and_then(|h| u16::try_from(h).ok())
            .unwrap_or(0),
        code: r.get(at + 9),
        message: r.get::<_, Option<String>>(at + 10).unwrap_or_default(),
    });
    Entry {
        out_request_no: r.get(at),
        related_webank_punish_no: r.get(at + 1),
        related_wxpay_punish_no: r.get(at + 2),
        mchid: r.get(at + 3),
        state: JournalState::parse(&state).unwrap_or(JournalState::InDoubt),
        wxpay_recover_no: r.get(at + 5),
        attempts: u32::try_from(r.get::<_, i32>(at + 6)).unwrap_or(0),
        last_error,
        request_id: r.get(at + 11),
        created_at: r.get(at + 12),
        updated_at: r.get(at + 13),
        kind: Kind::parse(r.get::<_, &str>(at + 14)).unwrap_or(Kind::Recover),
    }
}

impl Engine for Postgres {
    fn record(&self, new: &NewEntry<'_>, lease_secs: i64) -> Result<Recorded> {
        let row = self.run(RECORD, |c, s| {
            c.query_one(
                s,
                &[
                    &self.merchant(),
                    &new.out_request_no,
                    &new.related_webank_punish_no,
                    &new.related_wxpay_punish_no,
                    &new.mchid,
                    &new.recover_reason,
                    &new.body,
                    &new.serial,
                    &new.digest,
                    &self.holder,
                    &lease_secs,
                    &new.kind.as_str(),
                ],
            )
        })?;
        let (inserted, same, mine): (bool, bool, bool) = (row.get(0), row.get(1), row.get(2));
        Ok(if inserted {
            Recorded::New
        } else if !same {
            Recorded::Conflict
        } else {
            let entry = entry_of(&row, 3);
            let leased = mine && entry.state == JournalState::InDoubt;
            Recorded::Existing {
                entry: Box::new(entry),
                body: row.get(3 + ENTRY_COLUMN_COUNT),
                serial: row.get(4 + ENTRY_COLUMN_COUNT),
                leased,
            }
        })
    }

    fn begin_attempt(&self, kind: Kind, out_request_no: &str, lease_secs: i64) -> Result<()> {
        self.run(BEGIN_ATTEMPT, |c, s| {
            c.execute(
                s,
                &[
                    &self.merchant(),
                    &out_request_no,
                    &self.holder,
                    &lease_secs,
                    &kind.as_str(),
                ],
            )
        })
        .map(drop)
    }

    fn settle(&self, kind: Kind, out_request_no: &str, st: &Settle<'_>) -> Result<()> {
        let more = st
            .more_attempts
            .map(|n| n.clamp(i32::MIN.into(), i32::MAX.into()) as i32);
        let error_status = st.error.map(|e| e.status.code());
        let http = st.error.map(|e| i32::from(e.http_status));
        let code = st.error.and_then(|e| e.code.as_deref());
        let message = st.error.map(|e| e.message.as_str());
        self.run(SETTLE, |c, s| {
            c.execute(
                s,
                &[
                    &self.merchant(),
                    &out_request_no,
                    &st.state.as_str(),
                    &st.wxpay_recover_no,
                    &st.request_id,
                    &more,
                    &error_status,
                    &http,
                    &code,
                    &message,
                    &self.holder,
                    &kind.as_str(),
                ],
            )
        })
        .map(drop)
    }

    fn entry(&self, kind: Kind, out_request_no: &str) -> Result<Option<Entry>> {
        self.run(ENTRY, |c, s| {
            c.query_opt(s, &[&self.merchant(), &out_request_no, &kind.as_str()])
        })
        .map(|r| r.map(|r| entry_of(&r, 0)))
    }

    fn request(&self, kind: Kind, out_request_no: &str) -> Result<Option<(Vec<u8>, String)>> {
        self.run(REQUEST, |c, s| {
            c.query_opt(s, &[&self.merchant(), &out_request_no, &kind.as_str()])
        })
        .map(|r| r.map(|r| (r.get(0), r.get(1))))
    }

    fn pending(&self, limit: Option<usize>) -> Result<Vec<Entry>> {
        let limit = limit.map(|n| n.min(i64::MAX as usize) as i64);
        self.run(PENDING, |c, s| c.query(s, &[&self.merchant, &limit]))
            .map(|rows| rows.iter().map(|r| entry_of(r, 0)).collect())
    }

    fn claim(&self, after: &Cursor, limit: usize, lease_secs: i64) -> Result<Vec<Entry>> {
        let limit = limit.min(i64::MAX as usize) as i64;
        let mut claimed: Vec<Entry> = self
            .run(CLAIM, |c, s| {
                c.query(
                    s,
                    &[
                        &self.merchant(),
                        &self.holder,
                        &after.0,
                        &after.2,
                        &limit,
                        &lease_secs,
                        &after.1,
                    ],
                )
            })?
            .iter()
            .map(|r| entry_of(r, 0))
            .collect();
        // RETURNING keeps no order.
        claimed.sort_by(|a, b| {
            (a.created_at, a.kind.as_str(), &a.out_request_no).cmp(&(
                b.created_at,
                b.kind.as_str(),
                &b.out_request_no,
            ))
        });
        Ok(claimed)
    }

    fn release(&self, kind: Kind, out_request_no: &str) -> Result<()> {
        self.run(RELEASE, |c, s| {
            c.execute(
                s,
                &[
                    &self.merchant(),
                    &out_request_no,
                    &self.holder,
                    &kind.as_str(),
                ],
            )
        })
        .map(drop)
    }

    fn busy(&self) -> Result<usize> {
        self.run(BUSY, |c, s| {
            c.query_one(s, &[&self.merchant(), &self.holder])
        })
        .map(|r| r.get::<_, i64>(0).max(0) as usize)
    }

    fn prune(&self, older_than_secs: i64) -> Result<usize> {
        self.run(PRUNE, |c, s| {
            c.execute(s, &[&self.merchant(), &older_than_secs])
        })
        .map(|n| n as usize)
    }
}
