//! Fault injection: parsing and installing faults (`POST /faults`, `Sandbox::inject`), taking
//! one per request, acting on it before and after the request is processed, and `reset`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use serde_json::Value;
use tokio::sync::watch;

use super::answer::{Answer, Serial};
use super::dispatch::{Abort, RequestLog};
use super::routes::Api;
use super::state::Shared;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FaultKind {
    SystemError,
    Reset,
    ResetAfterAccept,
    Delay,
    BadSignature,
    SignTest,
    StaleTimestamp,
    WrongSerial,
    NonJson,
    HugeBody,
    RateLimited,
    Down,
    Blackhole,
}

impl FaultKind {
    const ALL: [FaultKind; 13] = [
        FaultKind::SystemError,
        FaultKind::Reset,
        FaultKind::ResetAfterAccept,
        FaultKind::Delay,
        FaultKind::BadSignature,
        FaultKind::SignTest,
        FaultKind::StaleTimestamp,
        FaultKind::WrongSerial,
        FaultKind::NonJson,
        FaultKind::HugeBody,
        FaultKind::RateLimited,
        FaultKind::Down,
        FaultKind::Blackhole,
    ];

    fn parse(s: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::SystemError => "system_error",
            FaultKind::Reset => "reset",
            FaultKind::ResetAfterAccept => "reset_after_accept",
            FaultKind::Delay => "delay",
            FaultKind::BadSignature => "bad_signature",
            FaultKind::SignTest => "signtest",
            FaultKind::StaleTimestamp => "stale_timestamp",
            FaultKind::WrongSerial => "wrong_serial",
            FaultKind::NonJson => "non_json",
            FaultKind::HugeBody => "huge_body",
            FaultKind::RateLimited => "rate_limited",
            FaultKind::Down => "down",
            FaultKind::Blackhole => "blackhole",
        }
    }

    /// Faults that spoil a 2xx answer's signature headers.
    pub fn spoils_signature(self) -> bool {
        matches!(
            self,
            FaultKind::BadSignature
                | FaultKind::SignTest
                | FaultKind::StaleTimestamp
                | FaultKind::WrongSerial
        )
    }
}

/// An installed fault, waiting for the requests it applies to.
#[derive(Clone, Debug)]
pub struct Fault {
    kind: FaultKind,
    remaining: u64,
    listeners: [bool; 2],
    ms: u64,
    api: Option<Api>,
}

/// A fault taken by one request.
#[derive(Clone, Copy, Debug)]
pub struct Taken {
    pub kind: FaultKind,
    pub ms: u64,
}

impl Shared {
    /// Parses and installs a fault. Returns the listeners that must settle (for `down`).
    pub fn apply_fault(self: &Arc<Self>, v: &Value) -> Result<Option<[bool; 2]>, String> {
        let obj = v.as_object().ok_or("fault must be a JSON object")?;
        let kind_s = obj
            .get("kind")
            .and_then(Value::as_str)
            .ok_or("fault needs a string \"kind\"")?;
        let kind =
            FaultKind::parse(kind_s).ok_or_else(|| format!("unknown fault kind {kind_s:?}"))?;
        let count = match obj.get("count") {
            None | Some(Value::Null) => 1,
            Some(c) => c
                .as_u64()
                .filter(|n| *n >= 1)
                .ok_or("\"count\" must be a positive integer")?,
        };
        let listeners = match obj.get("listener") {
            None | Some(Value::Null) => [true, true],
            Some(l) => match l.as_str() {
                Some("primary") => [true, false],
                Some("backup") => [false, true],
                Some("both") => [true, true],
                _ => return Err("\"listener\" must be \"primary\", \"backup\" or \"both\"".into()),
            },
        };
        let ms = match obj.get("ms") {
            None | Some(Value::Null) => None,
            Some(m) => Some(m.as_u64().ok_or("\"ms\" must be a non-negative integer")?),
        };
        let api = match obj.get("path") {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                p.as_str()
                    .and_then(Api::parse)
                    .ok_or_else(|| format!("\"path\" must be {}", Api::names_quoted()))?,
            ),
        };
        if kind == FaultKind::Down {
            for (i, on) in listeners.iter().enumerate() {
                if !on {
                    continue;
                }
                *self.lock().faults_fired[i]
                    .entry(kind.as_str())
                    .or_default() += 1;
                let ctl = &self.listeners[i];
                let epoch = ctl.down_epoch.fetch_add(1, Ordering::SeqCst) + 1;
                ctl.up.send_replace(false);
                if let Some(ms) = ms {
                    let sh = Arc::clone(self);
                    self.handle.spawn(async move {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        let ctl = &sh.listeners[i];
                        if ctl.down_epoch.load(Ordering::SeqCst) == epoch {
                            ctl.up.send_replace(true);
                        }
                    });
                }
            }
            return Ok(Some(listeners));
        }
        let ms = ms.unwrap_or(if kind == FaultKind::Delay { 1000 } else { 0 });
        self.lock().faults.push(Fault {
            kind,
            remaining: count,
            listeners,
            ms,
            api,
        });
        Ok(None)
    }

    /// Request-IDs of 2xx answers sent with spoiled signature headers.
    pub fn spoiled_request_ids(&self) -> Vec<String> {
        self.spoiled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Clears faults (releasing every request a `blackhole` holds: their connections close
    /// without an answer), sets the clock and the rate limits back, empties the rate windows
    /// and statistics, and brings every listener back up.
    pub fn reset(&self) {
        self.set_clock_offset(0);
        {
            let mut st = self.lock();
            st.faults.clear();
            st.rate.clear();
            st.arrivals = Default::default();
        }
        for l in &self.limits {
            l.store(self.cfg.rate_limit_per_minute, Ordering::SeqCst);
        }
        self.blackhole_release.send_modify(|e| *e += 1);
        for ctl in &self.listeners {
            ctl.down_epoch.fetch_add(1, Ordering::SeqCst);
            ctl.up.send_replace(true);
        }
    }

    /// True when the selected listeners' sockets match their wanted up/down state.
    pub fn settled(&self, which: [bool; 2]) -> bool {
        (0..2).all(|i| {
            !which[i]
                || *self.listeners[i].up.borrow() == self.listeners[i].bound.load(Ordering::SeqCst)
        })
    }

    /// The first installed fault for this listener and endpoint, counted down by one.
    pub(super) fn take_fault(&self, lid: usize, api: Option<Api>) -> Option<Taken> {
        let mut st = self.lock();
        let pos = st.faults.iter().position(|f| {
            f.listeners[lid]
                && match f.api {
                    None => true,
                    Some(a) => Some(a) == api,
                }
        })?;
        let f = &mut st.faults[pos];
        let out = Taken {
            kind: f.kind,
            ms: f.ms,
        };
        f.remaining -= 1;
        if f.remaining == 0 {
            st.faults.remove(pos);
        }
        *st.faults_fired[lid].entry(out.kind.as_str()).or_default() += 1;
        Some(out)
    }

    /// Faults that act instead of processing: `Some` is the request's whole outcome.
    /// `release` must be subscribed before the fault was taken, so that a `reset` in between
    /// still releases a `blackhole`d request.
    pub(super) async fn fault_before(
        &self,
        fault: Option<Taken>,
        api: Option<Api>,
        release: watch::Receiver<u64>,
        log: &RequestLog<'_>,
    ) -> Option<Result<Response<Full<Bytes>>, Abort>> {
        let (status, ans) = match fault?.kind {
            FaultKind::Reset => {
                log.line("reset(fault)");
                return Some(Err(Abort));
            }
            FaultKind::SystemError => (
                "500(fault)",
                Answer::err(
                    500,
                    "SYSTEM_ERROR",
                    "system error, please retry later (sandbox fault)",
                ),
            ),
            FaultKind::RateLimited => {
                self.count_throttled(api);
                (
                    "429(fault)",
                    Answer::err(
                        429,
                        "FREQUENCY_LIMITED",
                        "frequency limited (sandbox fault)",
                    ),
                )
            }
            FaultKind::Blackhole => {
                log.line("blackhole(fault)");
                self.hold_until_reset(release).await;
                return Some(Err(Abort));
            }
            FaultKind::NonJson => (
                "200(fault non_json)",
                Answer {
                    status: 200,
                    body: b"<html><head><title>502 Bad Gateway</title></head><body>gateway says hello</body></html>".to_vec(),
                    content_type: "text/html; charset=utf-8",
                    serial: Serial::PubKey,
                },
            ),
            _ => return None,
        };
        log.line(status);
        Some(Ok(self.build_response(ans, log.rid, None)))
    }

    /// A `blackhole`d request: never answered; returns when `reset` releases it. If the
    /// connection is dropped first (the listener goes `down`, the sandbox stops), the future is
    /// dropped and the guard still takes it off `blackhole_held`.
    async fn hold_until_reset(&self, mut rx: watch::Receiver<u64>) {
        struct Held<'a>(&'a AtomicU64);
        impl Drop for Held<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.blackhole_held.fetch_add(1, Ordering::SeqCst);
        let _held = Held(&self.blackhole_held);
        let _ = rx.changed().await;
    }
}

/// Faults that act after processing, before the answer is sent: `reset_after_accept` closes
/// the connection instead (the request took effect), `delay` holds the answer back.
pub(super) async fn fault_after(
    fault: Option<Taken>,
    status: u16,
    log: &RequestLog<'_>,
) -> Result<(), Abort> {
    match fault {
        Some(Taken {
            kind: FaultKind::ResetAfterAccept,
            ..
        }) => {
            log.line(&format!("{status} then reset(fault)"));
            Err(Abort)
        }
        Some(Taken {
            kind: FaultKind::Delay,
            ms,
        }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(())
        }
        _ => Ok(()),
    }
}
