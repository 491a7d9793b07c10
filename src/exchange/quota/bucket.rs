//! The sliding-window log every store keeps: one entry per request, removed when it expires.
//! An entry is taken with a provisional expiry that covers the longest the request may take
//! (`hold`), and re-stamped when the request finishes to expire one window after that. So a
//! slot frees one window after its request's *answer or failure*, never after its start: the
//! platform counts arrivals, and an arrival happens at some moment between the two.

/// What `take` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Take {
    Taken,
    /// Full; the earliest entry expires in this many milliseconds.
    FullFor(u64),
}

/// One bucket's entries: `(member, expires_at_ms)` on the store's clock.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Bucket {
    pub entries: Vec<(String, u64)>,
}

impl Bucket {
    fn expire(&mut self, now_ms: u64) {
        self.entries.retain(|(_, at)| *at > now_ms);
    }

    /// Takes a slot for `member` when fewer than `limit` are live; it expires at
    /// `now_ms + hold_ms` unless re-stamped.
    pub fn take(&mut self, now_ms: u64, member: &str, limit: u32, hold_ms: u64) -> Take {
        self.expire(now_ms);
        if self.entries.len() < limit as usize {
            self.entries.push((member.to_string(), now_ms + hold_ms));
            return Take::Taken;
        }
        let first = self
            .entries
            .iter()
            .map(|(_, at)| *at)
            .min()
            .unwrap_or(now_ms);
        Take::FullFor(first.saturating_sub(now_ms).max(1))
    }

    /// The request of `member` finished at `now_ms`: its slot now expires one window later.
    /// An entry that is gone (the process was paused past its hold) is put back: the arrival
    /// happened, and the window must count it.
    pub fn restamp(&mut self, now_ms: u64, member: &str, window_ms: u64) {
        self.expire(now_ms);
        let at = now_ms + window_ms;
        match self.entries.iter_mut().find(|(m, _)| m == member) {
            Some(e) => e.1 = at,
            None => self.entries.push((member.to_string(), at)),
        }
    }

    pub fn cancel(&mut self, member: &str) {
        self.entries.retain(|(m, _)| m != member);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_until_the_earliest_entry_expires_and_restamp_moves_it_to_the_finish() {
        let mut b = Bucket::default();
        assert_eq!(b.take(0, "a", 2, 70_000), Take::Taken);
        assert_eq!(b.take(10, "b", 2, 70_000), Take::Taken);
        assert_eq!(b.take(20, "c", 2, 70_000), Take::FullFor(69_980));
        // "a" finished at 5 s: it frees at 65 s, not at its provisional 70 s.
        b.restamp(5_000, "a", 60_000);
        assert_eq!(b.take(30, "c", 2, 70_000), Take::FullFor(64_970));
        assert_eq!(b.take(64_999, "c", 2, 70_000), Take::FullFor(1));
        assert_eq!(b.take(65_000, "c", 2, 70_000), Take::Taken);
        // A re-stamp of an expired entry puts it back.
        let mut b = Bucket::default();
        b.take(0, "x", 1, 10);
        b.restamp(100, "x", 60_000);
        assert_eq!(b.take(200, "y", 1, 10), Take::FullFor(59_900));
    }
}
