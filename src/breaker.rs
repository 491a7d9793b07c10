//! The circuit breaker over the two hosts, shared by every thread of a client. WeChat Pay's
//! guidance for its backup domain: switch automatically on failure, keep checking the primary
//! with a small share of traffic, and switch back once it recovers. So after a transport
//! failure, timeout or 5xx on a host, the following calls go to the other host at once; the
//! failed host gets one real call every `breaker_probe_interval_ms`, and traffic returns when it
//! answers. With both hosts failing, calls fail fast instead of waiting out their timeouts.
//! Re-entry makes the same `out_request_no` safe on either host.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::stats::{BreakerState, Host};

#[derive(Debug, Clone, Copy)]
struct Health {
    /// Consecutive failures; the host is down once they reach the threshold.
    failures: u32,
    /// When a down host may be probed next.
    next_probe: Instant,
    probing: bool,
}

impl Health {
    fn up() -> Health {
        Health {
            failures: 0,
            next_probe: Instant::now(),
            probing: false,
        }
    }
}

/// Where one attempt goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// Host index (0 primary, 1 backup), and whether the attempt is a probe of a down host.
    To(usize, bool),
    /// Both hosts are down and neither is due for a probe for this long.
    AllDown(Duration),
}

pub(crate) struct Breaker {
    /// Off without a backup host or with `breaker_enabled: false`: each call then starts on
    /// the primary and moves to the backup after a failure, as in one call's retries.
    enabled: bool,
    threshold: u32,
    probe_interval: Duration,
    hosts: Mutex<[Health; 2]>,
}

impl Breaker {
    pub fn new(enabled: bool, threshold: u32, probe_interval: Duration) -> Breaker {
        Breaker {
            enabled,
            threshold: threshold.max(1),
            probe_interval,
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

    /// The host for the next attempt. A down host whose probe is due gets this attempt as its
    /// probe (one at a time); otherwise the first host that is up.
    pub fn route(&self) -> Route {
        let now = Instant::now();
        let mut hosts = self.lock();
        for i in 0..2 {
            if !self.down(&hosts[i]) {
                // The primary is preferred; a due probe of it goes before the backup.
                if i == 1 && self.probe_due(&hosts[0], now) {
                    hosts[0].probing = true;
                    hosts[0].next_probe = now + self.probe_interval;
                    return Route::To(0, true);
                }
                return Route::To(i, false);
            }
        }
        for i in 0..2 {
            if self.probe_due(&hosts[i], now) {
                hosts[i].probing = true;
                hosts[i].next_probe = now + self.probe_interval;
                return Route::To(i, true);
            }
        }
        let soonest = hosts.iter().map(|h| h.next_probe).min().unwrap_or(now);
        Route::AllDown(soonest.saturating_duration_since(now))
    }

    fn probe_due(&self, h: &Health, now: Instant) -> bool {
        self.down(h) && !h.probing && now >= h.next_probe
    }

    /// The outcome of an attempt on `host`: `answered` is false for a transport failure,
    /// timeout or 5xx. Returns true when this marked the host down (a failover).
    pub fn report(&self, host: usize, answered: bool) -> bool {
        let mut hosts = self.lock();
        let h = &mut hosts[host];
        let was_down = h.failures >= self.threshold;
        h.probing = false;
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
        let state = match (self.down(p), p.probing) {
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

    #[test]
    fn fails_over_probes_on_a_timer_and_returns() {
        let b = Breaker::new(true, 1, Duration::from_millis(50));
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
    fn both_down_fails_fast_until_a_probe_is_due() {
        let b = Breaker::new(true, 2, Duration::from_millis(80));
        b.report(0, false);
        assert_eq!(b.route(), Route::To(0, false), "below the threshold");
        b.report(0, false);
        b.report(1, false);
        b.report(1, false);
        assert!(matches!(b.route(), Route::AllDown(d) if d <= Duration::from_millis(80)));
        std::thread::sleep(Duration::from_millis(90));
        assert_eq!(b.route(), Route::To(0, true));
        assert_eq!(b.route(), Route::To(1, true));
        assert!(matches!(b.route(), Route::AllDown(_)));
    }
}
