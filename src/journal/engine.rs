//! The one trait both journal engines implement: SQLite (`sqlite.rs`, one host) and PostgreSQL
//! (`postgres.rs`, a fleet). `mod.rs` holds the journal's logic and speaks only this trait;
//! each engine file holds all of its engine's SQL. Times are Unix seconds on the engine's own
//! clock: the host's for SQLite, the database server's for PostgreSQL, so that leases taken
//! by replicas on different hosts compare on one clock.

use super::{Entry, JournalState, Kind, LastError};
use crate::core::error::Result;

/// A new order, as recorded before its first byte goes out. Never the plaintext ledger id:
/// `body` holds it encrypted and `digest` keyed.
pub(crate) struct NewEntry<'a> {
    pub kind: Kind,
    pub out_request_no: &'a str,
    /// Empty for a punish.
    pub related_webank_punish_no: &'a str,
    /// Empty for a punish.
    pub related_wxpay_punish_no: &'a str,
    pub mchid: &'a str,
    /// `recover_reason` or `punish_reason`.
    pub recover_reason: Option<&'a str>,
    pub body: &'a [u8],
    pub serial: &'a str,
    pub digest: &'a str,
}

/// What a submit finds when it records its order.
pub(crate) enum Recorded {
    /// A new entry, `IN_DOUBT`, leased to this client, its first attempt counted: durably
    /// written before anything is sent.
    New,
    /// The number was already there with the same content: the entry, its stored body and
    /// the serial that body was encrypted for. `leased` says whether this client now holds the
    /// entry (an `IN_DOUBT` entry nobody else held; its attempt is then counted).
    Existing {
        entry: Box<Entry>,
        body: Vec<u8>,
        serial: String,
        leased: bool,
    },
    /// The number was already there with other content.
    Conflict,
}

/// An outcome to write.
pub(crate) struct Settle<'a> {
    pub state: JournalState,
    pub wxpay_recover_no: Option<&'a str>,
    pub request_id: Option<&'a str>,
    /// When a call ended: the attempts it made beyond the one counted before it was sent
    /// (negative when it sent nothing). `None` for outcomes learnt otherwise.
    pub more_attempts: Option<i64>,
    pub error: Option<&'a LastError>,
}

/// Where a `claim` continues: after this entry in (created_at, kind, out_request_no) order.
pub(crate) type Cursor = (i64, String, String);

/// A journal engine. Every method is one transaction; `record`, `settle` and `claim` are one
/// statement each where the engine allows, so replicas racing each other cannot both win.
/// The engine knows this client's lease holder id and, for PostgreSQL, its merchant.
pub(crate) trait Engine: Send + Sync {
    /// Records a new order `IN_DOUBT` and leases it for `lease_secs`, or returns what is there.
    fn record(&self, new: &NewEntry<'_>, lease_secs: i64) -> Result<Recorded>;
    /// Counts an attempt before its bytes go out and renews this client's lease.
    fn begin_attempt(&self, kind: Kind, out_request_no: &str, lease_secs: i64) -> Result<()>;
    /// Moves an entry to an outcome (a final entry never moves) and drops this client's lease.
    fn settle(&self, kind: Kind, out_request_no: &str, s: &Settle<'_>) -> Result<()>;
    fn entry(&self, kind: Kind, out_request_no: &str) -> Result<Option<Entry>>;
    /// The stored request of an entry: its body bytes and the serial they were encrypted for.
    fn request(&self, kind: Kind, out_request_no: &str) -> Result<Option<(Vec<u8>, String)>>;
    /// Entries that are not final, oldest first.
    fn pending(&self, limit: Option<usize>) -> Result<Vec<Entry>>;
    /// Leases up to `limit` pending entries after `after` that no live lease holds, oldest
    /// first. Entries another caller is leasing at this moment are skipped, not waited for.
    fn claim(&self, after: &Cursor, limit: usize, lease_secs: i64) -> Result<Vec<Entry>>;
    /// Drops this client's lease on an entry.
    fn release(&self, kind: Kind, out_request_no: &str) -> Result<()>;
    /// Pending entries that another holder's live lease holds.
    fn busy(&self) -> Result<usize>;
    /// Deletes final entries finished at least `older_than_secs` ago; never a pending one.
    fn prune(&self, older_than_secs: i64) -> Result<usize>;
}

/// The first cursor: before every entry.
pub(crate) fn start() -> Cursor {
    (i64::MIN, String::new(), String::new())
}
