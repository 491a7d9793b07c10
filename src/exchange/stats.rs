//! Counters an operator graphs: per endpoint, requests and attempts, retries and failovers,
//! limiter waits and refusals, 429s received and verification failures; and the breaker's and
//! the quota store's state. Kept in atomics shared by every thread of a client, read with
//! [`Client::stats`](crate::Client::stats) as a plain snapshot.

use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::core::kinds::{BreakerState, Endpoint, Host, StoreKind};

/// The per-endpoint counters, listed once: the atomics a client counts in, the snapshot type
/// and the copy between them all come from this list. The C ABI's `wx_endpoint_stats` mirrors
/// it field by field (`src/ffi/stats.rs`; the compiler checks the copy) and every binding's
/// copy is generated from the header (`make header`).
macro_rules! endpoint_counters {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        #[derive(Default)]
        pub(crate) struct EndpointCounters {
            $(pub $name: AtomicU64,)*
        }

        /// One endpoint's counters since the client was created. `limiter_waiting` is a
        /// gauge: the calls waiting for a slot right now.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct EndpointStats {
            $($(#[doc = $doc])* pub $name: u64,)*
        }

        impl EndpointCounters {
            fn snapshot(&self) -> EndpointStats {
                EndpointStats {
                    $($name: self.$name.load(Ordering::Relaxed),)*
                }
            }
        }
    };
}

endpoint_counters! {
    /// Calls (one call may make several attempts).
    requests,
    /// Requests sent, retries included.
    attempts,
    /// Attempts after the first of a call.
    retries,
    /// Attempts that went to the other host than the call's previous attempt.
    failovers,
    /// Attempts that had to wait for a slot.
    limiter_waits,
    /// Calls refused because no slot freed in time (`RateLimited`; nothing sent).
    limiter_refusals,
    /// Calls waiting for a slot now.
    limiter_waiting,
    /// 429 answers (`FREQUENCY_LIMITED`) from the platform.
    throttled,
    /// 2xx answers whose signature or headers failed verification.
    verification_failures,
}

#[derive(Default)]
pub(crate) struct Counters {
    endpoints: [EndpointCounters; Endpoint::COUNT],
}

impl Counters {
    pub fn endpoint(&self, e: Endpoint) -> &EndpointCounters {
        &self.endpoints[e as usize]
    }

    pub fn snapshot(&self, e: Endpoint) -> EndpointStats {
        self.endpoint(e).snapshot()
    }
}

/// A snapshot of a client's counters and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub recover: EndpointStats,
    pub query: EndpointStats,
    pub certificates: EndpointStats,
    pub punish: EndpointStats,
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
            Endpoint::Punish => &self.punish,
        }
    }
}
