//! What this build carries: its version, its target, the OpenSSL it runs with and where that
//! OpenSSL finds the system's CA certificates. Operators quote it when they ask which OpenSSL
//! a shipped artifact contains (docs/platforms.md says how fast a release follows a fix).

use std::path::PathBuf;

use once_cell::sync::Lazy;

/// The facts `wx_build_info()` and every binding report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    /// The library's version, e.g. "0.1.0".
    pub version: &'static str,
    /// The Rust target triple it was built for.
    pub target: &'static str,
    /// `OpenSSL_version(OPENSSL_VERSION)` of the OpenSSL in use at run time.
    pub openssl: String,
    /// True when OpenSSL is built into the library (the shipped artifacts), false when the
    /// system's shared libssl/libcrypto are used (a source build).
    pub openssl_vendored: bool,
    /// The trust roots every connection loads besides `ca_cert`.
    pub trust: TrustRoots,
}

/// Where the system's CA certificates were found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustRoots {
    /// The bundle file: `SSL_CERT_FILE` when it names a file that exists, else the first of
    /// the known distribution paths that exists.
    pub file: Option<PathBuf>,
    /// Hashed certificate directories: `SSL_CERT_DIR` when it exists, then the known ones.
    pub dirs: Vec<PathBuf>,
}

impl TrustRoots {
    /// Probes now. The order is openssl-probe's, which native-tls also uses for each
    /// connection: environment first, then the paths of RHEL, Debian, SUSE, Alpine and others.
    pub fn probe() -> TrustRoots {
        let found = openssl_probe::probe();
        let mut dirs: Vec<PathBuf> = Vec::new();
        for d in found.cert_dir {
            // A directory can be both SSL_CERT_DIR and a known path: name it once.
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
        TrustRoots {
            file: found.cert_file,
            dirs,
        }
    }
}

static INFO: Lazy<BuildInfo> = Lazy::new(|| BuildInfo {
    version: env!("CARGO_PKG_VERSION"),
    target: env!("WX_BUILD_TARGET"),
    openssl: openssl::version::version().to_string(),
    openssl_vendored: cfg!(feature = "vendored-openssl"),
    trust: TrustRoots::probe(),
});

/// This build's facts, probed once per process.
pub fn build_info() -> &'static BuildInfo {
    &INFO
}

impl BuildInfo {
    /// One JSON object, the form the C ABI and the bindings hand out.
    pub fn to_json(&self) -> String {
        let path = |p: &PathBuf| serde_json::Value::String(p.display().to_string());
        serde_json::json!({
            "version": self.version,
            "target": self.target,
            "openssl": self.openssl,
            "openssl_vendored": self.openssl_vendored,
            "trust_roots": {
                "file": self.trust.file.as_ref().map(path),
                "dirs": self.trust.dirs.iter().map(path).collect::<Vec<_>>(),
            },
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test for every environment case: the variables are process-wide.
    #[test]
    fn the_environment_comes_before_the_system_paths_and_a_missing_file_is_skipped() {
        let dir = std::env::temp_dir().join(format!("wx-trust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bundle = dir.join("bundle.pem");
        std::fs::write(&bundle, b"").unwrap();
        let saved = (
            std::env::var_os("SSL_CERT_FILE"),
            std::env::var_os("SSL_CERT_DIR"),
        );

        std::env::set_var("SSL_CERT_FILE", &bundle);
        std::env::set_var("SSL_CERT_DIR", &dir);
        let with_env = TrustRoots::probe();
        assert_eq!(with_env.file.as_deref(), Some(bundle.as_path()));
        assert_eq!(
            with_env.dirs.first().map(PathBuf::as_path),
            Some(dir.as_path())
        );

        std::env::set_var("SSL_CERT_FILE", dir.join("missing.pem"));
        std::env::remove_var("SSL_CERT_DIR");
        let missing = TrustRoots::probe();
        assert_ne!(
            missing.file.as_deref(),
            Some(dir.join("missing.pem").as_path())
        );
        assert!(!missing.dirs.contains(&dir));

        std::env::remove_var("SSL_CERT_FILE");
        let system = TrustRoots::probe();
        // This machine is Debian: its bundle is the first distribution path that exists.
        if std::path::Path::new("/etc/ssl/certs/ca-certificates.crt").exists() {
            assert_eq!(
                system.file.as_deref(),
                Some(std::path::Path::new("/etc/ssl/certs/ca-certificates.crt"))
            );
        }
        assert_eq!(system, missing);

        match saved.0 {
            Some(v) => std::env::set_var("SSL_CERT_FILE", v),
            None => std::env::remove_var("SSL_CERT_FILE"),
        }
        if let Some(v) = saved.1 {
            std::env::set_var("SSL_CERT_DIR", v);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_json_names_the_openssl_and_whether_it_is_built_in() {
        let v: serde_json::Value = serde_json::from_str(&build_info().to_json()).unwrap();
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert!(v["openssl"].as_str().unwrap().starts_with("OpenSSL "));
        assert_eq!(
            v["openssl_vendored"].as_bool(),
            Some(cfg!(feature = "vendored-openssl"))
        );
        assert!(v["trust_roots"]["dirs"].is_array());
    }
}
