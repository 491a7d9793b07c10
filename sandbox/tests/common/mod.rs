//! Test support: a tiny signing WeChat Pay client over blocking OpenSSL TLS (CA verification
//! always on, trusting only the sandbox CA), plus helpers to start sandboxes in temp dirs.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use openssl::encrypt::Encrypter;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::{Padding, Rsa};
use openssl::sign::{Signer, Verifier};
use openssl::ssl::{SslConnector, SslMethod, SslStream, SslVerifyMode};
use serde_json::{json, Value};
use wx_sandbox::{Options, Sandbox};

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

pub struct Conn {
    s: SslStream<TcpStream>,
    buf: Vec<u8>,
    pub host: String,
}

impl Conn {
    pub fn send_raw(&mut self, req: &[u8]) -> io::Result<Resp> {
        self.s.write_all(req)?;
        self.s.flush()?;
        self.read_response()
    }

    /// How long a read waits before it fails with `WouldBlock` / `TimedOut` (30 s by default).
    pub fn set_read_timeout(&self, d: Duration) -> io::Result<()> {
        self.s.get_ref().set_read_timeout(Some(d))
    }

    /// Waits again for the answer to a request already sent (after a read timed out).
    pub fn read_answer(&mut self) -> io::Result<Resp> {
        self.read_response()
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut tmp = [0u8; 65536];
        let n = self.s.read(&mut tmp)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed without a response",
            ));
        }
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(())
    }

    fn read_response(&mut self) -> io::Result<Resp> {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
        self.buf.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad status line"))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        while self.buf.len() < len {
            self.fill()?;
        }
        let body: Vec<u8> = self.buf.drain(..len).collect();
        Ok(Resp {
            status,
            headers,
            body,
        })
    }
}

pub struct Client {
    pub info: Value,
    pub key: PKey<Private>,
    pub wx_pub: PKey<Public>,
    pub mchid: String,
    pub serial: String,
    pub pub_id: String,
    pub cert_serial: String,
    connector: SslConnector,
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
        let mut b = SslConnector::builder(SslMethod::tls_client()).expect("connector");
        b.set_ca_file(info["ca_cert"].as_str().expect("ca"))
            .expect("ca file");
        b.set_verify(SslVerifyMode::PEER);
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
            connector: b.build(),
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

    /// TLS connect to `https://127.0.0.1:port`, verifying the certificate against the sandbox CA
    /// and the host name.
    pub fn connect(&self, url: &str) -> io::Result<Conn> {
        let hostport = url.strip_prefix("https://").expect("https url").to_string();
        let host = hostport
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(&hostport);
        let tcp = TcpStream::connect(&hostport)?;
        tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
        let s = self
            .connector
            .connect(host, tcp)
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(Conn {
            s,
            buf: Vec::new(),
            host: hostport,
        })
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

    /// Sends one request on `conn` with the given Authorization (None = sign properly) and
    /// Wechatpay-Serial (None = omit).
    pub fn send(
        &self,
        conn: &mut Conn,
        method: &str,
        pq: &str,
        body: &[u8],
        auth: Option<String>,
        wx_serial: Option<&str>,
    ) -> io::Result<Resp> {
        let auth = auth.unwrap_or_else(|| self.auth(method, pq, body));
        let mut req = format!(
            "{method} {pq} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: wx-sandbox-tests\r\nAuthorization: {auth}\r\n",
            conn.host
        );
        if let Some(s) = wx_serial {
            req.push_str(&format!("Wechatpay-Serial: {s}\r\n"));
        }
        if !body.is_empty() {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        conn.send_raw(&bytes)
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
        let mut conn = self.connect(&self.url(which))?;
        self.send(&mut conn, method, pq, body, auth, wx_serial)
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

/// Minimal plain-HTTP request to the admin listener.
pub fn admin(info: &Value, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let base = info["admin_url"].as_str().expect("admin_url");
    let hostport = base.strip_prefix("http://").expect("http");
    let mut s = TcpStream::connect(hostport).expect("admin connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let b = body
        .map(|v| serde_json::to_vec(v).expect("json"))
        .unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        b.len()
    );
    s.write_all(req.as_bytes()).expect("write");
    s.write_all(&b).expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("read");
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("http response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
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
