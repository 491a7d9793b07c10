//! Test support: a signing WeChat Pay client on reqwest (the tests' one HTTP client; CA
//! verification always on, trusting only the sandbox CA), plus helpers to start sandboxes in
//! temp dirs.
#![allow(dead_code)]

use std::io;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openssl::encrypt::Encrypter;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{Signer, Verifier};
use reqwest::blocking::Client as Http;
use serde_json::{json, Value};
use wx_sandbox::{Options, Sandbox};

mod punish;
#[allow(unused_imports)]
pub use punish::PUNISH;

pub const RECOVER: &str = "/v3/aggracct-bc/wb-channel/control-orders/recover";
pub const QUERY: &str = "/v3/aggracct-bc/wb-channel/control-orders/";

static DIR_CTR: AtomicU64 = AtomicU64::new(0);

/// A temp directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let n = DIR_CTR.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!(
            "wx-sandbox-test-{tag}-{}-{n}-{}",
            std::process::id(),
            now()
        ));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Env {
    pub sb: Sandbox,
    pub c: Client,
    pub dir: TempDir,
}

pub fn start_with(tag: &str, f: impl FnOnce(&mut Options)) -> Env {
    let dir = TempDir::new(tag);
    let mut o = Options {
        state_dir: dir.0.clone(),
        orders: 20,
        recover_delay_ms: 100,
        ..Default::default()
    };
    f(&mut o);
    let sb = Sandbox::start(o).expect("sandbox start");
    let c = Client::new(sb.info());
    Env { sb, c, dir }
}

pub fn start(tag: &str) -> Env {
    start_with(tag, |_| {})
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

pub fn nonce() -> String {
    let mut b = [0u8; 32];
    openssl::rand::rand_bytes(&mut b).expect("rand");
    const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    b.iter()
        .map(|x| A[(*x as usize) % A.len()] as char)
        .collect()
}

pub fn b64(d: &[u8]) -> String {
    openssl::base64::encode_block(d)
}

#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_string()
    }
    pub fn message(&self) -> String {
        self.json()["message"].as_str().unwrap_or("").to_string()
    }
    /// Asserts status and error code; returns the message.
    pub fn expect_err(&self, status: u16, code: &str) -> String {
        assert_eq!(
            (self.status, self.code().as_str()),
            (status, code),
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert!(self.header("Request-ID").is_some_and(|r| !r.is_empty()));
        assert!(
            self.header("Wechatpay-Signature").is_none(),
            "errors are unsigned"
        );
        self.message()
    }
}

/// One kept-alive connection to one listener: every request on it reuses the connection the
/// first one opened (`/stats` counts one connection), and a request after the sandbox closed
/// it needs a new one.
pub struct Conn {
    http: Http,
    base: String,
}

impl Conn {
    /// Sends the request on a thread of its own and returns at once, for answers that come
    /// late or never (`blackhole`). The request gives up after 30 s.
    pub fn send_in_background(
        &self,
        method: &str,
        pq: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Pending {
        let (tx, rx) = mpsc::channel();
        let http = self.http.clone();
        let url = format!("{}{pq}", self.base);
        let (method, pq) = (method.to_string(), pq.to_string());
        std::thread::spawn(move || {
            let _ = tx.send(exchange(&http, &method, &url, &pq, &headers, body));
        });
        Pending(rx)
    }
}

/// A request sent by `send_in_background`.
pub struct Pending(mpsc::Receiver<io::Result<Resp>>);

impl Pending {
    /// Its outcome if it arrives within `d`; `None` while the request is still unanswered.
    pub fn wait(&self, d: Duration) -> Option<io::Result<Resp>> {
        match self.0.recv_timeout(d) {
            Ok(r) => Some(r),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => Some(Err(io::Error::other(
                "request thread ended without an outcome",
            ))),
        }
    }
}

/// A reqwest error as the `io::Error` underneath it (so a refused connection reads as
/// `ConnectionRefused`), `TimedOut` for a timeout, else `Other`.
fn io_error(e: reqwest::Error) -> io::Error {
    if e.is_timeout() {
        return io::Error::new(io::ErrorKind::TimedOut, e);
    }
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            return io::Error::new(io.kind(), e.to_string());
        }
        source = s.source();
    }
    io::Error::other(e)
}

/// One request; `pq` is the exact request target (path and query) to send.
fn exchange(
    http: &Http,
    method: &str,
    url: &str,
    pq: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> io::Result<Resp> {
    let bad = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
    let url = reqwest::Url::parse(url).map_err(|e| bad(format!("{url}: {e}")))?;
    // The signature covers the request target byte for byte: refuse to send one the URL
    // parser changed.
    let sent = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    if sent != pq {
        return Err(bad(format!("{pq:?} would be sent as {sent:?}")));
    }
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| bad(e.to_string()))?;
    let mut req = http.request(method, url);
    if !body.is_empty() {
        req = req.header("Content-Type", "application/json");
    }
    req = req.body(body);
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let r = req.send().map_err(io_error)?;
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (k.as_str().to_string(), v)
        })
        .collect();
    let body = r.bytes().map_err(io_error)?.to_vec();
    Ok(Resp {
        status,
        headers,
        body,
    })
}

pub struct Client {
    pub info: Value,
    pub key: PKey<Private>,
    pub wx_pub: PKey<Public>,
    pub mchid: String,
    pub serial: String,
    pub pub_id: String,
    pub cert_serial: String,
    /// Keeps no idle connection: every `call` opens a fresh one.
    fresh: Http,
}

pub fn read_pem(path: &Value) -> Vec<u8> {
    std::fs::read(path.as_str().expect("path string")).expect("read pem")
}

impl Client {
    pub fn new(info: &Value) -> Client {
        let key =
            PKey::private_key_from_pem(&read_pem(&info["merchant_private_key"])).expect("key");
        let wx_pub =
            PKey::public_key_from_pem(&read_pem(&info["wechatpay_public_key"])).expect("pub");
        Client {
            info: info.clone(),
            key,
            wx_pub,
            mchid: info["mchid"].as_str().expect("mchid").into(),
            serial: info["merchant_serial_no"].as_str().expect("serial").into(),
            pub_id: info["wechatpay_public_key_id"].as_str().expect("id").into(),
            cert_serial: info["platform_certificate_serial"]
                .as_str()
                .expect("cert serial")
                .into(),
            fresh: http_client(info, 0),
        }
    }

    pub fn url(&self, which: &str) -> String {
        self.info[format!("{which}_url")]
            .as_str()
            .expect("url")
            .to_string()
    }

    pub fn order(&self, i: usize) -> Value {
        self.info["orders"][i].clone()
    }

    /// A kept-alive connection to `url` (`https://127.0.0.1:port`), opened by its first request,
    /// with the certificate verified against the sandbox CA and the host name.
    pub fn connect(&self, url: &str) -> Conn {
        Conn {
            http: http_client(&self.info, 1),
            base: url.to_string(),
        }
    }

    /// Whether `which` ("primary" / "backup") accepts connections: a plain TCP connect, so a
    /// listener that is `down` answers `ConnectionRefused`.
    pub fn reachable(&self, which: &str) -> io::Result<()> {
        let url = self.url(which);
        let hostport = url.strip_prefix("https://").expect("https url");
        TcpStream::connect(hostport).map(drop)
    }

    pub fn sign(&self, key: &PKey<Private>, msg: &[u8]) -> String {
        let mut s = Signer::new(MessageDigest::sha256(), key).expect("signer");
        s.update(msg).expect("update");
        b64(&s.sign_to_vec().expect("sign"))
    }

    #[allow(clippy::too_many_arguments)]
    pub fn auth_custom(
        &self,
        key: &PKey<Private>,
        mchid: &str,
        serial: &str,
        ts: i64,
        nonce: &str,
        method: &str,
        pq: &str,
        body: &[u8],
    ) -> String {
        let mut msg = format!("{method}\n{pq}\n{ts}\n{nonce}\n").into_bytes();
        msg.extend_from_slice(body);
        msg.push(b'\n');
        let sig = self.sign(key, &msg);
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{mchid}\",nonce_str=\"{nonce}\",timestamp=\"{ts}\",serial_no=\"{serial}\",signature=\"{sig}\""
        )
    }

    pub fn auth(&self, method: &str, pq: &str, body: &[u8]) -> String {
        self.auth_custom(
            &self.key,
            &self.mchid,
            &self.serial,
            now(),
            &nonce(),
            method,
            pq,
            body,
        )
    }

    /// The headers of a request: the given Authorization (None = sign properly) and
    /// Wechatpay-Serial (None = omit).
    pub fn headers(
        &self,
        method: &str,
        pq: &str,
        body: &[u8],
        auth: Option<String>,
        wx_serial: Option<&str>,
    ) -> Vec<(String, String)> {
        let auth = auth.unwrap_or_else(|| self.auth(method, pq, body));
        let mut h = vec![("Authorization".to_string(), auth)];
        if let Some(s) = wx_serial {
            h.push(("Wechatpay-Serial".to_string(), s.to_string()));
        }
        h
    }

    /// Sends one request on `conn` with exactly these headers besides `Accept`, `User-Agent`
    /// and (with a body) `Content-Type`.
    pub fn send_with_headers(
        &self,
        conn: &Conn,
        method: &str,
        pq: &str,
        body: &[u8],
        headers: Vec<(String, String)>,
    ) -> io::Result<Resp> {
        let url = format!("{}{pq}", conn.base);
        exchange(&conn.http, method, &url, pq, &headers, body.to_vec())
    }

    /// Sends one request on `conn` with the given Authorization (None = sign properly) and
    /// Wechatpay-Serial (None = omit).
    pub fn send(
        &self,
        conn: &Conn,
        method: &str,
        pq: &str,
        body: &[u8],
        auth: Option<String>,
        wx_serial: Option<&str>,
    ) -> io::Result<Resp> {
        let headers = self.headers(method, pq, body, auth, wx_serial);
        self.send_with_headers(conn, method, pq, body, headers)
    }

    /// One request on a fresh connection to `which` ("primary" / "backup").
    pub fn call(
        &self,
        which: &str,
        method: &str,
        pq: &str,
        body: &[u8],
        auth: Option<String>,
        wx_serial: Option<&str>,
    ) -> io::Result<Resp> {
        let conn = Conn {
            http: self.fresh.clone(),
            base: self.url(which),
        };
        self.send(&conn, method, pq, body, auth, wx_serial)
    }

    pub fn encrypt(&self, plain: &str) -> String {
        let mut e = Encrypter::new(&self.wx_pub).expect("enc");
        e.set_rsa_padding(Padding::PKCS1_OAEP).expect("pad");
        e.set_rsa_oaep_md(MessageDigest::sha1()).expect("md");
        e.set_rsa_mgf1_md(MessageDigest::sha1()).expect("mgf");
        let mut out = vec![0u8; e.encrypt_len(plain.as_bytes()).expect("len")];
        let n = e.encrypt(plain.as_bytes(), &mut out).expect("encrypt");
        out.truncate(n);
        b64(&out)
    }

    /// A valid recover body for seeded order `i`.
    pub fn recover_body(&self, i: usize, out: &str) -> Value {
        let o = self.order(i);
        json!({
            "out_request_no": out,
            "related_webank_punish_no": o["related_webank_punish_no"],
            "related_wxpay_punish_no": o["related_wxpay_punish_no"],
            "mchid": o["mchid"],
            "bal_account_no": self.encrypt(o["bal_account_no"].as_str().expect("bal")),
            "recover_reason": "风控解除 test",
        })
    }

    pub fn recover_on(&self, which: &str, body: &Value) -> io::Result<Resp> {
        let b = serde_json::to_vec(body).expect("json");
        self.call(which, "POST", RECOVER, &b, None, Some(&self.pub_id))
    }

    pub fn recover(&self, body: &Value) -> Resp {
        self.recover_on("primary", body).expect("recover I/O")
    }

    pub fn query_on(&self, which: &str, out_encoded: &str, mchid: &str) -> io::Result<Resp> {
        let pq = format!("{QUERY}{out_encoded}?control_type=RECOVER&mchid={mchid}");
        self.call(which, "GET", &pq, b"", None, Some(&self.pub_id))
    }

    pub fn query(&self, out_encoded: &str, mchid: &str) -> Resp {
        self.query_on("primary", out_encoded, mchid)
            .expect("query I/O")
    }

    /// Verifies a signed answer the way a client must. Err describes the failure.
    pub fn verify(&self, r: &Resp) -> Result<(), String> {
        let ts = r.header("Wechatpay-Timestamp").ok_or("no timestamp")?;
        let nonce = r.header("Wechatpay-Nonce").ok_or("no nonce")?;
        let sig = r.header("Wechatpay-Signature").ok_or("no signature")?;
        let serial = r.header("Wechatpay-Serial").ok_or("no serial")?;
        if r.header("Wechatpay-Signature-Type") != Some("WECHATPAY2-SHA256-RSA2048") {
            return Err("bad signature type".into());
        }
        if serial != self.pub_id && serial != self.cert_serial {
            return Err(format!("unknown serial {serial}"));
        }
        let tsn: i64 = ts.parse().map_err(|_| "bad timestamp")?;
        if (now() - tsn).abs() >= 300 {
            return Err("stale timestamp".into());
        }
        let sig = openssl::base64::decode_block(sig).map_err(|_| "signature not base64")?;
        let mut msg = format!("{ts}\n{nonce}\n").into_bytes();
        msg.extend_from_slice(&r.body);
        msg.push(b'\n');
        let mut v = Verifier::new(MessageDigest::sha256(), &self.wx_pub).expect("verifier");
        v.update(&msg).expect("update");
        if v.verify(&sig).unwrap_or(false) {
            Ok(())
        } else {
            Err("signature mismatch".into())
        }
    }

    /// Verifies ignoring timestamp/serial checks (to prove a fault signed "correctly" otherwise).
    pub fn signature_valid(&self, r: &Resp) -> bool {
        let (Some(ts), Some(nonce), Some(sig)) = (
            r.header("Wechatpay-Timestamp"),
            r.header("Wechatpay-Nonce"),
            r.header("Wechatpay-Signature"),
        ) else {
            return false;
        };
        let Ok(sig) = openssl::base64::decode_block(sig) else {
            return false;
        };
        let mut msg = format!("{ts}\n{nonce}\n").into_bytes();
        msg.extend_from_slice(&r.body);
        msg.push(b'\n');
        let mut v = Verifier::new(MessageDigest::sha256(), &self.wx_pub).expect("verifier");
        v.update(&msg).expect("update");
        v.verify(&sig).unwrap_or(false)
    }
}

pub fn other_key() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey")
}

/// A client for a sandbox's TLS listeners that trusts only its CA and keeps at most
/// `idle` idle connections per listener.
fn http_client(info: &Value, idle: usize) -> Http {
    let ca = reqwest::Certificate::from_pem(&read_pem(&info["ca_cert"])).expect("CA certificate");
    Http::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(ca)
        .pool_max_idle_per_host(idle)
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .default_headers(default_headers())
        .build()
        .expect("HTTP client")
}

fn default_headers() -> reqwest::header::HeaderMap {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("Accept", "application/json".parse().expect("header"));
    h.insert("User-Agent", "wx-sandbox-tests".parse().expect("header"));
    h
}

/// One request to the admin listener (plain HTTP): status and JSON body (`Null` if none).
pub fn admin(info: &Value, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let base = info["admin_url"].as_str().expect("admin_url");
    let b = body
        .map(|v| serde_json::to_vec(v).expect("json"))
        .unwrap_or_default();
    let http = Http::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .default_headers(default_headers())
        .build()
        .expect("HTTP client");
    let url = format!("{base}{path}");
    let r = exchange(&http, method, &url, path, &[], b).expect("admin request");
    (
        r.status,
        serde_json::from_slice(&r.body).unwrap_or(Value::Null),
    )
}

/// Polls the query until the recover leaves EXECUTING.
pub fn wait_final(c: &Client, out: &str, mchid: &str) -> Value {
    for _ in 0..100 {
        let r = c.query(out, mchid);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        if v["recover_order"]["recover_state"] != "EXECUTING" {
            return v;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("recover {out} never left EXECUTING");
}
