//! `wx-sandbox --state-dir DIR [--notify-url URL] [--recover-delay-ms N]
//!             [--rate-limit-per-minute N] [--orders N]`

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use wx_sandbox::{Options, Sandbox};

const USAGE: &str = "usage: wx-sandbox --state-dir DIR [--notify-url URL] [--recover-delay-ms N] \
[--rate-limit-per-minute N] [--orders N] [--certificates-signed-by-certificate]";

fn parse_args() -> Result<Options, String> {
    let mut opts = Options::default();
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
    Ok(opts)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
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
