//! What every request shares: `Shared`, its configuration, recover and punish records and
//! listener controls, and the accessors every part of the server uses (lock, ids, the clock).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Instant;

use openssl::pkey::{PKey, Private};
use openssl::ssl::SslAcceptor;
use tokio::sync::watch;

use super::faults::Fault;
use super::rate::ArrivalLog;
use super::routes::{Api, API_COUNT};
use crate::material::{Material, Order};
use crate::util::{now_unix, random_hex_upper};

pub const LISTENER_NAMES: [&str; 2] = ["primary", "backup"];

pub struct Config {
    pub notify_url: Option<String>,
    pub recover_delay_ms: u64,
    pub rate_limit_per_minute: u32,
    pub certificates_signed_by_certificate: bool,
    /// Idle connections are closed after this long; 0 = never.
    pub keep_alive_ms: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RState {
    Executing,
    Success,
    Failed,
}

impl RState {
    pub fn as_str(self) -> &'static str {
        match self {
            RState::Executing => "EXECUTING",
            RState::Success => "SUCCESS",
            RState::Failed => "FAILED",
        }
    }
}

/// The control order a recover lifts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    /// A seeded order (index into `Shared::orders`).
    Seeded(usize),
    /// An order placed by a punish (index into `State::punishes`).
    Punish(usize),
}

#[derive(Clone, Debug)]
pub struct RecoverRecord {
    pub out_request_no: String,
    pub wxpay_recover_no: String,
    pub target: Target,
    /// The target's scene and rule version, as the `recover_order` carries them (strings).
    pub punish_scene: String,
    pub punish_rule_version: String,
    pub related_webank_punish_no: String,
    pub related_wxpay_punish_no: String,
    pub mchid: String,
    pub bal_plain: String,
    pub reason: Option<String>,
    /// The optional fields of the published description: `card_no` decrypted.
    pub card_plain: Option<String>,
    pub sgn_no: Option<String>,
    pub req_scene: Option<String>,
    pub state: RState,
    pub accept_time: i64,
    pub finish_time: Option<i64>,
    pub accept_count: u64,
}

/// What a punish request asked for, encrypted fields decrypted: a re-entry must ask for
/// exactly the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PunishReq {
    pub out_request_no: String,
    pub mchid: String,
    pub bal_plain: String,
    pub punish_scene: i64,
    pub reason: Option<String>,
    /// As sent (RFC 3339).
    pub end_time: Option<String>,
    pub card_plain: Option<String>,
    pub sgn_no: Option<String>,
    pub req_scene: Option<String>,
    pub fund_repatriation_strategy: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PunishRecord {
    pub req: PunishReq,
    /// The JSON type `punish_scene` arrived as (always `integer`: others are refused).
    pub scene_type: &'static str,
    pub wxpay_punish_no: String,
    pub state: RState,
    /// Set when a recover of this order reached SUCCESS (`effect_state` RECOVERED).
    pub recovered: bool,
    pub accept_time: i64,
    pub finish_time: Option<i64>,
    pub accept_count: u64,
}

/// Everything behind `Shared::lock`.
#[derive(Default)]
pub struct State {
    pub recovers: Vec<RecoverRecord>,
    pub by_out: HashMap<String, usize>,
    pub punishes: Vec<PunishRecord>,
    /// Punishes by their `out_request_no` (what a recover names `related_webank_punish_no`).
    pub punish_by_out: HashMap<String, usize>,
    pub faults: Vec<Fault>,
    /// Faults that acted, per listener (primary, backup) and kind, since the start: what a
    /// soak reports, and how it knows its storm reached the traffic.
    pub faults_fired: [std::collections::BTreeMap<&'static str, u64>; 2],
    pub nonces: HashMap<String, i64>,
    pub last_prune: i64,
    pub rate: HashMap<(String, Api), VecDeque<Instant>>,
    pub arrivals: [ArrivalLog; API_COUNT],
}

#[derive(Default)]
pub struct ListenerStats {
    pub connections: AtomicU64,
    pub requests: AtomicU64,
    /// Connections closed because they stayed idle for `keep_alive_ms`.
    pub idle_closed: AtomicU64,
    /// Requests being handled now (arrived, not yet answered): right after a client dies, a
    /// request still in flight was sent before it died.
    pub in_flight: AtomicU64,
}

pub struct ListenerCtl {
    /// Wanted state: true = accepting. `down` faults clear it, `reset` sets it.
    pub up: watch::Sender<bool>,
    /// Actual state: whether the socket is bound right now.
    pub bound: AtomicBool,
    pub port: u16,
    /// Bumped on every `down` and `reset`, so a timed `down` only restores its own.
    pub down_epoch: AtomicU64,
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
    pub(super) certs: RwLock<Vec<PlatformCert>>,
    /// Per route: requests routed there (reported for routes with a `stats_key`).
    pub(super) route_requests: [AtomicU64; API_COUNT],
    /// Seconds added to the sandbox's clock (`POST /clock`), to play a platform whose time
    /// differs from the client's.
    pub(super) clock_offset: AtomicI64,
    /// Request-IDs of 2xx answers whose signature headers a fault spoiled: a client that
    /// reports one of them as a success has accepted an unverified answer.
    pub(super) spoiled: Mutex<Vec<String>>,
    pub cfg: Config,
    /// The per-minute limit of each endpoint (`Api::index` order; 0 = off), changed by
    /// `POST /rate-limit` and set back to `cfg.rate_limit_per_minute` by `reset`.
    pub(super) limits: [AtomicU32; API_COUNT],
    /// Bumped by `reset`: every request a `blackhole` fault is holding is then dropped.
    pub(super) blackhole_release: watch::Sender<u64>,
    /// Requests a `blackhole` fault is holding right now.
    pub(super) blackhole_held: AtomicU64,
    pub(super) orders: Vec<Order>,
    pub(super) by_mchid: HashMap<String, Vec<usize>>,
    pub(super) st: Mutex<State>,
    pub(super) lstats: [ListenerStats; 2],
    pub listeners: [ListenerCtl; 2],
    pub(super) signature_failures: AtomicU64,
    pub(super) recovers_accepted: AtomicU64,
    pub(super) punishes_accepted: AtomicU64,
    pub notifications_delivered: AtomicU64,
    pub(super) rid_prefix: String,
    pub(super) rid_ctr: AtomicU64,
    pub(super) recover_ctr: AtomicU64,
    pub(super) punish_ctr: AtomicU64,
    pub(super) acceptor: SslAcceptor,
    pub handle: tokio::runtime::Handle,
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
            route_requests: Default::default(),
            clock_offset: AtomicI64::new(0),
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
            punishes_accepted: AtomicU64::new(0),
            notifications_delivered: AtomicU64::new(0),
            rid_prefix: random_hex_upper(16),
            rid_ctr: AtomicU64::new(1),
            recover_ctr: AtomicU64::new(1),
            punish_ctr: AtomicU64::new(1),
            acceptor,
            handle,
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock must not take the whole sandbox down.
        self.st.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn next_request_id(&self) -> String {
        let n = self.rid_ctr.fetch_add(1, Ordering::Relaxed);
        format!("{}{:016X}", self.rid_prefix, n)
    }

    /// The sandbox's own clock: the machine's, shifted by `POST /clock`.
    pub fn now(&self) -> i64 {
        now_unix() + self.clock_offset.load(Ordering::SeqCst)
    }

    pub fn set_clock_offset(&self, offset_s: i64) {
        self.clock_offset.store(offset_s, Ordering::SeqCst);
    }
}
