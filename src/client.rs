//! Layer 6, the façade: one `Client` per merchant, the only `impl Client` in the crate. It
//! owns the executor (configuration, transport, quota, breaker, counters, log sink), the
//! platform keys and the journal, and each public method hands its work to the one module that
//! does it: `api::recover` and `api::query` (the calls), `api::keys` (which key encrypts and
//! verifies), `protocol::signing` (the `Authorization` header), `journal` (the outbox),
//! `protocol::notify` (notifications). The C ABI in `ffi` is a skin over this type.

use std::path::Path;
use std::sync::Arc;

use openssl::pkey::{PKey, Public};

use crate::api::keys::PlatformKeys;
use crate::api::{self, call::Api};
use crate::core::error::{Error, Result};
use crate::exchange::executor::Executor;
use crate::exchange::stats::{Endpoint, Stats};
use crate::infra::config::Config;
use crate::infra::log::{Level, Sink};
use crate::journal::{Entry, Journal, Kind as JournalKind, ReconcileOptions, ReconcileReport};
use crate::protocol::model::{Accepted, RecoverOrder, RecoverRequest};
use crate::protocol::notify::{self, Notification};
use crate::protocol::punish::{PunishAccepted, PunishOrder, PunishRequest};
pub use crate::protocol::signing::SignedHeaders;

/// A WeChat Pay client for one merchant. `Send + Sync`: share one per process; it keeps one
/// connection pool, one set of rate-limit buckets and one circuit breaker for every thread that
/// uses it.
pub struct Client {
    exec: Executor,
    keys: PlatformKeys,
    journal: Option<Journal>,
}

impl Client {
    pub fn new(config: Config) -> Result<Client> {
        let journal = match config.journal() {
            Some(target) => Some(Journal::open(
                target,
                config.mchid(),
                config.merchant_key(),
                config.journal_timeout(),
                config.journal_pool_size() as usize,
            )?),
            None => None,
        };
        Ok(Client {
            exec: Executor::new(config)?,
            keys: PlatformKeys::default(),
            journal,
        })
    }

    pub fn from_json(json: &str) -> Result<Client> {
        Client::new(Config::from_json(json)?)
    }

    pub fn from_file(path: &Path) -> Result<Client> {
        Client::new(Config::from_file(path)?)
    }

    pub fn config(&self) -> &Config {
        &self.exec.config
    }

    fn api(&self) -> Api<'_> {
        Api {
            exec: &self.exec,
            keys: &self.keys,
        }
    }

    fn journal(&self) -> Result<&Journal> {
        let j = self
            .journal
            .as_ref()
            .ok_or_else(|| Error::config("journal", "is not configured for this client"))?;
        j.warn_mode_once(&self.exec.logger);
        Ok(j)
    }

    /// Submits a recover. Every attempt sends the same body bytes (same `out_request_no`), so a
    /// retry after an unknown outcome is re-entry, never a second recover. With a journal, the
    /// order is recorded durably before the first byte goes out (`journal/mod.rs`).
    pub fn submit(&self, request: &RecoverRequest) -> Result<Accepted> {
        request.validate()?;
        match &self.journal {
            Some(_) => self.journal()?.submit(self.api(), request),
            None => api::recover::submit(self.api(), request),
        }
    }

    /// Places a control order (管控). Every guarantee of `submit` holds: the same bytes on every
    /// attempt (re-entry, never a second control), its own quota bucket (`punish`), the
    /// breaker, and with a journal the order recorded durably before the first byte goes out.
    /// The answer's `wxpay_punish_no` and `out_request_no` are what a later recover names as
    /// `related_wxpay_punish_no` and `related_webank_punish_no`.
    pub fn punish(&self, request: &PunishRequest) -> Result<PunishAccepted> {
        request.validate()?;
        match &self.journal {
            Some(_) => self.journal()?.submit_punish(self.api(), request),
            None => {
                let (serial, body) = api::punish::body(self.api(), request)?;
                api::punish::send(self.api(), &request.out_request_no, &body, &serial)
            }
        }
    }

    /// Queries a control order (`control_type=PUNISH`) by its `out_request_no` for the target
    /// merchant `mchid`; the answer must be about that order. With a journal, the state it
    /// names is recorded.
    pub fn query_punish(&self, out_request_no: &str, mchid: &str) -> Result<PunishOrder> {
        let order = api::query::punish(self.api(), out_request_no, mchid)?;
        if let Some(j) = &self.journal {
            j.record_punish_query(&self.exec.logger, &order);
        }
        Ok(order)
    }

    /// Queries a recover by its `out_request_no` for the target merchant `mchid`. The answer
    /// must be about that order: another order's state is never returned as this one's. With a
    /// journal, the state it names is recorded.
    pub fn query(&self, out_request_no: &str, mchid: &str) -> Result<RecoverOrder> {
        let order = api::query::recover(self.api(), out_request_no, mchid)?;
        if let Some(j) = &self.journal {
            j.record_query(&self.exec.logger, &order);
        }
        Ok(order)
    }

    /// The `Authorization` value for a request: `url` is the path and query exactly as sent.
    pub fn authorization(&self, method: &str, url: &str, body: &[u8]) -> Result<String> {
        crate::protocol::signing::authorization(self.config(), method, url, body)
    }

    /// Verifies a signed answer or notification: trusted serial, signature over
    /// `timestamp\nnonce\nbody\n`, and a timestamp within the replay window. In download mode
    /// an unknown serial refreshes the certificates once (at most once a minute) and retries.
    pub fn verify(&self, headers: &SignedHeaders, body: &[u8]) -> Result<()> {
        self.keys.verify(&self.exec, headers, body)
    }

    /// The value to send as `Wechatpay-Serial`: the key that encrypts sensitive fields. In
    /// download mode this may download the certificates; it is empty when no key is available
    /// (see [`Client::encryption_key`] for the reason).
    pub fn wechatpay_serial(&self) -> String {
        self.encryption_key().map(|(s, _)| s).unwrap_or_default()
    }

    /// The key that encrypts sensitive fields and its `Wechatpay-Serial`: the configured public
    /// key when there is one, else the newest downloaded certificate valid now, else the
    /// configured certificate. In download mode this downloads the certificates when none are
    /// cached and refreshes them when they are older than `certificate_refresh_s`; a failed
    /// refresh keeps the cached set.
    pub fn encryption_key(&self) -> Result<(String, PKey<Public>)> {
        self.keys.encryption_key(&self.exec)
    }

    /// Encrypts a sensitive field for the key named by `wechatpay_serial()`.
    pub fn encrypt(&self, plaintext: &str) -> Result<String> {
        self.keys.encrypt(&self.exec, plaintext)
    }

    /// The serials of the downloaded platform certificates currently cached (download mode).
    pub fn cached_certificate_serials(&self) -> Vec<String> {
        self.keys.cached_certificate_serials()
    }

    /// Every journal entry that is not final (`IN_DOUBT`, `ACCEPTED`), oldest first.
    pub fn pending(&self) -> Result<Vec<Entry>> {
        self.journal()?.pending()
    }

    /// One recover's journal entry, or `None`.
    pub fn journal_entry(&self, out_request_no: &str) -> Result<Option<Entry>> {
        self.journal()?.entry(JournalKind::Recover, out_request_no)
    }

    /// One journal entry of `kind` (the platform numbers punishes and recovers separately).
    pub fn journal_entry_of(
        &self,
        out_request_no: &str,
        kind: JournalKind,
    ) -> Result<Option<Entry>> {
        self.journal()?.entry(kind, out_request_no)
    }

    /// Deletes final entries that finished more than `older_than_days` ago; never a pending
    /// one. Returns how many were deleted.
    pub fn prune(&self, older_than_days: u32) -> Result<usize> {
        self.journal()?.prune(older_than_days)
    }

    /// Settles what is pending: each `IN_DOUBT` is re-entered, each `ACCEPTED` is queried.
    /// Safe from several processes at once: an entry is worked under a lease, which a dead
    /// process holds for at most one call deadline plus 30 s.
    pub fn reconcile(&self, opts: ReconcileOptions) -> Result<ReconcileReport> {
        self.journal()?.reconcile(self.api(), opts)
    }

    /// A snapshot of this client's counters and of its breaker's and quota store's state.
    pub fn stats(&self) -> Stats {
        let e = &self.exec;
        let (active_host, breaker, backup_down) = e.breaker.state();
        Stats {
            recover: e.counters.snapshot(Endpoint::Recover),
            query: e.counters.snapshot(Endpoint::Query),
            certificates: e.counters.snapshot(Endpoint::Certificates),
            punish: e.counters.snapshot(Endpoint::Punish),
            active_host,
            breaker,
            backup_down,
            quota_store: e.quota.store_kind(),
            quota_store_healthy: e.quota.store_healthy(),
            quota_store_errors: e.quota.store_errors(),
        }
    }

    /// Sends this client's log lines at `max` and above to `sink`; `None` turns them off.
    /// The sink runs on the thread making the call and must be thread-safe.
    pub fn set_logger(&self, sink: Option<(Level, Arc<Sink>)>) {
        self.exec.logger.set(sink);
    }

    /// Verifies a result notification (same key lookup and replay window as answers), checks
    /// its envelope and decrypts its resource with the APIv3 key. `body` must be the exact
    /// bytes received. Failures: `Config` without an APIv3 key; `Unverified` for headers,
    /// signature, serial or replay window; `BadResponse` for the envelope or decryption.
    pub fn parse_notification(&self, headers: &SignedHeaders, body: &[u8]) -> Result<Notification> {
        let apiv3_key = self
            .config()
            .apiv3_key()
            .ok_or_else(|| Error::config("apiv3_key", "is required to decrypt notifications"))?;
        self.verify(headers, body).map_err(notification_failure)?;
        let n = notify::open(body, apiv3_key)?;
        if let Some(j) = &self.journal {
            if let Ok(resource) = n.resource() {
                j.record_notification(&self.exec.logger, &resource);
            }
        }
        Ok(n)
    }

    /// [`Client::parse_notification`] from the request's raw header names and values: the
    /// `Wechatpay-*` headers are matched case-insensitively, and two of one name are
    /// `Unverified` (see [`SignedHeaders::from_pairs`]).
    pub fn parse_notification_pairs<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        body: &[u8],
    ) -> Result<Notification> {
        let headers = SignedHeaders::from_pairs(pairs).map_err(notification_failure)?;
        self.parse_notification(&headers, body)
    }

    /// Runs one answer through what an API call does with it (for the fuzz targets).
    pub(crate) fn judge_for_fuzzing(
        &self,
        answer: crate::infra::transport::Answer,
    ) -> Result<crate::exchange::executor::Exchange> {
        let api = self.api();
        self.exec.judge(
            answer,
            1,
            crate::exchange::executor::Verification::Here(&api),
        )
    }
}

/// A header or signature failure, as an error about a notification.
fn notification_failure(e: Error) -> Error {
    notify::notification_error(e.kind, format!("notification: {}", e.message))
}
