//! `wx-sandbox`: runs the sandbox until SIGINT/SIGTERM, or drives a running one.
//!
//! `wx-sandbox --state-dir DIR [--env-file PATH] [--notify-url URL] [--recover-delay-ms N]
//!             [--rate-limit-per-minute N] [--orders N] [--certificates-signed-by-certificate]`
//! `wx-sandbox fault KIND [COUNT] [--listener L] [--path P] [--ms N] --env-file PATH`
//! `wx-sandbox reset --env-file PATH`
//! `wx-sandbox orders [--count N] [--csv [--number-prefix P]] --env-file PATH`
//! `wx-sandbox rate-limit N [--api recover|query|certificates|punish] --env-file PATH`
//!
//! `fault`, `reset` and `rate-limit` drive a running sandbox's admin API, so no harness needs to write JSON;
//! `orders` lists the control orders it knows, so a first recover can use real numbers; with
//! `--csv` as an orders file `wx-recover batch` takes unchanged.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};
use serde_json::{Map, Value};
use wx_sandbox::{Options, Sandbox};

/// Local HTTPS stand-in for the WeChat Pay recover, punish, query, certificate and
/// notification endpoints (see docs/sandbox.md).
///
/// Without a subcommand it starts a sandbox, prints `ready DIR/sandbox.json` once every
/// listener accepts connections, and runs until SIGINT or SIGTERM. The subcommands drive a
/// sandbox that is already running, found through the env file it wrote (DIR/sandbox.env).
#[derive(Parser)]
#[command(
    name = "wx-sandbox",
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true,
    args_override_self = true
)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct ServeArgs {
    /// Directory for keys, certificates, sandbox.json and client.json, created if missing
    /// (required)
    #[arg(long, value_name = "DIR", allow_hyphen_values = true)]
    state_dir: Option<String>,
    /// Also write sandbox.json as flat KEY=VALUE lines to PATH (DIR/sandbox.env is always
    /// written)
    #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
    env_file: Option<String>,
    /// Plain http:// URL that receives result notifications
    #[arg(long, value_name = "URL", allow_hyphen_values = true)]
    notify_url: Option<String>,
    /// Time from acceptance (EXECUTING) to the final state of a recover or a punish, in ms
    /// [default: 200]
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = integer::<u64>("--recover-delay-ms needs an integer"))]
    recover_delay_ms: Option<u64>,
    /// Requests per minute per initiating merchant and endpoint; 0 = unlimited [default: 200]
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = integer::<u32>("--rate-limit-per-minute needs an integer"))]
    rate_limit_per_minute: Option<u32>,
    /// Close a connection left idle this long, in ms, as the platform does after about 8 s;
    /// 0 = never [default: 0]
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = integer::<u64>("--keep-alive-ms needs an integer"))]
    keep_alive_ms: Option<u64>,
    /// Number of seeded control orders [default: 1000]
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = integer::<usize>("--orders needs an integer"))]
    orders: Option<usize>,
    /// Sign a /v3/certificates answer to a request that names no known key with the newest
    /// platform certificate, as the platform does
    #[arg(long)]
    certificates_signed_by_certificate: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Install a fault in a running sandbox (admin API POST /faults)
    #[command(args_override_self = true, allow_negative_numbers = true)]
    Fault(FaultArgs),
    /// Clear a running sandbox's faults, clock offset and rate limits, and bring its listeners
    /// back up (admin API POST /reset)
    #[command(args_override_self = true)]
    Reset(EnvFileArg),
    /// List the control orders a running sandbox seeded, as a tab-separated table, or with
    /// --csv as an orders file for `wx-recover batch`
    #[command(args_override_self = true)]
    Orders(OrdersArgs),
    /// Set a running sandbox's per-minute rate limit (admin API POST /rate-limit)
    #[command(args_override_self = true, allow_negative_numbers = true)]
    RateLimit(RateLimitArgs),
}

#[derive(Args)]
struct EnvFileArg {
    /// The env file of the running sandbox (DIR/sandbox.env) (required)
    #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
    env_file: Option<String>,
}

#[derive(Args)]
struct FaultArgs {
    /// system_error, reset, reset_after_accept, delay, bad_signature, signtest,
    /// stale_timestamp, wrong_serial, non_json, huge_body, rate_limited, down or blackhole
    #[arg(value_name = "KIND")]
    kind: String,
    /// How many requests it applies to [default: 1]
    #[arg(value_name = "COUNT", value_parser = integer::<u64>("COUNT must be an integer"))]
    count: Option<u64>,
    /// Only on this listener: primary, backup or both [default: both]
    #[arg(long, value_name = "L", allow_hyphen_values = true)]
    listener: Option<String>,
    /// Only on this endpoint: recover, query, certificates or punish [default: all]
    #[arg(long, value_name = "P", allow_hyphen_values = true)]
    path: Option<String>,
    /// Milliseconds: how long `delay` holds the answer [default: 1000], or after how long a
    /// `down` listener comes back up [default: only on reset]
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = integer::<u64>("--ms needs an integer"))]
    ms: Option<u64>,
    #[command(flatten)]
    env: EnvFileArg,
}

#[derive(Args)]
struct OrdersArgs {
    /// Show the first N orders; 0 = all
    #[arg(long, value_name = "N", default_value_t = 10, allow_hyphen_values = true,
          value_parser = integer::<usize>("--count needs an integer"))]
    count: usize,
    /// Print an orders file for `wx-recover batch` instead: CSV with its header row
    /// (out_request_no, related_webank_punish_no, related_wxpay_punish_no, mchid,
    /// bal_account_no, recover_reason), each order numbered PREFIX + its index in four digits
    #[arg(long)]
    csv: bool,
    /// With --csv: the start of each out_request_no [default: SANDBOX-]
    #[arg(
        long,
        value_name = "PREFIX",
        allow_hyphen_values = true,
        requires = "csv"
    )]
    number_prefix: Option<String>,
    #[command(flatten)]
    env: EnvFileArg,
}

#[derive(Args)]
struct RateLimitArgs {
    /// Requests per minute; 0 = unlimited
    #[arg(value_name = "N", value_parser = integer::<u32>("N must be a non-negative integer"))]
    per_minute: u32,
    /// Only for this endpoint: recover, query, certificates or punish [default: all]
    #[arg(long, value_name = "API", allow_hyphen_values = true)]
    api: Option<String>,
    #[command(flatten)]
    env: EnvFileArg,
}

/// A value parser for an integer flag or argument whose error says what was expected.
fn integer<T: FromStr>(expected: &'static str) -> impl Fn(&str) -> Result<T, String> + Clone {
    move |s| s.parse().map_err(|_| expected.to_string())
}

/// A usage error (exit status 2), shown with the usage of `subcommand` (or the top level).
fn usage_error(subcommand: Option<&str>, message: &str) -> clap::Error {
    let mut top = Cli::command();
    // Gives each subcommand its full name (`wx-sandbox orders`) for the usage line.
    top.build();
    let mut cmd = subcommand
        .and_then(|s| top.find_subcommand(s).cloned())
        .unwrap_or(top);
    cmd.error(ErrorKind::MissingRequiredArgument, message)
}

impl EnvFileArg {
    /// The env file, or the usage error every subcommand gives without one.
    fn require(self, subcommand: &str) -> String {
        match self.env_file {
            Some(path) => path,
            None => usage_error(Some(subcommand), "--env-file is required").exit(),
        }
    }
}

/// `fault`, `reset` and `rate-limit`: one request to the admin URL named by an env file.
fn admin_command(env_file: &str, path: &str, body: Value) -> Result<String, String> {
    let env = std::fs::read_to_string(env_file).map_err(|e| format!("{env_file}: {e}"))?;
    let admin = env
        .lines()
        .find_map(|l| l.strip_prefix("ADMIN_URL="))
        .ok_or_else(|| format!("{env_file} has no ADMIN_URL"))?;
    let (status, answer) = wx_sandbox::admin_post(admin, path, &body.to_string())
        .map_err(|e| format!("{admin}{path}: {e}"))?;
    if status != 200 {
        return Err(format!("{admin}{path}: HTTP {status}: {answer}"));
    }
    Ok(String::new())
}

impl FaultArgs {
    /// `POST /faults` with the options given, for the sandbox of `--env-file`.
    fn run(self) -> Result<String, String> {
        let mut body = Map::new();
        body.insert("kind".into(), self.kind.into());
        let options = [
            ("count", self.count.map(Value::from)),
            ("listener", self.listener.map(Value::from)),
            ("path", self.path.map(Value::from)),
            ("ms", self.ms.map(Value::from)),
        ];
        body.extend(
            options
                .into_iter()
                .filter_map(|(k, v)| Some((k.to_string(), v?))),
        );
        let env_file = self.env.require("fault");
        admin_command(&env_file, "/faults", Value::Object(body))
    }
}

impl RateLimitArgs {
    /// `POST /rate-limit` for the sandbox of `--env-file`.
    fn run(self) -> Result<String, String> {
        let mut body = Map::new();
        body.insert("per_minute".into(), self.per_minute.into());
        if let Some(api) = self.api {
            body.insert("api".into(), api.into());
        }
        let env_file = self.env.require("rate-limit");
        admin_command(&env_file, "/rate-limit", Value::Object(body))
    }
}

/// How `orders` prints the seeded orders.
enum OrdersFormat {
    /// A tab-separated table with the index and seeded outcome of each order.
    Table,
    /// An orders file for `wx-recover batch`, numbering each order with this prefix.
    Csv(String),
}

/// The columns of `orders --csv`: those `wx-recover batch` reads, in its order.
const CSV_HEADER: &str = "out_request_no,related_webank_punish_no,related_wxpay_punish_no,mchid,bal_account_no,recover_reason";
const DEFAULT_NUMBER_PREFIX: &str = "SANDBOX-";

/// One CSV cell: quoted (quotes doubled) when it holds a comma, a quote or a line break.
fn csv_cell(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// `orders`: the seeded control orders, read from the env file the sandbox wrote, as a
/// tab-separated table with a header line, or as a CSV orders file. `--count N` shows the
/// first N (default 10; 0: all).
fn orders_command(env_file: &str, count: usize, format: &OrdersFormat) -> Result<String, String> {
    let text = std::fs::read_to_string(env_file).map_err(|e| format!("{env_file}: {e}"))?;
    let env: std::collections::HashMap<&str, &str> =
        text.lines().filter_map(|l| l.split_once('=')).collect();
    let total: usize = env
        .get("ORDER_COUNT")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("{env_file} has no ORDER_COUNT"))?;
    const FIELDS: [&str; 5] = [
        "related_webank_punish_no",
        "related_wxpay_punish_no",
        "mchid",
        "bal_account_no",
        "outcome",
    ];
    let shown = if count == 0 { total } else { total.min(count) };
    let field = |i: usize, f: &str| -> Result<&str, String> {
        let key = format!("ORDER_{i}_{}", f.to_ascii_uppercase());
        env.get(key.as_str())
            .copied()
            .ok_or_else(|| format!("{env_file} has no {key}"))
    };
    let mut out = match format {
        OrdersFormat::Table => format!("index\t{}\n", FIELDS.join("\t")),
        OrdersFormat::Csv(_) => format!("{CSV_HEADER}\n"),
    };
    for i in 0..shown {
        match format {
            OrdersFormat::Table => {
                out.push_str(&i.to_string());
                for f in FIELDS {
                    out.push('\t');
                    out.push_str(field(i, f)?);
                }
            }
            OrdersFormat::Csv(prefix) => {
                // The four fields a recover names, then an empty recover_reason.
                out.push_str(&csv_cell(&format!("{prefix}{i:04}")));
                for f in &FIELDS[..4] {
                    out.push(',');
                    out.push_str(&csv_cell(field(i, f)?));
                }
                out.push(',');
            }
        }
        out.push('\n');
    }
    Ok(out)
}

/// A subcommand's outcome: its output on stdout, or `wx-sandbox: ERROR` and exit status 2.
fn finish(r: Result<String, String>) -> ExitCode {
    match r {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wx-sandbox: {e}");
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve(cli.serve),
        Some(Command::Fault(a)) => finish(a.run()),
        Some(Command::RateLimit(a)) => finish(a.run()),
        Some(Command::Reset(env)) => {
            let env_file = env.require("reset");
            finish(admin_command(
                &env_file,
                "/reset",
                Value::Object(Map::new()),
            ))
        }
        Some(Command::Orders(a)) => {
            let env_file = a.env.require("orders");
            let format = if a.csv {
                OrdersFormat::Csv(
                    a.number_prefix
                        .unwrap_or_else(|| DEFAULT_NUMBER_PREFIX.to_string()),
                )
            } else {
                OrdersFormat::Table
            };
            finish(orders_command(&env_file, a.count, &format))
        }
    }
}

/// No subcommand: run a sandbox until SIGINT or SIGTERM.
fn serve(args: ServeArgs) -> ExitCode {
    let Some(state_dir) = args.state_dir else {
        usage_error(None, "--state-dir is required").exit()
    };
    let defaults = Options::default();
    let opts = Options {
        state_dir: PathBuf::from(state_dir),
        notify_url: args.notify_url,
        recover_delay_ms: args.recover_delay_ms.unwrap_or(defaults.recover_delay_ms),
        rate_limit_per_minute: args
            .rate_limit_per_minute
            .unwrap_or(defaults.rate_limit_per_minute),
        orders: args.orders.unwrap_or(defaults.orders),
        certificates_signed_by_certificate: args.certificates_signed_by_certificate,
        keep_alive_ms: args.keep_alive_ms.unwrap_or(defaults.keep_alive_ms),
    };
    let env_file = args.env_file.map(PathBuf::from);
    // Signal handling runs on a small runtime of its own; handlers are installed before
    // "ready" is printed so that an immediate SIGTERM still exits cleanly.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wx-sandbox: cannot create runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let signals = {
        let _g = rt.enter();
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(i), Ok(t)) => (i, t),
            _ => {
                eprintln!("wx-sandbox: cannot install signal handlers");
                return ExitCode::from(1);
            }
        }
    };
    let sb = match Sandbox::start(opts) {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("wx-sandbox: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some(path) = env_file {
        if let Err(e) = std::fs::write(&path, wx_sandbox::env_lines(sb.info())) {
            eprintln!("wx-sandbox: cannot write {}: {e}", path.display());
            sb.shutdown();
            return ExitCode::from(1);
        }
    }
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ready {}", sb.json_path().display());
        let _ = out.flush();
    }
    let (mut sigint, mut sigterm) = signals;
    rt.block_on(async {
        tokio::select! {
            _ = sigint.recv() => {}
            _ = sigterm.recv() => {}
        }
    });
    eprintln!("wx-sandbox: signal received, shutting down");
    sb.shutdown();
    ExitCode::SUCCESS
}
