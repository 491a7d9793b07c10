//! Layer 5, the durable operation. The journal: an outbox that makes a recover survive the process that sent it. A submit is
//! recorded durably before its first byte goes out; re-entry re-sends the stored bytes; the
//! outcome is recorded from the answer, a query or a notification; `reconcile` settles what a
//! dead process left in doubt. Same number with other content is an error, and the first
//! outcome is kept. `docs/journal.md` describes the states and the file.

pub(crate) mod copy;
mod engine;
mod postgres;
mod sqlite;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use openssl::hash::{hash, MessageDigest};
use openssl::pkey::PKey;
use openssl::sign::Signer;

use crate::api::{self, call::Api};
use crate::core::clock::unix_now;
use crate::core::error::{Error, ErrorKind, Result};
use crate::infra::config::journal::JournalTarget;
use crate::infra::log::{Level, Logger};
use crate::protocol::model::{Accepted, RecoverOrder, RecoverRequest, RecoverState};
use crate::protocol::punish::{PunishAccepted, PunishOrder, PunishRequest, PunishState};
use engine::{Engine, NewEntry, Recorded, Settle};
use postgres::Postgres;
use sqlite::Sqlite;

/// Re-entry and query stay possible for one year after a recover; past that an unsettled
/// entry needs a person.
pub const EXPIRY_SECS: i64 = 365 * 86_400;

/// Where a journaled order stands. The names are part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JournalState {
    /// Recorded; it may have reached the platform; the outcome is unknown.
    InDoubt,
    /// A verified acceptance: `wxpay_recover_no` is known, the final result is not.
    Accepted,
    /// The final `recover_state` was `SUCCESS`.
    Succeeded,
    /// The final `recover_state` was `FAILED`.
    Failed,
    /// A definitive platform refusal (a non-retryable 4xx), with its code and message.
    Refused,
    /// Still unsettled past the one-year re-entry and query window: never re-sent.
    Expired,
}

impl JournalState {
    pub const ALL: [JournalState; 6] = [
        JournalState::InDoubt,
        JournalState::Accepted,
        JournalState::Succeeded,
        JournalState::Failed,
        JournalState::Refused,
        JournalState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JournalState::InDoubt => "IN_DOUBT",
            JournalState::Accepted => "ACCEPTED",
            JournalState::Succeeded => "SUCCEEDED",
            JournalState::Failed => "FAILED",
            JournalState::Refused => "REFUSED",
            JournalState::Expired => "EXPIRED",
        }
    }

    pub fn parse(s: &str) -> Option<JournalState> {
        JournalState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Final states are never re-sent, re-queried or changed.
    pub fn is_final(self) -> bool {
        !matches!(self, JournalState::InDoubt | JournalState::Accepted)
    }
}

/// What a journal entry is: the platform numbers punishes and recovers separately, so an
/// entry is keyed by its kind and `out_request_no`. The names are part of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// 解管: a recover.
    Recover,
    /// 管控: a punish.
    Punish,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Recover => "RECOVER",
            Kind::Punish => "PUNISH",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Recover, Kind::Punish]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The last error a journaled order met, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastError {
    pub status: ErrorKind,
    pub http_status: u16,
    pub code: Option<String>,
    pub message: String,
}

impl LastError {
    fn of(e: &Error) -> LastError {
        LastError {
            status: e.kind,
            http_status: e.http_status,
            code: e.code.clone(),
            message: e.message.clone(),
        }
    }
}

/// One journaled order. Never holds the plaintext `bal_account_no`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub out_request_no: String,
    /// Empty for a punish.
    pub related_webank_punish_no: String,
    /// Empty for a punish.
    pub related_wxpay_punish_no: String,
    pub mchid: String,
    pub state: JournalState,
    /// The platform's number for the order: `wxpay_recover_no` for a recover,
    /// `wxpay_punish_no` for a punish (see `platform_no`).
    pub wxpay_recover_no: Option<String>,
    /// HTTP attempts made for this order, by every process.
    pub attempts: u32,
    pub last_error: Option<LastError>,
    pub request_id: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
}

impl Entry {
    /// The platform's number for either kind (`wxpay_recover_no`, `wxpay_punish_no`).
    pub fn platform_no(&self) -> Option<&str> {
        self.wxpay_recover_no.as_deref()
    }
}

/// What a journaled send came to.
struct Sent {
    platform_no: String,
    request_id: Option<String>,
    attempts: u32,
}

/// What `reconcile` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    /// The state each worked entry ended in, counted.
    pub counts: BTreeMap<JournalState, usize>,
    /// Entries still pending afterwards (worked or not), oldest first.
    pub pending: Vec<Entry>,
    /// Entries skipped because another caller held their lease.
    pub busy: usize,
}

/// Limits for one `reconcile` run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReconcileOptions {
    /// Work at most this many entries; `None`: all pending.
    pub max_orders: Option<usize>,
    /// Stop starting new entries after this long; `None`: no limit beyond each call's own.
    pub deadline: Option<Duration>,
}

pub(crate) struct Journal {
    store: Box<dyn Engine>,
    /// HMAC key for request digests, derived from the merchant private key.
    digest_key: [u8; 32],
    /// Said once, at the first use with a logger: the file is readable by others.
    mode_warning: std::sync::Mutex<Option<String>>,
}

impl Drop for Journal {
    fn drop(&mut self) {
        crate::infra::crypto::wipe(&mut self.digest_key);
    }
}

impl Journal {
    /// Opens the journal `target` names for a client of `merchant`. A PostgreSQL journal is
    /// reached, and its schema brought up to date, here.
    pub fn open(
        target: &JournalTarget,
        merchant: &str,
        merchant_key: &PKey<openssl::pkey::Private>,
        timeout: Duration,
        pool_size: usize,
    ) -> Result<Journal> {
        let der = merchant_key
            .private_key_to_pkcs8()
            .map_err(|_| Error::internal("journal: merchant key cannot be encoded"))?;
        let mut seed = b"wx-recover journal digest v1\0".to_vec();
        seed.extend_from_slice(&der);
        let digest = hash(MessageDigest::sha256(), &seed)
            .map_err(|_| Error::internal("journal: SHA-256 unavailable"))?;
        crate::infra::crypto::wipe(&mut seed);
        let mut digest_key = [0u8; 32];
        digest_key.copy_from_slice(&digest);
        let holder = crate::infra::crypto::holder_id()?;
        let (store, mode_warning): (Box<dyn Engine>, _) = match target {
            JournalTarget::File(path) => {
                let warning = sqlite::wide_mode(path).map(|mode| {
                    format!(
                        "journal {}: mode {mode:04o} lets other local users read it (merchant and order numbers, encrypted ledger ids); chmod 600 it and its -wal and -shm files (docs/journal.md)",
                        target.shown()
                    )
                });
                (Box::new(Sqlite::open(path, holder)?), warning)
            }
            JournalTarget::Postgres(t) => (
                Box::new(Postgres::open(t, merchant, holder, timeout, pool_size)?),
                None,
            ),
        };
        Ok(Journal {
            store,
            digest_key,
            mode_warning: std::sync::Mutex::new(mode_warning),
        })
    }

    /// Logs, once, that the journal file is readable by group or others.
    pub(crate) fn warn_mode_once(&self, log: &Logger) {
        let warning = self
            .mode_warning
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(w) = warning {
            log.log(Level::Warn, || w);
        }
    }

    /// HMAC-SHA256 over the plaintext request, so the same content is recognised without the
    /// file alone revealing a 16–19 digit ledger id to a brute-force search.
    /// The keyed digest of a punish's plaintext content (kind-tagged, so it never equals a
    /// recover's).
    fn punish_digest(&self, r: &PunishRequest) -> Result<String> {
        let canonical = serde_json::to_vec(&serde_json::json!([
            "PUNISH",
            r.out_request_no,
            r.mchid,
            r.bal_account_no,
            r.punish_scene,
            r.punish_reason,
            r.punish_end_time,
            r.card_no,
            r.sgn_no,
            r.req_scene,
            r.fund_repatriation_strategy
        ]))
        .map_err(|e| Error::internal(format!("journal digest: {e}")))?;
        self.mac(&canonical)
    }

    fn digest(&self, r: &RecoverRequest) -> Result<String> {
        let mut fields = serde_json::json!([
            r.out_request_no,
            r.related_webank_punish_no,
            r.related_wxpay_punish_no,
            r.mchid,
            r.bal_account_no,
            r.recover_reason
        ]);
        // The optional fields count only when given, so an entry written before they existed
        // keeps its digest.
        if r.has_extensions() {
            if let Some(a) = fields.as_array_mut() {
                a.extend([&r.card_no, &r.sgn_no, &r.req_scene].map(|v| serde_json::json!(v)));
            }
        }
        let canonical = serde_json::to_vec(&fields)
            .map_err(|e| Error::internal(format!("journal digest: {e}")))?;
        self.mac(&canonical)
    }

    /// HMAC-SHA256 under the digest key, in hex.
    fn mac(&self, canonical: &[u8]) -> Result<String> {
        let key = PKey::hmac(&self.digest_key).map_err(|_| Error::internal("journal: HMAC"))?;
        let mut signer = Signer::new(MessageDigest::sha256(), &key)
            .map_err(|_| Error::internal("journal: HMAC"))?;
        let mac = signer
            .sign_oneshot_to_vec(canonical)
            .map_err(|_| Error::internal("journal: HMAC"))?;
        Ok(mac.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl Journal {
    /// How long a lease holds: the call deadline plus a margin. A holder that dies leaves its
    /// entries to others after this long.
    fn lease_secs(api: Api<'_>) -> i64 {
        let c = &api.exec.config;
        (c.deadline() + c.journal_lease_margin())
            .as_millis()
            .div_ceil(1000) as i64
    }

    /// Submit with a journal: record, then send; or re-enter; or return the first outcome.
    /// The order is recorded durably, and leased to this client, before the first byte goes
    /// out. An entry in doubt that another client holds is waited for (up to the call
    /// deadline): that client's answer is then this one's.
    pub(crate) fn submit(&self, api: Api<'_>, request: &RecoverRequest) -> Result<Accepted> {
        let digest = self.digest(request)?;
        let (serial, body) = api::recover::body(api, request)?;
        let new = NewEntry {
            kind: Kind::Recover,
            out_request_no: &request.out_request_no,
            related_webank_punish_no: &request.related_webank_punish_no,
            related_wxpay_punish_no: &request.related_wxpay_punish_no,
            mchid: &request.mchid,
            recover_reason: request.recover_reason.as_deref(),
            body: &body,
            serial: &serial,
            digest: &digest,
        };
        self.record_and_send(api, &new).map(|s| Accepted {
            wxpay_recover_no: s.platform_no,
            out_request_no: request.out_request_no.clone(),
            request_id: s.request_id,
            attempts: s.attempts,
        })
    }

    /// A punish with the journal, with every guarantee of the recover's `submit`.
    pub(crate) fn submit_punish(
        &self,
        api: Api<'_>,
        request: &PunishRequest,
    ) -> Result<PunishAccepted> {
        let digest = self.punish_digest(request)?;
        let (serial, body) = api::punish::body(api, request)?;
        let new = NewEntry {
            kind: Kind::Punish,
            out_request_no: &request.out_request_no,
            related_webank_punish_no: "",
            related_wxpay_punish_no: "",
            mchid: &request.mchid,
            recover_reason: request.punish_reason.as_deref(),
            body: &body,
            serial: &serial,
            digest: &digest,
        };
        self.record_and_send(api, &new).map(|s| PunishAccepted {
            wxpay_punish_no: s.platform_no,
            out_request_no: request.out_request_no.clone(),
            request_id: s.request_id,
            attempts: s.attempts,
        })
    }

    fn record_and_send(&self, api: Api<'_>, new: &NewEntry<'_>) -> Result<Sent> {
        let j = self;
        let (kind, no) = (new.kind, new.out_request_no);
        let started = Instant::now();
        let mut pause = Duration::from_millis(50);
        loop {
            match j.store.record(new, Self::lease_secs(api))? {
                Recorded::New => return self.resend(api, kind, no, new.body, new.serial, true),
                Recorded::Conflict => {
                    return Err(Error::invalid(
                        "out_request_no",
                        "is already in the journal with different content (another related number, merchant, ledger, card, scene or reason); nothing sent",
                    ))
                }
                Recorded::Existing {
                    entry,
                    body: stored_body,
                    serial: stored_serial,
                    leased,
                } => {
                    if let Some(outcome) = first_outcome(&entry) {
                        return outcome;
                    }
                    if leased {
                        // In doubt: re-entry with the stored bytes (same ciphertext), newly signed.
                        return self.resend(api, kind, no, &stored_body, &stored_serial, true);
                    }
                }
            }
            // Another client holds the entry in flight.
            let left = api.exec.config.deadline().saturating_sub(started.elapsed());
            if left.is_zero() {
                let mut e = Error::new(
                    ErrorKind::Timeout,
                    format!("{no}: in flight at another client of the journal for the whole deadline; its outcome is unknown here. Submit it again, or reconcile"),
                );
                e.retry_safe = true;
                return Err(e);
            }
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    /// Sends a journaled body and records what came of it. The first attempt is counted before
    /// its bytes go out: by the record itself (`counted`), else here.
    fn resend(
        &self,
        api: Api<'_>,
        kind: Kind,
        no: &str,
        body: &[u8],
        serial: &str,
        counted: bool,
    ) -> Result<Sent> {
        // Two writes per new submit: the record before sending (which also stamps the attempt
        // and takes the lease) and the outcome after it (which drops the lease).
        let j = self;
        if !counted {
            j.store.begin_attempt(kind, no, Self::lease_secs(api))?;
        }
        let outcome = match kind {
            Kind::Recover => api::recover::send(api, no, body, serial).map(|a| Sent {
                platform_no: a.wxpay_recover_no,
                request_id: a.request_id,
                attempts: a.attempts,
            }),
            Kind::Punish => api::punish::send(api, no, body, serial).map(|a| Sent {
                platform_no: a.wxpay_punish_no,
                request_id: a.request_id,
                attempts: a.attempts,
            }),
        };
        let (state, err) = match &outcome {
            Ok(_) => (JournalState::Accepted, None),
            // The classifier says what is refused for good (retry.rs and the breaker read
            // the same verdict).
            Err(e) if e.verdict().refused => (JournalState::Refused, Some(LastError::of(e))),
            Err(e) => (JournalState::InDoubt, Some(LastError::of(e))),
        };
        let (platform_no, request_id, attempts) = match &outcome {
            Ok(a) => (
                Some(a.platform_no.as_str()),
                a.request_id.as_deref(),
                a.attempts,
            ),
            Err(e) => (None, e.request_id.as_deref(), e.attempts),
        };
        let settled = Settle {
            state,
            wxpay_recover_no: platform_no,
            request_id,
            more_attempts: Some(i64::from(attempts) - 1),
            error: err.as_ref(),
        };
        if let Err(je) = j.store.settle(kind, no, &settled) {
            // The entry stays IN_DOUBT; reconcile re-enters it once the lease lapses, which is safe.
            api.exec.logger.log(Level::Error, || {
                format!(
                    "journal: recording {} for {} {no} failed: {je}",
                    state.as_str(),
                    kind.as_str()
                )
            });
        }
        outcome
    }

    /// Records a query's final state (or that the platform has the order).
    pub(crate) fn record_query(&self, log: &Logger, order: &RecoverOrder) {
        self.record_outcome(
            log,
            Kind::Recover,
            order.field("out_request_no").unwrap_or_default(),
            recover_outcome(order.state),
            order.field("wxpay_recover_no"),
            order.request_id.as_deref(),
        );
    }

    /// Records a PUNISH query's final state (or that the platform has the order).
    pub(crate) fn record_punish_query(&self, log: &Logger, order: &PunishOrder) {
        self.record_outcome(
            log,
            Kind::Punish,
            order.field("out_request_no").unwrap_or_default(),
            punish_outcome(order.punish_state),
            order.field("wxpay_punish_no"),
            order.request_id.as_deref(),
        );
    }

    /// Records the final state a verified notification names.
    pub(crate) fn record_notification(&self, log: &Logger, resource: &serde_json::Value) {
        let text = |k: &str| resource.get(k).and_then(serde_json::Value::as_str);
        if let (Some(no), Some(state)) = (text("out_request_no"), text("recover_state")) {
            self.record_outcome(
                log,
                Kind::Recover,
                no,
                recover_outcome(RecoverState::parse(state)),
                text("wxpay_recover_no"),
                None,
            );
        } else if let (Some(no), Some(state)) = (text("out_request_no"), text("punish_state")) {
            self.record_outcome(
                log,
                Kind::Punish,
                no,
                punish_outcome(PunishState::parse(state)),
                text("wxpay_punish_no"),
                None,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record_outcome(
        &self,
        log: &Logger,
        kind: Kind,
        no: &str,
        to: Option<JournalState>,
        wxpay_no: Option<&str>,
        request_id: Option<&str>,
    ) {
        let j = self;
        let Some(to) = to else { return };
        let result = j.store.entry(kind, no).and_then(|e| match e {
            // ACCEPTED does not move back from a final state, nor is a final one rewritten.
            Some(e) if !(e.state.is_final() || to == JournalState::Accepted && e.state == to) => {
                j.store.settle(
                    kind,
                    no,
                    &Settle {
                        state: to,
                        wxpay_recover_no: wxpay_no,
                        request_id,
                        more_attempts: None,
                        error: None,
                    },
                )
            }
            _ => Ok(()),
        });
        if let Err(e) = result {
            log.log(Level::Error, || {
                format!("journal: recording the outcome of {no}: {e}")
            });
        }
    }

    /// Every entry that is not final (`IN_DOUBT`, `ACCEPTED`), oldest first.
    pub(crate) fn pending(&self) -> Result<Vec<Entry>> {
        self.store.pending(None)
    }

    /// One journal entry of `kind`, or `None`.
    pub(crate) fn entry(&self, kind: Kind, out_request_no: &str) -> Result<Option<Entry>> {
        crate::protocol::model::check_identifier("out_request_no", out_request_no)?;
        self.store.entry(kind, out_request_no)
    }

    /// Deletes final entries that finished more than `older_than_days` ago; never a pending
    /// one. Returns how many were deleted.
    pub(crate) fn prune(&self, older_than_days: u32) -> Result<usize> {
        self.store.prune(i64::from(older_than_days) * 86_400)
    }

    /// Settles what is pending: each `IN_DOUBT` is re-entered, each `ACCEPTED` is queried.
    /// Safe from several processes and hosts at once: entries are claimed in batches under a
    /// lease (`Engine::claim`), so no two clients work one entry at once, and a dead holder's
    /// lease lapses after one call deadline plus `journal_lease_margin_ms` (30 s).
    pub(crate) fn reconcile(
        &self,
        api: Api<'_>,
        opts: ReconcileOptions,
    ) -> Result<ReconcileReport> {
        let j = self;
        let started = Instant::now();
        let mut report = ReconcileReport::default();
        let mut cursor = engine::start();
        let mut worked = 0usize;
        'batches: loop {
            let room = opts
                .max_orders
                .map_or(CLAIM_BATCH, |m| m.saturating_sub(worked).min(CLAIM_BATCH));
            if room == 0 {
                break;
            }
            let batch = j.store.claim(&cursor, room, Self::lease_secs(api))?;
            if batch.is_empty() {
                break;
            }
            let mut claimed = batch.iter();
            while let Some(entry) = claimed.next() {
                if opts.deadline.is_some_and(|d| started.elapsed() >= d) {
                    // Hand back what this run claimed and will not work.
                    for e in std::iter::once(entry).chain(claimed) {
                        j.store.release(e.kind, &e.out_request_no)?;
                    }
                    break 'batches;
                }
                cursor = (
                    entry.created_at,
                    entry.kind.as_str().to_string(),
                    entry.out_request_no.clone(),
                );
                let state = self.reconcile_one(api, entry);
                j.store.release(entry.kind, &entry.out_request_no)?;
                *report.counts.entry(state?).or_default() += 1;
                worked += 1;
            }
        }
        report.busy = j.store.busy()?;
        report.pending = j.store.pending(None)?;
        Ok(report)
    }

    fn reconcile_one(&self, api: Api<'_>, entry: &Entry) -> Result<JournalState> {
        let j = self;
        let (kind, no) = (entry.kind, entry.out_request_no.as_str());
        let settle = |state, request_id, more_attempts, error| {
            j.store.settle(
                kind,
                no,
                &Settle {
                    state,
                    wxpay_recover_no: None,
                    request_id,
                    more_attempts,
                    error,
                },
            )
        };
        if unix_now() - entry.created_at >= EXPIRY_SECS {
            settle(JournalState::Expired, None, None, None)?;
        } else if entry.state == JournalState::InDoubt {
            if let Some((body, serial)) = j.store.request(kind, no)? {
                let _ = self.resend(api, kind, no, &body, &serial, false);
            }
        } else {
            let asked = match kind {
                Kind::Recover => api::query::recover(api, no, &entry.mchid)
                    .map(|order| self.record_query(&api.exec.logger, &order)),
                Kind::Punish => api::query::punish(api, no, &entry.mchid)
                    .map(|order| self.record_punish_query(&api.exec.logger, &order)),
            };
            match asked {
                Ok(()) => {}
                Err(e) => {
                    settle(
                        JournalState::Accepted,
                        e.request_id.as_deref(),
                        Some(i64::from(e.attempts)),
                        Some(&LastError::of(&e)),
                    )?;
                }
            }
        }
        Ok(j.store.entry(kind, no)?.map_or(entry.state, |e| e.state))
    }
}

/// The journal state a recover's `recover_state` means (`None`: unknown, record nothing).
fn recover_outcome(state: RecoverState) -> Option<JournalState> {
    match state {
        RecoverState::Success => Some(JournalState::Succeeded),
        RecoverState::Failed => Some(JournalState::Failed),
        RecoverState::Executing => Some(JournalState::Accepted),
        RecoverState::Unknown => None,
    }
}

/// The journal state a punish's `punish_state` means (`None`: unknown, record nothing).
fn punish_outcome(state: PunishState) -> Option<JournalState> {
    match state {
        PunishState::Success => Some(JournalState::Succeeded),
        PunishState::Failed => Some(JournalState::Failed),
        PunishState::Executing => Some(JournalState::Accepted),
        PunishState::Unknown => None,
    }
}

/// The recorded outcome of an entry that needs no request, if it has one.
fn first_outcome(entry: &Entry) -> Option<Result<Sent>> {
    match entry.state {
        JournalState::InDoubt => None,
        JournalState::Accepted | JournalState::Succeeded | JournalState::Failed => Some(Ok(Sent {
            platform_no: entry.wxpay_recover_no.clone().unwrap_or_default(),
            request_id: entry.request_id.clone(),
            attempts: 0,
        })),
        JournalState::Refused => {
            let last = entry.last_error.clone();
            let mut e = Error::new(
                ErrorKind::Api,
                format!(
                    "refused earlier (journal): {}",
                    last.as_ref().map_or("", |l| l.message.as_str())
                ),
            );
            if let Some(l) = last {
                e.http_status = l.http_status;
                e.code = l.code;
            }
            e.request_id = entry.request_id.clone();
            e.retry_safe = false;
            Some(Err(e))
        }
        JournalState::Expired => Some(Err(Error::invalid(
            "out_request_no",
            "is EXPIRED in the journal: past the one-year re-entry window; it needs a person (docs/journal.md)",
        ))),
    }
}

/// The pending entries of the journal `journal` names (a SQLite file, read-only, or a
/// PostgreSQL URL: every merchant's), with no client, keys or configuration: what an operator
/// lists before deciding to reconcile.
pub fn pending_at(journal: &str) -> Result<Vec<Entry>> {
    match crate::infra::config::journal::parse(journal, None)? {
        JournalTarget::File(path) => {
            if !path.is_file() {
                return Err(Error::config(
                    "journal",
                    format!(
                        "{}: no journal file there",
                        crate::core::text::redact_journal(journal)
                    ),
                ));
            }
            Sqlite::open_read_only(&path)?.pending(None)
        }
        JournalTarget::Postgres(t) => {
            Postgres::open_unscoped(&t, PENDING_AT_TIMEOUT)?.pending(None)
        }
    }
}

/// How long the operators' listing waits for a PostgreSQL journal.
const PENDING_AT_TIMEOUT: Duration = Duration::from_secs(10);

/// Entries `reconcile` claims at a time.
const CLAIM_BATCH: usize = 32;
