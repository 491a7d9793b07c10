//! `wx-sandbox orders`: the control orders a running sandbox knows, from its env file.

mod common;

use std::process::Command;

use common::*;
use wx_sandbox::{Options, Sandbox};

fn orders(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wx-sandbox"))
        .arg("orders")
        .args(args)
        .output()
        .expect("run wx-sandbox orders");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn orders_lists_exactly_the_seeded_orders_of_sandbox_json() {
    let dir = TempDir::new("orders");
    let sb = Sandbox::start(Options {
        state_dir: dir.0.clone(),
        orders: 12,
        ..Default::default()
    })
    .expect("start");
    let env = dir.0.join("sandbox.env");
    let env = env.to_str().expect("utf8");
    let seeded = sb.info()["orders"].as_array().expect("orders").clone();

    let (code, all, err) = orders(&["--count", "0", "--env-file", env]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(
        lines[0],
        "index\trelated_webank_punish_no\trelated_wxpay_punish_no\tmchid\tbal_account_no\toutcome"
    );
    assert_eq!(lines.len(), 1 + seeded.len());
    for (i, (line, o)) in lines[1..].iter().zip(&seeded).enumerate() {
        let want = format!(
            "{i}\t{}\t{}\t{}\t{}\t{}",
            o["related_webank_punish_no"].as_str().expect("webank"),
            o["related_wxpay_punish_no"].as_str().expect("wxpay"),
            o["mchid"].as_str().expect("mchid"),
            o["bal_account_no"].as_str().expect("bal"),
            o["outcome"].as_str().expect("outcome"),
        );
        assert_eq!(*line, want);
    }

    // The default shows the first ten; --count N the first N.
    let (code, first, _) = orders(&["--env-file", env]);
    assert_eq!(code, 0);
    assert_eq!(first.lines().count(), 1 + 10);
    assert!(all.starts_with(&first));
    let (_, three, _) = orders(&["--count", "3", "--env-file", env]);
    assert_eq!(three.lines().count(), 1 + 3);
    sb.shutdown();
}

#[test]
fn orders_without_a_readable_env_file_exits_2_and_says_why() {
    let (code, out, err) = orders(&[]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("--env-file is required"), "{err}");

    let (code, _, err) = orders(&["--env-file", "/nonexistent/sandbox.env"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/sandbox.env"), "{err}");

    let (code, _, err) = orders(&["--count", "many", "--env-file", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("--count needs an integer"), "{err}");
}

#[test]
fn orders_csv_prints_an_orders_file_with_the_batch_columns_and_the_seeded_values() {
    let dir = TempDir::new("orders-csv");
    let sb = Sandbox::start(Options {
        state_dir: dir.0.clone(),
        orders: 12,
        ..Default::default()
    })
    .expect("start");
    let env = dir.0.join("sandbox.env");
    let env = env.to_str().expect("utf8");
    let seeded = sb.info()["orders"].as_array().expect("orders").clone();

    let (code, all, err) = orders(&["--csv", "--count", "0", "--env-file", env]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(
        lines[0],
        "out_request_no,related_webank_punish_no,related_wxpay_punish_no,mchid,bal_account_no,recover_reason"
    );
    assert_eq!(lines.len(), 1 + seeded.len());
    for (i, (line, o)) in lines[1..].iter().zip(&seeded).enumerate() {
        let want = format!(
            "SANDBOX-{i:04},{},{},{},{},",
            o["related_webank_punish_no"].as_str().expect("webank"),
            o["related_wxpay_punish_no"].as_str().expect("wxpay"),
            o["mchid"].as_str().expect("mchid"),
            o["bal_account_no"].as_str().expect("bal"),
        );
        assert_eq!(*line, want);
    }

    // --count as for the table; a prefix with a comma or a quote is quoted as CSV requires.
    let (_, first, _) = orders(&["--csv", "--env-file", env]);
    assert_eq!(first.lines().count(), 1 + 10);
    assert!(all.starts_with(&first));
    let (code, quoted, err) = orders(&[
        "--csv",
        "--count",
        "1",
        "--number-prefix",
        "A,\"B-",
        "--env-file",
        env,
    ]);
    assert_eq!(code, 0, "{err}");
    let row = quoted.lines().nth(1).expect("one order");
    assert!(row.starts_with("\"A,\"\"B-0000\",WBP"), "{row}");
    sb.shutdown();
}

#[test]
fn orders_number_prefix_without_csv_is_a_usage_error() {
    let (code, out, err) = orders(&["--number-prefix", "X", "--env-file", "x"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("--csv"), "{err}");
}
