//! Building a `Config` from its JSON object: every key checked, every key file read and
//! parsed, every number range-checked.

use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};

use super::*;
use crate::core::error::{Error, Result};
use crate::infra::crypto;

impl Config {
    pub(super) fn build(obj: &Map<String, Value>, base_dir: Option<&Path>) -> Result<Config> {
        for key in obj.keys() {
            if !KNOWN_KEYS.contains(&key.as_str()) {
                // Truncated: a mangled file could put anything, a key included, in a name.
                let shown: String = key.chars().take(40).collect();
                let more = if key.chars().count() > 40 { "…" } else { "" };
                return Err(Error::config(
                    &format!("{shown}{more}"),
                    "unknown configuration key",
                ));
            }
        }
        let r = Reader { obj, base_dir };

        let mchid = r.required_str("mchid")?;
        let merchant_serial_no = r.required_str("merchant_serial_no")?;
        let merchant_key = {
            let mut pem = r
                .pem("merchant_private_key", "merchant_private_key_pem")?
                .ok_or_else(|| {
                    Error::config(
                        "merchant_private_key",
                        "one of merchant_private_key or merchant_private_key_pem is required",
                    )
                })?;
            let key = crypto::private_key_from_pem(&pem.0, &pem.1);
            crypto::wipe(&mut pem.1);
            key?
        };

        let public_key = match (
            r.str("wechatpay_public_key_id")?,
            r.pem("wechatpay_public_key", "wechatpay_public_key_pem")?,
        ) {
            (Some(id), Some((item, pem))) => {
                if !id.starts_with("PUB_KEY_ID_") {
                    return Err(Error::config(
                        "wechatpay_public_key_id",
                        "must start with PUB_KEY_ID_",
                    ));
                }
                Some(PlatformKey {
                    serial: id,
                    key: crypto::public_key_from_pem(&item, &pem)?,
                })
            }
            (Some(_), None) => {
                return Err(Error::config(
                    "wechatpay_public_key",
                    "required with wechatpay_public_key_id",
                ))
            }
            (None, Some((item, _))) => {
                return Err(Error::config(
                    "wechatpay_public_key_id",
                    format!("required with {item}"),
                ))
            }
            (None, None) => None,
        };
        let platform_certificate =
            match r.pem("platform_certificate", "platform_certificate_pem")? {
                Some((item, pem)) => {
                    let (key, serial) = crypto::certificate_from_pem(&item, &pem)?;
                    Some(PlatformKey { serial, key })
                }
                None => None,
            };
        let apiv3_key = match r.str("apiv3_key")? {
            Some(k) if k.len() == 32 => Some(k.into_bytes()),
            Some(_) => return Err(Error::config("apiv3_key", "must be exactly 32 bytes")),
            None => None,
        };
        // Without a static key, the APIv3 key alone means certificate mode with download.
        let static_keys = public_key.is_some() || platform_certificate.is_some();
        let certificate_download = match r.bool("certificate_download")? {
            Some(on) => on,
            None => apiv3_key.is_some() && !static_keys,
        };
        if certificate_download && apiv3_key.is_none() {
            return Err(Error::config(
                "certificate_download",
                "requires apiv3_key (the downloaded certificates are encrypted with it)",
            ));
        }
        if !static_keys && !certificate_download {
            return Err(Error::config(
                "wechatpay_public_key",
                "configure wechatpay_public_key_id + wechatpay_public_key (public-key mode), platform_certificate, or apiv3_key alone (certificate mode with download)",
            ));
        }

        let base_url = r
            .url("base_url")?
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let backup_url = match obj.get("backup_url") {
            Some(Value::String(s)) if s.is_empty() => None,
            Some(_) => r.url("backup_url")?,
            None => Some(DEFAULT_BACKUP_URL.to_string()),
        };
        let ca_cert_pem = match r.str("ca_cert")? {
            Some(p) => Some(r.read_file("ca_cert", &p)?),
            None => None,
        };
        if let Some(pem) = &ca_cert_pem {
            openssl::x509::X509::from_pem(pem)
                .map_err(|_| Error::config("ca_cert", "not a PEM certificate"))?;
        }

        let rate_limit_per_minute = r.int("rate_limit_per_minute", 200, 0, 1_000_000)? as u32;
        let per_endpoint = |key: &str| -> Result<u32> {
            Ok(r.int(key, rate_limit_per_minute as u64, 0, 1_000_000)? as u32)
        };
        let rate_limits = [
            per_endpoint("rate_limit_recover_per_minute")?,
            per_endpoint("rate_limit_query_per_minute")?,
            per_endpoint("rate_limit_certificates_per_minute")?,
            per_endpoint("rate_limit_punish_per_minute")?,
        ];
        let rate_limit_store = r.store("rate_limit_store")?;
        let rate_limit_store_fallback = match r.str("rate_limit_store_fallback")?.as_deref() {
            None | Some("local") => StoreFallback::Local,
            Some("fail") => StoreFallback::Fail,
            Some(_) => {
                return Err(Error::config(
                    "rate_limit_store_fallback",
                    "must be \"local\" or \"fail\"",
                ))
            }
        };

        Ok(Config {
            mchid,
            merchant_serial_no,
            merchant_key,
            public_key,
            platform_certificate,
            apiv3_key,
            base_url,
            backup_url,
            ca_cert_pem,
            proxy: r.str("proxy")?,
            connect_timeout: r.millis("connect_timeout_ms", 5_000, 1, 600_000)?,
            // The platform closes a connection idle for about 8 s; the official Java SDK keeps
            // idle connections 7 s for that reason.
            pool_idle_timeout: r.millis("pool_idle_timeout_ms", 7_000, 100, 600_000)?,
            timeout: r.millis("timeout_ms", 10_000, 1, 600_000)?,
            max_attempts: r.int("max_attempts", 3, 1, 10)? as u32,
            deadline: r.millis("deadline_ms", 30_000, 1, 3_600_000)?,
            rate_limit_per_minute,
            rate_limits,
            rate_limit_wait: r.millis("rate_limit_wait_ms", 0, 0, 3_600_000)?,
            rate_limit_store,
            rate_limit_store_fallback,
            rate_limit_store_timeout: r.millis("rate_limit_store_timeout_ms", 250, 1, 60_000)?,
            breaker_enabled: r.bool("breaker_enabled")?.unwrap_or(true),
            breaker_failure_threshold: r.int("breaker_failure_threshold", 1, 1, 100)? as u32,
            breaker_probe_interval: r.millis("breaker_probe_interval_ms", 30_000, 10, 3_600_000)?,
            user_agent: r.str("user_agent")?.unwrap_or_else(|| {
                format!(
                    "wx-recover/{} (rust; {})",
                    env!("CARGO_PKG_VERSION"),
                    std::env::consts::OS
                )
            }),
            certificate_download,
            journal: match r.str("journal")? {
                Some(v) => Some(super::journal::parse(&v, r.base_dir)?),
                None => None,
            },
            journal_timeout: r.millis("journal_timeout_ms", 5_000, 1, 600_000)?,
            journal_pool_size: r.int("journal_pool_size", 4, 1, 64)? as u32,
            journal_lease_margin: r.millis("journal_lease_margin_ms", 30_000, 0, 3_600_000)?,
            certificate_refresh: Duration::from_secs(r.int(
                "certificate_refresh_s",
                43_200,
                1,
                7 * 86_400,
            )?),
        })
    }
}

/// Configuration, keys and certificates are a few KiB: anything larger is a mistake.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads a regular file of at most `MAX_FILE_BYTES`: a device, FIFO or huge file named by
/// mistake fails at once instead of blocking or filling memory.
pub(super) fn read_small_file(item: &str, path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let fail = |why: String| Error::config(item, format!("cannot read {}: {why}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(fail(format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut buf))
        .map_err(|e| fail(e.to_string()))?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        crate::infra::crypto::wipe(&mut buf);
        return Err(fail(format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    Ok(buf)
}

struct Reader<'a> {
    obj: &'a Map<String, Value>,
    base_dir: Option<&'a Path>,
}

impl Reader<'_> {
    fn str(&self, key: &str) -> Result<Option<String>> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                if s.chars().any(char::is_control) && !key.ends_with("_pem") {
                    return Err(Error::config(key, "contains control characters"));
                }
                Ok(Some(s.clone()))
            }
            Some(_) => Err(Error::config(key, "must be a string")),
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Error::config(key, "must be true or false")),
        }
    }

    fn required_str(&self, key: &str) -> Result<String> {
        match self.str(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(Error::config(key, "must not be empty")),
            None => Err(Error::config(key, "is required")),
        }
    }

    /// `p` relative to the configuration file's folder when it came from a file.
    fn resolve(&self, p: &Path) -> std::path::PathBuf {
        match (p.is_relative(), self.base_dir) {
            (true, Some(dir)) => dir.join(p),
            _ => p.to_path_buf(),
        }
    }

    fn read_file(&self, key: &str, path: &str) -> Result<Vec<u8>> {
        read_small_file(key, &self.resolve(Path::new(path)))
    }

    /// A PEM given as a path (`path_key`) or inline (`pem_key`), not both. Returns the key
    /// that supplied it, for error messages.
    fn pem(&self, path_key: &str, pem_key: &str) -> Result<Option<(String, Vec<u8>)>> {
        match (self.str(path_key)?, self.str(pem_key)?) {
            (Some(_), Some(_)) => Err(Error::config(
                path_key,
                format!("give either {path_key} or {pem_key}, not both"),
            )),
            (Some(path), None) => Ok(Some((
                path_key.to_string(),
                self.read_file(path_key, &path)?,
            ))),
            (None, Some(pem)) => Ok(Some((pem_key.to_string(), pem.into_bytes()))),
            (None, None) => Ok(None),
        }
    }

    /// `file:/absolute/path` or `redis://HOST:PORT/DB` (`rediss://` for TLS). A relative file
    /// path is taken relative to the configuration file's folder.
    fn store(&self, key: &str) -> Result<Option<String>> {
        let Some(spec) = self.str(key)? else {
            return Ok(None);
        };
        if let Some(path) = spec.strip_prefix("file:") {
            if path.is_empty() {
                return Err(Error::config(
                    key,
                    "file: needs a path, as in file:/var/run/wx-recover.quota",
                ));
            }
            return Ok(Some(format!(
                "file:{}",
                self.resolve(Path::new(path)).display()
            )));
        }
        let shown = crate::core::text::redact_url(&spec);
        let shown: String = shown.chars().take(120).collect();
        let parsed = reqwest::Url::parse(&spec)
            .map_err(|e| Error::config(key, format!("{shown}: not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "redis" | "rediss") {
            return Err(Error::config(
                key,
                format!("{shown}: must be file:PATH or redis://HOST:PORT/DB"),
            ));
        }
        if parsed.host_str().map_or(true, str::is_empty) {
            return Err(Error::config(key, format!("{shown}: names no host")));
        }
        let db = parsed.path().trim_start_matches('/');
        if !db.is_empty() && db.parse::<u32>().is_err() {
            return Err(Error::config(
                key,
                format!("{shown}: the database must be a number"),
            ));
        }
        Ok(Some(spec))
    }

    fn url(&self, key: &str) -> Result<Option<String>> {
        match self.str(key)? {
            None => Ok(None),
            Some(u) => {
                let trimmed = u.trim_end_matches('/');
                let parsed = reqwest::Url::parse(trimmed)
                    .map_err(|e| Error::config(key, format!("not a URL: {e}")))?;
                if parsed.scheme() != "https" {
                    return Err(Error::config(key, "must be an https:// URL"));
                }
                if parsed.query().is_some() || parsed.fragment().is_some() {
                    return Err(Error::config(key, "must not have a query or fragment"));
                }
                Ok(Some(trimmed.to_string()))
            }
        }
    }

    fn int(&self, key: &str, default: u64, min: u64, max: u64) -> Result<u64> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if (min..=max).contains(&v) => Ok(v),
                _ => Err(Error::config(
                    key,
                    format!("must be an integer from {min} to {max}"),
                )),
            },
            Some(_) => Err(Error::config(key, "must be an integer")),
        }
    }

    fn millis(&self, key: &str, default: u64, min: u64, max: u64) -> Result<Duration> {
        self.int(key, default, min, max).map(Duration::from_millis)
    }
}
