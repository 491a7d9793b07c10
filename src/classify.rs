//! The one classifier: for every outcome of a call it decides whether the call retries,
//! whether the next attempt moves to the other host, and whether re-submitting the same
//! `out_request_no` is safe. Nothing else in the library makes these decisions.

use crate::error::ErrorKind;

/// What an outcome is about: an order (submit, query, certificate download) or a
/// notification, which names no order of the caller's and so is never "retry-safe".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    Order,
    Notification,
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
}

/// The platform's transient statuses: its rate limit and its own failures.
fn transient(http_status: u16) -> bool {
    http_status == 429 || http_status >= 500
}

/// Classifies an outcome by its error kind and the HTTP status of the answer (0 for none).
pub(crate) fn classify(kind: ErrorKind, http_status: u16, subject: Subject) -> Verdict {
    let (retry, failover, retry_safe) = match kind {
        // Nothing was sent, or nothing can change by sending again.
        ErrorKind::InvalidArgument | ErrorKind::Config | ErrorKind::Internal => {
            (false, false, false)
        }
        // The host did not answer: the request may have arrived.
        ErrorKind::Network | ErrorKind::Timeout => (true, true, true),
        // 429 is the quota, the same on either host; 5xx is this host's failure.
        ErrorKind::Api if http_status == 429 => (true, false, true),
        ErrorKind::Api if transient(http_status) => (true, true, true),
        // A definitive refusal (4xx): re-sending the same request cannot change it.
        ErrorKind::Api => (false, false, false),
        // A 2xx that failed verification or has an undocumented body: the outcome is
        // unknown. Retrying within the call would hide tampering; the caller decides.
        ErrorKind::Unverified | ErrorKind::BadResponse => (false, false, true),
        // The client-side limiter: nothing was sent by this attempt.
        ErrorKind::RateLimited => (false, false, true),
    };
    Verdict {
        retry,
        failover,
        retry_safe: retry_safe && subject == Subject::Order,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_one_decision() {
        let v = |k, s| classify(k, s, Subject::Order);
        assert_eq!(
            v(ErrorKind::Network, 0),
            Verdict {
                retry: true,
                failover: true,
                retry_safe: true
            }
        );
        assert!(v(ErrorKind::Timeout, 0).failover);
        assert!(v(ErrorKind::Api, 500).failover && v(ErrorKind::Api, 503).retry);
        assert!(!v(ErrorKind::Api, 429).failover && v(ErrorKind::Api, 429).retry);
        for s in [400, 401, 403, 404, 409] {
            assert!(!v(ErrorKind::Api, s).retry && !v(ErrorKind::Api, s).retry_safe);
        }
        assert!(!v(ErrorKind::Unverified, 200).retry && v(ErrorKind::Unverified, 200).retry_safe);
        assert!(v(ErrorKind::BadResponse, 200).retry_safe);
        assert!(!v(ErrorKind::InvalidArgument, 0).retry_safe);
        assert!(!classify(ErrorKind::Unverified, 0, Subject::Notification).retry_safe);
    }
}
