//! The `journal` value: a file path (SQLite, the embedded default) or a PostgreSQL URL (the
//! fleet journal). Parsed here once, for a client's configuration and for the operators' tools
//! that open a journal without one. A password never leaves this module in text: every message
//! and `Debug` shows the value as `postgresql://wx:***@host/db`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::core::error::{Error, Result};

/// Where the journal lives.
#[derive(Debug, Clone)]
pub enum JournalTarget {
    /// One SQLite file on this host.
    File(PathBuf),
    /// A PostgreSQL database the fleet shares.
    Postgres(PgTarget),
}

impl JournalTarget {
    /// The value as messages show it: a path as given, a URL with its password masked.
    pub fn shown(&self) -> String {
        match self {
            JournalTarget::File(p) => crate::core::text::redact_journal(&p.display().to_string()),
            JournalTarget::Postgres(t) => t.shown.clone(),
        }
    }
}

/// How the connection to PostgreSQL is protected. Whenever TLS is used the server's chain is
/// verified (against `sslrootcert`, else the system's roots): this library never accepts an
/// unverified certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PgSslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it (verified), plain otherwise. The default, as in libpq.
    Prefer,
    /// TLS or no connection; the chain is verified, not the host name (`require`, `verify-ca`).
    VerifyCa,
    /// TLS or no connection; the chain and the host name are verified.
    VerifyFull,
}

/// A parsed `postgresql://` value. The password is wiped on drop and never displayed.
#[derive(Clone)]
pub struct PgTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub dbname: String,
    pub ssl_mode: PgSslMode,
    pub root_cert: Option<PathBuf>,
    /// The value with its password masked, for messages.
    pub shown: String,
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgTarget")
            .field("url", &self.shown)
            .field("ssl_mode", &self.ssl_mode)
            .finish_non_exhaustive()
    }
}

impl Drop for PgTarget {
    fn drop(&mut self) {
        if let Some(p) = self.password.take() {
            let mut bytes = p.into_bytes();
            crate::infra::crypto::wipe(&mut bytes);
        }
    }
}

fn is_pg_url(value: &str) -> bool {
    let lower = value.get(..13).unwrap_or(value).to_ascii_lowercase();
    lower.starts_with("postgresql:") || lower.starts_with("postgres:")
}

/// Parses a `journal` value. A relative path is taken relative to `base_dir` (the
/// configuration file's folder) when there is one.
pub fn parse(value: &str, base_dir: Option<&Path>) -> Result<JournalTarget> {
    let shown = crate::core::text::redact_journal(value);
    if value.is_empty() || value.chars().any(char::is_control) {
        return Err(Error::config(
            "journal",
            "must be a non-empty path or postgresql:// URL without control characters",
        ));
    }
    if is_pg_url(value) {
        return parse_pg(value, &shown, base_dir).map(JournalTarget::Postgres);
    }
    if let Some((scheme, _)) = value.split_once("://") {
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(Error::config(
                "journal",
                format!(
                    "{shown}: unknown scheme {scheme:?}; give a file path or a postgresql:// URL"
                ),
            ));
        }
    }
    let p = Path::new(value);
    Ok(JournalTarget::File(match (p.is_relative(), base_dir) {
        (true, Some(dir)) => dir.join(p),
        _ => p.to_path_buf(),
    }))
}

fn parse_pg(value: &str, shown: &str, base_dir: Option<&Path>) -> Result<PgTarget> {
    let bad = |why: &str| Error::config("journal", format!("{shown}: {why}"));
    let url = reqwest::Url::parse(value).map_err(|e| bad(&format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "postgresql" | "postgres") {
        return Err(bad("must start with postgresql:// or postgres://"));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("names no host"))?;
    // An IPv6 literal keeps its brackets in `host_str`; the socket address wants it bare.
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| bad("user, password and database must be UTF-8"))
    };
    let user = decode(url.username())?;
    if user.is_empty() {
        return Err(bad(
            "names no user (postgresql://USER[:PASSWORD]@HOST[:PORT]/DB)",
        ));
    }
    let dbname = decode(url.path().trim_start_matches('/'))?;
    if dbname.is_empty() || dbname.contains('/') {
        return Err(bad("names no database (postgresql://USER@HOST[:PORT]/DB)"));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a fragment"));
    }
    let port = url.port().unwrap_or(5432);
    let mut ssl_mode = PgSslMode::Prefer;
    let mut root_cert = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "sslmode" => {
                ssl_mode =
                    match v.as_ref() {
                        "disable" => PgSslMode::Disable,
                        "allow" | "prefer" => PgSslMode::Prefer,
                        "require" | "verify-ca" => PgSslMode::VerifyCa,
                        "verify-full" => PgSslMode::VerifyFull,
                        _ => return Err(bad(
                            "sslmode must be disable, prefer, require, verify-ca or verify-full",
                        )),
                    }
            }
            "sslrootcert" => {
                let p = Path::new(v.as_ref());
                root_cert = Some(match (p.is_relative(), base_dir) {
                    (true, Some(dir)) => dir.join(p),
                    _ => p.to_path_buf(),
                });
            }
            other => {
                let other: String = other.chars().take(40).collect();
                return Err(bad(&format!(
                    "unknown parameter {other:?}; this library reads sslmode and sslrootcert"
                )));
            }
        }
    }
    if ssl_mode == PgSslMode::Disable && root_cert.is_some() {
        return Err(bad("sslrootcert needs TLS, but sslmode is disable"));
    }
    let password = match url.password() {
        Some(p) => Some(decode(p)?),
        None => password_from_environment(&host, port, &dbname, &user),
    };
    Ok(PgTarget {
        host,
        port,
        user,
        password,
        dbname,
        ssl_mode,
        root_cert,
        shown: shown.to_string(),
    })
}

/// The password libpq would use when the URL has none: `PGPASSWORD`, else the first matching
/// line of the password file (`PGPASSFILE`, else `~/.pgpass`), which libpq, and so this library,
/// ignores when group or others may read it. Lines are `host:port:db:user:password`, `*`
/// matching anything and `\` escaping `:` and `\` (PostgreSQL documentation, "The Password
/// File").
fn password_from_environment(host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    if let Some(p) = std::env::var_os("PGPASSWORD") {
        return p.into_string().ok();
    }
    let file = match std::env::var_os("PGPASSFILE") {
        Some(f) => PathBuf::from(f),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".pgpass"),
    };
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&file).ok()?;
        if !meta.is_file() || meta.permissions().mode() & 0o077 != 0 {
            return None;
        }
    }
    let text = String::from_utf8(super::build::read_small_file("journal", &file).ok()?).ok()?;
    let port = port.to_string();
    let wanted = [host, port.as_str(), db, user];
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let fields = passfile_fields(line);
            (fields.len() == 5
                && fields[..4]
                    .iter()
                    .zip(wanted)
                    .all(|(f, w)| f == "*" || f == w || (w == "127.0.0.1" && f == "localhost")))
            .then(|| fields[4].clone())
        })
}

/// One password-file line split at unescaped colons, with `\:` and `\\` unescaped.
fn passfile_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    fields.last_mut().expect("one field").push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(v: &str) -> PgTarget {
        match parse(v, None).expect("parses") {
            JournalTarget::Postgres(t) => t,
            JournalTarget::File(p) => panic!("a file: {}", p.display()),
        }
    }

    #[test]
    fn a_url_is_parsed_and_shown_without_its_password() {
        let t = pg("postgresql://wx:s3cr%40t@db.example:6543/ledger?sslmode=verify-full&sslrootcert=/etc/ca.pem");
        assert_eq!(
            (t.host.as_str(), t.port, t.user.as_str()),
            ("db.example", 6543, "wx")
        );
        assert_eq!(t.password.as_deref(), Some("s3cr@t"));
        assert_eq!(t.dbname, "ledger");
        assert_eq!(t.ssl_mode, PgSslMode::VerifyFull);
        assert_eq!(t.root_cert.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert!(
            t.shown
                .starts_with("postgresql://wx:***@db.example:6543/ledger"),
            "{}",
            t.shown
        );
        assert!(!format!("{t:?}").contains("s3cr"), "{t:?}");
        assert_eq!(pg("postgres://u@h/d").port, 5432);
        assert_eq!(pg("postgres://u@h/d").ssl_mode, PgSslMode::Prefer);
    }

    #[test]
    fn bad_values_name_the_journal_and_never_echo_the_password() {
        for v in [
            "postgresql://wx:hunter2@/db",
            "postgresql://wx:hunter2@h",
            "postgresql://wx:hunter2@h/db?sslmode=bogus",
            "postgresql://wx:hunter2@h/db?password=x",
            "postgresql:/wx:hunter2@h/db",
            "postgresq://wx:hunter2@h/db",
            "postgresql://:hunter2@h/db",
        ] {
            let e = parse(v, None).expect_err(v);
            assert!(e.message.starts_with("journal: "), "{e}");
            assert!(!e.to_string().contains("hunter2"), "{v}: {e}");
        }
    }

    #[test]
    fn a_path_stays_a_file() {
        match parse("j.sqlite", Some(Path::new("/etc/wx"))).unwrap() {
            JournalTarget::File(p) => assert_eq!(p, Path::new("/etc/wx/j.sqlite")),
            JournalTarget::Postgres(_) => panic!("a URL"),
        }
    }

    #[test]
    fn password_file_lines_unescape() {
        assert_eq!(
            passfile_fields(r"h:5432:*:wx:pa\:ss\\w:rd"),
            ["h", "5432", "*", "wx", r"pa:ss\w:rd"]
        );
    }
}
