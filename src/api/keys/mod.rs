//! Platform keys: which WeChat Pay key encrypts a sensitive field and which verifies a
//! signature. The configured public key or certificate, plus (in download mode) the
//! certificates from `GET /v3/certificates`: their cache, refresh policy and download.

pub(crate) mod certificates;

use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use openssl::pkey::{PKey, Public};

use crate::api::{parse_object, CERTIFICATES};
use crate::core::clock::unix_now;
use crate::core::error::{truncate, Error, ErrorKind, Result};
use crate::exchange::executor::{Executor, Verification};
use crate::infra::crypto;
use crate::infra::log::Level;
use crate::protocol::signing::{check_signed, SignedHeaders};
use certificates::PlatformCert;
/// Certificate refreshes (other than a first download) happen at most this often, or at the
/// configured refresh interval when that is shorter.
const REFRESH_MIN_INTERVAL: Duration = Duration::from_secs(60);

/// Downloaded certificates, shared by every thread of one client.
#[derive(Default)]
pub(crate) struct PlatformKeys {
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

impl PlatformKeys {
    fn cache(&self) -> RwLockReadGuard<'_, CertCache> {
        // The cache is replaced whole under the lock, so a poisoned one is still consistent.
        self.certs.read().unwrap_or_else(|p| p.into_inner())
    }

    fn cache_mut(&self) -> RwLockWriteGuard<'_, CertCache> {
        self.certs.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The key that encrypts sensitive fields and its `Wechatpay-Serial`: the configured public
    /// key when there is one, else the newest downloaded certificate valid now, else the
    /// configured certificate. In download mode this downloads the certificates when none are
    /// cached and refreshes them when they are older than `certificate_refresh_s`; a failed
    /// refresh keeps the cached set.
    pub fn encryption_key(&self, exec: &Executor) -> Result<(String, PKey<Public>)> {
        let config = &exec.config;
        if let Some(k) = config.public_key() {
            return Ok((k.serial.clone(), k.key.clone()));
        }
        if config.certificate_download() {
            let fresh = self.ensure_certificates(exec);
            if let Some(c) = certificates::newest_valid(&self.cache().certs, unix_now()) {
                return Ok((c.serial.clone(), c.key.clone()));
            }
            if config.platform_certificate().is_none() {
                fresh?;
                return Err(Error::new(
                    ErrorKind::BadResponse,
                    "no downloaded platform certificate is in its validity window now (check the local clock)",
                ));
            }
        }
        match config.platform_certificate() {
            Some(k) => Ok((k.serial.clone(), k.key.clone())),
            None => Err(Error::internal("configuration without a WeChat Pay key")),
        }
    }

    /// Encrypts a sensitive field for the key `encryption_key` names.
    pub fn encrypt(&self, exec: &Executor, plaintext: &str) -> Result<String> {
        if plaintext.len() > crypto::OAEP_MAX_PLAINTEXT {
            return Err(Error::invalid(
                "plaintext",
                "must be at most 214 bytes (RSA-OAEP limit)",
            ));
        }
        let (_, key) = self.encryption_key(exec)?;
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

    /// The key for a `Wechatpay-Serial`: a configured key, a cached certificate, or (download
    /// mode) a certificate found by refreshing once. `Err` says why there is none.
    pub(crate) fn verification_key(
        &self,
        exec: &Executor,
        serial: &str,
    ) -> std::result::Result<PKey<Public>, String> {
        if let Some(k) = exec.config.static_verification_key(serial) {
            return Ok(k.clone());
        }
        let unknown = format!(
            "Wechatpay-Serial {:?} is not a known WeChat Pay key",
            truncate(serial, 80)
        );
        if !exec.config.certificate_download() {
            return Err(unknown);
        }
        if !self.cache().certs.is_empty() {
            let _ = self.ensure_certificates(exec);
        }
        if let Some(c) = find_cert(&self.cache().certs, serial) {
            return Ok(c.key.clone());
        }
        match self.refresh_certificates(exec, Refresh::UnknownSerial(serial)) {
            Ok(()) => find_cert(&self.cache().certs, serial)
                .map(|c| c.key.clone())
                .ok_or_else(|| {
                    format!("{unknown} (not among the platform certificates just downloaded)")
                }),
            Err(e) => Err(format!("{unknown} ({})", e.message)),
        }
    }

    /// Verifies a signed answer or notification against the key its serial names (see
    /// `signing::check_signed`). In download mode an unknown serial refreshes the
    /// certificates once (at most once a minute) and retries.
    pub fn verify(&self, exec: &Executor, headers: &SignedHeaders, body: &[u8]) -> Result<()> {
        check_signed(headers, body, |serial| self.verification_key(exec, serial))
    }

    /// Downloads when nothing is cached (errors are returned); refreshes when the set is
    /// older than `certificate_refresh_s` (errors are ignored: the cached set keeps working).
    fn ensure_certificates(&self, exec: &Executor) -> Result<()> {
        let (empty, due) = {
            let c = self.cache();
            let due = match c.fetched {
                Some(t) => t.elapsed() >= exec.config.certificate_refresh(),
                None => true,
            };
            (c.certs.is_empty(), due)
        };
        if empty {
            return self.refresh_certificates(exec, Refresh::Empty);
        }
        if due {
            let _ = self.refresh_certificates(exec, Refresh::Periodic);
        }
        Ok(())
    }

    fn refresh_certificates(&self, exec: &Executor, why: Refresh<'_>) -> Result<()> {
        let _gate = self.refresh_gate.lock().unwrap_or_else(|p| p.into_inner());
        let refresh = exec.config.certificate_refresh();
        let min_interval = REFRESH_MIN_INTERVAL.min(refresh);
        {
            // Another thread may have refreshed while this one waited at the gate.
            let c = self.cache();
            let done = match why {
                Refresh::Empty => !c.certs.is_empty(),
                Refresh::Periodic => c.fetched.is_some_and(|t| t.elapsed() < refresh),
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
        let certs = self.download_certificates(exec).map_err(|mut e| {
            e.message = format!("downloading platform certificates: {}", e.message);
            exec.logger.log(Level::Warn, || e.message.clone());
            e
        })?;
        exec.logger.log(Level::Info, || {
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
    fn download_certificates(&self, exec: &Executor) -> Result<Vec<PlatformCert>> {
        let apiv3_key = exec
            .config
            .apiv3_key()
            .ok_or_else(|| Error::config("apiv3_key", "is required to download certificates"))?;
        let ex = exec.execute(
            CERTIFICATES.endpoint,
            CERTIFICATES.method.clone(),
            CERTIFICATES.path,
            None,
            None,
            Verification::ByCaller,
        )?;
        let parsed = parse_object(&ex)?;
        let certs = certificates::decrypt_all(&parsed, apiv3_key).map_err(|e| ex.fail(e))?;
        let headers = SignedHeaders::of_answer(&ex.answer).map_err(|e| ex.fail(e))?;
        check_signed(&headers, &ex.answer.body, |serial| {
            match exec.config.static_verification_key(serial) {
                Some(k) => Ok(k.clone()),
                None => find_cert(&certs, serial).map(|c| c.key.clone()).ok_or_else(|| {
                    format!(
                        "Wechatpay-Serial {:?} is neither a configured key nor one of the downloaded certificates",
                        truncate(serial, 80)
                    )
                }),
            }
        })
        .map_err(|e| ex.fail(e))?;
        let now = unix_now();
        let total = certs.len();
        let valid: Vec<PlatformCert> = certs.into_iter().filter(|c| c.valid_at(now)).collect();
        if valid.is_empty() {
            return Err(ex.fail(Error::new(
                ErrorKind::BadResponse,
                format!("none of the {total} certificates is in its validity window now"),
            )));
        }
        Ok(valid)
    }
}

/// A cached certificate by serial (hex, so case does not matter), if it is valid now.
fn find_cert<'a>(certs: &'a [PlatformCert], serial: &str) -> Option<&'a PlatformCert> {
    let now = unix_now();
    certs
        .iter()
        .find(|c| c.serial.eq_ignore_ascii_case(serial) && c.valid_at(now))
}
