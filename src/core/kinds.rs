//! Leaf types every layer names: error kinds, endpoints, hosts, breaker and store states. This
//! file imports nothing of the crate's, so any module may use it without a cycle.

use std::fmt;

/// What kind of failure happened. The numbering is part of the C ABI (see `ffi::wx_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A caller-supplied value is missing or breaks a rule. Nothing was sent.
    InvalidArgument,
    /// The configuration or a key could not be used. Nothing was sent.
    Config,
    /// The connection failed or broke. The request may or may not have reached the platform.
    Network,
    /// No answer in time. The request may or may not have reached the platform.
    Timeout,
    /// The platform answered with a non-2xx status.
    Api,
    /// A 2xx answer failed verification: the outcome is unknown.
    Unverified,
    /// The client-side limiter had no slot in time. Nothing was sent by this attempt.
    RateLimited,
    /// A verified answer whose body is not what the API documents.
    BadResponse,
    /// A bug in this library (including a caught panic).
    Internal,
}

impl ErrorKind {
    /// Every kind, in ABI order.
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::InvalidArgument,
        ErrorKind::Config,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Api,
        ErrorKind::Unverified,
        ErrorKind::RateLimited,
        ErrorKind::BadResponse,
        ErrorKind::Internal,
    ];

    /// The kind's stable code (`"NETWORK"`): what the journal stores and what the C status is
    /// named after (`WX_NETWORK`). Never reworded; `as_str` is the prose for people.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::Config => "CONFIG",
            ErrorKind::Network => "NETWORK",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::Api => "API",
            ErrorKind::Unverified => "UNVERIFIED",
            ErrorKind::RateLimited => "RATE_LIMITED",
            ErrorKind::BadResponse => "BAD_RESPONSE",
            ErrorKind::Internal => "INTERNAL",
        }
    }

    /// The kind whose `code()` is `code`.
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind's name as in messages (`"network error"`); its `Display`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::Config => "configuration error",
            ErrorKind::Network => "network error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Api => "API error",
            ErrorKind::Unverified => "unverified response",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::BadResponse => "bad response",
            ErrorKind::Internal => "internal error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The endpoints with a bucket of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Recover = 0,
    Query = 1,
    Certificates = 2,
    /// 管控 (punish): its own bucket, 200/min per merchant like the recover.
    Punish = 3,
}

impl Endpoint {
    pub const ALL: [Endpoint; Endpoint::COUNT] = [
        Endpoint::Recover,
        Endpoint::Query,
        Endpoint::Certificates,
        Endpoint::Punish,
    ];
    pub const COUNT: usize = 4;

    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Recover => "recover",
            Endpoint::Query => "query",
            Endpoint::Certificates => "certificates",
            Endpoint::Punish => "punish",
        }
    }
}

/// Which host the breaker sends calls to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    Primary,
    Backup,
}

/// The circuit breaker over the primary host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// The primary answers; calls go to it.
    Closed,
    /// The primary failed; calls go to the backup and the primary is probed on a timer.
    Open,
    /// A probe call to the primary is in flight.
    HalfOpen,
    /// No backup is configured, or the breaker is turned off (`breaker_enabled: false`).
    Disabled,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
            BreakerState::Disabled => "disabled",
        }
    }
}

/// Where a client's buckets live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Local,
    File,
    Redis,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Local => "local",
            StoreKind::File => "file",
            StoreKind::Redis => "redis",
        }
    }
}
