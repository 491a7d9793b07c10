//! `wx-sandbox --state-dir DIR [--env-file PATH] [--notify-url URL] [--recover-delay-ms N]
//!             [--rate-limit-per-minute N] [--orders N]`
//! `wx-sandbox fault KIND [COUNT] [--listener L] [--path P] [--ms N] --env-file PATH`
//! `wx-sandbox reset --env-file PATH`
//! `wx-sandbox orders [--count N] --env-file PATH`
//! `wx-sandbox rate-limit N [--api recover|query|certificates] --env-file PATH`
//!
//! `fault`, `reset` and `rate-limit` drive a running sandbox's admin API, so no harness needs to write JSON;
//! `orders` lists the control orders it knows, so a first recover can use real numbers.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use wx_sandbox::{Options, Sandbox};

const USAGE: &str = "usage: wx-sandbox --state-dir DIR [--env-file PATH] [--notify-url URL] \
[--recover-delay-ms N] [--rate-limit-per-minute N] [--orders N] [--certificates-signed-by-certificate]
       wx-sandbox fault KIND [COUNT] [--listener primary|backup|both] [--path recover|query|certificates] [--ms N] --env-file PATH
       wx-sandbox reset --env-file PATH
       wx-sandbox orders [--count N] --env-file PATH
       wx-sandbox rate-limit N [--api recover|query|certificates] --env-file PATH";

fn parse_args() -> Result<(Options, Option<PathBuf>), String> {
    let mut opts = Options::default();
    let mut env_file = None;
    let mut have_dir = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        if name == "-h" || name == "--help" {
            return Err(USAGE.to_string());
        }
        let mut value = || -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args
                    .next()
                    .ok_or_else(|| format!("{name} needs a value\n{USAGE}")),
            }
        };
        match name.as_str() {
            "--state-dir" => {
                opts.state_dir = PathBuf::from(value()?);
                have_dir = true;
            }
            "--notify-url" => opts.notify_url = Some(value()?),
            "--env-file" => env_file = Some(PathBuf::from(value()?)),
            "--recover-delay-ms" => {
                opts.recover_delay_ms = value()?
                    .parse()
                    .map_err(|_| "--recover-delay-ms needs an integer".to_string())?
            }
            "--rate-limit-per-minute" => {
                opts.rate_limit_per_minute = value()?
                    .parse()
                    .map_err(|_| "--rate-limit-per-minute needs an integer".to_string())?
            }
            "--orders" => {
                opts.orders = value()?
                    .parse()
                    .map_err(|_| "--orders needs an integer".to_string())?
            }
            "--certificates-signed-by-certificate" => {
                opts.certificates_signed_by_certificate = true
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if !have_dir {
        return Err(format!("--state-dir is required\n{USAGE}"));
    }
    Ok((opts, env_file))
}

/// `fault`, `reset` and `rate-limit`: one request to the admin URL named by an env file.
fn admin_command(args: &[String]) -> Result<(), String> {
    let mut positional = Vec::new();
    // Options as JSON keys, checked against the subcommand below.
    let mut fault = serde_json::Map::new();
    let mut env_file = None;
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--env-file" => env_file = Some(value()?),
            "--listener" => {
                fault.insert("listener".into(), value()?.into());
            }
            "--path" => {
                fault.insert("path".into(), value()?.into());
            }
            "--api" => {
                fault.insert("api".into(), value()?.into());
            }
            "--ms" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|_| "--ms needs an integer".to_string())?;
                fault.insert("ms".into(), ms.into());
            }
            other if other.starts_with("--") => {
                return Err(format!("unknown argument {other}\n{USAGE}"))
            }
            other => positional.push(other.to_string()),
        }
    }
    let env_file = env_file.ok_or_else(|| format!("--env-file is required\n{USAGE}"))?;
    let env = std::fs::read_to_string(&env_file).map_err(|e| format!("{env_file}: {e}"))?;
    let admin = env
        .lines()
        .find_map(|l| l.strip_prefix("ADMIN_URL="))
        .ok_or_else(|| format!("{env_file} has no ADMIN_URL"))?;
    let allowed: &[&str] = match args[0].as_str() {
        "fault" => &["listener", "path", "ms"],
        "rate-limit" => &["api"],
        _ => &[],
    };
    if let Some(k) = fault.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("{} does not take --{k}\n{USAGE}", args[0]));
    }
    let (path, body) = match (args[0].as_str(), positional.as_slice()) {
        ("reset", []) => ("/reset", "{}".to_string()),
        ("rate-limit", [n]) => {
            let n: u32 = n
                .parse()
                .map_err(|_| "N must be a non-negative integer".to_string())?;
            fault.insert("per_minute".into(), n.into());
            ("/rate-limit", serde_json::Value::Object(fault).to_string())
        }
        ("fault", [kind, rest @ ..]) if rest.len() <= 1 => {
            fault.insert("kind".into(), kind.clone().into());
            if let Some(n) = rest.first() {
                let n: u64 = n
                    .parse()
                    .map_err(|_| "COUNT must be an integer".to_string())?;
                fault.insert("count".into(), n.into());
            }
            ("/faults", serde_json::Value::Object(fault).to_string())
        }
        _ => return Err(USAGE.to_string()),
    };
    let (status, answer) =
        wx_sandbox::admin_post(admin, path, &body).map_err(|e| format!("{admin}{path}: {e}"))?;
    if status != 200 {
        return Err(format!("{admin}{path}: HTTP {status}: {answer}"));
    }
    Ok(())
}

/// `orders`: the seeded control orders, read from the env file the sandbox wrote, as a
/// tab-separated table with a header line. `--count N` shows the first N (default 10; 0: all).
fn orders_command(args: &[String]) -> Result<String, String> {
    let mut env_file = None;
    let mut count: usize = 10;
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            "--env-file" => env_file = Some(value()?),
            "--count" => {
                count = value()?
                    .parse()
                    .map_err(|_| "--count needs an integer".to_string())?
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let env_file = env_file.ok_or_else(|| format!("--env-file is required\n{USAGE}"))?;
    let text = std::fs::read_to_string(&env_file).map_err(|e| format!("{env_file}: {e}"))?;
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
    let mut out = format!("index\t{}\n", FIELDS.join("\t"));
    let shown = if count == 0 { total } else { total.min(count) };
    for i in 0..shown {
        out.push_str(&i.to_string());
        for f in FIELDS {
            let key = format!("ORDER_{i}_{}", f.to_ascii_uppercase());
            let v = env
                .get(key.as_str())
                .ok_or_else(|| format!("{env_file} has no {key}"))?;
            out.push('\t');
            out.push_str(v);
        }
        out.push('\n');
    }
    Ok(out)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("orders") {
        return match orders_command(&args) {
            Ok(table) => {
                print!("{table}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("wx-sandbox: {e}");
                ExitCode::from(2)
            }
        };
    }
    if matches!(
        args.first().map(String::as_str),
        Some("fault" | "reset" | "rate-limit")
    ) {
        return match admin_command(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("wx-sandbox: {e}");
                ExitCode::from(2)
            }
        };
    }
    let (opts, env_file) = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
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
