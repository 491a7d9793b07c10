//! Transport: the one reqwest client (connection pool, TLS, timeouts), one attempt on the
//! wire, the answer and its size cap, and the fork guard. It decides nothing about retries.

use std::io::Read;
use std::mem::ManuallyDrop;
use std::time::{Duration, Instant};

use reqwest::blocking::{Client as HttpClient, Response};
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::{Method, Url};

use crate::core::error::{Context, Error, ErrorKind, Result};
use crate::core::text;
use crate::infra::config::Config;

/// Answers larger than this are refused unread: the documented ones are a few hundred bytes.
pub(crate) const MAX_RESPONSE_BYTES: u64 = 1 << 20;

/// One answer as received, before interpretation.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub request_id: Option<String>,
}

impl Answer {
    /// A header's value as printable, bounded text for a log line.
    pub fn header_for_log(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| text::clean(&String::from_utf8_lossy(v.as_bytes()), 120))
            .unwrap_or_else(|| "-".into())
    }
}

/// The answer an error followed, for `Error::after`.
pub(crate) fn context(answer: &Answer, attempts: u32) -> Context {
    Context {
        http_status: answer.status,
        request_id: answer.request_id.clone(),
        attempts,
    }
}

/// The HTTP client, dropped only in the process that made it.
pub(crate) struct Transport {
    /// After `fork()` its I/O thread does not exist in the child, and joining it there would
    /// hang: see `Drop`.
    http: ManuallyDrop<HttpClient>,
    /// The process that created it; calls from a forked child are refused.
    pid: u32,
}

/// One request as it goes on the wire.
pub(crate) struct Request<'a> {
    pub method: &'a Method,
    pub url: Url,
    pub authorization: String,
    pub body: Option<&'a [u8]>,
    pub serial: Option<&'a str>,
    pub user_agent: &'a str,
    pub timeout: Duration,
}

impl Transport {
    pub fn new(config: &Config) -> Result<Transport> {
        let mut builder = HttpClient::builder()
            .https_only(true)
            .tcp_nodelay(true)
            .connect_timeout(config.connect_timeout())
            .timeout(config.timeout())
            .pool_idle_timeout(config.pool_idle_timeout())
            // Whatever the system's (or a vendored) OpenSSL configuration allows.
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent().to_string());
        if let Some(pem) = config.ca_cert_pem() {
            let cert =
                reqwest::Certificate::from_pem(pem).map_err(|e| Error::config("ca_cert", e))?;
            builder = builder.add_root_certificate(cert);
        }
        if let Some(proxy) = config.proxy() {
            builder = builder.proxy(
                reqwest::Proxy::all(proxy)
                    .map_err(|_| Error::config("proxy", "not a usable proxy URL"))?,
            );
        }
        let http = builder
            .build()
            .map_err(|e| Error::config("http client", e))?;
        Ok(Transport {
            http: ManuallyDrop::new(http),
            pid: std::process::id(),
        })
    }

    /// Refuses use from a child process after `fork()`: the connection pool's I/O thread
    /// was not copied into the child, so a request would hang instead of failing.
    pub fn check_process(&self) -> Result<()> {
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

    /// Sends one request and reads its answer (up to `MAX_RESPONSE_BYTES`).
    pub fn send(&self, r: Request<'_>) -> Result<Answer> {
        let mut req = self
            .http
            .request(r.method.clone(), r.url)
            .timeout(r.timeout)
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, r.authorization)
            .header(USER_AGENT, r.user_agent);
        if let Some(serial) = r.serial {
            req = req.header("Wechatpay-Serial", serial);
        }
        if let Some(b) = r.body {
            req = req
                .header(CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let resp = req.send().map_err(transport_error)?;
        read_answer(resp)
    }
}

impl Drop for Transport {
    fn drop(&mut self) {
        if std::process::id() == self.pid {
            // SAFETY: dropped exactly once, here, and never used again.
            unsafe { ManuallyDrop::drop(&mut self.http) };
        }
        // In a forked child the pool's I/O thread does not exist: leaking its handle is the
        // only way not to hang on it.
    }
}

/// The time left before `deadline`, or a `Timeout` error when none is.
pub(crate) fn remaining(deadline: Instant) -> Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Error::new(
            ErrorKind::Timeout,
            "deadline_ms passed before the request could be sent",
        ));
    }
    Ok(left)
}

fn read_answer(resp: Response) -> Result<Answer> {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let request_id = headers
        .get("Request-ID")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let ctx = Context {
        http_status: status,
        request_id: request_id.clone(),
        attempts: 0,
    };
    let too_big = || {
        Error::new(
            ErrorKind::BadResponse,
            format!("answer larger than {MAX_RESPONSE_BYTES} bytes refused"),
        )
        .after(&ctx)
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
        .map_err(|e| io_error(&e).after(&ctx))?;
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
            break;
        }
        source = s.source();
    }
    // Transport errors quote URLs and peers' words; keep messages one readable line.
    let chain = text::clean(&chain, 300);
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
            format!(
                "reading the answer failed: {}",
                text::clean(&e.to_string(), 300)
            ),
        )
    }
}
