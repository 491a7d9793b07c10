//! One error type for every failure, carrying what a caller needs to decide its next step.

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

/// A failure with every detail a caller may need to log, alert on, or quote to WeChat Pay support.
///
/// Messages never contain key material, Authorization values or the plaintext `bal_account_no`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// HTTP status of the answer that caused the error, 0 when there was none.
    pub http_status: u16,
    /// Platform error code (`PARAM_ERROR`, …) when the platform sent one.
    pub code: Option<String>,
    pub message: String,
    /// The platform's `detail` object, as JSON text.
    pub detail: Option<String>,
    /// `Request-ID` of the answer, when there was one.
    pub request_id: Option<String>,
    /// True when re-submitting the same `out_request_no` (or querying it) is the right next step.
    pub retry_safe: bool,
    /// How many HTTP attempts the call made (0 when it failed before sending).
    pub attempts: u32,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let retry_safe = matches!(
            kind,
            ErrorKind::Network
                | ErrorKind::Timeout
                | ErrorKind::Unverified
                | ErrorKind::RateLimited
                | ErrorKind::BadResponse
        );
        Error {
            kind,
            http_status: 0,
            code: None,
            message: message.into(),
            detail: None,
            request_id: None,
            retry_safe,
            attempts: 0,
        }
    }

    pub fn invalid(field: &str, why: &str) -> Self {
        Error::new(ErrorKind::InvalidArgument, format!("{field}: {why}"))
    }

    pub fn config(item: &str, why: impl fmt::Display) -> Self {
        Error::new(ErrorKind::Config, format!("{item}: {why}"))
    }

    pub fn internal(why: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal, why)
    }

    pub(crate) fn with_request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }

    pub(crate) fn with_http_status(mut self, status: u16) -> Self {
        self.http_status = status;
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.as_str())?;
        if self.http_status != 0 {
            write!(f, " (HTTP {}", self.http_status)?;
            if let Some(code) = &self.code {
                write!(f, " {code}")?;
            }
            write!(f, ")")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " [Request-ID {id}]")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// The first `max` characters of `s`: untrusted text quoted in a message stays one short line.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
