//! `wx_sandbox`: a local HTTPS stand-in for the WeChat Pay APIv3 endpoints that wx-recover uses
//! (recover, punish, query, certificates, result notifications), with fault injection.
//!
//! See `docs/sandbox.md` for the contract. In-process use:
//!
//! ```no_run
//! let sb = wx_sandbox::Sandbox::start(wx_sandbox::Options {
//!     state_dir: "/tmp/sb".into(),
//!     orders: 20,
//!     ..Default::default()
//! }).unwrap();
//! println!("{}", sb.info()["primary_url"]);
//! sb.inject(serde_json::json!({"kind": "system_error"})).unwrap();
//! ```

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod crypto;
mod material;
mod notify;
mod server;
mod util;

use server::{Config, Shared};

/// The `punish_scene` that makes a punish end FAILED (`error_code` `PUNISH_FAILED`); every
/// other scene ends SUCCESS.
pub use server::PUNISH_SCENE_FAILS;

/// Start options. `state_dir` must be set by the caller.
#[derive(Clone, Debug)]
pub struct Options {
    /// Directory for keys, certificates, `sandbox.json` and `client.json` (created if missing).
    pub state_dir: PathBuf,
    /// Plain `http://` URL that receives result notifications; `None` = no notifications.
    pub notify_url: Option<String>,
    /// Time from acceptance (EXECUTING) to the final state (SUCCESS/FAILED) of a recover or a
    /// punish. Default 200 ms.
    pub recover_delay_ms: u64,
    /// Requests per minute per initiating merchant and per API; 0 = unlimited. Default 200.
    pub rate_limit_per_minute: u32,
    /// Number of seeded control orders. Default 1000.
    pub orders: usize,
    /// Sign a `/v3/certificates` answer whose request names no known key with the newest
    /// platform certificate (as the real platform does), so a client that knows no key yet
    /// can bootstrap. Default false: such answers name the public key id.
    pub certificates_signed_by_certificate: bool,
    /// Close a connection left idle this long, as the platform does after about 8 s; 0 = keep
    /// idle connections open. Default 0.
    pub keep_alive_ms: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            state_dir: PathBuf::new(),
            notify_url: None,
            recover_delay_ms: 200,
            rate_limit_per_minute: 200,
            orders: 1000,
            certificates_signed_by_certificate: false,
            keep_alive_ms: 0,
        }
    }
}

/// A running sandbox. Runs on its own tokio runtime; dropping it shuts everything down.
pub struct Sandbox {
    rt: Option<tokio::runtime::Runtime>,
    shared: Arc<Shared>,
    info: Value,
    json_path: PathBuf,
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg.into())
}

fn bind_loopback() -> io::Result<std::net::TcpListener> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    l.set_nonblocking(true)?;
    Ok(l)
}

impl Sandbox {
    /// Generates or loads the state dir, binds the three listeners, writes `sandbox.json` and
    /// `client.json`, and returns once every listener accepts connections.
    pub fn start(opts: Options) -> io::Result<Sandbox> {
        if opts.state_dir.as_os_str().is_empty() {
            return Err(invalid("Options::state_dir must be set"));
        }
        if let Some(u) = &opts.notify_url {
            notify::parse_http_url(u).map_err(invalid)?;
        }
        let mat = material::load_or_create(&opts.state_dir)?;
        let orders = material::seed_orders(opts.orders);
        let acceptor = server::build_acceptor(&mat)?;

        let primary = bind_loopback()?;
        let backup = bind_loopback()?;
        let admin = bind_loopback()?;
        let pport = primary.local_addr()?.port();
        let bport = backup.local_addr()?.port();
        let aport = admin.local_addr()?.port();
        let primary_url = format!("https://127.0.0.1:{pport}");
        let backup_url = format!("https://127.0.0.1:{bport}");
        let admin_url = format!("http://127.0.0.1:{aport}");

        let path_str = |p: &Path| p.to_string_lossy().into_owned();
        let client_path = mat.dir.join("client.json");
        let client = json!({
            "mchid": mat.mchid,
            "merchant_serial_no": mat.merchant_serial_no,
            "merchant_private_key": path_str(&mat.merchant_private_key_path),
            "wechatpay_public_key_id": mat.wechatpay_public_key_id,
            "wechatpay_public_key": path_str(&mat.wechatpay_public_key_path),
            "apiv3_key": mat.apiv3_key,
            "base_url": primary_url,
            "backup_url": backup_url,
            "ca_cert": path_str(&mat.ca_cert_path),
            "rate_limit_per_minute": opts.rate_limit_per_minute,
        });
        let info = json!({
            "primary_url": primary_url,
            "backup_url": backup_url,
            "admin_url": admin_url,
            "ca_cert": path_str(&mat.ca_cert_path),
            "mchid": mat.mchid,
            "merchant_serial_no": mat.merchant_serial_no,
            "merchant_private_key": path_str(&mat.merchant_private_key_path),
            "wechatpay_public_key_id": mat.wechatpay_public_key_id,
            "wechatpay_public_key": path_str(&mat.wechatpay_public_key_path),
            "platform_certificate": path_str(&mat.platform_certificate_path),
            "platform_certificate_serial": mat.platform_certificate_serial,
            "apiv3_key": mat.apiv3_key,
            "orders": orders.iter().map(material::Order::to_json).collect::<Vec<_>>(),
            "client_config": path_str(&client_path),
        });
        let ser = |v: &Value| serde_json::to_vec_pretty(v).map_err(io::Error::other);
        material::write_atomic(&client_path, &ser(&client)?, 0o600)?;
        let json_path = mat.dir.join("sandbox.json");
        material::write_atomic(&json_path, &ser(&info)?, 0o600)?;
        material::write_atomic(
            &mat.dir.join("sandbox.env"),
            env_lines(&info).as_bytes(),
            0o600,
        )?;

        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("wx-sandbox")
            .enable_all()
            .build()?;
        let cfg = Config {
            notify_url: opts.notify_url.clone(),
            recover_delay_ms: opts.recover_delay_ms,
            rate_limit_per_minute: opts.rate_limit_per_minute,
            certificates_signed_by_certificate: opts.certificates_signed_by_certificate,
            keep_alive_ms: opts.keep_alive_ms,
        };
        let shared = Arc::new(Shared::new(
            mat,
            cfg,
            orders,
            acceptor,
            [pport, bport],
            rt.handle().clone(),
        ));
        rt.spawn(server::listener_loop(Arc::clone(&shared), 0, primary));
        rt.spawn(server::listener_loop(Arc::clone(&shared), 1, backup));
        rt.spawn(server::admin_loop(Arc::clone(&shared), admin));
        Ok(Sandbox {
            rt: Some(rt),
            shared,
            info,
            json_path,
        })
    }

    /// Exactly the content of `sandbox.json`.
    pub fn info(&self) -> &Value {
        &self.info
    }

    /// `DIR/sandbox.json` (absolute).
    pub fn json_path(&self) -> &Path {
        &self.json_path
    }

    /// Installs a fault; same JSON as `POST /faults`. For `down`, returns once the listener
    /// socket is closed.
    pub fn inject(&self, fault: Value) -> Result<(), String> {
        if let Some(which) = self.shared.apply_fault(&fault)? {
            self.wait_settled(which);
        }
        Ok(())
    }

    /// Request-IDs of the 2xx answers that `bad_signature`, `signtest`, `stale_timestamp` or
    /// `wrong_serial` spoiled (same as `GET /spoiled`).
    pub fn spoiled_request_ids(&self) -> Vec<String> {
        self.shared.spoiled_request_ids()
    }

    /// Shifts the sandbox's clock by `offset_s` seconds (same as `POST /clock`); `reset`
    /// sets it back to 0. Requests are then judged, and answers signed and dated, by it.
    pub fn set_clock_offset(&self, offset_s: i64) {
        self.shared.set_clock_offset(offset_s);
    }

    /// Same as `POST /reset`: clears faults, drops the requests a `blackhole` holds, sets the
    /// clock offset and the rate limits back to their start values, empties the rate windows
    /// and the `rate` statistics, and brings listeners back; returns once they accept.
    pub fn reset(&self) {
        self.shared.reset();
        self.wait_settled([true, true]);
    }

    /// Same as `GET /stats`.
    pub fn stats(&self) -> Value {
        self.shared.stats_json()
    }

    /// Same as `POST /rotate-certificate`: a new platform certificate. Returns
    /// `{"serial_no": new, "certificates": [all served serials]}`.
    pub fn rotate_certificate(&self, options: Value) -> Result<Value, String> {
        self.shared.rotate_certificate(&options)
    }

    /// Same as `POST /sign-notification`: `{"headers": {...}, "body": "..."}` of a notification
    /// signed like a delivered one, without delivering it.
    pub fn sign_notification(&self, request: Value) -> Result<Value, String> {
        self.shared.sign_notification(&request)
    }

    /// Same as `POST /rate-limit`: `{"per_minute": N}` for every endpoint, or with `"api":
    /// "recover"|"query"|"certificates"|"punish"` for one (0 = off). Returns `{"ok": true, "limits":
    /// {...}}`. `reset` sets the limits back to `Options::rate_limit_per_minute`.
    pub fn set_rate_limit(&self, request: Value) -> Result<Value, String> {
        self.shared.set_rate_limit(&request)
    }

    /// Same as `GET /recovers`.
    pub fn recovers(&self) -> Value {
        self.shared.recovers_json()
    }

    /// Same as `GET /punishes`: every punish received, `bal_account_no` and `card_no`
    /// decrypted.
    pub fn punishes(&self) -> Value {
        self.shared.punishes_json()
    }

    /// Stops every listener and background task.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn wait_settled(&self, which: [bool; 2]) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.shared.settled(which) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn stop(&mut self) {
        if let Some(rt) = self.rt.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(Duration::from_secs(2));
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `sandbox.json` as flat `KEY=VALUE` lines, for harnesses that should not parse JSON: each
/// top-level scalar as its upper-case key, `ORDER_COUNT`, and each order's fields as
/// `ORDER_<i>_<FIELD>`. Values never contain a line break.
pub fn env_lines(info: &Value) -> String {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.replace(['\r', '\n'], " ")),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    let mut out = String::new();
    if let Some(obj) = info.as_object() {
        for (k, v) in obj {
            if let Some(s) = scalar(v) {
                out.push_str(&format!("{}={s}\n", k.to_ascii_uppercase()));
            }
        }
        let orders = obj
            .get("orders")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        out.push_str(&format!("ORDER_COUNT={}\n", orders.len()));
        for (i, o) in orders.iter().enumerate() {
            for (k, v) in o.as_object().into_iter().flatten() {
                if let Some(s) = scalar(v) {
                    out.push_str(&format!("ORDER_{i}_{}={s}\n", k.to_ascii_uppercase()));
                }
            }
        }
    }
    out
}

/// One POST to a sandbox's plain-HTTP admin URL (`http://127.0.0.1:PORT`): the HTTP status
/// and body of its answer.
pub fn admin_post(admin_url: &str, path: &str, body: &str) -> io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let addr = admin_url
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::other("admin URL must start with http://"))?;
    let mut s = std::net::TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| io::Error::other("no HTTP status in the answer"))?;
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    Ok((status, body))
}
