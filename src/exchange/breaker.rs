//! The circuit breaker over the two hosts, shared by every thread of a client. WeChat Pay's
//! guidance for its backup domain: switch automatically on failure, keep checking the primary
//! with a small share of traffic, and switch back once it recovers. So after a transport
//! failure, timeout or 5xx on a host, the following calls go to the other host at once; the
//! failed host gets one real call every `breaker_probe_interval_ms`, and traffic returns when it
//! answers. With both hosts failing, calls fail fast instead of waiting out their timeouts.
//! Re-entry makes the same `out_request_no` safe on either host.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::exchange::stats::{BreakerState, Host};

#[derive(Debug, Clone, Copy)]
struct Health {
    /// Consecutive failures; the host is down once they reach the threshold.
    failures: u32,
    /// When a down host may be probed next.
    next_probe: Instant,
    /// When the probe in flight started, if one is.
    probe_started: Option<Instant>,
}

impl Health {
    fn up() -> Health {
        Health {
            failures: 0,
            next_probe: Instant::now(),
            probe_started: None,
        }
    }
}

/// Where one attempt goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// Host index (0 primary, 1 backup), and whether the attempt is a probe of a down host.
    To(usize, bool),
    /// Both hosts are down and a probe of one of them is in flight.
    AllDown,
}

pub(crate) struct Breaker {
    /// Off without a backup host or with `breaker_enabled: false`: each call then starts on
    /// the primary and moves to the backup after a failure, as in one call's retries.
    enabled: bool,
    threshold: u32,
    probe_interval: Duration,
    /// A probe not reported within this long (one attempt's timeout and a margin) no longer
    /// counts as in flight, so a lost report cannot stop the probing.
    probe_timeout: Duration,
    hosts: Mutex<[Health; 2]>,
}

impl Breaker {
    pub fn new(
        enabled: bool,
        threshold: u32,
        probe_interval: Duration,
        attempt_timeout: Duration,
    ) -> Breaker {
        Breaker {
            enabled,
            threshold: threshold.max(1),
            probe_interval,
            probe_timeout: attempt_timeout + Duration::from_secs(1),
            hosts: Mutex::new([Health::up(), Health::up()]),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, [Health; 2]> {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn down(&self, h: &Health) -> bool {
        h.failures >= self.threshold
    }

    /// The host for the next attempt. With one host down, it gets one real call (a probe)
    /// every probe interval and the other host the rest. With both down, one call at a time is
    /// let through as a probe, to the host that failed longest ago, and calls arriving while it
    /// is in flight fail at once instead of each waiting out a timeout.
    pub fn route(&self) -> Route {
        let now = Instant::now();
        let mut hosts = self.lock();
        match (self.down(&hosts[0]), self.down(&hosts[1])) {
            (false, _) => Route::To(0, false),
            (true, false) => {
                if !self.probing(&hosts[0], now) && now >= hosts[0].next_probe {
                    self.start_probe(&mut hosts[0], now);
                    return Route::To(0, true);
                }
                Route::To(1, false)
            }
            (true, true) => {
                if hosts.iter().any(|h| self.probing(h, now)) {
                    return Route::AllDown;
                }
                let i = if hosts[1].next_probe < hosts[0].next_probe {
                    1
                } else {
                    0
                };
                self.start_probe(&mut hosts[i], now);
                Route::To(i, true)
            }
        }
    }

    fn probing(&self, h: &Health, now: Instant) -> bool {
        h.probe_started
            .is_some_and(|t| now.duration_since(t) < self.probe_timeout)
    }

    fn start_probe(&self, h: &mut Health, now: Instant) {
        h.probe_started = Some(now);
        h.next_probe = now + self.probe_interval;
    }

    /// An attempt routed to `host` ended before anything was sent: its probe, if it was one,
    /// is no longer in flight.
    pub fn not_sent(&self, host: usize) {
        self.lock()[host].probe_started = None;
    }

    /// The outcome of an attempt on `host`: `answered` is false for a transport failure,
    /// timeout or 5xx. Returns true when this marked the host down (a failover).
    pub fn report(&self, host: usize, answered: bool) -> bool {
        let mut hosts = self.lock();
        let h = &mut hosts[host];
        let was_down = h.failures >= self.threshold;
        h.probe_started = None;
        if answered {
            *h = Health::up();
            return false;
        }
        h.failures = h.failures.saturating_add(1);
        h.next_probe = Instant::now() + self.probe_interval;
        !was_down && h.failures >= self.threshold
    }

    /// The host the next call goes to, the primary's breaker state and whether the backup is
    /// down, for `stats()`.
    pub fn state(&self) -> (Host, BreakerState, bool) {
        if !self.enabled {
            return (Host::Primary, BreakerState::Disabled, false);
        }
        let hosts = self.lock();
        let (p, b) = (&hosts[0], &hosts[1]);
        let state = match (self.down(p), self.probing(p, Instant::now())) {
            (false, _) => BreakerState::Closed,
            (true, true) => BreakerState::HalfOpen,
            (true, false) => BreakerState::Open,
        };
        let active = if !self.down(p) || self.down(b) {
            Host::Primary
        } else {
            Host::Backup
        };
        (active, state, self.down(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: u32, probe_ms: u64) -> Breaker {
        Breaker::new(
            true,
            threshold,
            Duration::from_millis(probe_ms),
            Duration::from_secs(5),
        )
    }

    #[test]
    fn fails_over_probes_on_a_timer_and_returns() {
        let b = breaker(1, 50);
        assert_eq!(b.route(), Route::To(0, false));
        assert!(b.report(0, false));
        assert_eq!(b.state().1, BreakerState::Open);
        assert_eq!(b.route(), Route::To(1, false));
        assert_eq!(b.route(), Route::To(1, false));
        std::thread::sleep(Duration::from_millis(60));
        // One probe of the primary; other calls keep going to the backup meanwhile.
        assert_eq!(b.route(), Route::To(0, true));
        assert_eq!(b.state().1, BreakerState::HalfOpen);
        assert_eq!(b.route(), Route::To(1, false));
        assert!(!b.report(0, false));
        assert_eq!(b.route(), Route::To(1, false));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(b.route(), Route::To(0, true));
        assert!(!b.report(0, true));
        assert_eq!(b.route(), Route::To(0, false));
        assert_eq!(b.state(), (Host::Primary, BreakerState::Closed, false));
    }

    #[test]
    fn with_both_down_one_call_at_a_time_probes_and_the_rest_fail_fast() {
        let b = breaker(2, 60_000);
        b.report(0, false);
        assert_eq!(b.route(), Route::To(0, false), "below the threshold");
        b.report(0, false);
        b.report(1, false);
        b.report(1, false);
        assert_eq!(
            b.route(),
            Route::To(0, true),
            "the host that failed longest ago"
        );
        assert_eq!(b.route(), Route::AllDown);
        b.report(0, false);
        assert_eq!(b.route(), Route::To(1, true));
        b.not_sent(1);
        assert_eq!(b.route(), Route::To(0, true));
        b.report(0, true);
        assert_eq!(b.route(), Route::To(0, false));
    }

    #[test]
    fn a_probe_never_reported_stops_counting_as_in_flight() {
        let b = Breaker::new(true, 1, Duration::from_secs(60), Duration::ZERO);
        b.report(0, false);
        b.report(1, false);
        assert_eq!(b.route(), Route::To(0, true));
        std::thread::sleep(Duration::from_millis(1010));
        assert!(matches!(b.route(), Route::To(_, true)));
    }
}
