//! Shared state, listeners, request handling, faults and the admin API.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{Ssl, SslAcceptor, SslMethod};
use serde_json::{json, Map, Value};
use tokio::sync::watch;

use crate::crypto::{aes_gcm_encrypt, oaep_decrypt, rsa_sign, rsa_verify};
use crate::material::{Material, Order};
use crate::notify;
use crate::util::{
    b64, compact_time, has_control, now_unix, parse_query, percent_decode, random_alnum,
    random_bytes, random_digits, random_hex_upper, rfc3339, unb64,
};

pub const RECOVER_PATH: &str = "/v3/aggracct-bc/wb-channel/control-orders/recover";
pub const QUERY_PREFIX: &str = "/v3/aggracct-bc/wb-channel/control-orders/";
pub const CERTIFICATES_PATH: &str = "/v3/certificates";
pub const AUTH_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";
/// Replay window for request timestamps and nonces.
pub const WINDOW_SECS: i64 = 300;
const MAX_BODY: usize = 1 << 20;
const HUGE_PADDING: usize = 4 * 1024 * 1024;
/// A well-formed public key id that is not the sandbox's (never generated: real ids start `01`).
pub const WRONG_SERIAL: &str = "PUB_KEY_ID_0999999999999999999999999999";

pub const LISTENER_NAMES: [&str; 2] = ["primary", "backup"];

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Api {
    Recover,
    Query,
    Certificates,
}

/// The endpoints in `Api::index` order, as named in `/stats` `rate` and `POST /rate-limit`.
pub const API_NAMES: [&str; 3] = ["recover", "query", "certificates"];

impl Api {
    const ALL: [Api; 3] = [Api::Recover, Api::Query, Api::Certificates];

    fn index(self) -> usize {
        match self {
            Api::Recover => 0,
            Api::Query => 1,
            Api::Certificates => 2,
        }
    }

    fn parse(s: &str) -> Option<Api> {
        API_NAMES.iter().position(|n| *n == s).map(|i| Api::ALL[i])
    }
}

/// Every authenticated arrival at one endpoint, answered or refused, as the platform's
/// per-minute limit counts them. Only the last 60 s are kept; `busiest` is updated on each
/// arrival, so it is the exact maximum over every 60-second window since the last reset.
#[derive(Default)]
struct ArrivalLog {
    recent: VecDeque<Instant>,
    total: u64,
    busiest: u64,
    throttled: u64,
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
    fn parse(s: &str) -> Option<FaultKind> {
        Some(match s {
            "system_error" => FaultKind::SystemError,
            "reset" => FaultKind::Reset,
            "reset_after_accept" => FaultKind::ResetAfterAccept,
            "delay" => FaultKind::Delay,
            "bad_signature" => FaultKind::BadSignature,
            "signtest" => FaultKind::SignTest,
            "stale_timestamp" => FaultKind::StaleTimestamp,
            "wrong_serial" => FaultKind::WrongSerial,
            "non_json" => FaultKind::NonJson,
            "huge_body" => FaultKind::HugeBody,
            "rate_limited" => FaultKind::RateLimited,
            "down" => FaultKind::Down,
            "blackhole" => FaultKind::Blackhole,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
struct Fault {
    kind: FaultKind,
    remaining: u64,
    listeners: [bool; 2],
    ms: u64,
    api: Option<Api>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RState {
    Executing,
    Success,
    Failed,
}

impl RState {
    fn as_str(self) -> &'static str {
        match self {
            RState::Executing => "EXECUTING",
            RState::Success => "SUCCESS",
            RState::Failed => "FAILED",
        }
    }
}

#[derive(Clone, Debug)]
struct RecoverRecord {
    out_request_no: String,
    wxpay_recover_no: String,
    order_idx: usize,
    related_webank_punish_no: String,
    related_wxpay_punish_no: String,
    mchid: String,
    bal_plain: String,
    reason: Option<String>,
    state: RState,
    accept_time: i64,
    finish_time: Option<i64>,
    accept_count: u64,
}

#[derive(Default)]
struct State {
    recovers: Vec<RecoverRecord>,
    by_out: HashMap<String, usize>,
    faults: Vec<Fault>,
    nonces: HashMap<String, i64>,
    last_prune: i64,
    rate: HashMap<(String, Api), VecDeque<Instant>>,
    arrivals: [ArrivalLog; 3],
}

#[derive(Default)]
struct ListenerStats {
    connections: AtomicU64,
    requests: AtomicU64,
}

pub struct ListenerCtl {
    up: watch::Sender<bool>,
    bound: AtomicBool,
    port: u16,
    down_epoch: AtomicU64,
}

pub struct Config {
    pub notify_url: Option<String>,
    pub recover_delay_ms: u64,
    pub rate_limit_per_minute: u32,
    pub certificates_signed_by_certificate: bool,
}

/// A platform certificate the sandbox serves from `/v3/certificates` and signs with.
pub struct PlatformCert {
    pub key: PKey<Private>,
    pub pem: Vec<u8>,
    pub serial: String,
    pub not_before: i64,
    pub not_after: i64,
}

pub struct Shared {
    pub mat: Material,
    /// The first is the state dir's certificate; `POST /rotate-certificate` adds more.
    certs: RwLock<Vec<PlatformCert>>,
    certificates_requests: AtomicU64,
    /// Seconds added to the sandbox's clock (`POST /clock`), to play a platform whose time
    /// differs from the client's.
    clock_offset: std::sync::atomic::AtomicI64,
    /// Request-IDs of 2xx answers whose signature headers a fault spoiled: a client that
    /// reports one of them as a success has accepted an unverified answer.
    spoiled: Mutex<Vec<String>>,
    pub cfg: Config,
    /// The per-minute limit of each endpoint (`Api::index` order; 0 = off), changed by
    /// `POST /rate-limit` and set back to `cfg.rate_limit_per_minute` by `reset`.
    limits: [AtomicU32; 3],
    /// Bumped by `reset`: every request a `blackhole` fault is holding is then dropped.
    blackhole_release: watch::Sender<u64>,
    /// Requests a `blackhole` fault is holding right now.
    blackhole_held: AtomicU64,
    orders: Vec<Order>,
    by_mchid: HashMap<String, Vec<usize>>,
    st: Mutex<State>,
    lstats: [ListenerStats; 2],
    pub listeners: [ListenerCtl; 2],
    signature_failures: AtomicU64,
    recovers_accepted: AtomicU64,
    pub notifications_delivered: AtomicU64,
    rid_prefix: String,
    rid_ctr: AtomicU64,
    recover_ctr: AtomicU64,
    acceptor: SslAcceptor,
    pub handle: tokio::runtime::Handle,
}

/// Returned from the service function to make hyper drop the connection without answering.
#[derive(Debug)]
pub struct Abort;

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed by sandbox fault")
    }
}

impl std::error::Error for Abort {}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Serial {
    PubKey,
    /// A platform certificate (index into `Shared::certs`) was named. Answers are signed with
    /// the newest valid certificate, as the platform does after a rotation.
    Cert(usize),
}

struct Answer {
    status: u16,
    body: Vec<u8>,
    content_type: &'static str,
    serial: Serial,
}

impl Answer {
    fn ok(v: Value, serial: Serial) -> Answer {
        Answer {
            status: 200,
            body: serde_json::to_vec(&v).unwrap_or_default(),
            content_type: "application/json",
            serial,
        }
    }

    fn err(status: u16, code: &str, message: impl Into<String>) -> Answer {
        let v = json!({"code": code, "message": message.into()});
        Answer {
            status,
            body: serde_json::to_vec(&v).unwrap_or_default(),
            content_type: "application/json",
            serial: Serial::PubKey,
        }
    }

    fn err_detail(status: u16, code: &str, message: impl Into<String>, detail: Value) -> Answer {
        let v = json!({"code": code, "message": message.into(), "detail": detail});
        Answer {
            status,
            body: serde_json::to_vec(&v).unwrap_or_default(),
            content_type: "application/json",
            serial: Serial::PubKey,
        }
    }

    fn param(message: impl Into<String>) -> Answer {
        Answer::err(400, "PARAM_ERROR", message)
    }

    fn param_field(field: &str, message: impl Into<String>) -> Answer {
        Answer::err_detail(400, "PARAM_ERROR", message, json!({"field": field}))
    }
}

fn route(method: &Method, path: &str) -> Option<Api> {
    if method == Method::POST && path == RECOVER_PATH {
        return Some(Api::Recover);
    }
    if method == Method::GET {
        if path == CERTIFICATES_PATH {
            return Some(Api::Certificates);
        }
        if let Some(rest) = path.strip_prefix(QUERY_PREFIX) {
            if !rest.is_empty() && !rest.contains('/') {
                return Some(Api::Query);
            }
        }
    }
    None
}

pub fn build_acceptor(mat: &Material) -> std::io::Result<SslAcceptor> {
    let e = |e: openssl::error::ErrorStack| std::io::Error::other(e);
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).map_err(e)?;
    b.set_private_key(&mat.server_key).map_err(e)?;
    b.set_certificate(&mat.server_cert).map_err(e)?;
    b.check_private_key().map_err(e)?;
    Ok(b.build())
}

impl Shared {
    pub fn new(
        mat: Material,
        cfg: Config,
        orders: Vec<Order>,
        acceptor: SslAcceptor,
        ports: [u16; 2],
        handle: tokio::runtime::Handle,
    ) -> Shared {
        let mut by_mchid: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, o) in orders.iter().enumerate() {
            by_mchid.entry(o.mchid.clone()).or_default().push(i);
        }
        let ctl = |port| ListenerCtl {
            up: watch::channel(true).0,
            bound: AtomicBool::new(true),
            port,
            down_epoch: AtomicU64::new(0),
        };
        let first = PlatformCert {
            key: mat.wechatpay_key.clone(),
            pem: mat.platform_certificate_pem.clone(),
            serial: mat.platform_certificate_serial.clone(),
            not_before: mat.platform_not_before,
            not_after: mat.platform_not_after,
        };
        Shared {
            mat,
            certs: RwLock::new(vec![first]),
            certificates_requests: AtomicU64::new(0),
            clock_offset: std::sync::atomic::AtomicI64::new(0),
            spoiled: Mutex::new(Vec::new()),
            limits: std::array::from_fn(|_| AtomicU32::new(cfg.rate_limit_per_minute)),
            blackhole_release: watch::channel(0).0,
            blackhole_held: AtomicU64::new(0),
            cfg,
            orders,
            by_mchid,
            st: Mutex::new(State::default()),
            lstats: Default::default(),
            listeners: [ctl(ports[0]), ctl(ports[1])],
            signature_failures: AtomicU64::new(0),
            recovers_accepted: AtomicU64::new(0),
            notifications_delivered: AtomicU64::new(0),
            rid_prefix: random_hex_upper(16),
            rid_ctr: AtomicU64::new(1),
            recover_ctr: AtomicU64::new(1),
            acceptor,
            handle,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock must not take the whole sandbox down.
        self.st.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn next_request_id(&self) -> String {
        let n = self.rid_ctr.fetch_add(1, Ordering::Relaxed);
        format!("{}{:016X}", self.rid_prefix, n)
    }

    // ----- observation -----

    pub fn stats_json(&self) -> Value {
        let l = |i: usize| {
            json!({
                "connections": self.lstats[i].connections.load(Ordering::Relaxed),
                "requests": self.lstats[i].requests.load(Ordering::Relaxed),
            })
        };
        let st = self.lock();
        json!({
            "primary": l(0),
            "backup": l(1),
            "recovers_accepted": self.recovers_accepted.load(Ordering::Relaxed),
            "recover_records": st.recovers.len(),
            "signature_failures": self.signature_failures.load(Ordering::Relaxed),
            "notifications_delivered": self.notifications_delivered.load(Ordering::Relaxed),
            "certificates_requests": self.certificates_requests.load(Ordering::Relaxed),
            "faults_pending": st.faults.len(),
            "blackhole_held": self.blackhole_held.load(Ordering::SeqCst),
            "rate": self.rate_json(&st),
            "listeners_up": {
                "primary": self.listeners[0].bound.load(Ordering::SeqCst),
                "backup": self.listeners[1].bound.load(Ordering::SeqCst),
            },
        })
    }

    fn rate_json(&self, st: &State) -> Value {
        let mut m = Map::new();
        for api in Api::ALL {
            let log = &st.arrivals[api.index()];
            m.insert(
                API_NAMES[api.index()].into(),
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
        for api in Api::ALL {
            m.insert(
                API_NAMES[api.index()].into(),
                json!(self.limits[api.index()].load(Ordering::SeqCst)),
            );
        }
        Value::Object(m)
    }

    /// Admin `POST /rate-limit`: `{"per_minute": N}` sets every endpoint's limit, `{"per_minute":
    /// N, "api": "recover"|"query"|"certificates"}` one of them (0 = off). Requests already in
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
            None | Some(Value::Null) => Api::ALL.to_vec(),
            Some(a) => vec![a
                .as_str()
                .and_then(Api::parse)
                .ok_or("\"api\" must be \"recover\", \"query\" or \"certificates\"")?],
        };
        for api in apis {
            self.limits[api.index()].store(n, Ordering::SeqCst);
        }
        Ok(json!({"ok": true, "limits": self.limits_json()}))
    }

    pub fn recovers_json(&self) -> Value {
        let st = self.lock();
        Value::Array(
            st.recovers
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    m.insert("out_request_no".into(), json!(r.out_request_no));
                    m.insert("wxpay_recover_no".into(), json!(r.wxpay_recover_no));
                    m.insert(
                        "related_webank_punish_no".into(),
                        json!(r.related_webank_punish_no),
                    );
                    m.insert(
                        "related_wxpay_punish_no".into(),
                        json!(r.related_wxpay_punish_no),
                    );
                    m.insert("mchid".into(), json!(r.mchid));
                    m.insert("state".into(), json!(r.state.as_str()));
                    m.insert("accept_count".into(), json!(r.accept_count));
                    m.insert("accept_time".into(), json!(rfc3339(r.accept_time)));
                    if let Some(t) = r.finish_time {
                        m.insert("finish_time".into(), json!(rfc3339(t)));
                    }
                    if let Some(reason) = &r.reason {
                        m.insert("recover_reason".into(), json!(reason));
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    }

    fn recover_order_json(&self, r: &RecoverRecord) -> Value {
        let o = &self.orders[r.order_idx];
        let mut m = Map::new();
        m.insert("wxpay_recover_no".into(), json!(r.wxpay_recover_no));
        m.insert("out_request_no".into(), json!(r.out_request_no));
        m.insert(
            "related_wxpay_punish_no".into(),
            json!(r.related_wxpay_punish_no),
        );
        m.insert("mchid".into(), json!(r.mchid));
        m.insert("punish_scene".into(), json!(o.punish_scene));
        m.insert("punish_rule_version".into(), json!(o.punish_rule_version));
        m.insert("recover_accept_time".into(), json!(rfc3339(r.accept_time)));
        if let Some(t) = r.finish_time {
            m.insert("recover_finish_time".into(), json!(rfc3339(t)));
        }
        m.insert("recover_state".into(), json!(r.state.as_str()));
        if let Some(reason) = &r.reason {
            m.insert("recover_reason".into(), json!(reason));
        }
        if r.state == RState::Failed {
            m.insert("error_code".into(), json!("LEDGER_STATE_ABNORMAL"));
            m.insert(
                "error_message".into(),
                json!("台账状态异常,解管失败 (sandbox: order seeded to fail)"),
            );
        }
        Value::Object(m)
    }

    // ----- faults -----

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
            Some(p) => Some(match p.as_str() {
                Some("recover") => Api::Recover,
                Some("query") => Api::Query,
                Some("certificates") => Api::Certificates,
                _ => {
                    return Err(
                        "\"path\" must be \"recover\", \"query\" or \"certificates\"".into(),
                    )
                }
            }),
        };
        if kind == FaultKind::Down {
            for (i, on) in listeners.iter().enumerate() {
                if !on {
                    continue;
                }
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

    /// The sandbox's own clock: the machine's, shifted by `POST /clock`.
    pub fn now(&self) -> i64 {
        now_unix() + self.clock_offset.load(Ordering::SeqCst)
    }

    pub fn set_clock_offset(&self, offset_s: i64) {
        self.clock_offset.store(offset_s, Ordering::SeqCst);
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

    fn take_fault(&self, lid: usize, api: Option<Api>) -> Option<(FaultKind, u64)> {
        let mut st = self.lock();
        let pos = st.faults.iter().position(|f| {
            f.listeners[lid]
                && match f.api {
                    None => true,
                    Some(a) => Some(a) == api,
                }
        })?;
        let f = &mut st.faults[pos];
        let out = (f.kind, f.ms);
        f.remaining -= 1;
        if f.remaining == 0 {
            st.faults.remove(pos);
        }
        Some(out)
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

    // ----- verification -----

    fn verify_auth(
        &self,
        method: &Method,
        pq: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), String> {
        let h = headers
            .get(hyper::header::AUTHORIZATION)
            .ok_or("missing Authorization header")?
            .to_str()
            .map_err(|_| "Authorization header is not visible ASCII")?;
        let rest = h
            .strip_prefix(AUTH_SCHEME)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or("Authorization scheme must be WECHATPAY2-SHA256-RSA2048")?;
        let mut params: HashMap<&str, &str> = HashMap::new();
        for part in rest.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, v) = part
                .split_once('=')
                .ok_or("malformed Authorization parameter (expected key=\"value\")")?;
            let k = k.trim();
            let v = v
                .trim()
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or("Authorization parameter values must be double-quoted")?;
            if params.insert(k, v).is_some() {
                return Err(format!("duplicate Authorization parameter {k}"));
            }
        }
        let get = |k: &str| {
            params
                .get(k)
                .copied()
                .ok_or_else(|| format!("Authorization lacks {k}"))
        };
        let mchid = get("mchid")?;
        let nonce = get("nonce_str")?;
        let ts = get("timestamp")?;
        let serial = get("serial_no")?;
        let sig = get("signature")?;
        if mchid != self.mat.mchid {
            return Err("mchid in Authorization is not a merchant known to the sandbox".into());
        }
        if !serial.eq_ignore_ascii_case(&self.mat.merchant_serial_no) {
            return Err("serial_no does not name the merchant API certificate".into());
        }
        if ts.is_empty() || ts.len() > 12 || !ts.bytes().all(|b| b.is_ascii_digit()) {
            return Err("timestamp must be Unix seconds".into());
        }
        let tsn: i64 = ts.parse().map_err(|_| "timestamp must be Unix seconds")?;
        let now = self.now();
        if (now - tsn).abs() >= WINDOW_SECS {
            return Err("timestamp is outside the 5-minute window".into());
        }
        if nonce.is_empty() {
            return Err("nonce_str is empty".into());
        }
        let sig = unb64(sig).ok_or("signature is not valid base64")?;
        let mut msg = Vec::with_capacity(pq.len() + body.len() + 96);
        msg.extend_from_slice(method.as_str().as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(pq.as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(ts.as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(nonce.as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(body);
        msg.push(b'\n');
        if !rsa_verify(&self.mat.merchant_public, &msg, &sig) {
            return Err("signature verification failed".into());
        }
        let mut st = self.lock();
        if now - st.last_prune >= 1 {
            st.nonces.retain(|_, t| now - *t < WINDOW_SECS);
            st.last_prune = now;
        }
        let key = format!("{mchid}\u{0}{nonce}");
        if st.nonces.contains_key(&key) {
            return Err("nonce_str was already used".into());
        }
        st.nonces.insert(key, tsn);
        Ok(())
    }

    /// Records an authenticated arrival and applies the per-minute limit; false = answer 429.
    fn rate_ok(&self, mchid: &str, api: Api) -> bool {
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
    fn count_throttled(&self, api: Option<Api>) {
        if let Some(api) = api {
            self.lock().arrivals[api.index()].throttled += 1;
        }
    }

    // ----- API handlers -----

    fn process(
        self: &Arc<Self>,
        api: Api,
        method: &Method,
        pq: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Answer {
        let (path, query) = pq.split_once('?').unwrap_or((pq, ""));
        if let Err(msg) = self.verify_auth(method, pq, headers, body) {
            self.signature_failures.fetch_add(1, Ordering::Relaxed);
            return Answer::err(401, "SIGN_ERROR", msg);
        }
        let initiator = self.mat.mchid.clone();
        if !self.rate_ok(&initiator, api) {
            return Answer::err(
                429,
                "FREQUENCY_LIMITED",
                "too many requests, slow down (rate limit per minute exceeded)",
            );
        }
        let named = headers
            .get("wechatpay-serial")
            .map(|v| v.to_str().unwrap_or("\u{0}").trim().to_string());
        let cert_named = named.as_deref().and_then(|s| self.cert_index(s));
        let serial = match named.as_deref() {
            Some(s) if s == self.mat.wechatpay_public_key_id => Serial::PubKey,
            Some(_) if cert_named.is_some() => Serial::Cert(cert_named.unwrap_or(0)),
            // The certificate download is signed by a platform certificate unless the public
            // key was named, so a client that knows no key yet can bootstrap from it.
            _ if api == Api::Certificates && self.cfg.certificates_signed_by_certificate => {
                Serial::Cert(0)
            }
            _ if api == Api::Certificates => Serial::PubKey,
            None if api != Api::Recover => Serial::PubKey,
            None => return Answer::param("missing Wechatpay-Serial header (required with encrypted fields)"),
            Some(_) => {
                return Answer::param(
                    "Wechatpay-Serial names neither the WeChat Pay public key id nor the platform certificate serial",
                )
            }
        };
        match api {
            Api::Recover => self.do_recover(body, serial),
            Api::Query => self.do_query(path, query, serial),
            Api::Certificates => self.do_certificates(serial),
        }
    }

    fn do_recover(self: &Arc<Self>, body: &[u8], serial: Serial) -> Answer {
        let v: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return Answer::param(format!("request body is not valid JSON: {e}")),
        };
        let Some(obj) = v.as_object() else {
            return Answer::param("request body must be a JSON object");
        };
        let key = match serial {
            Serial::PubKey => self.mat.wechatpay_key.clone(),
            Serial::Cert(i) => match self.certs_read().get(i) {
                Some(c) => c.key.clone(),
                None => self.mat.wechatpay_key.clone(),
            },
        };
        let req = match parse_recover(obj, &key) {
            Ok(r) => r,
            Err(a) => return a,
        };
        if req.out_request_no == req.related_webank_punish_no {
            return Answer::err(
                400,
                "INVALID_REQUEST",
                "out_request_no must differ from related_webank_punish_no",
            );
        }
        let Some(idxs) = self.by_mchid.get(&req.mchid) else {
            return Answer::err(400, "NOT_FOUND", "target merchant (mchid) does not exist");
        };
        let Some(&oi) = idxs.iter().find(|&&i| {
            let o = &self.orders[i];
            o.related_webank_punish_no == req.related_webank_punish_no
                && o.related_wxpay_punish_no == req.related_wxpay_punish_no
        }) else {
            return Answer::err(404, "NOT_FOUND", "related control order does not exist");
        };
        if self.orders[oi].bal_account_no != req.bal_plain {
            return Answer::err(
                400,
                "INVALID_REQUEST",
                "bal_account_no is not the ledger of the related control order",
            );
        }
        let mut st = self.lock();
        if let Some(&ri) = st.by_out.get(&req.out_request_no) {
            let r = &mut st.recovers[ri];
            let same = r.related_webank_punish_no == req.related_webank_punish_no
                && r.related_wxpay_punish_no == req.related_wxpay_punish_no
                && r.mchid == req.mchid
                && r.bal_plain == req.bal_plain
                && r.reason == req.reason;
            if !same {
                return Answer::err(
                    400,
                    "INVALID_REQUEST",
                    "out_request_no was already used with different request content",
                );
            }
            r.accept_count += 1;
            self.recovers_accepted.fetch_add(1, Ordering::Relaxed);
            return Answer::ok(
                json!({"wxpay_recover_no": r.wxpay_recover_no, "out_request_no": r.out_request_no}),
                serial,
            );
        }
        if st
            .recovers
            .iter()
            .any(|r| r.order_idx == oi && r.state != RState::Failed)
        {
            return Answer::err(
                400,
                "ALREADY_EXISTS",
                "the merchant's control order has already been recovered",
            );
        }
        let now = now_unix();
        let n = self.recover_ctr.fetch_add(1, Ordering::Relaxed);
        let wxpay_recover_no = format!(
            "3{}{:06}{}",
            compact_time(now),
            n % 1_000_000,
            random_digits(4)
        );
        let rec = RecoverRecord {
            out_request_no: req.out_request_no.clone(),
            wxpay_recover_no: wxpay_recover_no.clone(),
            order_idx: oi,
            related_webank_punish_no: req.related_webank_punish_no,
            related_wxpay_punish_no: req.related_wxpay_punish_no,
            mchid: req.mchid,
            bal_plain: req.bal_plain,
            reason: req.reason,
            state: RState::Executing,
            accept_time: now,
            finish_time: None,
            accept_count: 1,
        };
        let ri = st.recovers.len();
        st.recovers.push(rec);
        st.by_out.insert(req.out_request_no.clone(), ri);
        drop(st);
        self.recovers_accepted.fetch_add(1, Ordering::Relaxed);
        let sh = Arc::clone(self);
        let delay = self.cfg.recover_delay_ms;
        self.handle.spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            sh.finish_recover(ri);
        });
        Answer::ok(
            json!({"wxpay_recover_no": wxpay_recover_no, "out_request_no": req.out_request_no}),
            serial,
        )
    }

    fn finish_recover(self: &Arc<Self>, ri: usize) {
        let plain = {
            let mut st = self.lock();
            let Some(r) = st.recovers.get_mut(ri) else {
                return;
            };
            if r.state != RState::Executing {
                return;
            }
            r.state = if self.orders[r.order_idx].success {
                RState::Success
            } else {
                RState::Failed
            };
            r.finish_time = Some(now_unix());
            let r = r.clone();
            (self.recover_order_json(&r), r.state)
        };
        if let Some(url) = self.cfg.notify_url.clone() {
            let sh = Arc::clone(self);
            self.handle.spawn(async move {
                notify::deliver(sh, url, plain.1 == RState::Success, plain.0).await;
            });
        }
    }

    fn do_query(&self, path: &str, query: &str, serial: Serial) -> Answer {
        let seg = &path[QUERY_PREFIX.len()..];
        let Some(out) = percent_decode(seg) else {
            return Answer::param_field(
                "out_request_no",
                "out_request_no in the path is not valid percent-encoded UTF-8",
            );
        };
        let Some(params) = parse_query(query) else {
            return Answer::param("query string is not valid percent-encoded UTF-8");
        };
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match get("control_type") {
            None | Some("") => {
                return Answer::param_field("control_type", "missing query parameter control_type")
            }
            Some("RECOVER") => {}
            Some(_) => {
                return Answer::param_field(
                    "control_type",
                    "control_type must be RECOVER (the sandbox only serves recover orders)",
                )
            }
        }
        let mchid = match get("mchid") {
            None | Some("") => {
                return Answer::param_field("mchid", "missing query parameter mchid")
            }
            Some(m) => m,
        };
        let st = self.lock();
        let Some(&ri) = st.by_out.get(&out) else {
            return Answer::err(404, "NOT_FOUND", "control order not found");
        };
        let r = &st.recovers[ri];
        if r.mchid != mchid {
            return Answer::err(404, "NOT_FOUND", "control order not found");
        }
        Answer::ok(
            json!({"control_scene": "RECOVER", "recover_order": self.recover_order_json(r)}),
            serial,
        )
    }

    fn do_certificates(&self, serial: Serial) -> Answer {
        let mut data = Vec::new();
        for c in self.certs_read().iter() {
            let nonce = random_alnum(12);
            let ct = match aes_gcm_encrypt(
                self.mat.apiv3_key.as_bytes(),
                nonce.as_bytes(),
                b"certificate",
                &c.pem,
            ) {
                Ok(c) => c,
                Err(e) => {
                    return Answer::err(500, "SYSTEM_ERROR", format!("encryption failed: {e}"))
                }
            };
            data.push(json!({
                "serial_no": c.serial,
                "effective_time": rfc3339(c.not_before),
                "expire_time": rfc3339(c.not_after),
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "nonce": nonce,
                    "associated_data": "certificate",
                    "ciphertext": b64(&ct),
                }
            }));
        }
        Answer::ok(json!({ "data": data }), serial)
    }

    fn certs_read(&self) -> std::sync::RwLockReadGuard<'_, Vec<PlatformCert>> {
        self.certs.read().unwrap_or_else(|p| p.into_inner())
    }

    fn cert_index(&self, serial: &str) -> Option<usize> {
        self.certs_read()
            .iter()
            .position(|c| c.serial.eq_ignore_ascii_case(serial))
    }

    /// The serial and key that sign certificate-mode messages: the newest certificate valid
    /// now (the state dir's own one if none is).
    fn cert_signer(&self) -> (String, PKey<Private>) {
        let now = now_unix();
        let certs = self.certs_read();
        let pick = certs
            .iter()
            .filter(|c| c.not_before <= now && now < c.not_after)
            .max_by_key(|c| c.not_before)
            .or(certs.first());
        match pick {
            Some(c) => (c.serial.clone(), c.key.clone()),
            None => (
                self.mat.platform_certificate_serial.clone(),
                self.mat.wechatpay_key.clone(),
            ),
        }
    }

    /// Admin `POST /rotate-certificate`: issues a new platform certificate (new RSA key, signed
    /// by the sandbox CA) and serves it from `/v3/certificates` next to the others, or alone
    /// with `retire_previous`. Options: `valid_from_s` (offset of notBefore from now, default
    /// -60), `valid_days` (default 365), `retire_previous` (default false).
    pub fn rotate_certificate(&self, v: &Value) -> Result<Value, String> {
        let obj = match v {
            Value::Null => Map::new(),
            Value::Object(o) => o.clone(),
            _ => return Err("rotate-certificate body must be a JSON object".into()),
        };
        let valid_from = match obj.get("valid_from_s") {
            None | Some(Value::Null) => -60,
            Some(x) => x.as_i64().ok_or("\"valid_from_s\" must be an integer")?,
        };
        let days = match obj.get("valid_days") {
            None | Some(Value::Null) => 365,
            Some(x) => x
                .as_u64()
                .filter(|d| (1..=3650).contains(d))
                .ok_or("\"valid_days\" must be an integer from 1 to 3650")?,
        };
        let retire = match obj.get("retire_previous") {
            None | Some(Value::Null) => false,
            Some(x) => x.as_bool().ok_or("\"retire_previous\" must be a boolean")?,
        };
        let not_before = now_unix() + valid_from;
        let not_after = not_before + days as i64 * 86_400;
        let (key, cert_pem, serial) =
            crate::material::issue_platform_certificate(&self.mat.dir, not_before, not_after)
                .map_err(|e| format!("cannot issue a certificate: {e}"))?;
        let mut certs = self.certs.write().unwrap_or_else(|p| p.into_inner());
        if retire {
            certs.clear();
        }
        certs.push(PlatformCert {
            key,
            pem: cert_pem,
            serial: serial.clone(),
            not_before,
            not_after,
        });
        let all: Vec<&str> = certs.iter().map(|c| c.serial.as_str()).collect();
        Ok(json!({"serial_no": serial, "certificates": all}))
    }

    /// Admin `POST /sign-notification` (test helper): signs a notification as the platform
    /// would, without delivering it. `{"plaintext": {...}}` builds a full encrypted envelope;
    /// `{"body": "..."}` signs that exact text (for malformed-envelope tests). Options:
    /// `serial` `"public_key"` (default) or `"certificate"`, `timestamp_offset_s` (default 0),
    /// `success` (event type, default true). Answers `{"headers": {...}, "body": "..."}`.
    pub fn sign_notification(&self, v: &Value) -> Result<Value, String> {
        let obj = v
            .as_object()
            .ok_or("sign-notification body must be a JSON object")?;
        let body = match (obj.get("body"), obj.get("plaintext")) {
            (Some(Value::String(b)), None) => b.clone().into_bytes(),
            (None, Some(pt)) => {
                let success = obj.get("success").and_then(Value::as_bool).unwrap_or(true);
                notify::build_body(self, success, pt)?
            }
            _ => return Err("give exactly one of \"body\" (a string) or \"plaintext\"".into()),
        };
        let cert = match obj.get("serial").and_then(Value::as_str) {
            None | Some("public_key") => false,
            Some("certificate") => true,
            Some(_) => return Err("\"serial\" must be \"public_key\" or \"certificate\"".into()),
        };
        let offset = obj
            .get("timestamp_offset_s")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let headers = self.sign_headers_at(&body, cert, None, offset);
        let h: Map<String, Value> = headers
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect();
        Ok(json!({"headers": h, "body": String::from_utf8_lossy(&body)}))
    }

    /// The five Wechatpay-* headers for a signed message with the given body.
    pub fn sign_headers(
        &self,
        body: &[u8],
        serial_cert: bool,
        fault: Option<FaultKind>,
    ) -> Vec<(&'static str, String)> {
        self.sign_headers_at(body, serial_cert, fault, 0)
    }

    fn sign_headers_at(
        &self,
        body: &[u8],
        serial_cert: bool,
        fault: Option<FaultKind>,
        offset_s: i64,
    ) -> Vec<(&'static str, String)> {
        let mut ts = self.now() + offset_s;
        if fault == Some(FaultKind::StaleTimestamp) {
            ts -= 600;
        }
        let nonce = random_alnum(32);
        let (cert_serial, signing_key) = if serial_cert {
            self.cert_signer()
        } else {
            (String::new(), self.mat.wechatpay_key.clone())
        };
        let serial = match (fault, serial_cert) {
            (Some(FaultKind::WrongSerial), _) => WRONG_SERIAL.to_string(),
            (_, true) => cert_serial,
            (_, false) => self.mat.wechatpay_public_key_id.clone(),
        };
        let mut msg = format!("{ts}\n{nonce}\n").into_bytes();
        msg.extend_from_slice(body);
        msg.push(b'\n');
        let sig = match fault {
            Some(FaultKind::BadSignature) => b64(&random_bytes(256)),
            Some(FaultKind::SignTest) => format!("WECHATPAY/SIGNTEST/{}", random_alnum(64)),
            _ => rsa_sign(&signing_key, &msg)
                .map(|s| b64(&s))
                .unwrap_or_default(),
        };
        vec![
            ("Wechatpay-Timestamp", ts.to_string()),
            ("Wechatpay-Nonce", nonce),
            ("Wechatpay-Signature", sig),
            ("Wechatpay-Serial", serial),
            ("Wechatpay-Signature-Type", AUTH_SCHEME.to_string()),
        ]
    }

    fn build_response(
        &self,
        mut ans: Answer,
        rid: &str,
        fault: Option<FaultKind>,
    ) -> Response<Full<Bytes>> {
        let ok = (200..300).contains(&ans.status);
        if ok && fault == Some(FaultKind::HugeBody) {
            if let Ok(Value::Object(mut m)) = serde_json::from_slice::<Value>(&ans.body) {
                m.insert(
                    "sandbox_padding".into(),
                    Value::String("x".repeat(HUGE_PADDING)),
                );
                ans.body = serde_json::to_vec(&Value::Object(m)).unwrap_or_default();
            }
        }
        let mut resp = Response::new(Full::new(Bytes::new()));
        *resp.status_mut() =
            StatusCode::from_u16(ans.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(rid) {
            h.insert("Request-ID", v);
        }
        h.insert(CONTENT_TYPE, HeaderValue::from_static(ans.content_type));
        if let Ok(v) = HeaderValue::from_str(&crate::util::http_date(self.now())) {
            h.insert(hyper::header::DATE, v);
        }
        if ok
            && matches!(
                fault,
                Some(
                    FaultKind::BadSignature
                        | FaultKind::SignTest
                        | FaultKind::StaleTimestamp
                        | FaultKind::WrongSerial
                )
            )
        {
            self.spoiled
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(rid.to_string());
        }
        if ok {
            let cert = matches!(ans.serial, Serial::Cert(_));
            for (k, v) in self.sign_headers(&ans.body, cert, fault) {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(k, v);
                }
            }
        }
        *resp.body_mut() = Full::new(Bytes::from(ans.body));
        resp
    }
}

struct RecoverReq {
    out_request_no: String,
    related_webank_punish_no: String,
    related_wxpay_punish_no: String,
    mchid: String,
    bal_plain: String,
    reason: Option<String>,
}

fn req_field(obj: &Map<String, Value>, name: &str) -> Result<String, Answer> {
    match obj.get(name) {
        None | Some(Value::Null) => Err(Answer::param_field(
            name,
            format!("missing required field {name}"),
        )),
        Some(Value::String(s)) => {
            if s.is_empty() {
                Err(Answer::param_field(
                    name,
                    format!("field {name} must not be empty"),
                ))
            } else if has_control(s) {
                Err(Answer::param_field(
                    name,
                    format!("field {name} contains control characters"),
                ))
            } else {
                Ok(s.clone())
            }
        }
        Some(_) => Err(Answer::param_field(
            name,
            format!("field {name} must be a string"),
        )),
    }
}

fn parse_recover(obj: &Map<String, Value>, key: &PKey<Private>) -> Result<RecoverReq, Answer> {
    let out_request_no = req_field(obj, "out_request_no")?;
    if out_request_no.len() > 64 {
        return Err(Answer::param_field(
            "out_request_no",
            "field out_request_no is longer than 64 bytes",
        ));
    }
    let related_webank_punish_no = req_field(obj, "related_webank_punish_no")?;
    let related_wxpay_punish_no = req_field(obj, "related_wxpay_punish_no")?;
    let mchid = req_field(obj, "mchid")?;
    let bal_ct = req_field(obj, "bal_account_no")?;
    let ct = unb64(&bal_ct).ok_or_else(|| {
        Answer::param_field(
            "bal_account_no",
            "field bal_account_no is not base64 (it must be encrypted)",
        )
    })?;
    let pt = oaep_decrypt(key, &ct).map_err(|_| {
        Answer::param_field(
            "bal_account_no",
            "field bal_account_no could not be decrypted (RSA-OAEP SHA-1 with the WeChat Pay public key expected)",
        )
    })?;
    let bal_plain = String::from_utf8(pt).map_err(|_| {
        Answer::param_field("bal_account_no", "decrypted bal_account_no is not UTF-8")
    })?;
    if bal_plain.is_empty() || has_control(&bal_plain) || bal_plain.len() > 214 {
        return Err(Answer::param_field(
            "bal_account_no",
            "decrypted bal_account_no is empty, too long or contains control characters",
        ));
    }
    let reason = match obj.get("recover_reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            if s.chars().count() > 256 {
                return Err(Answer::param_field(
                    "recover_reason",
                    "field recover_reason is longer than 256 characters",
                ));
            }
            if has_control(s) {
                return Err(Answer::param_field(
                    "recover_reason",
                    "field recover_reason contains control characters",
                ));
            }
            Some(s.clone())
        }
        Some(_) => {
            return Err(Answer::param_field(
                "recover_reason",
                "field recover_reason must be a string",
            ))
        }
    };
    Ok(RecoverReq {
        out_request_no,
        related_webank_punish_no,
        related_wxpay_punish_no,
        mchid,
        bal_plain,
        reason,
    })
}

fn log_line(listener: &str, method: &Method, path: &str, status: &str, rid: &str) {
    eprintln!("wx-sandbox [{listener}] {method} {path} -> {status} Request-ID={rid}");
}

async fn handle(
    sh: Arc<Shared>,
    lid: usize,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Abort> {
    let rid = sh.next_request_id();
    sh.lstats[lid].requests.fetch_add(1, Ordering::Relaxed);
    let lname = LISTENER_NAMES[lid];
    let method = req.method().clone();
    let pq = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let path = req.uri().path().to_string();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let ans = Answer::param("request body unreadable or larger than 1 MiB");
            log_line(lname, &method, &path, "400", &rid);
            return Ok(sh.build_response(ans, &rid, None));
        }
    };
    let api = route(&method, &path);
    if api == Some(Api::Certificates) {
        sh.certificates_requests.fetch_add(1, Ordering::Relaxed);
    }
    // Subscribed before the fault is taken, so a reset between the two still releases it.
    let release = sh.blackhole_release.subscribe();
    let fault = sh.take_fault(lid, api);
    let (fault_kind, fault_ms) = match fault {
        Some((k, ms)) => (Some(k), ms),
        None => (None, 0),
    };
    // Faults that act before (instead of) processing.
    match fault_kind {
        Some(FaultKind::Reset) => {
            log_line(lname, &method, &path, "reset(fault)", &rid);
            return Err(Abort);
        }
        Some(FaultKind::SystemError) => {
            log_line(lname, &method, &path, "500(fault)", &rid);
            let ans = Answer::err(
                500,
                "SYSTEM_ERROR",
                "system error, please retry later (sandbox fault)",
            );
            return Ok(sh.build_response(ans, &rid, None));
        }
        Some(FaultKind::RateLimited) => {
            sh.count_throttled(api);
            log_line(lname, &method, &path, "429(fault)", &rid);
            let ans = Answer::err(
                429,
                "FREQUENCY_LIMITED",
                "frequency limited (sandbox fault)",
            );
            return Ok(sh.build_response(ans, &rid, None));
        }
        Some(FaultKind::Blackhole) => {
            log_line(lname, &method, &path, "blackhole(fault)", &rid);
            sh.hold_until_reset(release).await;
            return Err(Abort);
        }
        Some(FaultKind::NonJson) => {
            log_line(lname, &method, &path, "200(fault non_json)", &rid);
            let ans = Answer {
                status: 200,
                body: b"<html><head><title>502 Bad Gateway</title></head><body>gateway says hello</body></html>".to_vec(),
                content_type: "text/html; charset=utf-8",
                serial: Serial::PubKey,
            };
            return Ok(sh.build_response(ans, &rid, None));
        }
        _ => {}
    }
    let ans = match api {
        Some(api) => sh.process(api, &method, &pq, &parts.headers, &body),
        None => Answer::err(404, "NOT_FOUND", "no such API in the sandbox"),
    };
    let status = ans.status;
    match fault_kind {
        Some(FaultKind::ResetAfterAccept) => {
            log_line(
                lname,
                &method,
                &path,
                &format!("{status} then reset(fault)"),
                &rid,
            );
            return Err(Abort);
        }
        Some(FaultKind::Delay) => {
            tokio::time::sleep(Duration::from_millis(fault_ms)).await;
        }
        _ => {}
    }
    let tag = match fault_kind {
        Some(k) => format!("{status}(fault {k:?})"),
        None => status.to_string(),
    };
    log_line(lname, &method, &path, &tag, &rid);
    Ok(sh.build_response(ans, &rid, fault_kind))
}

async fn wait_down(rx: &mut watch::Receiver<bool>) {
    loop {
        if !*rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

async fn serve_tls(sh: Arc<Shared>, lid: usize, tcp: tokio::net::TcpStream) {
    let mut rx = sh.listeners[lid].up.subscribe();
    let Ok(ssl) = Ssl::new(sh.acceptor.context()) else {
        return;
    };
    let Ok(mut stream) = tokio_openssl::SslStream::new(ssl, tcp) else {
        return;
    };
    let hs = tokio::time::timeout(
        Duration::from_secs(10),
        std::pin::Pin::new(&mut stream).accept(),
    );
    match hs.await {
        Ok(Ok(())) => {}
        _ => return,
    }
    sh.lstats[lid].connections.fetch_add(1, Ordering::Relaxed);
    let sh2 = Arc::clone(&sh);
    let svc = hyper::service::service_fn(move |req| handle(Arc::clone(&sh2), lid, req));
    // Title-Case header names on the wire, as the platform sends them: some clients look
    // `Wechatpay-Timestamp` up case-sensitively.
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .title_case_headers(true)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        _ = wait_down(&mut rx) => {}
    }
}

async fn bind_again(port: u16) -> tokio::net::TcpListener {
    loop {
        // std sets SO_REUSEADDR on Unix, so TIME_WAIT leftovers do not block the rebind.
        if let Ok(l) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            if l.set_nonblocking(true).is_ok() {
                if let Ok(l) = tokio::net::TcpListener::from_std(l) {
                    return l;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Accept loop for one TLS listener; closes and re-opens the socket on `down` / up.
pub async fn listener_loop(sh: Arc<Shared>, lid: usize, first: std::net::TcpListener) {
    let mut rx = sh.listeners[lid].up.subscribe();
    let mut pending = Some(first);
    loop {
        loop {
            if *rx.borrow_and_update() {
                break;
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
        let listener = match pending.take() {
            Some(l) => match tokio::net::TcpListener::from_std(l) {
                Ok(l) => l,
                Err(_) => bind_again(sh.listeners[lid].port).await,
            },
            None => bind_again(sh.listeners[lid].port).await,
        };
        sh.listeners[lid].bound.store(true, Ordering::SeqCst);
        loop {
            tokio::select! {
                r = listener.accept() => {
                    if let Ok((tcp, _)) = r {
                        let _ = tcp.set_nodelay(true);
                        tokio::spawn(serve_tls(Arc::clone(&sh), lid, tcp));
                    }
                }
                c = rx.changed() => {
                    if c.is_err() {
                        return;
                    }
                    if !*rx.borrow_and_update() {
                        break;
                    }
                }
            }
        }
        drop(listener);
        sh.listeners[lid].bound.store(false, Ordering::SeqCst);
    }
}

// ----- admin -----

fn admin_json(status: u16, v: &Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(
        serde_json::to_vec_pretty(v).unwrap_or_default(),
    )));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

pub async fn wait_settled(sh: &Shared, which: [bool; 2]) {
    for _ in 0..2500 {
        if sh.settled(which) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn admin_handle(
    sh: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(admin_json(
                400,
                &json!({"code": "PARAM_ERROR", "message": "bad body"}),
            ))
        }
    };
    let resp = match (method.as_str(), path.as_str()) {
        ("POST", "/faults") => match serde_json::from_slice::<Value>(&body) {
            Err(e) => admin_json(
                400,
                &json!({"code": "PARAM_ERROR", "message": format!("bad JSON: {e}")}),
            ),
            Ok(v) => match sh.apply_fault(&v) {
                Err(m) => admin_json(400, &json!({"code": "PARAM_ERROR", "message": m})),
                Ok(which) => {
                    if let Some(w) = which {
                        wait_settled(&sh, w).await;
                    }
                    admin_json(200, &json!({"ok": true}))
                }
            },
        },
        ("POST", "/reset") => {
            sh.reset();
            wait_settled(&sh, [true, true]).await;
            admin_json(200, &json!({"ok": true}))
        }
        ("GET", "/stats") => admin_json(200, &sh.stats_json()),
        ("GET", "/spoiled") => admin_json(200, &json!(sh.spoiled_request_ids())),
        ("POST", "/clock") => match serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("offset_s").and_then(Value::as_i64))
        {
            Some(offset) => {
                sh.set_clock_offset(offset);
                admin_json(200, &json!({"ok": true, "offset_s": offset}))
            }
            None => admin_json(
                400,
                &json!({"code": "PARAM_ERROR", "message": "expected {\"offset_s\": integer}"}),
            ),
        },
        ("POST", "/rotate-certificate") => {
            let v = if body.is_empty() {
                Ok(Value::Null)
            } else {
                serde_json::from_slice::<Value>(&body)
            };
            match v
                .map_err(|e| format!("bad JSON: {e}"))
                .and_then(|v| sh.rotate_certificate(&v))
            {
                Ok(r) => admin_json(200, &r),
                Err(m) => admin_json(400, &json!({"code": "PARAM_ERROR", "message": m})),
            }
        }
        ("POST", "/sign-notification") => {
            match serde_json::from_slice::<Value>(&body)
                .map_err(|e| format!("bad JSON: {e}"))
                .and_then(|v| sh.sign_notification(&v))
            {
                Ok(r) => admin_json(200, &r),
                Err(m) => admin_json(400, &json!({"code": "PARAM_ERROR", "message": m})),
            }
        }
        ("GET", "/recovers") => admin_json(200, &sh.recovers_json()),
        ("POST", "/rate-limit") => match serde_json::from_slice::<Value>(&body)
            .map_err(|e| format!("bad JSON: {e}"))
            .and_then(|v| sh.set_rate_limit(&v))
        {
            Ok(r) => admin_json(200, &r),
            Err(m) => admin_json(400, &json!({"code": "PARAM_ERROR", "message": m})),
        },
        _ => admin_json(
            404,
            &json!({"code": "NOT_FOUND", "message": "admin API: POST /faults, POST /reset, POST /clock, POST /rate-limit, GET /stats, GET /recovers, GET /spoiled, POST /rotate-certificate, POST /sign-notification"}),
        ),
    };
    eprintln!(
        "wx-sandbox [admin] {method} {path} -> {}",
        resp.status().as_u16()
    );
    Ok(resp)
}

pub async fn admin_loop(sh: Arc<Shared>, l: std::net::TcpListener) {
    let Ok(listener) = tokio::net::TcpListener::from_std(l) else {
        return;
    };
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let sh = Arc::clone(&sh);
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| admin_handle(Arc::clone(&sh), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), svc)
                .await;
        });
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

    #[test]
    fn api_names_round_trip() {
        for api in Api::ALL {
            assert_eq!(Api::parse(API_NAMES[api.index()]), Some(api));
        }
        assert_eq!(Api::parse("notify"), None);
    }
}
