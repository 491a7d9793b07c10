//! Shared set-up for the integration tests: a fresh in-process sandbox per test.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};
use wx_recover::{Client, RecoverRequest};
use wx_sandbox::{Options, Sandbox};

pub mod hostile;
pub mod pg;
pub mod redis;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn temp_dir(tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir =
        std::env::temp_dir().join(format!("wx-recover-test-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub fn sandbox(tag: &str) -> Sandbox {
    sandbox_with(tag, |_| {})
}

pub fn sandbox_with(tag: &str, tweak: impl FnOnce(&mut Options)) -> Sandbox {
    let mut opts = Options {
        state_dir: temp_dir(tag),
        orders: 40,
        recover_delay_ms: 100,
        rate_limit_per_minute: 0,
        ..Default::default()
    };
    tweak(&mut opts);
    Sandbox::start(opts).expect("sandbox starts")
}

/// The sandbox's ready-made client configuration with `overrides` applied.
pub fn config(sb: &Sandbox, overrides: Value) -> String {
    let path = sb.info()["client_config"]
        .as_str()
        .expect("client_config")
        .to_string();
    let mut cfg: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("client config readable"))
            .expect("json");
    cfg["rate_limit_per_minute"] = 0.into();
    apply_overrides(&mut cfg, &overrides);
    cfg.to_string()
}

/// Sets each key of `overrides` in `cfg`; a `null` value removes the key.
pub fn apply_overrides(cfg: &mut Value, overrides: &Value) {
    if let Some(o) = overrides.as_object() {
        for (k, v) in o {
            if v.is_null() {
                cfg.as_object_mut().expect("object").remove(k);
            } else {
                cfg[k] = v.clone();
            }
        }
    }
}

pub fn client(sb: &Sandbox, overrides: Value) -> Client {
    Client::from_json(&config(sb, overrides)).expect("client from sandbox config")
}

pub fn order(sb: &Sandbox, i: usize) -> Value {
    sb.info()["orders"][i].clone()
}

pub fn request(sb: &Sandbox, i: usize, out_request_no: &str) -> RecoverRequest {
    let o = order(sb, i);
    let s = |k: &str| o[k].as_str().expect("order field").to_string();
    RecoverRequest {
        out_request_no: out_request_no.to_string(),
        related_webank_punish_no: s("related_webank_punish_no"),
        related_wxpay_punish_no: s("related_wxpay_punish_no"),
        mchid: s("mchid"),
        bal_account_no: s("bal_account_no"),
        recover_reason: Some("核实无误，解除管控".to_string()),
        ..Default::default()
    }
}

/// Index of the first order whose seeded outcome is `outcome`.
pub fn order_with_outcome(sb: &Sandbox, outcome: &str) -> usize {
    sb.info()["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .position(|o| o["outcome"] == outcome)
        .expect("such an order")
}

pub fn stat(sb: &Sandbox, pointer: &str) -> u64 {
    sb.stats()
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("stat {pointer} in {}", sb.stats()))
}

pub fn fault(sb: &Sandbox, f: Value) {
    sb.inject(f).expect("fault accepted");
}

pub fn no_overrides() -> Value {
    json!({})
}
