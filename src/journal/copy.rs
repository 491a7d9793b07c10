//! `wx-recover journal copy`: a host's SQLite journal into the fleet's PostgreSQL journal,
//! pending entries included. A number already in the database is left as it is there, so
//! running the copy twice copies nothing twice.

use std::path::Path;
use std::time::Duration;

use super::postgres::Postgres;
use super::sqlite::Sqlite;
use super::Entry;
use crate::core::error::{Error, Result};
use crate::infra::config::journal::{self, JournalTarget};

/// A SQLite row with every column a copy carries (leases are not carried).
pub(crate) struct Row {
    pub entry: Entry,
    pub body: Vec<u8>,
    pub serial: String,
    pub digest: String,
    pub recover_reason: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// What a copy did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Rows written to the database.
    pub copied: usize,
    /// Rows whose number the database had already (for this merchant).
    pub skipped: usize,
    /// Of the copied rows, those still pending (`IN_DOUBT`, `ACCEPTED`).
    pub pending: usize,
}

/// Copies the SQLite journal `from` into the PostgreSQL journal `to`, keyed by `merchant`, the
/// merchant number of the client that wrote `from` (its configuration's `mchid`).
pub fn copy(from: &str, to: &str, merchant: &str, timeout: Duration) -> Result<CopyReport> {
    crate::protocol::model::check_identifier("merchant", merchant)?;
    let path = match journal::parse(from, None)? {
        JournalTarget::File(p) => p,
        JournalTarget::Postgres(_) => {
            return Err(Error::invalid("from", "must be a SQLite journal file"))
        }
    };
    let target = match journal::parse(to, None)? {
        JournalTarget::Postgres(t) => t,
        JournalTarget::File(_) => return Err(Error::invalid("to", "must be a postgresql:// URL")),
    };
    if !Path::new(&path).is_file() {
        return Err(Error::config(
            "journal",
            format!(
                "{}: no journal file there",
                crate::core::text::redact_journal(&path.display().to_string())
            ),
        ));
    }
    let rows = Sqlite::open_read_only(&path)?.export()?;
    let db = Postgres::open_unscoped(&target, timeout)?;
    let mut report = CopyReport::default();
    for r in &rows {
        if db.import(merchant, r)? {
            report.copied += 1;
            if !r.entry.state.is_final() {
                report.pending += 1;
            }
        } else {
            report.skipped += 1;
        }
    }
    Ok(report)
}
