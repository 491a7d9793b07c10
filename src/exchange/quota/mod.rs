//! The quota: one sliding-window bucket per initiating `mchid` and endpoint (recover, query,
//! certificate download), so a query-polling loop never eats the recover budget. The buckets
//! live in this client, in a file every process on the host shares (`file:PATH`), or in Redis,
//! shared by the fleet (`redis://HOST:PORT/DB`). When the shared store is unreachable the
//! client keeps working on its own buckets (or refuses, with `rate_limit_store_fallback:
//! "fail"`) and tries the store again by itself.
//!
//! Invariant: for every client sharing a store, no endpoint gets more than its limit of
//! requests in any 60-second window, retries included. A slot frees one window after its
//! request *finished* (`bucket.rs`), because the platform counts arrivals.

mod bucket;
mod file;
mod redis;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::core::error::{Error, ErrorKind, Result};
pub use crate::core::kinds::StoreKind;
use crate::exchange::stats::{Counters, Endpoint};
use crate::infra::config::{Config, StoreFallback};
use crate::infra::log::{Level, Logger};
use bucket::{Bucket, Take};

pub(crate) const WINDOW: Duration = Duration::from_secs(60);
/// After a store failure, calls use the local buckets for this long before trying the store
/// again, so an unreachable store costs one timeout per second, not one per call.
const STORE_RETRY: Duration = Duration::from_secs(1);
/// The store-unreachable warning is logged at most this often.
const WARN_EVERY: Duration = Duration::from_secs(60);
/// Added to the longest a request may take before a slot expires on its own, so the slot of a
/// process that dies mid-request still covers that request's arrival.
const HOLD_MARGIN: Duration = Duration::from_secs(1);

/// A shared store of buckets.
pub(crate) trait Store: Send + Sync {
    /// Takes a slot for `member` in bucket `key` if fewer than `limit` are live; it expires
    /// `hold_ms` from now unless re-stamped.
    fn take(&self, key: &str, member: &str, limit: u32, hold_ms: u64) -> io::Result<Take>;
    /// The request of `member` finished now: its slot expires one window from now.
    fn restamp(&self, key: &str, member: &str, window_ms: u64) -> io::Result<()>;
    /// Nothing was sent with the slot of `member`: it is free again.
    fn cancel(&self, key: &str, member: &str) -> io::Result<()>;
}

struct Shared {
    store: Box<dyn Store>,
    kind: StoreKind,
    /// The configured value with any password removed, for messages.
    shown: String,
    fallback: StoreFallback,
    /// While set, the store failed at that instant and is skipped until `STORE_RETRY` passed.
    down_since: Mutex<Option<Instant>>,
    last_warn: Mutex<Option<Instant>>,
}

/// A taken slot; give it back with [`Quota::finished`] when the request is over.
pub(crate) struct Slot {
    endpoint: Endpoint,
    member: String,
    shared: bool,
}

pub(crate) struct Quota {
    mchid: String,
    limits: [u32; Endpoint::COUNT],
    wait: Duration,
    hold: Duration,
    local: Mutex<[Bucket; Endpoint::COUNT]>,
    epoch: Instant,
    shared: Option<Shared>,
    next_member: AtomicU64,
    member_prefix: String,
    store_errors: AtomicU64,
}

impl Quota {
    pub fn new(config: &Config) -> Result<Quota> {
        let shared = match config.rate_limit_store() {
            None => None,
            Some(spec) => Some(open_store(spec, config)?),
        };
        let member_prefix = crate::infra::crypto::instance_id()?;
        Ok(Quota {
            mchid: config.mchid().to_string(),
            limits: Endpoint::ALL.map(|e| config.rate_limit_for(e)),
            wait: config.rate_limit_wait(),
            // The longest one attempt may take, plus a margin: the slot's expiry if the
            // process dies before re-stamping it.
            hold: WINDOW + config.timeout() + HOLD_MARGIN,
            local: Mutex::new(Default::default()),
            epoch: Instant::now(),
            shared,
            next_member: AtomicU64::new(0),
            member_prefix,
            store_errors: AtomicU64::new(0),
        })
    }

    pub fn store_kind(&self) -> StoreKind {
        self.shared.as_ref().map_or(StoreKind::Local, |s| s.kind)
    }

    /// Whether the shared store answered last time (always true without one).
    pub fn store_healthy(&self) -> bool {
        self.shared.as_ref().map_or(true, |s| {
            s.down_since
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_none()
        })
    }

    pub fn limit(&self, e: Endpoint) -> u32 {
        self.limits[e as usize]
    }

    /// Takes a slot for one attempt at `endpoint`, waiting at most `rate_limit_wait_ms` (and
    /// never past `deadline`). `RateLimited` when no slot freed in time, or when the shared
    /// store is unreachable and the configuration says to refuse. Nothing was sent then.
    pub fn acquire(
        &self,
        endpoint: Endpoint,
        deadline: Instant,
        stats: &Counters,
        logger: &Logger,
    ) -> Result<Option<Slot>> {
        let limit = self.limit(endpoint);
        if limit == 0 {
            return Ok(None);
        }
        let started = Instant::now();
        let give_up = (started + self.wait).min(deadline);
        let member = format!(
            "{}-{}",
            self.member_prefix,
            self.next_member.fetch_add(1, Ordering::Relaxed)
        );
        let counters = stats.endpoint(endpoint);
        let mut waited = false;
        let result = loop {
            let (take, shared) = match self.take_somewhere(endpoint, &member, limit, logger) {
                Ok(t) => t,
                Err(e) => break Err(e),
            };
            match take {
                Take::Taken => {
                    break Ok(Some(Slot {
                        endpoint,
                        member,
                        shared,
                    }))
                }
                Take::FullFor(ms) => {
                    let now = Instant::now();
                    let free_at = now + Duration::from_millis(ms);
                    if free_at > give_up {
                        counters.limiter_refusals.fetch_add(1, Ordering::Relaxed);
                        let e = Error::new(
                            ErrorKind::RateLimited,
                            format!(
                                "client-side limit of {limit} {} requests per minute reached ({} buckets); nothing sent",
                                endpoint.as_str(),
                                self.describe_store(),
                            ),
                        );
                        break Err(e);
                    }
                    if !waited {
                        waited = true;
                        counters.limiter_waits.fetch_add(1, Ordering::Relaxed);
                        counters.limiter_waiting.fetch_add(1, Ordering::Relaxed);
                    }
                    // A shared bucket may be freed by another process at any moment and taken
                    // by a third: look again at least every 250 ms, with a little jitter.
                    let pause = Duration::from_millis(ms.min(250)) + jitter();
                    std::thread::sleep(
                        pause
                            .min(give_up.saturating_duration_since(now))
                            .max(Duration::from_millis(1)),
                    );
                }
            }
        };
        if waited {
            counters.limiter_waiting.fetch_sub(1, Ordering::Relaxed);
        }
        result
    }

    /// The request that took `slot` is over (answered or failed): the slot now frees one
    /// window from now.
    pub fn finished(&self, slot: Option<Slot>, logger: &Logger) {
        let Some(slot) = slot else { return };
        let key = self.key(slot.endpoint);
        if slot.shared {
            if let Some(s) = &self.shared {
                if let Err(e) = s
                    .store
                    .restamp(&key, &slot.member, WINDOW.as_millis() as u64)
                {
                    // The provisional expiry (one window past the longest a request may take)
                    // still covers this request.
                    self.store_failed(s, &e, logger);
                }
            }
            return;
        }
        let now = self.local_now();
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        local[slot.endpoint as usize].restamp(now, &slot.member, WINDOW.as_millis() as u64);
    }

    /// Gives back a slot with which nothing was sent.
    pub fn cancel(&self, slot: Option<Slot>) {
        let Some(slot) = slot else { return };
        let key = self.key(slot.endpoint);
        if slot.shared {
            if let Some(s) = &self.shared {
                // On failure the slot just expires on its own.
                let _ = s.store.cancel(&key, &slot.member);
            }
            return;
        }
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        local[slot.endpoint as usize].cancel(&slot.member);
    }

    /// One check-and-take in the shared store, or in the local buckets when there is none or
    /// it is down. Returns whether the slot is in the shared store.
    fn take_somewhere(
        &self,
        endpoint: Endpoint,
        member: &str,
        limit: u32,
        logger: &Logger,
    ) -> Result<(Take, bool)> {
        let hold = self.hold.as_millis() as u64;
        if let Some(s) = &self.shared {
            let skip = s
                .down_since
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some_and(|t| t.elapsed() < STORE_RETRY);
            let failure = if skip {
                None
            } else {
                match s.store.take(&self.key(endpoint), member, limit, hold) {
                    Ok(t) => {
                        let mut down = s.down_since.lock().unwrap_or_else(|p| p.into_inner());
                        if down.take().is_some() {
                            logger.log(Level::Info, || {
                                format!(
                                    "rate_limit_store {}: reachable again; sharing its buckets",
                                    s.shown
                                )
                            });
                        }
                        return Ok((t, true));
                    }
                    Err(e) => Some(e),
                }
            };
            if let Some(e) = &failure {
                self.store_failed(s, e, logger);
            }
            if s.fallback == StoreFallback::Fail {
                return Err(Error::new(
                    ErrorKind::RateLimited,
                    format!(
                        "rate_limit_store {} is unreachable{} and rate_limit_store_fallback is \"fail\"; nothing sent",
                        s.shown,
                        failure.map_or(String::new(), |e| format!(" ({})", crate::core::text::clean(&e.to_string(), 200))),
                    ),
                ));
            }
        }
        let now = self.local_now();
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        Ok((
            local[endpoint as usize].take(now, member, limit, hold),
            false,
        ))
    }

    /// Failed calls to the shared store since the client was created.
    pub fn store_errors(&self) -> u64 {
        self.store_errors.load(Ordering::Relaxed)
    }

    fn store_failed(&self, s: &Shared, e: &io::Error, logger: &Logger) {
        self.store_errors.fetch_add(1, Ordering::Relaxed);
        *s.down_since.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        let mut last = s.last_warn.lock().unwrap_or_else(|p| p.into_inner());
        if last.map_or(true, |t| t.elapsed() >= WARN_EVERY) {
            *last = Some(Instant::now());
            let then = match s.fallback {
                StoreFallback::Local => "using this client's own buckets until it answers",
                StoreFallback::Fail => "refusing calls until it answers",
            };
            logger.log(Level::Warn, || {
                format!(
                    "rate_limit_store {} unreachable: {}; {then}",
                    s.shown,
                    crate::core::text::clean(&e.to_string(), 200)
                )
            });
        }
    }

    fn describe_store(&self) -> String {
        match &self.shared {
            None => "this client's".to_string(),
            Some(s) if self.store_healthy() => format!("shared, {}", s.shown),
            Some(s) => format!("this client's while {} is unreachable", s.shown),
        }
    }

    fn key(&self, endpoint: Endpoint) -> String {
        format!("wx-recover:{}:{}", self.mchid, endpoint.as_str())
    }

    fn local_now(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }
}

/// Up to about 10 ms, so processes waiting on one shared bucket do not look again in step.
fn jitter() -> Duration {
    Duration::from_micros(10_200).mul_f64(crate::infra::crypto::jitter_fraction())
}

/// Opens the store named by `rate_limit_store` (already checked by the config).
fn open_store(spec: &str, config: &Config) -> Result<Shared> {
    let timeout = config.rate_limit_store_timeout();
    let (store, kind, shown): (Box<dyn Store>, StoreKind, String) =
        if let Some(path) = spec.strip_prefix("file:") {
            (
                Box::new(file::FileStore::new(std::path::Path::new(path), timeout)),
                StoreKind::File,
                spec.to_string(),
            )
        } else {
            let shown = crate::core::text::redact_url(spec);
            let store = redis::RedisStore::new(spec, timeout).map_err(|e| {
                Error::config(
                    "rate_limit_store",
                    format!("{shown}: {}", crate::core::text::clean(&e, 200)),
                )
            })?;
            (Box::new(store), StoreKind::Redis, shown)
        };
    Ok(Shared {
        store,
        kind,
        shown,
        fallback: config.rate_limit_store_fallback(),
        down_since: Mutex::new(None),
        last_warn: Mutex::new(None),
    })
}
