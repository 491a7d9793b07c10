//! The hand-off experiment (bench only, never linked into the library): the same signed,
//! encrypted, verified recover submit and query as bench/transport_floor.c, sent with reqwest
//! in one of two ways, so that their difference is what the hand-off between the caller's
//! thread and reqwest's blocking runtime thread costs:
//!
//! - `mode=blocking`: `reqwest::blocking::Client`, as the library sends (the request goes to
//!   the client's own runtime thread and the answer comes back through a channel);
//! - `mode=current`: `reqwest::Client` driven by a tokio current-thread runtime on the
//!   caller's thread (`block_on`): no second thread, no hand-off.
//!
//! Both use the same TLS stack (native-tls = OpenSSL), a kept-alive connection, the same
//! headers and timeouts; the body is built with serde_json and signed and verified with the
//! `openssl` crate, as the library does. Arguments and the stdin protocol are those of
//! bench/transport_floor.c (plus `mode=`); each repetition prints one JSON line.

use std::io::BufRead;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openssl::base64;
use openssl::encrypt::Encrypter;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Padding;
use openssl::sign::{Signer, Verifier};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde_json::json;

const RECOVER_PATH: &str = "/v3/aggracct-bc/wb-channel/control-orders/recover";
const QUERY_PREFIX: &str = "/v3/aggracct-bc/wb-channel/control-orders/";
const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
const TIMEOUT: Duration = Duration::from_secs(10);

struct Order {
    out: String,
    webank: String,
    wxpay: String,
    mchid: String,
    bal: String,
}

enum Http {
    Blocking(reqwest::blocking::Client),
    Current(tokio::runtime::Runtime, reqwest::Client),
}

struct Ctx {
    base: String,
    mchid: String,
    serial: String,
    pubkey_id: String,
    key: PKey<Private>,
    pubkey: PKey<Public>,
    order: Order,
    http: Http,
}

fn die(msg: &str) -> ! {
    eprintln!("handoff: {msg}");
    std::process::exit(1)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn nonce() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(32);
    let mut buf = [0u8; 32];
    while out.len() < 32 {
        openssl::rand::rand_bytes(&mut buf).unwrap_or_else(|_| die("rand"));
        for b in buf {
            if b < 248 && out.len() < 32 {
                out.push(ALPHABET[(b % 62) as usize] as char);
            }
        }
    }
    out
}

impl Ctx {
    fn authorization(&self, method: &str, pq: &str, body: &[u8]) -> String {
        let ts = unix_now().to_string();
        let nonce = nonce();
        let mut msg = Vec::with_capacity(pq.len() + body.len() + 64);
        for part in [
            method.as_bytes(),
            pq.as_bytes(),
            ts.as_bytes(),
            nonce.as_bytes(),
            body,
        ] {
            msg.extend_from_slice(part);
            msg.push(b'\n');
        }
        let mut s =
            Signer::new(MessageDigest::sha256(), &self.key).unwrap_or_else(|_| die("signer"));
        let sig = s.sign_oneshot_to_vec(&msg).unwrap_or_else(|_| die("sign"));
        format!(
            "{SCHEME} mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{}\",timestamp=\"{ts}\",serial_no=\"{}\"",
            self.mchid,
            base64::encode_block(&sig),
            self.serial
        )
    }

    fn encrypt(&self, plain: &str) -> String {
        let mut e = Encrypter::new(&self.pubkey).unwrap_or_else(|_| die("encrypter"));
        e.set_rsa_padding(Padding::PKCS1_OAEP)
            .unwrap_or_else(|_| die("padding"));
        e.set_rsa_oaep_md(MessageDigest::sha1())
            .unwrap_or_else(|_| die("oaep md"));
        e.set_rsa_mgf1_md(MessageDigest::sha1())
            .unwrap_or_else(|_| die("mgf1 md"));
        let mut out = vec![
            0;
            e.encrypt_len(plain.as_bytes())
                .unwrap_or_else(|_| die("len"))
        ];
        let n = e
            .encrypt(plain.as_bytes(), &mut out)
            .unwrap_or_else(|_| die("encrypt"));
        out.truncate(n);
        base64::encode_block(&out)
    }

    fn verify(&self, status: u16, headers: &HeaderMap, body: &[u8]) {
        if !(200..300).contains(&status) {
            die(&format!("HTTP {status}: {}", String::from_utf8_lossy(body)));
        }
        let h = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| die(&format!("no {name}")))
        };
        if h("Wechatpay-Serial") != self.pubkey_id {
            die("answer signed with an unknown serial");
        }
        let ts = h("Wechatpay-Timestamp");
        let t: i64 = ts.parse().unwrap_or_else(|_| die("timestamp"));
        if (unix_now() - t).abs() >= 300 {
            die("answer outside the replay window");
        }
        let sig = base64::decode_block(h("Wechatpay-Signature"))
            .unwrap_or_else(|_| die("signature not base64"));
        let mut msg = Vec::with_capacity(body.len() + 64);
        for part in [ts.as_bytes(), h("Wechatpay-Nonce").as_bytes(), body] {
            msg.extend_from_slice(part);
            msg.push(b'\n');
        }
        let mut v = Verifier::new(MessageDigest::sha256(), &self.pubkey)
            .unwrap_or_else(|_| die("verifier"));
        if !v.verify_oneshot(&sig, &msg).unwrap_or(false) {
            die("answer signature does not verify");
        }
    }

    fn send(&self, method: Method, pq: &str, body: Option<Vec<u8>>) {
        let auth = self.authorization(method.as_str(), pq, body.as_deref().unwrap_or(b""));
        let url = format!("{}{pq}", self.base);
        let (status, headers, bytes) = match &self.http {
            Http::Blocking(c) => {
                let mut r = c
                    .request(method, url)
                    .timeout(TIMEOUT)
                    .header(ACCEPT, "application/json")
                    .header(AUTHORIZATION, auth)
                    .header(USER_AGENT, "wx-bench-handoff/0")
                    .header("Wechatpay-Serial", &self.pubkey_id);
                if let Some(b) = body {
                    r = r.header(CONTENT_TYPE, "application/json").body(b);
                }
                let resp = r.send().unwrap_or_else(|e| die(&format!("send: {e}")));
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                (
                    status,
                    headers,
                    resp.bytes().unwrap_or_else(|e| die(&format!("body: {e}"))),
                )
            }
            Http::Current(rt, c) => {
                let mut r = c
                    .request(method, url)
                    .timeout(TIMEOUT)
                    .header(ACCEPT, "application/json")
                    .header(AUTHORIZATION, auth)
                    .header(USER_AGENT, "wx-bench-handoff/0")
                    .header("Wechatpay-Serial", &self.pubkey_id);
                if let Some(b) = body {
                    r = r.header(CONTENT_TYPE, "application/json").body(b);
                }
                rt.block_on(async move {
                    let resp = r
                        .send()
                        .await
                        .unwrap_or_else(|e| die(&format!("send: {e}")));
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    (
                        status,
                        headers,
                        resp.bytes()
                            .await
                            .unwrap_or_else(|e| die(&format!("body: {e}"))),
                    )
                })
            }
        };
        self.verify(status, &headers, &bytes);
    }

    fn submit(&self) {
        let o = &self.order;
        let body = json!({
            "out_request_no": o.out,
            "related_webank_punish_no": o.webank,
            "related_wxpay_punish_no": o.wxpay,
            "mchid": o.mchid,
            "bal_account_no": self.encrypt(&o.bal),
            "recover_reason": "bench",
        });
        let body = serde_json::to_vec(&body).unwrap_or_else(|_| die("json"));
        self.send(Method::POST, RECOVER_PATH, Some(body));
    }

    fn query(&self) {
        let o = &self.order;
        let pq = format!(
            "{QUERY_PREFIX}{}?control_type=RECOVER&mchid={}",
            utf8_percent_encode(&o.out, COMPONENT),
            utf8_percent_encode(&o.mchid, COMPONENT)
        );
        self.send(Method::GET, &pq, None);
    }
}

struct Usage {
    user: f64,
    sys: f64,
    vcsw: i64,
    ivcsw: i64,
}

fn rusage() -> Usage {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let r = unsafe {
        let mut r: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut r);
        r
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Usage {
        user: tv(r.ru_utime),
        sys: tv(r.ru_stime),
        vcsw: r.ru_nvcsw,
        ivcsw: r.ru_nivcsw,
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = (p * (sorted.len() - 1) as f64 + 0.5) as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let mut a = std::collections::HashMap::new();
    for arg in std::env::args().skip(1) {
        let (k, v) = arg
            .split_once('=')
            .unwrap_or_else(|| die("arguments are key=value"));
        a.insert(k.to_string(), v.to_string());
    }
    let get = |k: &str| {
        a.get(k)
            .cloned()
            .unwrap_or_else(|| die(&format!("missing {k}=")))
    };
    let read = |p: String| std::fs::read(&p).unwrap_or_else(|_| die(&format!("cannot read {p}")));
    let o: Vec<String> = get("order").split(',').map(str::to_string).collect();
    if o.len() != 5 {
        die("order= needs OUT,WEBANK,WXPAY,MCHID,BAL");
    }
    let ca = reqwest::Certificate::from_pem(&read(get("ca"))).unwrap_or_else(|_| die("ca"));
    let mode = get("mode");
    let impl_name = a
        .get("impl")
        .cloned()
        .unwrap_or_else(|| format!("reqwest-{mode}"));
    let http = match mode.as_str() {
        "blocking" => Http::Blocking(
            reqwest::blocking::Client::builder()
                .https_only(true)
                .tcp_nodelay(true)
                .pool_idle_timeout(Duration::from_secs(90))
                .redirect(reqwest::redirect::Policy::none())
                .add_root_certificate(ca)
                .build()
                .unwrap_or_else(|e| die(&format!("client: {e}"))),
        ),
        "current" => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| die(&format!("runtime: {e}")));
            let c = reqwest::Client::builder()
                .https_only(true)
                .tcp_nodelay(true)
                .pool_idle_timeout(Duration::from_secs(90))
                .redirect(reqwest::redirect::Policy::none())
                .add_root_certificate(ca)
                .build()
                .unwrap_or_else(|e| die(&format!("client: {e}")));
            Http::Current(rt, c)
        }
        _ => die("mode= is blocking or current"),
    };
    let ctx = Ctx {
        base: get("url"),
        mchid: get("mchid"),
        serial: get("serial"),
        pubkey_id: get("pubkey_id"),
        key: PKey::private_key_from_pem(&read(get("key"))).unwrap_or_else(|_| die("key")),
        pubkey: PKey::public_key_from_pem(&read(get("pubkey"))).unwrap_or_else(|_| die("pubkey")),
        order: Order {
            out: o[0].clone(),
            webank: o[1].clone(),
            wxpay: o[2].clone(),
            mchid: o[3].clone(),
            bal: o[4].clone(),
        },
        http,
    };
    let warmup: usize = a.get("warmup").map_or(50, |v| v.parse().unwrap_or(50));
    let n: usize = a.get("n").map_or(200, |v| v.parse().unwrap_or(200));
    ctx.submit(); // the first submit: a new recover under a fresh out_request_no
    for _ in 0..warmup {
        ctx.submit();
    }
    for _ in 0..warmup {
        ctx.query();
    }
    println!("{{\"ready\":true}}");
    let mut lat = vec![0.0f64; n];
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap_or_default();
        let op = line.trim();
        if op.is_empty() {
            continue;
        }
        if op == "quit" {
            break;
        }
        let f: &dyn Fn(&Ctx) = match op {
            "submit" => &Ctx::submit,
            "query" => &Ctx::query,
            _ => die("unknown command"),
        };
        for _ in 0..10 {
            f(&ctx);
        }
        let r0 = rusage();
        let w0 = Instant::now();
        for l in lat.iter_mut() {
            let t0 = Instant::now();
            f(&ctx);
            *l = t0.elapsed().as_secs_f64() * 1e6;
        }
        let wall = w0.elapsed().as_secs_f64();
        let r1 = rusage();
        lat.sort_by(|x, y| x.total_cmp(y));
        let nf = n as f64;
        let (user, sys) = (r1.user - r0.user, r1.sys - r0.sys);
        println!(
            "{{\"impl\":\"{impl_name}\",\"op\":\"{op}\",\"threads\":1,\"n\":{n},\"cpu_us\":{:.3},\"user_us\":{:.3},\
             \"sys_us\":{:.3},\"vcsw\":{:.3},\"ivcsw\":{:.3},\"wall_us\":{:.3},\"p50_us\":{:.1},\"p99_us\":{:.1},\
             \"rps\":{:.2}}}",
            (user + sys) / nf * 1e6,
            user / nf * 1e6,
            sys / nf * 1e6,
            (r1.vcsw - r0.vcsw) as f64 / nf,
            (r1.ivcsw - r0.ivcsw) as f64 / nf,
            wall / nf * 1e6,
            pct(&lat, 0.5),
            pct(&lat, 0.99),
            nf / wall
        );
    }
}
