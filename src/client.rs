//! The client: builds, signs and sends requests, retries and fails over, and verifies every
//! answer before the caller sees it. The Authorization header is built here, in `authorization`.

use std::io::Read;
use std::mem::ManuallyDrop;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openssl::pkey::{PKey, Public};

use reqwest::blocking::{Client as HttpClient, Response};
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, Url};
use serde_json::{json, Value};

use crate::certificates::{self, PlatformCert, CERTIFICATES_PATH};
use crate::config::Config;
use crate::crypto;
use crate::error::{truncate, Error, ErrorKind, Result};
use crate::limiter::Limiter;
use crate::log::{Level, Logger, Sink};
use crate::model::{check_identifier, Accepted, RecoverOrder, RecoverRequest};
use crate::notify::{self, Notification};

pub const RECOVER_PATH: &str = "/v3/aggracct-bc/wb-channel/control-orders/recover";
const QUERY_PATH_PREFIX: &str = "/v3/aggracct-bc/wb-channel/control-orders/";
/// Answers larger than this are refused unread: the documented ones are a few hundred bytes.
const MAX_RESPONSE_BYTES: u64 = 1 << 20;
/// The platform's replay window for signed answers.
const REPLAY_WINDOW_SECS: i64 = 300;
const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(2);
/// Certificate refreshes (other than a first download) happen at most this often, or at the
/// configured refresh interval when that is shorter.
const REFRESH_MIN_INTERVAL: Duration = Duration::from_secs(60);

/// The `Wechatpay-*` headers of a signed answer or notification.
#[derive(Debug, Clone, Default)]
pub struct SignedHeaders {
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
    pub serial: String,
    /// `Wechatpay-Signature-Type`; checked when present.
    pub signature_type: Option<String>,
}

impl SignedHeaders {
    fn from_response(headers: &HeaderMap) -> SignedHeaders {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        SignedHeaders {
            timestamp: get("Wechatpay-Timestamp").unwrap_or_default(),
            nonce: get("Wechatpay-Nonce").unwrap_or_default(),
            signature: get("Wechatpay-Signature").unwrap_or_default(),
            serial: get("Wechatpay-Serial").unwrap_or_default(),
            signature_type: get("Wechatpay-Signature-Type"),
        }
    }
}

/// A WeChat Pay client for one merchant. `Send + Sync`: share one per process; it keeps one
/// connection pool and one rate limiter for every thread that uses it.
pub struct Client {
    config: Config,
    /// Dropped only in the process that made it: after `fork()` its I/O thread does not exist
    /// in the child, and joining it there would hang.
    http: ManuallyDrop<HttpClient>,
    /// The process that created the client; calls from a forked child are refused.
    pid: u32,
    logger: Logger,
    limiter: Limiter,
    /// Platform certificates from `/v3/certificates` (download mode only).
    certs: RwLock<CertCache>,
    /// Serialises downloads so many threads meeting a new serial cause one request.
    refresh_gate: Mutex<()>,
}

#[derive(Default)]
struct CertCache {
    /// Certificates that were in their validity window when downloaded.
    certs: Vec<PlatformCert>,
    fetched: Option<Instant>,
    /// Any download attempt: a failed periodic refresh waits before the next try.
    last_attempt: Option<Instant>,
    /// The last refresh caused by an unknown serial: at most one per minute, so a stream of
    /// forged serials cannot turn into a stream of downloads.
    last_unknown_serial: Option<Instant>,
}

/// Why a certificate refresh is wanted; decides whether it may be skipped.
enum Refresh<'a> {
    /// Nothing cached yet: always try (each failure is the caller's error).
    Empty,
    /// The cached set is older than `certificate_refresh_s`.
    Periodic,
    /// An answer or notification names a serial we do not know.
    UnknownSerial(&'a str),
}

/// Whether `execute` verifies the 2xx answer itself (API calls) or leaves it to the caller
/// (the certificate download, verified against the certificates it carries).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verification {
    Here,
    ByCaller,
}

/// One answer as received, before interpretation.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    request_id: Option<String>,
}

impl Client {
    pub fn new(config: Config) -> Result<Client> {
        let mut builder = HttpClient::builder()
            .https_only(true)
            .tcp_nodelay(true)
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent.clone());
        if let Some(pem) = &config.ca_cert_pem {
            let cert =
                reqwest::Certificate::from_pem(pem).map_err(|e| Error::config("ca_cert", e))?;
            builder = builder.add_root_certificate(cert);
        }
        if let Some(proxy) = &config.proxy {
            builder = builder.proxy(
                reqwest::Proxy::all(proxy)
                    .map_err(|_| Error::config("proxy", "not a usable proxy URL"))?,
            );
        }
        let http = builder
            .build()
            .map_err(|e| Error::config("http client", e))?;
        let limiter = Limiter::new(config.rate_limit_per_minute);
        Ok(Client {
            config,
            http: ManuallyDrop::new(http),
            pid: std::process::id(),
            logger: Logger::default(),
            limiter,
            certs: RwLock::new(CertCache::default()),
            refresh_gate: Mutex::new(()),
        })
    }

    /// Sends this client's log lines at `max` and above to `sink`; `None` turns them off.
    /// The sink runs on the thread making the call and must be thread-safe.
    pub fn set_logger(&self, sink: Option<(Level, Arc<Sink>)>) {
        self.logger.set(sink);
    }

    /// Refuses use from a child process after `fork()`: the connection pool's I/O thread
    /// was not copied into the child, so a request would hang instead of failing.
    fn check_process(&self) -> Result<()> {
        let now = std::process::id();
        if now == self.pid {
            return Ok(());
        }
        Err(Error::invalid(
            "client",
            &format!(
                "created in process {} and used in process {now} after fork(); create a new client in this process",
                self.pid
            ),
        ))
    }

    pub fn from_json(json: &str) -> Result<Client> {
        Client::new(Config::from_json(json)?)
    }

    pub fn from_file(path: &Path) -> Result<Client> {
        Client::new(Config::from_file(path)?)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The value to send as `Wechatpay-Serial`: the key that encrypts sensitive fields. In
    /// download mode this may download the certificates; it is empty when no key is available
    /// (see [`Client::encryption_key`] for the reason).
    pub fn wechatpay_serial(&self) -> String {
        self.encryption_key().map(|(s, _)| s).unwrap_or_default()
    }

    /// The key that encrypts sensitive fields and its `Wechatpay-Serial`: the configured public
    /// key when there is one, else the newest downloaded certificate valid now, else the
    /// configured certificate. In download mode this downloads the certificates when none are
    /// cached and refreshes them when they are older than `certificate_refresh_s`; a failed
    /// refresh keeps the cached set.
    pub fn encryption_key(&self) -> Result<(String, PKey<Public>)> {
        if let Some(k) = &self.config.public_key {
            return Ok((k.serial.clone(), k.key.clone()));
        }
        if self.config.certificate_download {
            let fresh = self.ensure_certificates();
            if let Some(c) = certificates::newest_valid(&self.cache().certs, unix_now()) {
                return Ok((c.serial.clone(), c.key.clone()));
            }
            if self.config.platform_certificate.is_none() {
                fresh?;
                return Err(Error::new(
                    ErrorKind::BadResponse,
                    "no downloaded platform certificate is in its validity window now (check the local clock)",
                ));
            }
        }
        match &self.config.platform_certificate {
            Some(k) => Ok((k.serial.clone(), k.key.clone())),
            None => Err(Error::internal("configuration without a WeChat Pay key")),
        }
    }

    /// Encrypts a sensitive field for the key named by `wechatpay_serial()`.
    pub fn encrypt(&self, plaintext: &str) -> Result<String> {
        if plaintext.len() > crypto::OAEP_MAX_PLAINTEXT {
            return Err(Error::invalid(
                "plaintext",
                "must be at most 214 bytes (RSA-OAEP limit)",
            ));
        }
        let (_, key) = self.encryption_key()?;
        crypto::encrypt_oaep(&key, plaintext.as_bytes())
    }

    /// The serials of the downloaded platform certificates currently cached (download mode).
    pub fn cached_certificate_serials(&self) -> Vec<String> {
        self.cache()
            .certs
            .iter()
            .map(|c| c.serial.clone())
            .collect()
    }

    fn cache(&self) -> RwLockReadGuard<'_, CertCache> {
        // The cache is replaced whole under the lock, so a poisoned one is still consistent.
        self.certs.read().unwrap_or_else(|p| p.into_inner())
    }

    fn cache_mut(&self) -> RwLockWriteGuard<'_, CertCache> {
        self.certs.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Downloads when nothing is cached (errors are returned); refreshes when the set is
    /// older than `certificate_refresh_s` (errors are ignored: the cached set keeps working).
    fn ensure_certificates(&self) -> Result<()> {
        let (empty, due) = {
            let c = self.cache();
            let due = match c.fetched {
                Some(t) => t.elapsed() >= self.config.certificate_refresh,
                None => true,
            };
            (c.certs.is_empty(), due)
        };
        if empty {
            return self.refresh_certificates(Refresh::Empty);
        }
        if due {
            let _ = self.refresh_certificates(Refresh::Periodic);
        }
        Ok(())
    }

    fn refresh_certificates(&self, why: Refresh<'_>) -> Result<()> {
        let _gate = self.refresh_gate.lock().unwrap_or_else(|p| p.into_inner());
        let min_interval = REFRESH_MIN_INTERVAL.min(self.config.certificate_refresh);
        {
            // Another thread may have refreshed while this one waited at the gate.
            let c = self.cache();
            let done = match why {
                Refresh::Empty => !c.certs.is_empty(),
                Refresh::Periodic => c
                    .fetched
                    .is_some_and(|t| t.elapsed() < self.config.certificate_refresh),
                Refresh::UnknownSerial(s) => find_cert(&c.certs, s).is_some(),
            };
            if done {
                return Ok(());
            }
            let last = match why {
                Refresh::Empty => None,
                Refresh::Periodic => c.last_attempt,
                Refresh::UnknownSerial(_) => c.last_unknown_serial,
            };
            if last.is_some_and(|t| t.elapsed() < min_interval) {
                return Err(Error::new(
                    ErrorKind::Unverified,
                    format!(
                        "platform certificates were refreshed less than {} s ago; not refreshed again",
                        min_interval.as_secs()
                    ),
                ));
            }
        }
        {
            let mut c = self.cache_mut();
            c.last_attempt = Some(Instant::now());
            if matches!(why, Refresh::UnknownSerial(_)) {
                c.last_unknown_serial = Some(Instant::now());
            }
        }
        let certs = self.download_certificates().map_err(|mut e| {
            e.message = format!("downloading platform certificates: {}", e.message);
            self.logger.log(Level::Warn, || e.message.clone());
            e
        })?;
        self.logger.log(Level::Info, || {
            let serials: Vec<&str> = certs.iter().map(|c| c.serial.as_str()).collect();
            format!("platform certificates downloaded: {}", serials.join(", "))
        });
        let mut c = self.cache_mut();
        c.certs = certs;
        c.fetched = Some(Instant::now());
        Ok(())
    }

    /// `GET /v3/certificates`, signed like every request. The answer is verified against the
    /// configured keys or the certificates it carries (once decrypted with the APIv3 key, which
    /// only the platform and the merchant know), as the official SDKs do.
    fn download_certificates(&self) -> Result<Vec<PlatformCert>> {
        let apiv3_key =
            self.config.apiv3_key.as_deref().ok_or_else(|| {
                Error::config("apiv3_key", "is required to download certificates")
            })?;
        let (answer, attempts) = self.execute(
            Method::GET,
            CERTIFICATES_PATH,
            None,
            None,
            Verification::ByCaller,
        )?;
        let with_answer = |mut e: Error| {
            e.request_id = answer.request_id.clone();
            e.http_status = answer.status;
            e.attempts = attempts;
            e
        };
        let parsed = parse_json(&answer)?;
        let certs = certificates::decrypt_all(&parsed, apiv3_key).map_err(with_answer)?;
        let headers = SignedHeaders::from_response(&answer.headers);
        self.check_signed(&headers, &answer.body, |serial| {
            match self.config.static_verification_key(serial) {
                Some(k) => Ok(k.clone()),
                None => find_cert(&certs, serial).map(|c| c.key.clone()).ok_or_else(|| {
                    format!(
                        "Wechatpay-Serial {:?} is neither a configured key nor one of the downloaded certificates",
                        truncate(serial, 80)
                    )
                }),
            }
        })
        .map_err(with_answer)?;
        let now = unix_now();
        let total = certs.len();
        let valid: Vec<PlatformCert> = certs.into_iter().filter(|c| c.valid_at(now)).collect();
        if valid.is_empty() {
            return Err(with_answer(Error::new(
                ErrorKind::BadResponse,
                format!("none of the {total} certificates is in its validity window now"),
            )));
        }
        Ok(valid)
    }

    /// The key for a `Wechatpay-Serial`: a configured key, a cached certificate, or (download
    /// mode) a certificate found by refreshing once. `Err` says why there is none.
    fn verification_key(&self, serial: &str) -> std::result::Result<PKey<Public>, String> {
        if let Some(k) = self.config.static_verification_key(serial) {
            return Ok(k.clone());
        }
        let unknown = format!(
            "Wechatpay-Serial {:?} is not a known WeChat Pay key",
            truncate(serial, 80)
        );
        if !self.config.certificate_download {
            return Err(unknown);
        }
        if !self.cache().certs.is_empty() {
            let _ = self.ensure_certificates();
        }
        if let Some(c) = find_cert(&self.cache().certs, serial) {
            return Ok(c.key.clone());
        }
        match self.refresh_certificates(Refresh::UnknownSerial(serial)) {
            Ok(()) => find_cert(&self.cache().certs, serial)
                .map(|c| c.key.clone())
                .ok_or_else(|| {
                    format!("{unknown} (not among the platform certificates just downloaded)")
                }),
            Err(e) => Err(format!("{unknown} ({})", e.message)),
        }
    }

    /// Verifies a result notification (same key lookup and replay window as answers), checks
    /// its envelope and decrypts its resource with the APIv3 key. `body` must be the exact
    /// bytes received. Failures: `Config` without an APIv3 key; `Unverified` for headers,
    /// signature, serial or replay window; `BadResponse` for the envelope or decryption.
    pub fn parse_notification(&self, headers: &SignedHeaders, body: &[u8]) -> Result<Notification> {
        let apiv3_key =
            self.config.apiv3_key.as_deref().ok_or_else(|| {
                Error::config("apiv3_key", "is required to decrypt notifications")
            })?;
        self.verify(headers, body).map_err(|e| {
            notify::notification_error(e.kind, format!("notification: {}", e.message))
        })?;
        notify::open(body, apiv3_key)
    }

    /// The `Authorization` value for a request: `url` is the path and query exactly as sent.
    pub fn authorization(&self, method: &str, url: &str, body: &[u8]) -> Result<String> {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::invalid(
                "method",
                "must be an upper-case HTTP method",
            ));
        }
        if !url.starts_with('/') || url.chars().any(|c| c.is_control() || c == ' ') {
            return Err(Error::invalid(
                "url",
                "must be the path and query as sent, starting with '/'",
            ));
        }
        let timestamp = unix_now().to_string();
        let nonce = crypto::nonce()?;
        let message = crypto::request_message(method, url, &timestamp, &nonce, body);
        let signature = crypto::sign(&self.config.merchant_key, &message)?;
        Ok(format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{}\",timestamp=\"{}\",serial_no=\"{}\",signature=\"{}\"",
            self.config.mchid, nonce, timestamp, self.config.merchant_serial_no, signature
        ))
    }

    /// Verifies a signed answer or notification: trusted serial, signature over
    /// `timestamp\nnonce\nbody\n`, and a timestamp within the replay window. In download mode
    /// an unknown serial refreshes the certificates once (at most once a minute) and retries.
    pub fn verify(&self, headers: &SignedHeaders, body: &[u8]) -> Result<()> {
        self.check_signed(headers, body, |serial| self.verification_key(serial))
    }

    fn check_signed(
        &self,
        headers: &SignedHeaders,
        body: &[u8],
        key_for: impl FnOnce(&str) -> std::result::Result<PKey<Public>, String>,
    ) -> Result<()> {
        let fail = |why: String| Err(Error::new(ErrorKind::Unverified, why));
        if let Some(t) = &headers.signature_type {
            if t != "WECHATPAY2-SHA256-RSA2048" {
                return fail(format!("unsupported Wechatpay-Signature-Type {t:?}"));
            }
        }
        if headers.serial.is_empty()
            || headers.timestamp.is_empty()
            || headers.nonce.is_empty()
            || headers.signature.is_empty()
        {
            return fail("missing Wechatpay-Serial, -Timestamp, -Nonce or -Signature".into());
        }
        // Cheap checks first: a replayed message must not cause a certificate download.
        let Ok(ts) = headers.timestamp.parse::<i64>() else {
            return fail("Wechatpay-Timestamp is not a number".into());
        };
        let skew = unix_now().saturating_sub(ts);
        if skew.unsigned_abs() >= REPLAY_WINDOW_SECS as u64 {
            return fail(format!(
                "Wechatpay-Timestamp is {skew} s from the local clock (window {REPLAY_WINDOW_SECS} s): replayed answer or local clock skew"
            ));
        }
        let key = match key_for(&headers.serial) {
            Ok(k) => k,
            Err(why) => return fail(why),
        };
        let message = crypto::response_message(&headers.timestamp, &headers.nonce, body);
        if !crypto::verify(&key, &message, &headers.signature) {
            return fail("Wechatpay-Signature does not verify".into());
        }
        Ok(())
    }

    /// Submits a recover. Every attempt sends the same body bytes (same `out_request_no`), so a
    /// retry after an unknown outcome is re-entry, never a second recover.
    pub fn submit(&self, request: &RecoverRequest) -> Result<Accepted> {
        request.validate()?;
        // One key for the whole call: the serial sent must name the key that encrypted.
        let (serial, key) = self.encryption_key()?;
        let encrypted = crypto::encrypt_oaep(&key, request.bal_account_no.as_bytes())?;
        let mut body = json!({
            "out_request_no": request.out_request_no,
            "related_webank_punish_no": request.related_webank_punish_no,
            "related_wxpay_punish_no": request.related_wxpay_punish_no,
            "mchid": request.mchid,
            "bal_account_no": encrypted,
        });
        if let Some(reason) = &request.recover_reason {
            body["recover_reason"] = Value::String(reason.clone());
        }
        let body = serde_json::to_vec(&body)
            .map_err(|e| Error::internal(format!("serialising the request: {e}")))?;
        let (answer, attempts) = self.execute(
            Method::POST,
            RECOVER_PATH,
            Some(&body),
            Some(&serial),
            Verification::Here,
        )?;
        let parsed = parse_json(&answer)?;
        let field = |name: &str| {
            parsed
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let bad = |why: &str| {
            let mut e = Error::new(ErrorKind::BadResponse, why)
                .with_request_id(answer.request_id.clone())
                .with_http_status(answer.status);
            e.attempts = attempts;
            e
        };
        let wxpay_recover_no =
            field("wxpay_recover_no").ok_or_else(|| bad("answer has no wxpay_recover_no"))?;
        match field("out_request_no") {
            Some(n) if n == request.out_request_no => {}
            _ => return Err(bad("answer's out_request_no does not match the request")),
        }
        Ok(Accepted {
            wxpay_recover_no,
            out_request_no: request.out_request_no.clone(),
            request_id: answer.request_id,
            attempts,
        })
    }

    /// Queries a recover by its `out_request_no` for the target merchant `mchid`.
    pub fn query(&self, out_request_no: &str, mchid: &str) -> Result<RecoverOrder> {
        check_identifier("out_request_no", out_request_no)?;
        if out_request_no.len() > crate::model::OUT_REQUEST_NO_MAX_BYTES {
            return Err(Error::invalid("out_request_no", "must be at most 64 bytes"));
        }
        check_identifier("mchid", mchid)?;
        let path = format!(
            "{QUERY_PATH_PREFIX}{}?control_type=RECOVER&mchid={}",
            percent_encode(out_request_no),
            percent_encode(mchid)
        );
        let (serial, _) = self.encryption_key()?;
        let (answer, attempts) =
            self.execute(Method::GET, &path, None, Some(&serial), Verification::Here)?;
        let parsed = parse_json(&answer)?;
        RecoverOrder::from_query_body(&parsed, answer.request_id.clone(), attempts).map_err(
            |mut e| {
                e.request_id = answer.request_id.clone();
                e.http_status = answer.status;
                e.attempts = attempts;
                e
            },
        )
    }

    /// Sends with retries, failover and verification. Returns a verified 2xx answer.
    fn execute(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&[u8]>,
        serial: Option<&str>,
        verification: Verification,
    ) -> Result<(Answer, u32)> {
        self.check_process()?;
        let started = Instant::now();
        let deadline = started + self.config.deadline;
        let path = path_and_query.split('?').next().unwrap_or_default();
        let hosts: Vec<&str> = std::iter::once(self.config.base_url.as_str())
            .chain(self.config.backup_url.as_deref())
            .collect();
        let mut host = 0usize;
        let mut attempts = 0u32;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if !self
                .limiter
                .acquire(self.config.rate_limit_wait.min(remaining))
            {
                let mut e = Error::new(
                    ErrorKind::RateLimited,
                    format!(
                        "client-side limit of {} requests per minute reached; nothing sent",
                        self.config.rate_limit_per_minute
                    ),
                );
                e.attempts = attempts;
                return Err(e);
            }
            attempts += 1;
            self.logger.log(Level::Debug, || {
                format!("{method} {path} attempt {attempts} to {}", hosts[host])
            });
            self.logger.log(Level::Trace, || {
                format!(
                    "{method} {path} headers: Accept, Authorization=<redacted>, User-Agent, Wechatpay-Serial={}{}",
                    serial.unwrap_or("-"),
                    body.map_or(String::new(), |b| format!(", Content-Type; body {} bytes", b.len()))
                )
            });
            let sent_at = Instant::now();
            let outcome =
                self.attempt(&method, hosts[host], path_and_query, body, serial, deadline);
            let took = sent_at.elapsed().as_millis();
            match &outcome {
                Ok(a) => self.logger.log(Level::Debug, || {
                    format!(
                        "{method} {path} -> {} Request-ID={} attempt={attempts} {took} ms",
                        a.status,
                        a.request_id.as_deref().unwrap_or("-")
                    )
                }),
                Err(e) => self.logger.log(Level::Warn, || {
                    format!("{method} {path} attempt={attempts} {took} ms: {e}")
                }),
            }
            if let Ok(a) = &outcome {
                self.logger.log(Level::Trace, || {
                    let h = |n: &str| a.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    format!(
                        "{method} {path} answer: Wechatpay-Serial={} Wechatpay-Timestamp={} Date={}; body {} bytes",
                        h("Wechatpay-Serial"),
                        h("Wechatpay-Timestamp"),
                        h("Date"),
                        a.body.len()
                    )
                });
            }
            let err = match outcome {
                Ok(answer)
                    if (200..300).contains(&answer.status)
                        && verification == Verification::ByCaller =>
                {
                    return Ok((answer, attempts));
                }
                Ok(answer) if (200..300).contains(&answer.status) => {
                    let headers = SignedHeaders::from_response(&answer.headers);
                    return match self.verify(&headers, &answer.body) {
                        Ok(()) => Ok((answer, attempts)),
                        Err(mut e) => {
                            e.message = format!(
                                "{}; the outcome is unknown: re-submit the same out_request_no or query it",
                                e.message
                            );
                            e.http_status = answer.status;
                            e.request_id = answer.request_id;
                            e.attempts = attempts;
                            self.logger
                                .log(Level::Error, || format!("{method} {path}: {e}"));
                            Err(e)
                        }
                    };
                }
                Ok(answer) => {
                    let e = api_error(&answer);
                    if !(answer.status == 429 || answer.status >= 500) {
                        let mut e = e;
                        e.attempts = attempts;
                        self.logger
                            .log(Level::Warn, || format!("{method} {path}: {e}"));
                        return Err(e);
                    }
                    e
                }
                Err(e) => {
                    // The host did not answer: move to the backup (once) for the next attempt.
                    if host + 1 < hosts.len() {
                        host += 1;
                    }
                    e
                }
            };
            let mut err = err;
            err.attempts = attempts;
            let pause = backoff(attempts);
            if attempts >= self.config.max_attempts || Instant::now() + pause >= deadline {
                self.logger.log(Level::Error, || {
                    format!(
                        "{method} {path} gave up after {attempts} attempts, {} ms: {err}",
                        started.elapsed().as_millis()
                    )
                });
                return Err(err);
            }
            self.logger.log(Level::Debug, || {
                format!("{method} {path} retrying in {} ms", pause.as_millis())
            });
            std::thread::sleep(pause);
        }
    }

    fn attempt(
        &self,
        method: &Method,
        host: &str,
        path_and_query: &str,
        body: Option<&[u8]>,
        serial: Option<&str>,
        deadline: Instant,
    ) -> Result<Answer> {
        let url = Url::parse(&format!("{host}{path_and_query}"))
            .map_err(|e| Error::internal(format!("request URL: {e}")))?;
        // Sign the path and query exactly as they go on the wire.
        let wire_path = match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_string(),
        };
        let payload = body.unwrap_or_default();
        let authorization = self.authorization(method.as_str(), &wire_path, payload)?;
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Error::new(
                ErrorKind::Timeout,
                "deadline_ms passed before the request could be sent",
            ));
        }
        let mut req = self
            .http
            .request(method.clone(), url)
            .timeout(self.config.timeout.min(remaining))
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, authorization)
            .header(USER_AGENT, self.config.user_agent.as_str());
        if let Some(serial) = serial {
            req = req.header("Wechatpay-Serial", serial);
        }
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let resp = req.send().map_err(transport_error)?;
        read_answer(resp)
    }
}

fn read_answer(resp: Response) -> Result<Answer> {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let request_id = headers
        .get("Request-ID")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let too_big = || {
        Error::new(
            ErrorKind::BadResponse,
            format!("answer larger than {MAX_RESPONSE_BYTES} bytes refused"),
        )
        .with_request_id(request_id.clone())
        .with_http_status(status)
    };
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    resp.take(MAX_RESPONSE_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| {
            io_error(&e)
                .with_request_id(request_id.clone())
                .with_http_status(status)
        })?;
    if body.len() as u64 > MAX_RESPONSE_BYTES {
        return Err(too_big());
    }
    Ok(Answer {
        status,
        headers,
        body,
        request_id,
    })
}

fn parse_json(answer: &Answer) -> Result<Value> {
    serde_json::from_slice::<Value>(&answer.body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::BadResponse,
                "verified answer is not a JSON object",
            )
            .with_request_id(answer.request_id.clone())
            .with_http_status(answer.status)
        })
}

/// A non-2xx answer: the platform's `{"code","message","detail"}`, or what we can say of it.
fn api_error(answer: &Answer) -> Error {
    let parsed: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let text = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let code = text("code");
    let message = text("message").unwrap_or_else(|| {
        let raw = String::from_utf8_lossy(&answer.body);
        format!(
            "HTTP {} with a non-JSON body: {}",
            answer.status,
            truncate(raw.trim(), 200)
        )
    });
    let mut e = Error::new(ErrorKind::Api, message)
        .with_request_id(answer.request_id.clone())
        .with_http_status(answer.status);
    e.detail = parsed
        .as_ref()
        .and_then(|v| v.get("detail"))
        .map(Value::to_string);
    e.retry_safe = answer.status == 429 || answer.status >= 500;
    if answer.status == 401 {
        if let Some(offset) = answer
            .headers
            .get("Date")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
            .map(|platform| unix_now() - platform)
            .filter(|o| o.abs() >= CLOCK_SKEW_HINT_SECS)
        {
            e.message = format!(
                "{}; the local clock is {} s {} the platform's (its Date header): requests are signed with local time, so fix the clock (NTP)",
                e.message,
                offset.abs(),
                if offset > 0 { "ahead of" } else { "behind" }
            );
        }
    }
    e.code = code;
    e
}

/// A local clock this far from the platform's is worth naming in a `SIGN_ERROR`.
const CLOCK_SKEW_HINT_SECS: i64 = 60;

/// Parses an IMF-fixdate (`Thu, 26 Nov 2026 22:30:36 GMT`) into Unix seconds.
fn parse_http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, mon, year, hms, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == mon)? as i64
        + 1;
    let (d, y): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let t: Vec<i64> = hms
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [h, mi, sec] = t.as_slice() else {
        return None;
    };
    // Days from civil (proleptic Gregorian), after Howard Hinnant.
    let (y2, m2) = if month <= 2 {
        (y - 1, month + 9)
    } else {
        (y, month - 3)
    };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86400 + h * 3600 + mi * 60 + sec)
}

fn transport_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::new(
            ErrorKind::Timeout,
            "no answer within timeout_ms; the request may have been received",
        );
    }
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        if !chain.is_empty() {
            chain.push_str(": ");
        }
        chain.push_str(&s.to_string());
        if chain.len() > 300 {
            // Transport errors quote URLs; keep messages one readable line.
            chain = format!("{}…", truncate(&chain, 300));
            break;
        }
        source = s.source();
    }
    if e.is_connect() {
        Error::new(ErrorKind::Network, format!("could not connect: {chain}"))
    } else {
        Error::new(
            ErrorKind::Network,
            format!("connection failed: {chain}; the request may have been received"),
        )
    }
}

fn io_error(e: &std::io::Error) -> Error {
    let timed_out = e.kind() == std::io::ErrorKind::TimedOut
        || std::error::Error::source(e)
            .and_then(|s| s.downcast_ref::<reqwest::Error>())
            .is_some_and(|r| r.is_timeout());
    if timed_out {
        Error::new(
            ErrorKind::Timeout,
            "answer body not received within timeout_ms",
        )
    } else {
        Error::new(
            ErrorKind::Network,
            format!("reading the answer failed: {e}"),
        )
    }
}

/// Exponential backoff with jitter in [half, full], so many clients do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let full = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_CAP);
    let mut b = [0u8; 2];
    let r = if openssl::rand::rand_bytes(&mut b).is_ok() {
        u16::from_le_bytes(b)
    } else {
        u16::MAX / 2
    };
    let half = full / 2;
    half + half.mul_f64(r as f64 / u16::MAX as f64)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A cached certificate by serial (hex, so case does not matter), if it is valid now.
fn find_cert<'a>(certs: &'a [PlatformCert], serial: &str) -> Option<&'a PlatformCert> {
    let now = unix_now();
    certs
        .iter()
        .find(|c| c.serial.eq_ignore_ascii_case(serial) && c.valid_at(now))
}

pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Drop for Client {
    fn drop(&mut self) {
        if std::process::id() == self.pid {
            // SAFETY: dropped exactly once, here, and never used again.
            unsafe { ManuallyDrop::drop(&mut self.http) };
        }
        // In a forked child the pool's I/O thread does not exist: leaking its handle is the
        // only way not to hang on it.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Thu, 26 Nov 2026 22:30:36 GMT"),
            Some(1_795_732_236)
        );
        assert_eq!(
            parse_http_date("Sun, 29 Feb 2032 12:00:00 GMT"),
            Some(1_961_668_800)
        );
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date("Thu, 26 Foo 2026 22:30:36 GMT"), None);
    }

    #[test]
    fn percent_encoding_keeps_unreserved_only() {
        assert_eq!(percent_encode("Ab-._~9"), "Ab-._~9");
        assert_eq!(percent_encode("a b/c?d%"), "a%20b%2Fc%3Fd%25");
        assert_eq!(percent_encode("解"), "%E8%A7%A3");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..20 {
            let d = backoff(attempt);
            assert!(d <= BACKOFF_CAP);
            assert!(d >= BACKOFF_BASE / 2);
        }
        assert!(backoff(5) >= Duration::from_millis(800));
    }
}
