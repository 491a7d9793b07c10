//! The client façade: one object per merchant that owns the configuration, the transport, the
//! platform keys, the limiter and the logger. The work is done by one module each:
//! `signing` (the Authorization header, verification), `platform_keys` (which key encrypts and
//! verifies, certificate download), `retry` (the loop and failover; decisions in `classify`),
//! `transport` (HTTP), and `api` (the recover and query calls).

use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::breaker::Breaker;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::journal::Journal;
use crate::log::{Level, Logger, Sink};
use crate::notify::{self, Notification};
use crate::platform_keys::PlatformKeys;
use crate::quota::Quota;
pub use crate::signing::SignedHeaders;
use crate::stats::{Counters, Endpoint, Stats};
use crate::transport::Transport;

/// A WeChat Pay client for one merchant. `Send + Sync`: share one per process; it keeps one
/// connection pool, one set of rate-limit buckets and one circuit breaker for every thread that
/// uses it.
pub struct Client {
    config: Config,
    pub(crate) transport: Transport,
    pub(crate) logger: Logger,
    pub(crate) quota: Quota,
    pub(crate) breaker: Breaker,
    pub(crate) counters: Counters,
    pub(crate) keys: PlatformKeys,
    pub(crate) journal: Option<Journal>,
}

impl Client {
    pub fn new(config: Config) -> Result<Client> {
        let transport = Transport::new(&config)?;
        let quota = Quota::new(&config)?;
        let breaker = Breaker::new(
            config.breaker_enabled() && config.backup_url().is_some(),
            config.breaker_failure_threshold(),
            config.breaker_probe_interval(),
            config.timeout(),
        );
        let journal = match config.journal() {
            Some(path) => Some(Journal::open(path, config.merchant_key())?),
            None => None,
        };
        Ok(Client {
            journal,
            config,
            transport,
            logger: Logger::default(),
            quota,
            breaker,
            counters: Counters::default(),
            keys: PlatformKeys::default(),
        })
    }

    pub fn from_json(json: &str) -> Result<Client> {
        Client::new(Config::from_json(json)?)
    }

    pub fn from_file(path: &Path) -> Result<Client> {
        Client::new(Config::from_file(path)?)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A snapshot of this client's counters and of its breaker's and quota store's state.
    pub fn stats(&self) -> Stats {
        let (active_host, breaker, backup_down) = self.breaker.state();
        Stats {
            recover: self.counters.snapshot(Endpoint::Recover),
            query: self.counters.snapshot(Endpoint::Query),
            certificates: self.counters.snapshot(Endpoint::Certificates),
            active_host,
            breaker,
            backup_down,
            quota_store: self.quota.store_kind(),
            quota_store_healthy: self.quota.store_healthy(),
            quota_store_errors: self.quota.store_errors(),
        }
    }

    /// Sends this client's log lines at `max` and above to `sink`; `None` turns them off.
    /// The sink runs on the thread making the call and must be thread-safe.
    pub fn set_logger(&self, sink: Option<(Level, Arc<Sink>)>) {
        self.logger.set(sink);
    }

    /// Verifies a result notification (same key lookup and replay window as answers), checks
    /// its envelope and decrypts its resource with the APIv3 key. `body` must be the exact
    /// bytes received. Failures: `Config` without an APIv3 key; `Unverified` for headers,
    /// signature, serial or replay window; `BadResponse` for the envelope or decryption.
    pub fn parse_notification(&self, headers: &SignedHeaders, body: &[u8]) -> Result<Notification> {
        let apiv3_key = self
            .config
            .apiv3_key()
            .ok_or_else(|| Error::config("apiv3_key", "is required to decrypt notifications"))?;
        self.verify(headers, body).map_err(notification_failure)?;
        let n = notify::open(body, apiv3_key)?;
        if self.journal.is_some() {
            if let Ok(resource) = n.resource() {
                self.journal_notification(&resource);
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
}

/// A header or signature failure, as an error about a notification.
fn notification_failure(e: Error) -> Error {
    notify::notification_error(e.kind, format!("notification: {}", e.message))
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
