//! The embedded journal engine: one SQLite file (WAL, `synchronous=FULL`) that many threads and
//! several processes on one host may share. All of its SQL is here. Times are the host's.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::engine::{Cursor, Engine, NewEntry, Recorded, Settle};
use super::{Entry, JournalState, Kind, LastError};
use crate::core::clock::unix_now;
use crate::core::error::{Error, ErrorKind, Result};

/// The schema version this library writes; older files are migrated forward on open.
pub(crate) const SCHEMA_VERSION: i64 = 3;

/// What 0.2 (schema 1) wrote in `error_status`: the error kind's display text. Schema 2 stores
/// `ErrorKind::code()`, which is never reworded; migration 2 converts with this table, and a
/// schema-1 file opened read-only is read through it.
const SCHEMA1_ERROR_STATUS: [(&str, ErrorKind); 9] = [
    ("invalid argument", ErrorKind::InvalidArgument),
    ("configuration error", ErrorKind::Config),
    ("network error", ErrorKind::Network),
    ("timeout", ErrorKind::Timeout),
    ("API error", ErrorKind::Api),
    ("unverified response", ErrorKind::Unverified),
    ("rate limited", ErrorKind::RateLimited),
    ("bad response", ErrorKind::BadResponse),
    ("internal error", ErrorKind::Internal),
];

/// Migration 2: `error_status` from display text to stable codes.
fn migration_2() -> String {
    let cases: String = SCHEMA1_ERROR_STATUS
        .iter()
        .map(|(text, kind)| format!(" WHEN '{text}' THEN '{}'", kind.code()))
        .collect();
    format!("UPDATE entries SET error_status = CASE error_status{cases} ELSE 'INTERNAL' END WHERE error_status IS NOT NULL;")
}

/// Migration 3: entries keyed by kind and `out_request_no` (the platform numbers punishes and
/// recovers separately); every older entry is a recover. SQLite cannot change a primary key,
/// so the table is rebuilt in the migration's transaction.
const MIGRATION_3: &str = "CREATE TABLE entries_v3 (
        kind TEXT NOT NULL DEFAULT 'RECOVER',
        out_request_no TEXT NOT NULL,
        related_webank_punish_no TEXT NOT NULL,
        related_wxpay_punish_no TEXT NOT NULL,
        mchid TEXT NOT NULL,
        recover_reason TEXT,
        body BLOB NOT NULL,
        wechatpay_serial TEXT NOT NULL,
        digest TEXT NOT NULL,
        state TEXT NOT NULL,
        wxpay_recover_no TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_attempt_at INTEGER,
        accepted_at INTEGER,
        finished_at INTEGER,
        error_status TEXT,
        error_http_status INTEGER,
        error_code TEXT,
        error_message TEXT,
        request_id TEXT,
        lease_owner TEXT,
        lease_until INTEGER,
        PRIMARY KEY (kind, out_request_no)
    );
    INSERT INTO entries_v3 (kind, out_request_no, related_webank_punish_no,
        related_wxpay_punish_no, mchid, recover_reason, body, wechatpay_serial, digest, state,
        wxpay_recover_no, attempts, created_at, updated_at, last_attempt_at, accepted_at,
        finished_at, error_status, error_http_status, error_code, error_message, request_id,
        lease_owner, lease_until)
      SELECT 'RECOVER', out_request_no, related_webank_punish_no, related_wxpay_punish_no,
        mchid, recover_reason, body, wechatpay_serial, digest, state, wxpay_recover_no,
        attempts, created_at, updated_at, last_attempt_at, accepted_at, finished_at,
        error_status, error_http_status, error_code, error_message, request_id, lease_owner,
        lease_until FROM entries;
    DROP TABLE entries;
    ALTER TABLE entries_v3 RENAME TO entries;
    CREATE INDEX entries_pending ON entries (state, created_at);";

/// The error kind stored in `error_status`, whichever schema wrote it.
fn stored_kind(s: &str) -> ErrorKind {
    ErrorKind::from_code(s)
        .or_else(|| {
            SCHEMA1_ERROR_STATUS
                .iter()
                .find(|(text, _)| *text == s)
                .map(|(_, k)| *k)
        })
        .unwrap_or(ErrorKind::Internal)
}
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Version 1 (0.2's schema). Version 2 is `migration_2`.
const SCHEMA_1: &str = "CREATE TABLE entries (
        out_request_no TEXT PRIMARY KEY,
        related_webank_punish_no TEXT NOT NULL,
        related_wxpay_punish_no TEXT NOT NULL,
        mchid TEXT NOT NULL,
        recover_reason TEXT,
        body BLOB NOT NULL,
        wechatpay_serial TEXT NOT NULL,
        digest TEXT NOT NULL,
        state TEXT NOT NULL,
        wxpay_recover_no TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_attempt_at INTEGER,
        accepted_at INTEGER,
        finished_at INTEGER,
        error_status TEXT,
        error_http_status INTEGER,
        error_code TEXT,
        error_message TEXT,
        request_id TEXT,
        lease_owner TEXT,
        lease_until INTEGER
    );
    CREATE INDEX entries_pending ON entries (state, created_at);";

pub(crate) struct Sqlite {
    conn: Mutex<Connection>,
    /// This client's lease holder id.
    holder: String,
    /// The entry columns to read: a file opened read-only below schema 3 has no `kind`.
    columns: &'static str,
}

/// A new journal file is created owner-only (0600), whatever the umask: it holds merchant and
/// order numbers, encrypted ledger ids and keyed digests. SQLite gives its `-wal` and `-shm`
/// companions the database file's mode. An existing file keeps its mode (`wide_mode` says when
/// that lets others read it).
fn create_owner_only(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::config("journal", format!("{}: {e}", path.display()))),
    }
}

/// The file's permission bits when group or others may read or write it.
pub(crate) fn wide_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o066 != 0).then_some(mode)
}

fn db_error(e: rusqlite::Error) -> Error {
    Error::new(
        ErrorKind::Internal,
        format!("journal: {}", crate::core::text::clean(&e.to_string(), 200)),
    )
}

impl Sqlite {
    pub fn open(path: &Path, holder: String) -> Result<Sqlite> {
        create_owner_only(path)?;
        let conn = Connection::open(path)
            .map_err(|e| Error::config("journal", format!("{}: {e}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db_error)?;
        // Switching a new file to WAL needs it alone for a moment, and SQLite answers "locked"
        // at once, without its busy handler, while another process is opening the same new
        // journal: wait for it as the busy timeout would.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Ok(()) => break,
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if matches!(
                        f.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => {
                    return Err(Error::config(
                        "journal",
                        format!("cannot use WAL mode: {e}"),
                    ))
                }
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db_error)?;
        let store = Sqlite {
            conn: Mutex::new(conn),
            holder,
            columns: ENTRY_COLUMNS,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing journal read-only (no migration, no writes), for listing it without
    /// a client. A newer schema than this library's is refused.
    pub fn open_read_only(path: &Path) -> Result<Sqlite> {
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::config("journal", format!("{}: {e}", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db_error)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| Error::config("journal", format!("{}: {e}", path.display())))?;
        if version == 0 || version > SCHEMA_VERSION {
            return Err(Error::config(
                "journal",
                format!(
                    "{}: schema version {version}; this library reads 1 to {SCHEMA_VERSION}",
                    path.display()
                ),
            ));
        }
        Ok(Sqlite {
            conn: Mutex::new(conn),
            holder: String::new(),
            columns: if version < 3 {
                ENTRY_COLUMNS_BEFORE_3
            } else {
                ENTRY_COLUMNS
            },
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A connection is left consistent by SQLite even if a holder panicked.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn migrate(&self) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db_error)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db_error)?;
        if version > SCHEMA_VERSION {
            return Err(Error::config(
                "journal",
                format!("schema version {version} is newer than this library's ({SCHEMA_VERSION}); upgrade wx-recover"),
            ));
        }
        let migrations: [String; SCHEMA_VERSION as usize] =
            [SCHEMA_1.to_string(), migration_2(), MIGRATION_3.to_string()];
        for (i, sql) in migrations.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql).map_err(db_error)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)
    }

    /// Every row with every column, for `journal copy`.
    pub fn export(&self) -> Result<Vec<super::copy::Row>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {}, body, wechatpay_serial, digest, recover_reason,
                 last_attempt_at, accepted_at, finished_at FROM entries
                 ORDER BY created_at, out_request_no",
                self.columns
            ))
            .map_err(db_error)?;
        let rows = stmt
            .query_map([], |r| {
                let n = ENTRY_COLUMN_COUNT;
                Ok(super::copy::Row {
                    entry: entry_of(r)?,
                    body: r.get(n)?,
                    serial: r.get(n + 1)?,
                    digest: r.get(n + 2)?,
                    recover_reason: r.get(n + 3)?,
                    last_attempt_at: r.get(n + 4)?,
                    accepted_at: r.get(n + 5)?,
                    finished_at: r.get(n + 6)?,
                })
            })
            .map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }
}

const FINAL: &str = "('SUCCEEDED', 'FAILED', 'REFUSED', 'EXPIRED')";

/// Whether a lease holder id (`HOST/START/PID-RANDOM`, `crypto::holder_id`) names a process of
/// this host that no longer exists.
fn holder_is_dead_here(holder: &str, host: &str) -> bool {
    let mut parts = holder.splitn(3, '/');
    let (Some(h), Some(_start), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Some(pid) = rest
        .split('-')
        .next()
        .and_then(|p| p.parse::<libc::pid_t>().ok())
    else {
        return false;
    };
    if h != host || pid <= 0 || pid == std::process::id() as libc::pid_t {
        return false;
    }
    // SAFETY: signal 0 only asks whether the process exists; nothing is delivered.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Every journal on one host is shared by processes of that host only: a live lease whose
/// holder process is gone is dropped at once, instead of waiting for it to lapse. (The fleet
/// engine cannot see other hosts' processes; its leases lapse.)
fn drop_dead_holders(tx: &rusqlite::Transaction<'_>, me: &str, now: i64) -> Result<()> {
    let host = me.split('/').next().unwrap_or_default();
    let holders: Vec<String> = {
        let mut stmt = tx
            .prepare(
                "SELECT DISTINCT lease_owner FROM entries WHERE state IN ('IN_DOUBT', 'ACCEPTED')
                 AND lease_until >= ?1 AND lease_owner IS NOT ?2",
            )
            .map_err(db_error)?;
        let rows = stmt
            .query_map(params![now, me], |r| r.get::<_, String>(0))
            .map_err(db_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db_error)?
    };
    for h in holders.iter().filter(|h| holder_is_dead_here(h, host)) {
        tx.execute(
            "UPDATE entries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?1",
            [h],
        )
        .map_err(db_error)?;
    }
    Ok(())
}

impl Engine for Sqlite {
    /// One IMMEDIATE transaction (SQLite's write lock), so two processes submitting the same
    /// number cannot both record it, nor both lease it.
    fn record(&self, new: &NewEntry<'_>, lease_secs: i64) -> Result<Recorded> {
        let now = unix_now();
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db_error)?;
        let inserted = tx
            .execute(
                "INSERT OR IGNORE INTO entries (out_request_no, related_webank_punish_no,
                 related_wxpay_punish_no, mchid, recover_reason, body, wechatpay_serial, digest,
                 state, created_at, updated_at, last_attempt_at, attempts, lease_owner, lease_until,
                 kind)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,'IN_DOUBT',?9,?9,?9,1,?10,?11,?12)",
                params![
                    new.out_request_no,
                    new.related_webank_punish_no,
                    new.related_wxpay_punish_no,
                    new.mchid,
                    new.recover_reason,
                    new.body,
                    new.serial,
                    new.digest,
                    now,
                    self.holder,
                    now + lease_secs,
                    new.kind.as_str()
                ],
            )
            .map_err(db_error)?;
        if inserted == 1 {
            tx.commit().map_err(db_error)?;
            return Ok(Recorded::New);
        }
        let (entry, body, serial, stored_digest) = tx
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS}, body, wechatpay_serial, digest FROM entries WHERE out_request_no = ?1 AND kind = ?2"),
                [new.out_request_no, new.kind.as_str()],
                |r| Ok((entry_of(r)?, r.get(ENTRY_COLUMN_COUNT)?, r.get(ENTRY_COLUMN_COUNT + 1)?, r.get::<_, String>(ENTRY_COLUMN_COUNT + 2)?)),
            )
            .map_err(db_error)?;
        if stored_digest != new.digest {
            return Ok(Recorded::Conflict);
        }
        drop_dead_holders(&tx, &self.holder, now)?;
        let leased = tx
            .execute(
                "UPDATE entries SET lease_owner = ?2, lease_until = ?3 + ?4,
                   attempts = attempts + 1, last_attempt_at = ?3, updated_at = ?3
                 WHERE out_request_no = ?1 AND kind = ?5 AND state = 'IN_DOUBT'
                   AND (lease_until IS NULL OR lease_until < ?3 OR lease_owner = ?2)",
                params![
                    new.out_request_no,
                    self.holder,
                    now,
                    lease_secs,
                    new.kind.as_str()
                ],
            )
            .map_err(db_error)?
            == 1;
        tx.commit().map_err(db_error)?;
        Ok(Recorded::Existing {
            entry: Box::new(entry),
            body,
            serial,
            leased,
        })
    }

    fn begin_attempt(&self, kind: Kind, out_request_no: &str, lease_secs: i64) -> Result<()> {
        let now = unix_now();
        self.conn()
            .execute(
                "UPDATE entries SET attempts = attempts + 1, last_attempt_at = ?2, updated_at = ?2,
                   lease_owner = ?3, lease_until = ?2 + ?4
                 WHERE out_request_no = ?1 AND kind = ?5 AND state IN ('IN_DOUBT', 'ACCEPTED')",
                params![out_request_no, now, self.holder, lease_secs, kind.as_str()],
            )
            .map_err(db_error)?;
        Ok(())
    }

    fn settle(&self, kind: Kind, out_request_no: &str, s: &Settle<'_>) -> Result<()> {
        let now = unix_now();
        let accepted = matches!(s.state, JournalState::Accepted).then_some(now);
        let finished = s.state.is_final().then_some(now);
        let conn = self.conn();
        // An outcome is written without its own fsync: it becomes durable with the next commit
        // or checkpoint, and if a crash loses it the entry is still IN_DOUBT on disk, which
        // reconcile settles by re-entry (the same answer). Only the record before sending must
        // be on disk before anything goes out, so a submit costs one fsync of its own.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_error)?;
        let written = conn
            .execute(
                &format!(
                    "UPDATE entries SET
                   state = ?2,
                   wxpay_recover_no = COALESCE(?3, wxpay_recover_no),
                   request_id = COALESCE(?4, request_id),
                   attempts = MAX(0, attempts + COALESCE(?5, 0)),
                   error_status = ?6, error_http_status = ?7, error_code = ?8, error_message = ?9,
                   accepted_at = COALESCE(accepted_at, ?10),
                   finished_at = COALESCE(finished_at, ?11),
                   last_attempt_at = CASE WHEN ?5 IS NOT NULL THEN ?12 ELSE last_attempt_at END,
                   updated_at = ?12,
                   lease_until = CASE WHEN lease_owner = ?13 THEN NULL ELSE lease_until END,
                   lease_owner = CASE WHEN lease_owner = ?13 THEN NULL ELSE lease_owner END
                 WHERE out_request_no = ?1 AND kind = ?14 AND state NOT IN {FINAL}"
                ),
                params![
                    out_request_no,
                    s.state.as_str(),
                    s.wxpay_recover_no,
                    s.request_id,
                    s.more_attempts,
                    s.error.map(|e| e.status.code()),
                    s.error.map(|e| e.http_status),
                    s.error.and_then(|e| e.code.as_deref()),
                    s.error.map(|e| e.message.as_str()),
                    accepted,
                    finished,
                    now,
                    self.holder,
                    kind.as_str()
                ],
            )
            .map_err(db_error);
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db_error)?;
        written?;
        Ok(())
    }

    fn entry(&self, kind: Kind, out_request_no: &str) -> Result<Option<Entry>> {
        self.conn()
            .query_row(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM entries WHERE out_request_no = ?1 AND kind = ?2"
                ),
                [out_request_no, kind.as_str()],
                entry_of,
            )
            .optional()
            .map_err(db_error)
    }

    fn request(&self, kind: Kind, out_request_no: &str) -> Result<Option<(Vec<u8>, String)>> {
        self.conn()
            .query_row(
                "SELECT body, wechatpay_serial FROM entries WHERE out_request_no = ?1 AND kind = ?2",
                [out_request_no, kind.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_error)
    }

    fn pending(&self, limit: Option<usize>) -> Result<Vec<Entry>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM entries WHERE state IN ('IN_DOUBT', 'ACCEPTED')
                 ORDER BY created_at, out_request_no LIMIT ?1",
                self.columns
            ))
            .map_err(db_error)?;
        let limit = limit.map_or(-1, |n| n.min(i64::MAX as usize) as i64);
        let rows = stmt.query_map([limit], entry_of).map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
    }

    /// Selects and leases in one IMMEDIATE transaction: no other process can lease the same
    /// entries in between.
    fn claim(&self, after: &Cursor, limit: usize, lease_secs: i64) -> Result<Vec<Entry>> {
        let now = unix_now();
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db_error)?;
        drop_dead_holders(&tx, &self.holder, now)?;
        let claimed = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM entries WHERE state IN ('IN_DOUBT', 'ACCEPTED')
                     AND (lease_until IS NULL OR lease_until < ?3 OR lease_owner = ?4)
                     AND (created_at, kind, out_request_no) > (?1, ?6, ?2)
                     ORDER BY created_at, kind, out_request_no LIMIT ?5"
                ))
                .map_err(db_error)?;
            let limit = limit.min(i64::MAX as usize) as i64;
            let rows = stmt
                .query_map(
                    params![after.0, after.2, now, self.holder, limit, after.1],
                    entry_of,
                )
                .map_err(db_error)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_error)?
        };
        for e in &claimed {
            tx.execute(
                "UPDATE entries SET lease_owner = ?2, lease_until = ?3
                 WHERE out_request_no = ?1 AND kind = ?4",
                params![
                    e.out_request_no,
                    self.holder,
                    now + lease_secs,
                    e.kind.as_str()
                ],
            )
            .map_err(db_error)?;
        }
        tx.commit().map_err(db_error)?;
        Ok(claimed)
    }

    fn release(&self, kind: Kind, out_request_no: &str) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE entries SET lease_owner = NULL, lease_until = NULL
                 WHERE out_request_no = ?1 AND lease_owner = ?2 AND kind = ?3",
                params![out_request_no, self.holder, kind.as_str()],
            )
            .map_err(db_error)?;
        Ok(())
    }

    fn busy(&self) -> Result<usize> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM entries WHERE state IN ('IN_DOUBT', 'ACCEPTED')
                 AND lease_until >= ?1 AND lease_owner IS NOT ?2",
                params![unix_now(), self.holder],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(db_error)
    }

    fn prune(&self, older_than_secs: i64) -> Result<usize> {
        self.conn()
            .execute(
                &format!(
                    "DELETE FROM entries WHERE state IN {FINAL}
                 AND COALESCE(finished_at, updated_at) <= ?1"
                ),
                [unix_now() - older_than_secs],
            )
            .map_err(db_error)
    }
}

const ENTRY_COLUMNS: &str = "out_request_no, related_webank_punish_no, related_wxpay_punish_no,
    mchid, state, wxpay_recover_no, attempts, error_status, error_http_status, error_code,
    error_message, request_id, created_at, updated_at, kind";
/// What a file below schema 3 (read-only, unmigrated) is read with: every entry a recover.
const ENTRY_COLUMNS_BEFORE_3: &str = "out_request_no, related_webank_punish_no,
    related_wxpay_punish_no, mchid, state, wxpay_recover_no, attempts, error_status,
    error_http_status, error_code, error_message, request_id, created_at, updated_at,
    'RECOVER' AS kind";
const ENTRY_COLUMN_COUNT: usize = 15;

fn entry_of(r: &Row<'_>) -> rusqlite::Result<Entry> {
    let state: String = r.get(4)?;
    let error_status: Option<String> = r.get(7)?;
    let last_error = error_status.map(|s| LastError {
        status: stored_kind(&s),
        http_status: r.get::<_, Option<u16>>(8).ok().flatten().unwrap_or(0),
        code: r.get(9).ok().flatten(),
        message: r
            .get::<_, Option<String>>(10)
            .ok()
            .flatten()
            .unwrap_or_default(),
    });
    Ok(Entry {
        out_request_no: r.get(0)?,
        related_webank_punish_no: r.get(1)?,
        related_wxpay_punish_no: r.get(2)?,
        mchid: r.get(3)?,
        state: JournalState::parse(&state).unwrap_or(JournalState::InDoubt),
        wxpay_recover_no: r.get(5)?,
        attempts: r.get(6)?,
        last_error,
        request_id: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        kind: Kind::parse(&r.get::<_, String>(14)?).unwrap_or(Kind::Recover),
    })
}

#[cfg(test)]
mod tests {
    use super::holder_is_dead_here;

    #[test]
    fn a_holder_is_dead_only_when_its_process_of_this_host_is_gone() {
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = child.id();
        child.wait().expect("wait");
        let gone = format!("h1/1700000000/{pid}-abcdef");
        assert!(holder_is_dead_here(&gone, "h1"));
        assert!(
            !holder_is_dead_here(&gone, "h2"),
            "another host's process is never judged"
        );
        let parent = format!(
            "h1/1700000000/{}-abcdef",
            std::os::unix::process::parent_id()
        );
        assert!(!holder_is_dead_here(&parent, "h1"), "a live process");
        assert!(!holder_is_dead_here("garbage", "h1"));
        assert!(!holder_is_dead_here("h1/x/notapid-1", "h1"));
    }
}
