//! The executor: the one attempt loop every API call goes through. It sends one request until
//! it has a verified answer, a definitive error, or no attempts or time left; takes a quota
//! slot before each attempt; sends each attempt to the host the breaker names; backs off
//! between attempts; and counts what happened. What is retried, what moves to the other host
//! and what marks a host down is the classifier's verdict (`core/classify.rs`); this file only
//! carries it out.
//!
//! Logging: what the caller receives as an error is logged at DEBUG only (the caller decides
//! whether it is worth a WARN; a library that also logged it would print every error twice);
//! an attempt that failed and was retried is INFO; what the caller cannot see otherwise, the
//! breaker moving traffic between hosts, is WARN.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use reqwest::{Method, Url};

use crate::core::classify::{classify, HostHealth, Outcome, Reach, Subject};
use crate::core::error::{Context, Error, ErrorKind, Result};
use crate::exchange::breaker::{Breaker, Route};
use crate::exchange::quota::Quota;
use crate::exchange::stats::{Counters, Endpoint};
use crate::infra::config::Config;
use crate::infra::log::{Level, Logger};
use crate::infra::transport::{self, Answer, Request, Transport};
use crate::protocol::answer::api_error;
use crate::protocol::signing::{self, SignedHeaders};

const BACKOFF_BASE: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(2);

/// Checks the signature of a 2xx answer: the platform keys do it, in the layer above, which
/// hands itself in here so that nothing below depends on it.
pub(crate) trait Verify {
    fn verify(&self, headers: &SignedHeaders, body: &[u8]) -> Result<()>;
}

/// Whether `execute` verifies the 2xx answer itself (API calls) or leaves it to the caller
/// (the certificate download, verified against the certificates it carries).
#[derive(Clone, Copy)]
pub(crate) enum Verification<'a> {
    Here(&'a dyn Verify),
    ByCaller,
}

/// What one client sends with: its configuration, connection pool, log sink, quota buckets,
/// circuit breaker and counters, shared by every thread.
pub(crate) struct Executor {
    pub config: Config,
    pub transport: Transport,
    pub logger: Logger,
    pub quota: Quota,
    pub breaker: Breaker,
    pub counters: Counters,
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

impl Executor {
    pub fn new(config: Config) -> Result<Executor> {
        let transport = Transport::new(&config)?;
        let quota = Quota::new(&config)?;
        let breaker = Breaker::new(
            config.breaker_enabled() && config.backup_url().is_some(),
            config.breaker_failure_threshold(),
            config.breaker_probe_interval(),
            config.timeout(),
        );
        Ok(Executor {
            config,
            transport,
            logger: Logger::default(),
            quota,
            breaker,
            counters: Counters::default(),
        })
    }

    /// Sends with retries, failover and verification. Returns a verified 2xx answer. Every
    /// attempt takes a slot of `endpoint`'s bucket first, and goes to the host the breaker
    /// names (`breaker.rs`).
    pub(crate) fn execute(
        &self,
        endpoint: Endpoint,
        method: Method,
        path_and_query: &str,
        body: Option<&[u8]>,
        serial: Option<&str>,
        verification: Verification<'_>,
    ) -> Result<Exchange> {
        self.transport.check_process()?;
        let config = &self.config;
        let started = Instant::now();
        let deadline = started + config.deadline();
        let path = path_and_query.split('?').next().unwrap_or_default();
        let hosts: Vec<&str> = std::iter::once(config.base_url())
            .chain(config.backup_url())
            .collect();
        let counters = self.counters.endpoint(endpoint);
        counters.requests.fetch_add(1, Ordering::Relaxed);
        // Without the breaker, each call starts on the primary and moves once to the backup.
        let mut fixed_host = 0usize;
        let mut previous: Option<usize> = None;
        let mut attempts = 0u32;
        let mut last_err: Option<Error> = None;
        loop {
            // Every error leaves with the attempts made so far: `Error::after` is the one place
            // that attaches context.
            let so_far = Context {
                attempts,
                ..Context::default()
            };
            let slot = self
                .quota
                .acquire(endpoint, deadline, &self.counters, &self.logger)
                .map_err(|e| e.after(&so_far))?;
            if Instant::now() >= deadline {
                self.quota.cancel(slot);
                let e = Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "deadline_ms passed before attempt {}; nothing sent by it",
                        attempts + 1
                    ),
                )
                .after(&so_far);
                return Err(last_err.unwrap_or(e));
            }
            let (host, probe) = if self.breaker.enabled() {
                match self.breaker.route() {
                    Route::To(h, probe) => (h, probe),
                    Route::AllDown => {
                        self.quota.cancel(slot);
                        let e = last_err.unwrap_or_else(|| {
                            Error::new(
                                ErrorKind::Network,
                                "both hosts failed their last calls and a probe of one is in flight (circuit open); nothing sent",
                            )
                            .after(&so_far)
                        });
                        self.logger
                            .log(Level::Debug, || format!("{method} {path}: {e}"));
                        return Err(e);
                    }
                }
            } else {
                (fixed_host, false)
            };
            attempts += 1;
            counters.attempts.fetch_add(1, Ordering::Relaxed);
            if attempts > 1 {
                counters.retries.fetch_add(1, Ordering::Relaxed);
            }
            if previous.is_some_and(|p| p != host) {
                counters.failovers.fetch_add(1, Ordering::Relaxed);
            }
            previous = Some(host);
            self.logger.log(Level::Debug, || {
                format!(
                    "{method} {path} attempt {attempts} to {}{}",
                    hosts[host],
                    if probe { " (probe)" } else { "" }
                )
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
            self.quota.finished(slot, &self.logger);
            let took = sent_at.elapsed().as_millis();
            let reach = match &outcome {
                Err((_, reach)) => *reach,
                Ok(_) => Reach::Wire,
            };
            if self.breaker.enabled() {
                let health = match &outcome {
                    Ok(a) => classify(Outcome {
                        kind: (!(200..300).contains(&a.status)).then_some(ErrorKind::Api),
                        http_status: a.status,
                        reach,
                        subject: Subject::Order,
                    }),
                    Err((e, _)) => classify(Outcome {
                        reach,
                        ..Outcome::of_error(e.kind, e.http_status)
                    }),
                }
                .host;
                self.report_host(&hosts, host, probe, health);
            }
            let mut retry_after = None;
            let err = match outcome {
                Ok(answer) => {
                    self.log_answer(&method, path, &answer, attempts, took);
                    if answer.status == 429 {
                        counters.throttled.fetch_add(1, Ordering::Relaxed);
                        retry_after = retry_after_of(&answer);
                    }
                    match self.judge(answer, attempts, verification) {
                        Ok(ex) => return Ok(ex),
                        Err(e) if e.kind == ErrorKind::Unverified => {
                            counters
                                .verification_failures
                                .fetch_add(1, Ordering::Relaxed);
                            self.logger
                                .log(Level::Debug, || format!("{method} {path}: {e}"));
                            return Err(e);
                        }
                        Err(e) => e,
                    }
                }
                Err((e, _)) => {
                    let e = e.after(&Context {
                        attempts,
                        ..Context::default()
                    });
                    self.logger.log(Level::Info, || {
                        format!("{method} {path} attempt={attempts} {took} ms: {e}")
                    });
                    e
                }
            };
            let verdict = classify(Outcome {
                reach,
                ..Outcome::of_error(err.kind, err.http_status)
            });
            if !verdict.retry {
                self.logger
                    .log(Level::Debug, || format!("{method} {path}: {err}"));
                return Err(err);
            }
            if !self.breaker.enabled() && verdict.failover && fixed_host + 1 < hosts.len() {
                fixed_host += 1;
            }
            // The platform's Retry-After, when it sent one, is the least pause before the next.
            let pause = backoff(attempts).max(retry_after.unwrap_or_default());
            if attempts >= config.max_attempts() || Instant::now() + pause >= deadline {
                self.logger.log(Level::Debug, || {
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
            last_err = Some(err);
            std::thread::sleep(pause);
        }
    }

    /// Tells the breaker how `host` did, as the classifier judged it (`classify.rs`).
    fn report_host(&self, hosts: &[&str], host: usize, probe: bool, health: HostHealth) {
        let answered = match health {
            HostHealth::Up => true,
            HostHealth::Failed => false,
            HostHealth::Unknown => {
                self.breaker.not_sent(host);
                return;
            }
        };
        if self.breaker.report(host, answered) {
            let other = hosts.get(1 - host).copied().unwrap_or("-");
            self.logger.log(Level::Warn, || {
                format!(
                    "{} failed; calls go to {other} until it answers a probe (one call every {} ms)",
                    hosts[host],
                    self.config.breaker_probe_interval().as_millis()
                )
            });
        } else if probe && answered {
            self.logger.log(Level::Info, || {
                format!("{} answered a probe; calls go to it again", hosts[host])
            });
        }
    }

    /// What one answer means: a non-2xx is the platform's error; a 2xx is verified here
    /// (unless the caller verifies it) and its failure leaves the outcome unknown.
    pub(crate) fn judge(
        &self,
        answer: Answer,
        attempts: u32,
        verification: Verification<'_>,
    ) -> Result<Exchange> {
        let ctx = transport::context(&answer, attempts);
        if !(200..300).contains(&answer.status) {
            return Err(api_error(&answer).after(&ctx));
        }
        if let Verification::Here(verifier) = verification {
            SignedHeaders::of_answer(&answer)
                .and_then(|h| verifier.verify(&h, &answer.body))
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

    /// One attempt: sign the path and query exactly as they go on the wire, then send. An
    /// error says whether anything went to the transport.
    fn attempt(
        &self,
        method: &Method,
        host: &str,
        path_and_query: &str,
        body: Option<&[u8]>,
        serial: Option<&str>,
        deadline: Instant,
    ) -> std::result::Result<Answer, (Error, Reach)> {
        let not_sent = |e: Error| (e, Reach::NotSent);
        let url = Url::parse(&format!("{host}{path_and_query}"))
            .map_err(|e| not_sent(Error::internal(format!("request URL: {e}"))))?;
        let wire_path = match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_string(),
        };
        let authorization = signing::authorization(
            &self.config,
            method.as_str(),
            &wire_path,
            body.unwrap_or_default(),
        )
        .map_err(not_sent)?;
        let remaining = transport::remaining(deadline).map_err(not_sent)?;
        self.transport
            .send(Request {
                method,
                url,
                authorization,
                body,
                serial,
                user_agent: self.config.user_agent(),
                timeout: self.config.timeout().min(remaining),
            })
            .map_err(|e| (e, Reach::Wire))
    }
}

/// The longest `Retry-After` honoured; a larger one is taken as this.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(3600);

/// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 section 10.2.3).
fn retry_after_of(answer: &Answer) -> Option<Duration> {
    let v = answer.headers.get("Retry-After")?.to_str().ok()?.trim();
    let d = match v.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => httpdate::parse_http_date(v)
            .ok()?
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    };
    Some(d.min(RETRY_AFTER_CAP))
}

/// Exponential backoff with jitter in [half, full], so many clients do not retry in step.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let full = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_CAP);
    let half = full / 2;
    half + half.mul_f64(crate::infra::crypto::jitter_fraction())
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
