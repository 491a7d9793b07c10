//! A hostile HTTPS server for the tests: it answers every request with a scripted raw
//! HTTP/1.1 answer (any status, any header lines, duplicates included, any body), signed the
//! way WeChat Pay signs when asked. Its keys and CA are the sandbox's, generated once per test
//! process, so a client trusts it exactly as it trusts the sandbox.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::sign::Signer;
use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};
use serde_json::{json, Value};
use wx_recover::{Client, RecoverRequest};

/// The sandbox's generated material: keys, certificates and the client's identity.
pub struct Material {
    pub dir: PathBuf,
    pub info: Value,
    pub wechatpay_key: PKey<Private>,
}

impl Material {
    fn s(&self, k: &str) -> String {
        self.info[k]
            .as_str()
            .expect("sandbox info field")
            .to_string()
    }

    pub fn public_key_id(&self) -> String {
        self.s("wechatpay_public_key_id")
    }
}

/// Generated once per test process by starting (and stopping) a sandbox on a fresh state dir.
pub fn material() -> &'static Material {
    static M: OnceLock<Material> = OnceLock::new();
    M.get_or_init(|| {
        let sb = super::sandbox_with("hostile-material", |o| o.orders = 1);
        let info = sb.info().clone();
        let dir = PathBuf::from(info["ca_cert"].as_str().expect("ca_cert"))
            .parent()
            .expect("state dir")
            .to_path_buf();
        sb.shutdown();
        let pem = std::fs::read(dir.join("wechatpay_private_key.pem")).expect("platform key");
        Material {
            dir,
            info,
            wechatpay_key: PKey::private_key_from_pem(&pem).expect("platform key parses"),
        }
    })
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// SHA256withRSA over `timestamp\nnonce\nbody\n` with the platform key, base64.
pub fn platform_signature(timestamp: &str, nonce: &str, body: &[u8]) -> String {
    let mut msg = Vec::with_capacity(body.len() + 64);
    for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
        msg.extend_from_slice(part);
        msg.push(b'\n');
    }
    let mut s = Signer::new(MessageDigest::sha256(), &material().wechatpay_key).expect("signer");
    s.update(&msg).expect("sign");
    openssl::base64::encode_block(&s.sign_to_vec().expect("signature"))
}

/// One scripted answer. Header lines are written as given, in order, so names may repeat and
/// values may hold any byte. `Content-Length` and `Connection: close` are added.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// An unsigned answer (what the platform sends for non-2xx) with a Request-ID.
    pub fn plain(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Request-ID".into(), b"08DEHOSTILE0001".to_vec())],
            body: body.into(),
        }
    }

    /// An answer signed by the platform key over exactly `body`.
    pub fn signed(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        let body = body.into();
        let timestamp = unix_now().to_string();
        let nonce = "h0st1leN0nce5b9Qx3Zr7Tk2Wm4Yp6Vc";
        let signature = platform_signature(&timestamp, nonce, &body);
        let mut r = Reply::plain(status, body);
        for (n, v) in [
            ("Wechatpay-Timestamp", timestamp),
            ("Wechatpay-Nonce", nonce.to_string()),
            ("Wechatpay-Serial", material().public_key_id()),
            ("Wechatpay-Signature", signature),
            (
                "Wechatpay-Signature-Type",
                "WECHATPAY2-SHA256-RSA2048".to_string(),
            ),
        ] {
            r.headers.push((n.to_string(), v.into_bytes()));
        }
        r
    }

    /// Adds one more header line (after the others; an existing name is not replaced).
    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Replaces every line named `name` (case-insensitive) by one with `value`.
    pub fn set_header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Reply {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.header(name, value)
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} Hostile\r\n", self.status).into_bytes();
        for (n, v) in &self.headers {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
        if !matches!(self.status, 100..=199 | 204 | 304) {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// The server: answers request `i` with `replies[i]`, repeating the last one.
pub struct Hostile {
    pub url: String,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Hostile {
    pub fn start(replies: Vec<Reply>) -> Hostile {
        assert!(!replies.is_empty(), "at least one reply");
        let m = material();
        let mut acc = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("acceptor");
        acc.set_certificate_chain_file(m.dir.join("server_cert.pem"))
            .expect("server certificate");
        acc.set_private_key_file(m.dir.join("server_key.pem"), SslFiletype::PEM)
            .expect("server key");
        let acceptor = acc.build();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, halt) = (Arc::clone(&requests), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(tcp) = conn else { continue };
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                let Ok(mut tls) = acceptor.accept(tcp) else {
                    continue;
                };
                if read_request(&mut tls).is_none() {
                    continue;
                }
                let i = count.fetch_add(1, Ordering::SeqCst);
                let reply = &replies[i.min(replies.len() - 1)];
                let _ = tls.write_all(&reply.to_bytes());
                let _ = tls.flush();
                let _ = tls.shutdown();
            }
        });
        Hostile {
            url: format!("https://127.0.0.1:{port}"),
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// How many requests were answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// A client configuration for this server: public-key mode, no backup, one attempt, short
    /// timeouts, no rate limit; `overrides` as in `common::config` (null removes a key).
    pub fn config(&self, overrides: Value) -> String {
        let m = material();
        let mut cfg = json!({
            "mchid": m.s("mchid"),
            "merchant_serial_no": m.s("merchant_serial_no"),
            "merchant_private_key": m.s("merchant_private_key"),
            "wechatpay_public_key_id": m.s("wechatpay_public_key_id"),
            "wechatpay_public_key": m.s("wechatpay_public_key"),
            "apiv3_key": m.s("apiv3_key"),
            "base_url": self.url,
            "backup_url": "",
            "ca_cert": m.s("ca_cert"),
            "connect_timeout_ms": 2000,
            "timeout_ms": 3000,
            "deadline_ms": 8000,
            "max_attempts": 1,
            "rate_limit_per_minute": 0,
        });
        super::apply_overrides(&mut cfg, &overrides);
        cfg.to_string()
    }

    pub fn client(&self, overrides: Value) -> Client {
        Client::from_json(&self.config(overrides)).expect("client for the hostile server")
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("https://"));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` if the client went away.
fn read_request(s: &mut impl Read) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf)
}

/// A query answer for `out_request_no` of target merchant `mchid`, as the platform documents it.
pub fn query_body(out_request_no: &str, mchid: &str) -> Vec<u8> {
    json!({
        "control_scene": "RECOVER",
        "recover_order": {
            "wxpay_recover_no": "1000202601010000000000000001",
            "out_request_no": out_request_no,
            "related_wxpay_punish_no": "1000202509090000000001",
            "mchid": mchid,
            "punish_scene": "RISK_CONTROL",
            "punish_rule_version": "V1.0",
            "recover_accept_time": "2026-01-01T10:00:00+08:00",
            "recover_finish_time": "2026-01-01T10:00:05+08:00",
            "recover_state": "SUCCESS",
            "recover_reason": "核实无误，解除管控",
        }
    })
    .to_string()
    .into_bytes()
}

/// A recover that passes the client's own checks (nothing here is real).
pub fn recover_request(out_request_no: &str) -> RecoverRequest {
    RecoverRequest {
        out_request_no: out_request_no.to_string(),
        related_webank_punish_no: "WBP2025090900000001".to_string(),
        related_wxpay_punish_no: "1000202509090000000001".to_string(),
        mchid: "1900000100".to_string(),
        bal_account_no: "6230000000000104729".to_string(),
        recover_reason: Some("核实无误，解除管控".to_string()),
        ..Default::default()
    }
}

/// The submit answer the platform documents for `out_request_no`.
pub fn submit_body(out_request_no: &str) -> Vec<u8> {
    json!({"wxpay_recover_no": "1000202601010000000000000001", "out_request_no": out_request_no})
        .to_string()
        .into_bytes()
}

/// A punish that passes the client's own checks (nothing here is real).
pub fn punish_request(out_request_no: &str) -> wx_recover::PunishRequest {
    wx_recover::PunishRequest {
        out_request_no: out_request_no.to_string(),
        mchid: "1900000100".to_string(),
        bal_account_no: "6230000000000104729".to_string(),
        punish_scene: 2,
        card_no: Some("6222020000000001234".to_string()),
        ..Default::default()
    }
}

/// The punish answer the family's description documents for `out_request_no`.
pub fn punish_body(out_request_no: &str) -> Vec<u8> {
    json!({"wxpay_punish_no": "1000202509090000000001", "out_request_no": out_request_no})
        .to_string()
        .into_bytes()
}

/// A PUNISH query answer for `out_request_no` of target merchant `mchid`.
pub fn punish_query_body(out_request_no: &str, mchid: &str) -> Vec<u8> {
    json!({
        "control_scene": "PUNISH",
        "punish_order": {
            "wxpay_punish_no": "1000202509090000000001",
            "out_request_no": out_request_no,
            "mchid": mchid,
            "punish_scene": 2,
            "punish_rule_version": 1,
            "punish_accept_time": "2026-01-01T10:00:00+08:00",
            "punish_state": "SUCCESS",
            "effect_state": "ACTIVE",
            "control_action": ["DISABLE_PAY"],
        }
    })
    .to_string()
    .into_bytes()
}
