//! The one classifier: for every outcome of a call it gives one verdict, which the attempt
//! loop (`retry.rs`), the circuit breaker and the journal all read: whether the call retries,
//! whether the next attempt moves to the other host, whether the host failed, whether
//! re-submitting the same `out_request_no` is safe, and whether the platform refused it for
//! good. Nothing else in the library makes these decisions.

use crate::core::kinds::ErrorKind;

/// What an outcome is about: an order (submit, query, certificate download) or a
/// notification, which names no order of the caller's and so is never "retry-safe".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    Order,
    Notification,
}

/// Whether an attempt reached the host: only then does its outcome say anything about the
/// host's health. Signing, the URL or a local deadline that runs out first send nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// The request went to the transport (connected, or tried to).
    Wire,
    /// It failed before anything was sent.
    NotSent,
}

/// One outcome as the classifier sees it. `kind` is `None` for a 2xx answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub kind: Option<ErrorKind>,
    /// The answer's HTTP status, 0 for none.
    pub http_status: u16,
    pub reach: Reach,
    pub subject: Subject,
}

impl Outcome {
    /// An error's outcome for an order, as far as the error itself tells.
    pub fn of_error(kind: ErrorKind, http_status: u16) -> Outcome {
        Outcome {
            kind: Some(kind),
            http_status,
            reach: Reach::Wire,
            subject: Subject::Order,
        }
    }
}

/// What the host's answer (or silence) says about it, for the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostHealth {
    /// It answered (2xx, 4xx, 429).
    Up,
    /// A transport failure, a timeout or a 5xx.
    Failed,
    /// Nothing was sent: nothing is known.
    Unknown,
}

/// The decision for one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// Try again within this call (same bytes, newly signed), if attempts and deadline allow.
    pub retry: bool,
    /// The next attempt goes to the other host. Re-entry makes the same `out_request_no` safe
    /// on either host (WeChat Pay's guidance for the backup domain: switch on failure).
    pub failover: bool,
    /// The caller may re-submit the same `out_request_no` (or query it) later.
    pub retry_safe: bool,
    /// For the circuit breaker.
    pub host: HostHealth,
    /// The platform refused this request for good (a 4xx other than 429): the journal records
    /// it `REFUSED`, and nothing re-sends it.
    pub refused: bool,
}

/// The platform's transient statuses: its rate limit and its own failures.
fn transient(http_status: u16) -> bool {
    http_status == 429 || http_status >= 500
}

/// Classifies one outcome.
pub(crate) fn classify(o: Outcome) -> Verdict {
    let (retry, failover, retry_safe) = match o.kind {
        None => (false, false, true),
        // Nothing was sent, or nothing can change by sending again.
        Some(ErrorKind::InvalidArgument | ErrorKind::Config | ErrorKind::Internal) => {
            (false, false, false)
        }
        // The host did not answer: the request may have arrived.
        Some(ErrorKind::Network | ErrorKind::Timeout) => (true, true, true),
        // 429 is the quota, the same on either host; 5xx is this host's failure.
        Some(ErrorKind::Api) if o.http_status == 429 => (true, false, true),
        Some(ErrorKind::Api) if transient(o.http_status) => (true, true, true),
        // A definitive refusal (4xx): re-sending the same request cannot change it.
        Some(ErrorKind::Api) => (false, false, false),
        // A 2xx that failed verification or has an undocumented body: the outcome is
        // unknown. Retrying within the call would hide tampering; the caller decides.
        Some(ErrorKind::Unverified | ErrorKind::BadResponse) => (false, false, true),
        // The client-side limiter: nothing was sent by this attempt.
        Some(ErrorKind::RateLimited) => (false, false, true),
    };
    let host = match (o.reach, o.kind) {
        (Reach::NotSent, _) => HostHealth::Unknown,
        (Reach::Wire, Some(ErrorKind::Network | ErrorKind::Timeout)) => HostHealth::Failed,
        (Reach::Wire, _) if o.http_status >= 500 => HostHealth::Failed,
        (Reach::Wire, Some(ErrorKind::Api | ErrorKind::Unverified | ErrorKind::BadResponse))
        | (Reach::Wire, None) => HostHealth::Up,
        // Errors of ours (config, limiter, a bug) say nothing about the host.
        (Reach::Wire, Some(_)) => HostHealth::Unknown,
    };
    Verdict {
        retry,
        failover: failover && o.reach == Reach::Wire,
        retry_safe: retry_safe && o.subject == Subject::Order,
        host,
        refused: o.kind == Some(ErrorKind::Api) && !transient(o.http_status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(kind: ErrorKind, status: u16) -> Verdict {
        classify(Outcome::of_error(kind, status))
    }

    #[test]
    fn every_outcome_has_one_decision() {
        assert_eq!(
            v(ErrorKind::Network, 0),
            Verdict {
                retry: true,
                failover: true,
                retry_safe: true,
                host: HostHealth::Failed,
                refused: false,
            }
        );
        assert!(v(ErrorKind::Timeout, 0).failover);
        assert!(v(ErrorKind::Api, 500).failover && v(ErrorKind::Api, 503).retry);
        assert_eq!(v(ErrorKind::Api, 503).host, HostHealth::Failed);
        assert!(!v(ErrorKind::Api, 429).failover && v(ErrorKind::Api, 429).retry);
        assert_eq!(v(ErrorKind::Api, 429).host, HostHealth::Up);
        assert!(!v(ErrorKind::Api, 429).refused);
        for s in [400, 401, 403, 404, 409] {
            let d = v(ErrorKind::Api, s);
            assert!(!d.retry && !d.retry_safe && d.refused && d.host == HostHealth::Up);
        }
        assert!(!v(ErrorKind::Unverified, 200).retry && v(ErrorKind::Unverified, 200).retry_safe);
        assert!(v(ErrorKind::BadResponse, 200).retry_safe);
        assert!(!v(ErrorKind::InvalidArgument, 0).retry_safe);
        assert_eq!(v(ErrorKind::RateLimited, 0).host, HostHealth::Unknown);
        let notification = Outcome {
            subject: Subject::Notification,
            ..Outcome::of_error(ErrorKind::Unverified, 0)
        };
        assert!(!classify(notification).retry_safe);
    }

    #[test]
    fn a_local_deadline_that_runs_out_before_sending_says_nothing_about_the_host() {
        let not_sent = Outcome {
            reach: Reach::NotSent,
            ..Outcome::of_error(ErrorKind::Timeout, 0)
        };
        let d = classify(not_sent);
        assert_eq!(d.host, HostHealth::Unknown);
        assert!(
            !d.failover,
            "no reason to leave a host that was never asked"
        );
        assert!(d.retry_safe);
        // The same timeout on the wire is the host's failure.
        assert_eq!(v(ErrorKind::Timeout, 0).host, HostHealth::Failed);
    }
}
