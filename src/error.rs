//! One error type for every failure, carrying what a caller needs to decide its next step.
//! Whether it is retry-safe comes from the classifier (`classify.rs`); the context of the
//! answer that caused it (HTTP status, Request-ID, attempts) is attached by `Error::after`.

use std::fmt;

use crate::classify::{classify, Subject};
use crate::text;

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

/// A failure with every detail a caller may need to log, alert on, or quote to WeChat Pay support.
///
/// Messages never contain key material, Authorization values or the plaintext `bal_account_no`.
/// Text from the network is bounded and has its control characters escaped before it reaches
/// `message` or `code`; the formatted message (`Display`) is always one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", Formatted(self))]
pub struct Error {
    pub kind: ErrorKind,
    /// HTTP status of the answer that caused the error, 0 when there was none.
    pub http_status: u16,
    /// Platform error code (`PARAM_ERROR`, …) when the platform sent one.
    pub code: Option<String>,
    pub message: String,
    /// The platform's `detail` object, as JSON text (at most 64 KiB).
    pub detail: Option<String>,
    /// `Request-ID` of the answer, when there was one, exactly as received.
    pub request_id: Option<String>,
    /// True when re-submitting the same `out_request_no` (or querying it) is the right next step.
    pub retry_safe: bool,
    /// How many HTTP attempts the call made (0 when it failed before sending).
    pub attempts: u32,
}

/// Where an error came from, attached in one place.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    pub http_status: u16,
    pub request_id: Option<String>,
    pub attempts: u32,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let message = message.into();
        let message = if text::is_clean(&message, text::MESSAGE_MAX_CHARS * 2) {
            message
        } else {
            text::clean(&message, text::MESSAGE_MAX_CHARS * 2)
        };
        Error {
            kind,
            http_status: 0,
            code: None,
            message,
            detail: None,
            request_id: None,
            retry_safe: classify(kind, 0, Subject::Order).retry_safe,
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

    /// This error as the outcome of an exchange: its HTTP status, Request-ID and attempt
    /// count, and the classifier's `retry_safe` for that status.
    pub(crate) fn after(mut self, ctx: &Context) -> Self {
        if ctx.http_status != 0 {
            self.http_status = ctx.http_status;
        }
        if ctx.request_id.is_some() {
            self.request_id = ctx.request_id.clone();
        }
        self.attempts = self.attempts.max(ctx.attempts);
        self.retry_safe = classify(self.kind, self.http_status, Subject::Order).retry_safe;
        self
    }

    /// The same error about a notification: never retry-safe.
    pub(crate) fn about_notification(mut self) -> Self {
        self.retry_safe = classify(self.kind, self.http_status, Subject::Notification).retry_safe;
        self
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

struct Formatted<'a>(&'a Error);

impl fmt::Display for Formatted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        write!(f, "{}", e.kind)?;
        if e.http_status != 0 {
            write!(f, " (HTTP {}", e.http_status)?;
            if let Some(code) = &e.code {
                write!(f, " {}", text::clean_bytes(code, text::CODE_MAX_BYTES))?;
            }
            write!(f, ")")?;
        }
        write!(
            f,
            ": {}",
            text::clean(&e.message, text::MESSAGE_MAX_CHARS * 2)
        )?;
        if let Some(id) = &e.request_id {
            write!(
                f,
                " [Request-ID {}]",
                text::clean(id, text::REQUEST_ID_QUOTE_CHARS)
            )?;
        }
        if e.attempts > 1 {
            write!(f, " after {} attempts", e.attempts)?;
        }
        Ok(())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The first `max` characters of `s`: untrusted text quoted in a message stays one short line.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
