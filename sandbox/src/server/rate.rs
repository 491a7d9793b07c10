//! The platform's per-minute limits: one sliding 60-second window per initiating merchant and
//! endpoint, the arrival statistics `/stats` reports as `rate`, and `POST /rate-limit`.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::routes::Api;
use super::state::{Shared, State};

/// Every authenticated arrival at one endpoint, answered or refused, as the platform's
/// per-minute limit counts them. Only the last 60 s are kept; `busiest` is updated on each
/// arrival, so it is the exact maximum over every 60-second window since the last reset.
#[derive(Default)]
pub struct ArrivalLog {
    recent: VecDeque<Instant>,
    total: u64,
    busiest: u64,
    pub(super) throttled: u64,
}

impl ArrivalLog {
    fn arrive(&mut self, now: Instant) {
        while let Some(front) = self.recent.front() {
            if now.duration_since(*front) >= Duration::from_secs(60) {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        self.recent.push_back(now);
        self.total += 1;
        self.busiest = self.busiest.max(self.recent.len() as u64);
    }
}

impl Shared {
    /// Records an authenticated arrival and applies the per-minute limit; false = answer 429.
    pub(super) fn rate_ok(&self, mchid: &str, api: Api) -> bool {
        let limit = self.limits[api.index()].load(Ordering::SeqCst);
        let mut st = self.lock();
        // Taken under the lock, so every endpoint's arrival log is in time order.
        let now = Instant::now();
        st.arrivals[api.index()].arrive(now);
        if limit == 0 {
            return true;
        }
        let q = st.rate.entry((mchid.to_string(), api)).or_default();
        while let Some(front) = q.front() {
            if now.duration_since(*front) >= Duration::from_secs(60) {
                q.pop_front();
            } else {
                break;
            }
        }
        if q.len() >= limit as usize {
            st.arrivals[api.index()].throttled += 1;
            return false;
        }
        q.push_back(now);
        true
    }

    /// Counts a 429 sent for `api` by the `rate_limited` fault.
    pub(super) fn count_throttled(&self, api: Option<Api>) {
        if let Some(api) = api {
            self.lock().arrivals[api.index()].throttled += 1;
        }
    }

    /// `/stats` `rate`: per endpoint, its limit and arrival statistics.
    pub(super) fn rate_json(&self, st: &State) -> Value {
        let mut m = Map::new();
        for api in Api::all() {
            let log = &st.arrivals[api.index()];
            m.insert(
                api.name().into(),
                json!({
                    "limit": self.limits[api.index()].load(Ordering::SeqCst),
                    "arrivals": log.total,
                    "busiest_window": log.busiest,
                    "throttled": log.throttled,
                }),
            );
        }
        Value::Object(m)
    }

    /// The current per-minute limits, by endpoint name.
    fn limits_json(&self) -> Value {
        let mut m = Map::new();
        for api in Api::all() {
            m.insert(
                api.name().into(),
                json!(self.limits[api.index()].load(Ordering::SeqCst)),
            );
        }
        Value::Object(m)
    }

    /// Admin `POST /rate-limit`: `{"per_minute": N}` sets every endpoint's limit, `{"per_minute":
    /// N, "api": "recover"|"query"|"certificates"|"punish"}` one of them (0 = off). Requests already in
    /// the window keep counting. Answers `{"ok": true, "limits": {...}}`.
    pub fn set_rate_limit(&self, v: &Value) -> Result<Value, String> {
        let obj = v
            .as_object()
            .ok_or("rate-limit body must be a JSON object")?;
        let n = obj
            .get("per_minute")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or("\"per_minute\" must be a non-negative integer below 2^32")?;
        let apis: Vec<Api> = match obj.get("api") {
            None | Some(Value::Null) => Api::all().collect(),
            Some(a) => vec![a
                .as_str()
                .and_then(Api::parse)
                .ok_or_else(|| format!("\"api\" must be {}", Api::names_quoted()))?],
        };
        for api in apis {
            self.limits[api.index()].store(n, Ordering::SeqCst);
        }
        Ok(json!({"ok": true, "limits": self.limits_json()}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busiest_window_is_exact_over_sliding_60s_windows() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut log = ArrivalLog::default();
        // Windows [t, t + 60 s): the one from 10 s holds 10, 59.9, 60 and 61 s; arrivals exactly
        // 60 s apart are never in one window.
        for ms in [0, 10_000, 59_900, 60_000, 61_000, 119_950] {
            log.arrive(at(ms));
        }
        assert_eq!((log.total, log.busiest), (6, 4));
        // A burst later raises it; the maximum is kept after the burst slides out.
        for i in 0..7 {
            log.arrive(at(200_000 + i));
        }
        assert_eq!(log.busiest, 7);
        log.arrive(at(300_000));
        assert_eq!((log.total, log.busiest, log.recent.len()), (14, 7, 1));
    }
}
