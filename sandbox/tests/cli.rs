//! The binary's command line: the forms callers use are accepted, bad flags are named.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wx-sandbox"))
        .args(args)
        .output()
        .expect("run wx-sandbox")
}

#[test]
fn bad_flags_exit_2_and_name_the_flag() {
    for (args, named) in [
        (&["--orders", "x"][..], "--orders"),
        (&["--recover-delay-ms", "-5"], "--recover-delay-ms"),
        (
            &["--rate-limit-per-minute", "many"],
            "--rate-limit-per-minute",
        ),
        (&["--bogus"], "--bogus"),
        (&["--state-dir"], "--state-dir"),
        (&["--orders", "5"], "--state-dir"),
        (
            &["fault", "blackhole", "--api", "query", "--env-file", "x"],
            "--api",
        ),
        (
            &[
                "rate-limit",
                "5",
                "--listener",
                "primary",
                "--env-file",
                "x",
            ],
            "--listener",
        ),
        (&["reset", "--path", "query", "--env-file", "x"], "--path"),
        (
            &["fault", "delay", "--ms", "soon", "--env-file", "x"],
            "--ms",
        ),
        (&["orders", "--count", "-1", "--env-file", "x"], "--count"),
        (&["reset"], "--env-file"),
        (&["--state-dir", "d", "fault", "reset"], "fault"),
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(err.contains(named), "{args:?} should name {named}: {err}");
    }
}

#[test]
fn help_lists_every_flag_and_subcommand() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "--state-dir",
        "--env-file",
        "--notify-url",
        "--recover-delay-ms",
        "--rate-limit-per-minute",
        "--orders",
        "--certificates-signed-by-certificate",
        "fault",
        "reset",
        "orders",
        "rate-limit",
    ] {
        assert!(help.contains(word), "{word} missing from --help:\n{help}");
    }
    let out = run(&["fault", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "KIND",
        "COUNT",
        "--listener",
        "--path",
        "--ms",
        "--env-file",
    ] {
        assert!(
            help.contains(word),
            "{word} missing from fault --help:\n{help}"
        );
    }
}

#[test]
fn inline_values_and_repeated_flags_are_accepted() {
    let dir = TempDir::new("cli-forms");
    let env_file = dir.0.join("copy.env");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wx-sandbox"))
        .arg(format!("--state-dir={}", dir.0.join("state").display()))
        .args(["--orders=9", "--orders", "4", "--recover-delay-ms=50"])
        .args([
            "--rate-limit-per-minute",
            "0",
            "--certificates-signed-by-certificate",
        ])
        .arg("--env-file")
        .arg(&env_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let path = line.trim().strip_prefix("ready ").expect("ready prefix");
    let info: Value = serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
    // The last --orders wins.
    assert_eq!(info["orders"].as_array().expect("orders").len(), 4);
    let env = std::fs::read_to_string(&env_file).expect("--env-file written");
    assert!(env.lines().any(|l| l == "ORDER_COUNT=4"), "{env}");
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    assert!(child.wait().expect("wait").success());
}
