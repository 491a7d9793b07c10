//! One error type for every failure, carrying what a caller needs to decide its next step.
//! Whether it is retry-safe comes from the classifier (`classify.rs`); the context of the
//! answer that caused it (HTTP status, Request-ID, attempts) is attached by `Error::after`.

use std::fmt;

use crate::core::classify::{classify, Outcome, Subject, Verdict};
pub use crate::core::kinds::ErrorKind;
use crate::core::text;

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
            retry_safe: classify(Outcome::of_error(kind, 0)).retry_safe,
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
        self.retry_safe = self.verdict().retry_safe;
        self
    }

    /// The classifier's verdict on this error as an order's outcome.
    pub(crate) fn verdict(&self) -> Verdict {
        classify(Outcome::of_error(self.kind, self.http_status))
    }

    /// The same error about a notification: never retry-safe.
    pub(crate) fn about_notification(mut self) -> Self {
        self.retry_safe = classify(Outcome {
            subject: Subject::Notification,
            ..Outcome::of_error(self.kind, self.http_status)
        })
        .retry_safe;
        self
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
