//! A client's counters and state as one plain struct (`Client::stats`).

use super::boundary::{self, call, out_ptr};
use super::{wx_recover, wx_status};
use crate::StoreKind;
use crate::{BreakerState, EndpointStats, Host, Stats};

/// One endpoint's counters since the client was created (see wx_stats). The layout is frozen:
/// a future field means a new name.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wx_endpoint_stats {
    /// Calls (one call may make several attempts).
    pub requests: u64,
    /// Requests sent, retries included.
    pub attempts: u64,
    /// Attempts after the first of a call.
    pub retries: u64,
    /// Attempts that went to the other host than the call's previous attempt.
    pub failovers: u64,
    /// Attempts that had to wait for a rate-limit slot.
    pub limiter_waits: u64,
    /// Calls refused because no slot freed in time (WX_RATE_LIMITED; nothing sent).
    pub limiter_refusals: u64,
    /// Calls waiting for a slot right now (a gauge).
    pub limiter_waiting: u64,
    /// 429 answers (FREQUENCY_LIMITED) received from the platform.
    pub throttled: u64,
    /// 2xx answers that failed verification.
    pub verification_failures: u64,
}

/// Where the next call goes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_host {
    WX_HOST_PRIMARY = 0,
    WX_HOST_BACKUP = 1,
}

/// The circuit breaker over the primary host (docs/configuration.md, "Retries and failover").
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_breaker_state {
    /// The primary answers; calls go to it.
    WX_BREAKER_CLOSED = 0,
    /// The primary failed; calls go to the backup; the primary is probed on a timer.
    WX_BREAKER_OPEN = 1,
    /// A probe call to the primary is in flight.
    WX_BREAKER_HALF_OPEN = 2,
    /// No backup host, or breaker_enabled is false.
    WX_BREAKER_DISABLED = 3,
}

/// Where the rate-limit buckets live (rate_limit_store).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_quota_store {
    WX_QUOTA_LOCAL = 0,
    WX_QUOTA_FILE = 1,
    WX_QUOTA_REDIS = 2,
}

/// A snapshot of a client's counters and state, filled by wx_recover_stats(). The layout is
/// frozen: a future field means a new name.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wx_stats {
    pub recover: wx_endpoint_stats,
    pub query: wx_endpoint_stats,
    pub certificates: wx_endpoint_stats,
    pub active_host: wx_host,
    pub breaker: wx_breaker_state,
    /// Non-zero when the backup host is marked failed too.
    pub backup_down: u8,
    /// Non-zero unless a shared store is unreachable and the client runs on its own buckets.
    pub quota_store_healthy: u8,
    pub quota_store: wx_quota_store,
    /// Failed calls to the shared store.
    pub quota_store_errors: u64,
}

impl From<EndpointStats> for wx_endpoint_stats {
    fn from(s: EndpointStats) -> Self {
        wx_endpoint_stats {
            requests: s.requests,
            attempts: s.attempts,
            retries: s.retries,
            failovers: s.failovers,
            limiter_waits: s.limiter_waits,
            limiter_refusals: s.limiter_refusals,
            limiter_waiting: s.limiter_waiting,
            throttled: s.throttled,
            verification_failures: s.verification_failures,
        }
    }
}

impl From<&Stats> for wx_stats {
    fn from(s: &Stats) -> Self {
        wx_stats {
            recover: s.recover.into(),
            query: s.query.into(),
            certificates: s.certificates.into(),
            active_host: match s.active_host {
                Host::Primary => wx_host::WX_HOST_PRIMARY,
                Host::Backup => wx_host::WX_HOST_BACKUP,
            },
            breaker: match s.breaker {
                BreakerState::Closed => wx_breaker_state::WX_BREAKER_CLOSED,
                BreakerState::Open => wx_breaker_state::WX_BREAKER_OPEN,
                BreakerState::HalfOpen => wx_breaker_state::WX_BREAKER_HALF_OPEN,
                BreakerState::Disabled => wx_breaker_state::WX_BREAKER_DISABLED,
            },
            backup_down: s.backup_down as u8,
            quota_store_healthy: s.quota_store_healthy as u8,
            quota_store: match s.quota_store {
                StoreKind::Local => wx_quota_store::WX_QUOTA_LOCAL,
                StoreKind::File => wx_quota_store::WX_QUOTA_FILE,
                StoreKind::Redis => wx_quota_store::WX_QUOTA_REDIS,
            },
            quota_store_errors: s.quota_store_errors,
        }
    }
}

/// Fills `*out` with a snapshot of the client's counters (per endpoint: requests, attempts,
/// retries, failovers, limiter waits and refusals, 429s, verification failures) and of its
/// breaker's and quota store's state. Never blocks on the network. The counters are read one by
/// one, so a snapshot taken while calls run may be off by the calls in flight.
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_INTERNAL.
/// Thread: any thread; many threads may use one client at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_stats(
    client: *const wx_recover,
    out: *mut wx_stats,
    err: *mut *mut super::wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        out.write(wx_stats::from(&client.inner.stats()));
        Ok(())
    })
}

/// One endpoint's counters (wx_recover_endpoint_stats()): the wx_stats members in
/// declaration order, then the punish, which wx_stats' frozen layout has no room for.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_endpoint {
    WX_ENDPOINT_RECOVER = 0,
    WX_ENDPOINT_QUERY = 1,
    WX_ENDPOINT_CERTIFICATES = 2,
    /// 管控: its own bucket and counters.
    WX_ENDPOINT_PUNISH = 3,
}

/// Fills `*out` with one endpoint's counters since the client was created: the same numbers
/// wx_recover_stats() gives for the first three, and the punish's. `endpoint` is a
/// wx_endpoint value.
///
/// Returns: WX_OK; WX_INVALID_ARGUMENT for a NULL `client` or `out` or an unknown endpoint;
/// WX_INTERNAL for a bug (a caught panic).
/// Thread: any thread; counters are read without stopping other calls.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_endpoint_stats(
    client: *const wx_recover,
    endpoint: std::ffi::c_int,
    out: *mut wx_endpoint_stats,
    err: *mut *mut super::wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let e = usize::try_from(endpoint)
            .ok()
            .and_then(|i| crate::Endpoint::ALL.get(i).copied())
            .ok_or_else(|| crate::Error::invalid("endpoint", "must be a wx_endpoint value"))?;
        out.write((*client.inner.stats().endpoint(e)).into());
        Ok(())
    })
}
