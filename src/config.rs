//! The client configuration: one JSON document, checked strictly so a typo is an error that
//! names the key instead of a silently ignored option.

use std::path::Path;
use std::time::Duration;

use openssl::pkey::{PKey, Private, Public};
use serde_json::{Map, Value};

use crate::crypto;
use crate::error::{Error, Result};

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
    "timeout_ms",
    "max_attempts",
    "deadline_ms",
    "rate_limit_per_minute",
    "rate_limit_wait_ms",
    "user_agent",
    "certificate_download",
    "certificate_refresh_s",
];

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
    timeout: Duration,
    max_attempts: u32,
    deadline: Duration,
    rate_limit_per_minute: u32,
    rate_limit_wait: Duration,
    user_agent: String,
    /// Download platform certificates from `/v3/certificates` (needs `apiv3_key`).
    certificate_download: bool,
    /// How old the downloaded set may get before a call refreshes it.
    certificate_refresh: Duration,
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
        let mut value: Value = serde_json::from_str(json).map_err(|e| {
            Error::config(
                "configuration",
                format!("not valid JSON (line {}, column {})", e.line(), e.column()),
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

    fn build(obj: &Map<String, Value>, base_dir: Option<&Path>) -> Result<Config> {
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
            timeout: r.millis("timeout_ms", 10_000, 1, 600_000)?,
            max_attempts: r.int("max_attempts", 3, 1, 10)? as u32,
            deadline: r.millis("deadline_ms", 30_000, 1, 3_600_000)?,
            rate_limit_per_minute: r.int("rate_limit_per_minute", 200, 0, 1_000_000)? as u32,
            rate_limit_wait: r.millis("rate_limit_wait_ms", 0, 0, 3_600_000)?,
            user_agent: r.str("user_agent")?.unwrap_or_else(|| {
                format!(
                    "wx-recover/{} (rust; {})",
                    env!("CARGO_PKG_VERSION"),
                    std::env::consts::OS
                )
            }),
            certificate_download,
            certificate_refresh: Duration::from_secs(r.int(
                "certificate_refresh_s",
                43_200,
                1,
                7 * 86_400,
            )?),
        })
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

/// Configuration, keys and certificates are a few KiB: anything larger is a mistake.
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads a regular file of at most `MAX_FILE_BYTES`: a device, FIFO or huge file named by
/// mistake fails at once instead of blocking or filling memory.
fn read_small_file(item: &str, path: &Path) -> Result<Vec<u8>> {
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
        crate::crypto::wipe(&mut buf);
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

    fn read_file(&self, key: &str, path: &str) -> Result<Vec<u8>> {
        let p = Path::new(path);
        let full = match (p.is_relative(), self.base_dir) {
            (true, Some(dir)) => dir.join(p),
            _ => p.to_path_buf(),
        };
        read_small_file(key, &full)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use openssl::rsa::Rsa;

    fn pems() -> (String, String) {
        let rsa = Rsa::generate(2048).unwrap();
        (
            String::from_utf8(rsa.private_key_to_pem().unwrap()).unwrap(),
            String::from_utf8(rsa.public_key_to_pem().unwrap()).unwrap(),
        )
    }

    fn base(private: &str, public: &str) -> Value {
        serde_json::json!({
            "mchid": "1900000001",
            "merchant_serial_no": "ABC",
            "merchant_private_key_pem": private,
            "wechatpay_public_key_id": "PUB_KEY_ID_0001",
            "wechatpay_public_key_pem": public,
        })
    }

    fn err_of(v: &Value) -> Error {
        match Config::from_json(&v.to_string()) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e,
        }
    }

    #[test]
    fn defaults_and_errors_that_name_the_key() {
        let (private, public) = pems();
        let ok = Config::from_json(&base(&private, &public).to_string()).unwrap();
        assert_eq!(ok.base_url, DEFAULT_BASE_URL);
        assert_eq!(ok.backup_url.as_deref(), Some(DEFAULT_BACKUP_URL));
        assert_eq!(ok.max_attempts, 3);
        assert_eq!(ok.rate_limit_per_minute, 200);
        assert_eq!(
            ok.static_encryption_key().map(|k| k.serial.as_str()),
            Some("PUB_KEY_ID_0001")
        );
        assert!(!ok.certificate_download);

        let mut v = base(&private, &public);
        v["bogus"] = 1.into();
        assert!(err_of(&v).message.starts_with("bogus:"));

        let mut v = base(&private, &public);
        v["timeout_ms"] = "10".into();
        let e = err_of(&v);
        assert_eq!(e.kind, ErrorKind::Config);
        assert!(e.message.starts_with("timeout_ms:"), "{}", e.message);

        let mut v = base(&private, &public);
        v["max_attempts"] = 0.into();
        assert!(err_of(&v).message.starts_with("max_attempts:"));

        let mut v = base(&private, &public);
        v["base_url"] = "http://example.com".into();
        assert!(err_of(&v).message.starts_with("base_url:"));

        let mut v = base(&private, &public);
        v["backup_url"] = "".into();
        assert!(Config::from_json(&v.to_string())
            .unwrap()
            .backup_url
            .is_none());

        let mut v = base(&private, &public);
        v.as_object_mut().unwrap().remove("mchid");
        assert!(err_of(&v).message.starts_with("mchid:"));

        let mut v = base(&private, &public);
        v["apiv3_key"] = "short".into();
        assert!(err_of(&v).message.starts_with("apiv3_key:"));

        let mut v = base(&private, &public);
        v["merchant_private_key_pem"] =
            "-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n-----END PRIVATE KEY-----".into();
        let e = err_of(&v);
        assert!(e.message.starts_with("merchant_private_key_pem:"));
        assert!(!e.message.contains("SECRETSTUFF"));

        let mut v = base(&private, &public);
        v.as_object_mut().unwrap().remove("wechatpay_public_key_id");
        assert!(err_of(&v).message.starts_with("wechatpay_public_key_id:"));

        let mut v = base(&private, &public);
        v["merchant_private_key"] = "/nonexistent/key.pem".into();
        assert!(err_of(&v).message.starts_with("merchant_private_key:"));

        // Devices and FIFOs fail at once: no blocking read, no unbounded allocation.
        let mut v = base(&private, &public);
        v.as_object_mut()
            .unwrap()
            .remove("merchant_private_key_pem");
        v["merchant_private_key"] = "/dev/zero".into();
        let e = err_of(&v);
        assert!(e.message.contains("not a regular file"), "{}", e.message);

        let mut v = base(&private, &public);
        v[&"k".repeat(500)] = 1.into();
        assert!(err_of(&v).message.len() < 120);

        assert!(Config::from_json("[1]")
            .err()
            .unwrap()
            .message
            .contains("object"));
        assert!(Config::from_json("{")
            .err()
            .unwrap()
            .message
            .contains("JSON"));
    }
}
