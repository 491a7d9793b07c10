//! Retries: the loop that sends one request until it has a verified answer, a definitive
//! error, or no attempts or time left; the backoff between attempts; and the host each
//! attempt goes to. What is retried and what moves to the other host is the classifier's
//! decision (`classify.rs`); this file only carries it out.

use std::time::{Duration, Instant};

use reqwest::{Method, Url};

use crate::api::api_error;
use crate::classify::{classify, Subject};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::log::Level;
use crate::transport::{self, Answer, Request};

const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(2);

/// Whether `execute` verifies the 2xx answer itself (API calls) or leaves it to the caller
/// (the certificate download, verified against the certificates it carries).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verification {
    Here,
    ByCaller,
}

/// A 2xx answer and the attempts it took.
pub(crate) struct Exchange {
    pub answer: Answer,
    pub attempts: u32,
}

impl Exchange {
    /// `e` as the outcome of this exchange (HTTP status, Request-ID, attempts, retry-safety).
    pub fn fail(&self, e: Error) -> Error {
        e.after(&transport::context(&self.answer, self.attempts))
    }
}

impl Client {
    /// Sends with retries, failover and verification. Returns a verified 2xx answer.
    pub(crate) fn execute(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&[u8]>,
        serial: Option<&str>,
        verification: Verification,
    ) -> Result<Exchange> {
        self.transport.check_process()?;
        let config = self.config();
        let started = Instant::now();
        let deadline = started + config.deadline();
        let path = path_and_query.split('?').next().unwrap_or_default();
        let hosts: Vec<&str> = std::iter::once(config.base_url())
            .chain(config.backup_url())
            .collect();
        let mut host = 0usize;
        let mut attempts = 0u32;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if !self
                .limiter
                .acquire(config.rate_limit_wait().min(remaining))
            {
                let mut e = Error::new(
                    ErrorKind::RateLimited,
                    format!(
                        "client-side limit of {} requests per minute reached; nothing sent",
                        config.rate_limit_per_minute()
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
            let err = match outcome {
                Ok(answer) => {
                    self.log_answer(&method, path, &answer, attempts, took);
                    match self.judge(answer, attempts, verification) {
                        Ok(ex) => return Ok(ex),
                        Err(e) if e.kind == ErrorKind::Unverified => {
                            self.logger
                                .log(Level::Error, || format!("{method} {path}: {e}"));
                            return Err(e);
                        }
                        Err(e) => e,
                    }
                }
                Err(mut e) => {
                    e.attempts = attempts;
                    self.logger.log(Level::Warn, || {
                        format!("{method} {path} attempt={attempts} {took} ms: {e}")
                    });
                    e
                }
            };
            let verdict = classify(err.kind, err.http_status, Subject::Order);
            if !verdict.retry {
                self.logger
                    .log(Level::Warn, || format!("{method} {path}: {err}"));
                return Err(err);
            }
            if verdict.failover && host + 1 < hosts.len() {
                // Move to the backup (once) for the next attempt.
                host += 1;
            }
            let pause = backoff(attempts);
            if attempts >= config.max_attempts() || Instant::now() + pause >= deadline {
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

    /// What one answer means: a non-2xx is the platform's error; a 2xx is verified here
    /// (unless the caller verifies it) and its failure leaves the outcome unknown.
    pub(crate) fn judge(
        &self,
        answer: Answer,
        attempts: u32,
        verification: Verification,
    ) -> Result<Exchange> {
        let ctx = transport::context(&answer, attempts);
        if !(200..300).contains(&answer.status) {
            return Err(api_error(&answer).after(&ctx));
        }
        if verification == Verification::Here {
            answer
                .signed_headers()
                .and_then(|h| self.verify(&h, &answer.body))
                .map_err(|mut e| {
                    e.message = format!(
                        "{}; the outcome is unknown: re-submit the same out_request_no or query it",
                        e.message
                    );
                    e.after(&ctx)
                })?;
        }
        Ok(Exchange { answer, attempts })
    }

    fn log_answer(&self, method: &Method, path: &str, a: &Answer, attempts: u32, took: u128) {
        self.logger.log(Level::Debug, || {
            format!(
                "{method} {path} -> {} Request-ID={} attempt={attempts} {took} ms",
                a.status,
                a.header_for_log("Request-ID")
            )
        });
        self.logger.log(Level::Trace, || {
            format!(
                "{method} {path} answer: Wechatpay-Serial={} Wechatpay-Timestamp={} Date={}; body {} bytes",
                a.header_for_log("Wechatpay-Serial"),
                a.header_for_log("Wechatpay-Timestamp"),
                a.header_for_log("Date"),
                a.body.len()
            )
        });
    }

    /// One attempt: sign the path and query exactly as they go on the wire, then send.
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
        let wire_path = match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_string(),
        };
        let authorization =
            self.authorization(method.as_str(), &wire_path, body.unwrap_or_default())?;
        let remaining = transport::remaining(deadline)?;
        self.transport.send(Request {
            method,
            url,
            authorization,
            body,
            serial,
            user_agent: self.config().user_agent(),
            timeout: self.config().timeout().min(remaining),
        })
    }
}

/// Exponential backoff with jitter in [half, full], so many clients do not retry in step.
pub(crate) fn backoff(attempt: u32) -> Duration {
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

#[cfg(test)]
mod tests {
    use super::*;

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
