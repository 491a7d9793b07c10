//! A client-side sliding-window limiter shared by every thread using one client, so a busy
//! process stays under the platform's per-minute limit instead of collecting 429s.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub struct Limiter {
    per_window: usize,
    sent: Mutex<VecDeque<Instant>>,
}

impl Limiter {
    /// `per_minute == 0` turns the limiter off.
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_window: per_minute as usize,
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Takes a slot, waiting at most `wait`. Returns false when no slot freed up in time.
    pub fn acquire(&self, wait: Duration) -> bool {
        if self.per_window == 0 {
            return true;
        }
        let give_up = Instant::now() + wait;
        loop {
            let now = Instant::now();
            let next_free = {
                // A poisoned lock only means another thread panicked mid-update of a queue of
                // instants; the queue is still usable.
                let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= WINDOW)
                {
                    sent.pop_front();
                }
                if sent.len() < self.per_window {
                    sent.push_back(now);
                    return true;
                }
                match sent.front() {
                    Some(oldest) => *oldest + WINDOW,
                    None => now,
                }
            };
            if next_free > give_up {
                return false;
            }
            std::thread::sleep(
                next_free
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_window_and_off_means_off() {
        let l = Limiter::new(3);
        assert!(l.acquire(Duration::ZERO));
        assert!(l.acquire(Duration::ZERO));
        assert!(l.acquire(Duration::ZERO));
        assert!(!l.acquire(Duration::ZERO));
        assert!(!l.acquire(Duration::from_millis(20)));
        let off = Limiter::new(0);
        for _ in 0..1000 {
            assert!(off.acquire(Duration::ZERO));
        }
    }
}
