//! Counters an operator graphs: per endpoint, requests and attempts, retries and failovers,
//! limiter waits and refusals, 429s received and verification failures; and the breaker's and
//! the quota store's state. Kept in atomics shared by every thread of a client, read with
//! [`Client::stats`](crate::Client::stats) as a plain snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::core::kinds::{BreakerState, Endpoint, Host, StoreKind};

#[derive(Default)]
pub(crate) struct EndpointCounters {
    pub requests: AtomicU64,
    pub attempts: AtomicU64,
    pub retries: AtomicU64,
    pub failovers: AtomicU64,
    pub limiter_waits: AtomicU64,
    pub limiter_refusals: AtomicU64,
    pub limiter_waiting: AtomicU64,
    pub throttled: AtomicU64,
    pub verification_failures: AtomicU64,
}

#[derive(Default)]
pub(crate) struct Counters {
    endpoints: [EndpointCounters; 3],
}

impl Counters {
    pub fn endpoint(&self, e: Endpoint) -> &EndpointCounters {
        &self.endpoints[e as usize]
    }

    pub fn snapshot(&self, e: Endpoint) -> EndpointStats {
        let c = self.endpoint(e);
        let r = |a: &AtomicU64| a.load(Ordering::Relaxed);
        EndpointStats {
            requests: r(&c.requests),
            attempts: r(&c.attempts),
            retries: r(&c.retries),
            failovers: r(&c.failovers),
            limiter_waits: r(&c.limiter_waits),
            limiter_refusals: r(&c.limiter_refusals),
            limiter_waiting: r(&c.limiter_waiting),
            throttled: r(&c.throttled),
            verification_failures: r(&c.verification_failures),
        }
    }
}

/// One endpoint's counters since the client was created. `limiter_waiting` is a gauge: the
/// calls waiting for a slot right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Calls (one call may make several attempts).
    pub requests: u64,
    /// Requests sent, retries included.
    pub attempts: u64,
    /// Attempts after the first of a call.
    pub retries: u64,
    /// Attempts that went to the other host than the call's previous attempt.
    pub failovers: u64,
    /// Attempts that had to wait for a slot.
    pub limiter_waits: u64,
    /// Calls refused because no slot freed in time (`RateLimited`; nothing sent).
    pub limiter_refusals: u64,
    /// Calls waiting for a slot now.
    pub limiter_waiting: u64,
    /// 429 answers (`FREQUENCY_LIMITED`) from the platform.
    pub throttled: u64,
    /// 2xx answers whose signature or headers failed verification.
    pub verification_failures: u64,
}

/// A snapshot of a client's counters and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub recover: EndpointStats,
    pub query: EndpointStats,
    pub certificates: EndpointStats,
    /// Where the next call goes.
    pub active_host: Host,
    pub breaker: BreakerState,
    /// Whether the backup host is marked failed too.
    pub backup_down: bool,
    /// Where the rate-limit buckets live (`rate_limit_store`).
    pub quota_store: StoreKind,
    /// False while a shared store is unreachable and the client runs on its own buckets.
    pub quota_store_healthy: bool,
    /// Failed calls to the shared store.
    pub quota_store_errors: u64,
}

impl Stats {
    pub fn endpoint(&self, e: Endpoint) -> &EndpointStats {
        match e {
            Endpoint::Recover => &self.recover,
            Endpoint::Query => &self.query,
            Endpoint::Certificates => &self.certificates,
        }
    }
}
