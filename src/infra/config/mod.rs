//! The client configuration: one JSON document, checked strictly so a typo is an error that
//! names the key instead of a silently ignored option.

use std::path::Path;
use std::time::Duration;

use openssl::pkey::{PKey, Private, Public};
use serde_json::Value;

use crate::core::error::{Error, Result};
use crate::infra::crypto;

mod build;
pub mod journal;
#[cfg(test)]
mod tests;

use build::read_small_file;

pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
pub const DEFAULT_BACKUP_URL: &str = "https://api2.mch.weixin.qq.com";

const KNOWN_KEYS: &[&str] = &[
    "mchid",
    "merchant_serial_no",
    "merchant_private_key",
    "merchant_private_key_pem",
    "wechatpay_public_key_id",
    "wechatpay_public_key",
    "wechatpay_public_key_pem",
    "platform_certificate",
    "platform_certificate_pem",
    "apiv3_key",
    "base_url",
    "backup_url",
    "ca_cert",
    "proxy",
    "connect_timeout_ms",
    "pool_idle_timeout_ms",
    "timeout_ms",
    "max_attempts",
    "deadline_ms",
    "rate_limit_per_minute",
    "rate_limit_wait_ms",
    "rate_limit_recover_per_minute",
    "rate_limit_query_per_minute",
    "rate_limit_certificates_per_minute",
    "rate_limit_punish_per_minute",
    "rate_limit_store",
    "rate_limit_store_fallback",
    "rate_limit_store_timeout_ms",
    "breaker_enabled",
    "breaker_failure_threshold",
    "breaker_probe_interval_ms",
    "user_agent",
    "certificate_download",
    "certificate_refresh_s",
    "journal",
    "journal_timeout_ms",
    "journal_pool_size",
    "journal_lease_margin_ms",
];

/// What a client does while its shared `rate_limit_store` is unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFallback {
    /// Keep working on this client's own buckets (the platform's 429 still protects).
    Local,
    /// Refuse calls with `RateLimited`.
    Fail,
}

/// A WeChat Pay key the client trusts, named as `Wechatpay-Serial` names it.
pub struct PlatformKey {
    pub serial: String,
    pub key: PKey<Public>,
}

/// A parsed configuration with every key loaded. Key material lives only in the `PKey`s.
pub struct Config {
    mchid: String,
    merchant_serial_no: String,
    merchant_key: PKey<Private>,
    /// Public-key mode key (`PUB_KEY_ID_…`), when configured.
    public_key: Option<PlatformKey>,
    /// Certificate-mode key (serial from the certificate), when configured.
    platform_certificate: Option<PlatformKey>,
    apiv3_key: Option<Vec<u8>>,
    base_url: String,
    backup_url: Option<String>,
    ca_cert_pem: Option<Vec<u8>>,
    proxy: Option<String>,
    connect_timeout: Duration,
    pool_idle_timeout: Duration,
    timeout: Duration,
    max_attempts: u32,
    deadline: Duration,
    rate_limit_per_minute: u32,
    /// Per endpoint (recover, query, certificates), in `Endpoint` order.
    rate_limits: [u32; crate::core::kinds::Endpoint::COUNT],
    rate_limit_wait: Duration,
    rate_limit_store: Option<String>,
    rate_limit_store_fallback: StoreFallback,
    rate_limit_store_timeout: Duration,
    breaker_enabled: bool,
    breaker_failure_threshold: u32,
    breaker_probe_interval: Duration,
    user_agent: String,
    /// Download platform certificates from `/v3/certificates` (needs `apiv3_key`).
    certificate_download: bool,
    /// How old the downloaded set may get before a call refreshes it.
    certificate_refresh: Duration,
    /// The journal (`docs/journal.md`): a SQLite file or a PostgreSQL database, when configured.
    journal: Option<journal::JournalTarget>,
    /// Bounds connecting to a PostgreSQL journal and each of its statements.
    journal_timeout: Duration,
    /// At most this many connections to a PostgreSQL journal per client.
    journal_pool_size: u32,
    /// What a journal lease adds to the call deadline: a holder that dies leaves its entries
    /// to other clients after the deadline plus this.
    journal_lease_margin: Duration,
}

/// Read accessors: a `Config` comes only from `from_file` / `from_json`, which check every
/// value, so its fields cannot be set to something unchecked.
impl Config {
    pub fn mchid(&self) -> &str {
        &self.mchid
    }
    pub fn merchant_serial_no(&self) -> &str {
        &self.merchant_serial_no
    }
    pub(crate) fn merchant_key(&self) -> &PKey<Private> {
        &self.merchant_key
    }
    /// Public-key mode key (`PUB_KEY_ID_…`), when configured.
    pub fn public_key(&self) -> Option<&PlatformKey> {
        self.public_key.as_ref()
    }
    /// Certificate-mode key (serial from the certificate), when configured.
    pub fn platform_certificate(&self) -> Option<&PlatformKey> {
        self.platform_certificate.as_ref()
    }
    pub fn apiv3_key(&self) -> Option<&[u8]> {
        self.apiv3_key.as_deref()
    }
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    pub fn backup_url(&self) -> Option<&str> {
        self.backup_url.as_deref()
    }
    pub fn ca_cert_pem(&self) -> Option<&[u8]> {
        self.ca_cert_pem.as_deref()
    }
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// How long an idle pooled connection is kept: below the platform's own idle close (about
    /// 8 s), so a call never picks a connection the server is closing.
    pub fn pool_idle_timeout(&self) -> Duration {
        self.pool_idle_timeout
    }
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    pub fn deadline(&self) -> Duration {
        self.deadline
    }
    pub fn rate_limit_per_minute(&self) -> u32 {
        self.rate_limit_per_minute
    }
    pub fn rate_limit_wait(&self) -> Duration {
        self.rate_limit_wait
    }
    /// The requests per minute allowed to one endpoint (0: no client-side limit).
    pub fn rate_limit_for(&self, e: crate::core::kinds::Endpoint) -> u32 {
        self.rate_limits[e as usize]
    }
    /// `file:PATH` or `redis://HOST:PORT/DB`, when the buckets are shared.
    pub fn rate_limit_store(&self) -> Option<&str> {
        self.rate_limit_store.as_deref()
    }
    pub fn rate_limit_store_fallback(&self) -> StoreFallback {
        self.rate_limit_store_fallback
    }
    /// Bounds connecting to, and each call to, the shared store.
    pub fn rate_limit_store_timeout(&self) -> Duration {
        self.rate_limit_store_timeout
    }
    pub fn breaker_enabled(&self) -> bool {
        self.breaker_enabled
    }
    pub fn breaker_failure_threshold(&self) -> u32 {
        self.breaker_failure_threshold
    }
    pub fn breaker_probe_interval(&self) -> Duration {
        self.breaker_probe_interval
    }
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
    /// Download platform certificates from `/v3/certificates` (needs `apiv3_key`).
    pub fn certificate_download(&self) -> bool {
        self.certificate_download
    }
    /// How old the downloaded set may get before a call refreshes it.
    pub fn certificate_refresh(&self) -> Duration {
        self.certificate_refresh
    }
    /// The journal (`docs/journal.md`), when configured.
    pub fn journal(&self) -> Option<&journal::JournalTarget> {
        self.journal.as_ref()
    }
    /// Bounds connecting to a PostgreSQL journal and each of its statements.
    pub fn journal_timeout(&self) -> Duration {
        self.journal_timeout
    }
    /// At most this many connections to a PostgreSQL journal per client.
    pub fn journal_pool_size(&self) -> u32 {
        self.journal_pool_size
    }
    /// What a journal lease adds to the call deadline (`journal_lease_margin_ms`).
    pub fn journal_lease_margin(&self) -> Duration {
        self.journal_lease_margin
    }
}

impl Drop for Config {
    fn drop(&mut self) {
        if let Some(k) = self.apiv3_key.as_mut() {
            crypto::wipe(k);
        }
    }
}

impl Config {
    /// Parses a configuration file (JSON). Relative key paths are taken relative to the
    /// file's folder, so a config and its keys can move together.
    pub fn from_file(path: &Path) -> Result<Config> {
        let mut bytes = read_small_file("config file", path)?;
        // The file may hold the APIv3 key or an inline private key: wipe it once parsed.
        let parsed = match std::str::from_utf8(&bytes) {
            Ok(text) => Config::parse(text, path.parent()),
            Err(_) => Err(Error::config(
                "config file",
                format!("{} is not UTF-8", path.display()),
            )),
        };
        crypto::wipe(&mut bytes);
        parsed
    }

    pub fn from_json(json: &str) -> Result<Config> {
        Config::parse(json, None)
    }

    fn parse(json: &str, base_dir: Option<&Path>) -> Result<Config> {
        let mut value: Value =
            crate::core::json::parse_strict_at(json.as_bytes()).map_err(|e| {
                // A duplicated key is named: "last one wins" would silently drop a setting.
                let what = match e.classify() {
                    serde_json::error::Category::Data => {
                        let msg = e.to_string();
                        msg.split(" at line ").next().unwrap_or(&msg).to_string()
                    }
                    _ => "not valid JSON".to_string(),
                };
                Error::config(
                    "configuration",
                    format!("{what} (line {}, column {})", e.line(), e.column()),
                )
            })?;
        let built = match value.as_object() {
            Some(obj) => Config::build(obj, base_dir),
            None => Err(Error::config("configuration", "must be a JSON object")),
        };
        // The parsed copy of inline secrets goes as soon as the keys are loaded.
        if let Some(obj) = value.as_object_mut() {
            for key in ["apiv3_key", "merchant_private_key_pem"] {
                if let Some(Value::String(secret)) = obj.get_mut(key) {
                    // SAFETY: zero bytes are valid UTF-8; the string is dropped right after.
                    crypto::wipe(unsafe { secret.as_bytes_mut() });
                }
            }
        }
        built
    }

    /// The configured (static) key used to encrypt and named in `Wechatpay-Serial`: the public
    /// key when configured (what new merchants have and what a migration moves to), else the
    /// configured certificate. `None` in pure download mode; the client's key store then picks
    /// a downloaded certificate.
    pub fn static_encryption_key(&self) -> Option<&PlatformKey> {
        self.public_key
            .as_ref()
            .or(self.platform_certificate.as_ref())
    }

    /// The configured WeChat Pay key named by a `Wechatpay-Serial`, if any.
    pub fn static_verification_key(&self, serial: &str) -> Option<&PKey<Public>> {
        [&self.public_key, &self.platform_certificate]
            .into_iter()
            .flatten()
            .find(|k| k.serial == serial)
            .map(|k| &k.key)
    }
}
