//! A real PostgreSQL server (Debian's `postgresql` package) on a free loopback port with its
//! own cluster in a temporary directory, for the fleet journal's tests. Crashed
//! (`pg_ctl stop -m immediate`) and started again on the same port and data on demand; stopped
//! at once and removed when dropped.
//!
//! The server is run by `tests/journal/pg_server.py --serve` (see its docstring), which
//! knows where the binaries are and runs them as the `postgres` user when the tests run as
//! root: it prints one JSON line describing the server, then obeys `crash`, `start`, `stop`
//! and `restart` lines on its stdin, answering `ok` (or `error ...`); the end of its stdin makes
//! it stop the server and remove the directory. psql and pg_dump run from here, directly.
//!
//! ```ignore
//! let mut pg = common::pg::Pg::start("journal-crash");
//! let cfg = json!({ "journal": pg.url() });
//! pg.psql("select count(*) from wx_journal");   // "3\n"
//! pg.crash();
//! pg.start_again();
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Characters of psql's stderr, or of an `error` answer, in a panic message.
const MAX_SHOWN: usize = 2000;

pub struct Pg {
    pub port: u16,
    url: String,
    url_without_password: String,
    password: String,
    dir: PathBuf,
    data_dir: PathBuf,
    log: PathBuf,
    ca: Option<PathBuf>,
    wrong_ca: Option<PathBuf>,
    psql_argv: Vec<String>,
    pg_dump_argv: Vec<String>,
    stop_argv: Vec<String>,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

fn bounded(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(MAX_SHOWN) {
        Some((cut, _)) => format!("{}... ({} more bytes)", &text[..cut], text.len() - cut),
        None => text.to_string(),
    }
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("pg_server.py JSON has no {key}: {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

/// A command without the PG* variables of the test's environment (PGHOST, PGSSLMODE... would
/// change where and how it connects), with the password in PGPASSWORD.
fn command(argv: &[String], password: &str) -> Command {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("PG") {
            cmd.env_remove(k);
        }
    }
    cmd.env("PGPASSWORD", password)
        .env("PGCLIENTENCODING", "UTF8")
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::null());
    cmd
}

impl Pg {
    /// A server on 127.0.0.1 without TLS; `url()` is `postgresql://wx:PW@127.0.0.1:PORT/wx`.
    pub fn start(tag: &str) -> Pg {
        Pg::spawn(tag, false)
    }

    /// A server with `ssl=on` and a certificate for localhost and 127.0.0.1, signed by
    /// `ca_path()`; `url()` carries `?sslmode=verify-full&sslrootcert=CA`.
    pub fn start_tls(tag: &str) -> Pg {
        Pg::spawn(tag, true)
    }

    fn spawn(tag: &str, tls: bool) -> Pg {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/journal/pg_server.py");
        let mut cmd = Command::new("python3");
        cmd.arg(&script).args(["--serve", "--tag", tag]);
        if tls {
            cmd.arg("--tls");
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("python3 {}: {e}", script.display()));
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let info: Result<Value, String> = match read_line(&mut stdout) {
            Some(Ok(line)) => serde_json::from_str(&line)
                .map_err(|e| format!("not JSON ({e}): {}", bounded(&line))),
            Some(Err(e)) => Err(e.to_string()),
            None => Err("no JSON line".to_string()),
        };
        let info = match info {
            Ok(info) => info,
            Err(why) => {
                drop(stdin);
                let status = child.wait();
                panic!(
                    "pg_server.py --serve started no PostgreSQL (scripts/deps.sh installs \
                     Debian's postgresql): {why}, exit {status:?}; its stderr is above"
                )
            }
        };
        let text = |key: &str| {
            info[key]
                .as_str()
                .unwrap_or_else(|| panic!("pg_server.py JSON has no {key}: {info}"))
                .to_string()
        };
        let path = |key: &str| info[key].as_str().map(PathBuf::from);
        Pg {
            port: info["port"].as_u64().expect("port") as u16,
            url: text("url"),
            url_without_password: text("url_without_password"),
            password: text("password"),
            dir: PathBuf::from(text("dir")),
            data_dir: PathBuf::from(text("data_dir")),
            log: PathBuf::from(text("log")),
            ca: path("ca"),
            wrong_ca: path("wrong_ca"),
            psql_argv: strings(&info, "psql_argv"),
            pg_dump_argv: strings(&info, "pg_dump_argv"),
            stop_argv: strings(&info, "stop_argv"),
            child,
            stdin,
            stdout,
        }
    }

    /// `postgresql://wx:PASSWORD@127.0.0.1:PORT/wx` (TLS: `?sslmode=verify-full&sslrootcert=CA`).
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// `url()` without `:PASSWORD`.
    pub fn url_without_password(&self) -> String {
        self.url_without_password.clone()
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    /// The CA that signed the server's certificate (TLS servers only).
    pub fn ca_path(&self) -> &Path {
        self.ca
            .as_deref()
            .expect("ca_path: a server from Pg::start_tls")
    }

    /// A CA that did not sign it (TLS servers only).
    pub fn wrong_ca_path(&self) -> &Path {
        self.wrong_ca
            .as_deref()
            .expect("wrong_ca_path: a server from Pg::start_tls")
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The end of the server log (at most 2000 characters), for assertion messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).to_string())
            .unwrap_or_default();
        let skip = text.chars().count().saturating_sub(MAX_SHOWN);
        text.chars().skip(skip).collect()
    }

    /// `sql` through `psql -X -A -t -q -v ON_ERROR_STOP=1` as wx on database wx: rows one a
    /// line, columns separated by `|`; Err with psql's stderr (bounded) when it fails.
    pub fn try_psql(&self, sql: &str) -> Result<String, String> {
        let mut argv = self.psql_argv.clone();
        argv.extend(["-c".to_string(), sql.to_string()]);
        let out = self.run(&argv)?;
        Ok(String::from_utf8_lossy(&out.stdout).to_string())
    }

    /// `try_psql`, panicking when psql fails.
    pub fn psql(&self, sql: &str) -> String {
        self.try_psql(sql)
            .unwrap_or_else(|e| panic!("psql {sql:?}: {e}"))
    }

    /// A plain-text `pg_dump` of database wx (the same bytes for the same data).
    pub fn pg_dump(&self) -> Vec<u8> {
        self.run(&self.pg_dump_argv)
            .unwrap_or_else(|e| panic!("pg_dump: {e}"))
            .stdout
    }

    /// A plain-text `pg_dump` of database `db` on this server.
    pub fn pg_dump_db(&self, db: &str) -> Vec<u8> {
        let mut argv = self.pg_dump_argv.clone();
        argv.extend(["-d".to_string(), db.to_string()]);
        self.run(&argv)
            .unwrap_or_else(|e| panic!("pg_dump {db}: {e}"))
            .stdout
    }

    /// Creates database `db` (owned by wx) and returns its URL, password included.
    pub fn create_db(&self, db: &str) -> String {
        self.psql(&format!("CREATE DATABASE \"{db}\""));
        let url = self.url();
        let base = url.rsplit_once('/').expect("a URL with a path").0;
        format!("{base}/{db}")
    }

    fn run(&self, argv: &[String]) -> Result<Output, String> {
        let out = command(argv, &self.password)
            .output()
            .map_err(|e| format!("{}: {e}", argv[0]))?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(format!(
                "{} ({})",
                bounded(&String::from_utf8_lossy(&out.stderr)),
                out.status
            ))
        }
    }

    /// `pg_ctl stop -m immediate`: every server process quits at once, without a checkpoint.
    pub fn crash(&mut self) {
        self.control("crash");
    }

    /// Starts it again on the same port and data dir (after `crash` or `stop`): crash
    /// recovery replays the WAL.
    pub fn start_again(&mut self) {
        self.control("start");
    }

    /// `pg_ctl stop -m fast`: a clean shutdown.
    pub fn stop(&mut self) {
        self.control("stop");
    }

    fn control(&mut self, what: &str) {
        let stdin = self.stdin.as_mut().expect("pg_server.py's stdin");
        if let Err(e) = writeln!(stdin, "{what}").and_then(|_| stdin.flush()) {
            panic!("pg_server.py `{what}`: {e}");
        }
        match read_line(&mut self.stdout) {
            Some(Ok(answer)) if answer == "ok" => {}
            Some(Ok(answer)) => panic!("pg_server.py `{what}`: {}", bounded(&answer)),
            other => panic!("pg_server.py `{what}`: no answer ({other:?})"),
        }
    }
}

/// One line (without its end), at most 64 KiB of it; None at the end of the stream.
fn read_line(from: &mut BufReader<ChildStdout>) -> Option<std::io::Result<String>> {
    let mut line = String::new();
    match from.take(64 * 1024).read_line(&mut line) {
        Ok(0) => None,
        Ok(_) => Some(Ok(line.trim_end_matches(['\r', '\n']).to_string())),
        Err(e) => Some(Err(e)),
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // The end of its stdin: pg_server.py stops the server at once and removes its dir.
        drop(self.stdin.take());
        let give_up = Instant::now() + Duration::from_secs(60);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < give_up => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
            }
        }
        // Had it died first, the server may still run.
        if self.data_dir.join("postmaster.pid").exists() {
            let _ = Command::new(&self.stop_argv[0])
                .args(&self.stop_argv[1..])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
