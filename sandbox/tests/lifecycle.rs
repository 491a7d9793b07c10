//! State dir reuse, sandbox.json / client.json contract, notifications, and the binary.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use serde_json::Value;
use wx_sandbox::{Options, Sandbox};

const KEYS: [&str; 14] = [
    "primary_url",
    "backup_url",
    "admin_url",
    "ca_cert",
    "mchid",
    "merchant_serial_no",
    "merchant_private_key",
    "wechatpay_public_key_id",
    "wechatpay_public_key",
    "platform_certificate",
    "platform_certificate_serial",
    "apiv3_key",
    "orders",
    "client_config",
];

#[test]
fn contract_files_and_reuse() {
    let dir = TempDir::new("reuse");
    let sb = Sandbox::start(Options {
        state_dir: dir.0.clone(),
        orders: 7,
        rate_limit_per_minute: 77,
        ..Default::default()
    })
    .expect("start");
    let info = sb.info().clone();
    let obj = info.as_object().expect("object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    let mut want = KEYS.to_vec();
    want.sort();
    assert_eq!(keys, want, "exactly the documented keys");
    let on_disk: Value =
        serde_json::from_slice(&std::fs::read(sb.json_path()).expect("read")).expect("json");
    assert_eq!(on_disk, info);
    assert!(sb.json_path().is_absolute());
    for k in [
        "ca_cert",
        "merchant_private_key",
        "wechatpay_public_key",
        "platform_certificate",
        "client_config",
    ] {
        let p = std::path::Path::new(info[k].as_str().expect("path"));
        assert!(p.is_absolute() && p.exists(), "{k}");
    }
    assert!(info["wechatpay_public_key_id"]
        .as_str()
        .expect("id")
        .starts_with("PUB_KEY_ID_"));
    assert!(info["wechatpay_public_key_id"].as_str().expect("id")[11..]
        .bytes()
        .all(|b| b.is_ascii_digit()));
    let ms = info["merchant_serial_no"].as_str().expect("s");
    assert!(
        ms.len() == 40
            && ms
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    );
    let k = info["apiv3_key"].as_str().expect("k");
    assert!(k.len() == 32 && k.bytes().all(|b| b.is_ascii_alphanumeric()));
    let key_pem =
        std::fs::read_to_string(info["merchant_private_key"].as_str().expect("p")).expect("pem");
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
    let orders = info["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 7);
    let mut mchids: Vec<&str> = orders
        .iter()
        .map(|o| o["mchid"].as_str().expect("m"))
        .collect();
    mchids.dedup();
    assert_eq!(mchids.len(), 7);
    assert!(!mchids.contains(&info["mchid"].as_str().expect("m")));
    for o in orders {
        assert!(o["bal_account_no"]
            .as_str()
            .expect("b")
            .bytes()
            .all(|b| b.is_ascii_digit()));
    }
    let client: Value = serde_json::from_slice(
        &std::fs::read(info["client_config"].as_str().expect("p")).expect("read"),
    )
    .expect("json");
    assert_eq!(client["base_url"], info["primary_url"]);
    assert_eq!(client["backup_url"], info["backup_url"]);
    assert_eq!(client["ca_cert"], info["ca_cert"]);
    assert_eq!(client["rate_limit_per_minute"], 77);
    for k in [
        "mchid",
        "merchant_serial_no",
        "merchant_private_key",
        "wechatpay_public_key_id",
        "wechatpay_public_key",
        "apiv3_key",
    ] {
        assert_eq!(client[k], info[k], "{k}");
    }
    drop(sb);

    let sb2 = Sandbox::start(Options {
        state_dir: dir.0.clone(),
        orders: 7,
        ..Default::default()
    })
    .expect("restart");
    let info2 = sb2.info().clone();
    for k in [
        "merchant_serial_no",
        "wechatpay_public_key_id",
        "platform_certificate_serial",
        "apiv3_key",
        "mchid",
        "orders",
    ] {
        assert_eq!(info[k], info2[k], "{k} reused");
    }
    let client2: Value = serde_json::from_slice(
        &std::fs::read(info2["client_config"].as_str().expect("p")).expect("read"),
    )
    .expect("json");
    assert_eq!(client2["base_url"], info2["primary_url"]);
    // The old key still works against the new instance.
    let c = Client::new(&info2);
    assert_eq!(c.recover(&c.recover_body(0, "OUT-REUSE")).status, 200);
    sb2.shutdown();
}

#[test]
fn concurrent_sandboxes_are_independent() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let e = start(&format!("conc{i}"));
                let r = e.c.recover(&e.c.recover_body(0, "OUT-C"));
                assert_eq!(r.status, 200);
                e.c.verify(&r).expect("sig");
                assert_eq!(e.sb.stats()["recovers_accepted"], 1);
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread");
    }
}

type Received = (Vec<(String, String)>, Vec<u8>);

/// A receiver that answers 500 to the first `fail_first` notifications, then 204.
fn receiver(fail_first: usize) -> (String, mpsc::Receiver<Received>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/wx/notify", l.local_addr().expect("addr"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut n = 0;
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            s.set_read_timeout(Some(Duration::from_secs(10))).ok();
            let mut buf = Vec::new();
            let mut tmp = [0u8; 8192];
            let (head_end, len) = loop {
                let k = match s.read(&mut tmp) {
                    Ok(0) | Err(_) => break (0, 0),
                    Ok(k) => k,
                };
                buf.extend_from_slice(&tmp[..k]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    break (i + 4, len);
                }
            };
            if head_end == 0 {
                continue;
            }
            while buf.len() < head_end + len {
                match s.read(&mut tmp) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => buf.extend_from_slice(&tmp[..k]),
                }
            }
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let headers = head
                .split("\r\n")
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect();
            let body = buf[head_end..].to_vec();
            n += 1;
            let reply: &[u8] = if n <= fail_first {
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            } else {
                b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
            };
            let _ = s.write_all(reply);
            let _ = tx.send((headers, body));
        }
    });
    (url, rx)
}

#[test]
fn notifications_are_signed_encrypted_and_retried() {
    let (url, rx) = receiver(1);
    let e = start_with("notify", |o| o.notify_url = Some(url.clone()));
    let c = &e.c;
    let r = c.recover(&c.recover_body(0, "OUT-N"));
    assert_eq!(r.status, 200);
    let final_q = wait_final(c, "OUT-N", c.order(0)["mchid"].as_str().expect("m"));
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("first attempt");
    let second = rx.recv_timeout(Duration::from_secs(10)).expect("retry");
    for (headers, body) in [first, second] {
        let resp = Resp {
            status: 200,
            headers,
            body,
        };
        c.verify(&resp).expect("notification signature");
        let v = resp.json();
        assert_eq!(v["event_type"], "RECOVER.SUCCESS");
        assert_eq!(v["resource_type"], "encrypt-resource");
        assert!(v["id"].is_string() && v["create_time"].is_string() && v["summary"].is_string());
        let res = &v["resource"];
        assert_eq!(res["algorithm"], "AEAD_AES_256_GCM");
        assert_eq!(res["associated_data"], "recover_order");
        assert_eq!(res["original_type"], "recover_order");
        let data =
            openssl::base64::decode_block(res["ciphertext"].as_str().expect("ct")).expect("b64");
        let (ct, tag) = data.split_at(data.len() - 16);
        let pt = openssl::symm::decrypt_aead(
            openssl::symm::Cipher::aes_256_gcm(),
            e.sb.info()["apiv3_key"].as_str().expect("k").as_bytes(),
            Some(res["nonce"].as_str().expect("n").as_bytes()),
            b"recover_order",
            ct,
            tag,
        )
        .expect("decrypt");
        let plain: Value = serde_json::from_slice(&pt).expect("json");
        assert_eq!(plain, final_q["recover_order"]);
    }
    for _ in 0..100 {
        if e.sb.stats()["notifications_delivered"] == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(e.sb.stats()["notifications_delivered"], 1);

    // A failed recover notifies RECOVER.FAILED.
    assert_eq!(c.recover(&c.recover_body(9, "OUT-NF")).status, 200);
    let (_, body) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("failed notification");
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["event_type"], "RECOVER.FAILED");
}

#[test]
fn bad_notify_url_is_refused() {
    let dir = TempDir::new("badurl");
    let r = Sandbox::start(Options {
        state_dir: dir.0.clone(),
        orders: 1,
        notify_url: Some("ftp://x".into()),
        ..Default::default()
    });
    assert!(r.is_err());
    assert!(
        Sandbox::start(Options::default()).is_err(),
        "state_dir required"
    );
}

#[test]
fn binary_prints_ready_and_exits_on_sigterm() {
    let dir = TempDir::new("bin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wx-sandbox"))
        .args([
            "--state-dir",
            dir.0.to_str().expect("utf8"),
            "--orders",
            "5",
            "--recover-delay-ms",
            "50",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("ready line");
    let path = line
        .trim()
        .strip_prefix("ready ")
        .expect("ready prefix")
        .to_string();
    assert!(std::path::Path::new(&path).is_absolute());
    assert!(path.ends_with("sandbox.json"));
    let info: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    assert_eq!(info["orders"].as_array().expect("o").len(), 5);
    let c = Client::new(&info);
    let r = c.recover(&c.recover_body(0, "OUT-BIN"));
    assert_eq!(r.status, 200);
    c.verify(&r).expect("sig");
    let pid = child.id() as libc::pid_t;
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "exit status {status:?}");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert!(
        err.contains("[primary] POST /v3/aggracct-bc/wb-channel/control-orders/recover -> 200"),
        "{err}"
    );
    assert!(err.contains("Request-ID="));
    // No secrets in the log.
    let key = info["apiv3_key"].as_str().expect("k");
    assert!(!err.contains(key));
    assert!(!err.contains("WECHATPAY2-SHA256-RSA2048 mchid"));
    assert!(!err.contains(info["orders"][0]["bal_account_no"].as_str().expect("b")));
}

#[test]
fn binary_rejects_bad_args() {
    let st = Command::new(env!("CARGO_BIN_EXE_wx-sandbox"))
        .arg("--orders")
        .arg("x")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run");
    assert_eq!(st.code(), Some(2));
    let st = Command::new(env!("CARGO_BIN_EXE_wx-sandbox"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run");
    assert_eq!(st.code(), Some(2));
}

#[test]
fn admin_subcommands_set_rate_limits_and_install_a_blackhole() {
    let e = start("cli");
    let env_file = e.dir.0.join("sandbox.env");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_wx-sandbox"))
            .args(args)
            .args(["--env-file", env_file.to_str().expect("utf8")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run")
            .code()
    };
    let limits = |e: &Env| {
        let r = e.sb.stats()["rate"].clone();
        ["recover", "query", "certificates"].map(|a| r[a]["limit"].as_u64().expect("limit"))
    };
    assert_eq!(run(&["rate-limit", "7"]), Some(0));
    assert_eq!(limits(&e), [7, 7, 7]);
    assert_eq!(run(&["rate-limit", "9", "--api", "query"]), Some(0));
    assert_eq!(limits(&e), [7, 9, 7]);
    assert_eq!(run(&["rate-limit", "4", "--api", "punish"]), Some(0));
    assert_eq!(e.sb.stats()["rate"]["punish"]["limit"], 4);
    assert_eq!(run(&["fault", "delay", "--path", "punish"]), Some(0));
    assert_eq!(run(&["fault", "delay", "--path", "punishes"]), Some(2));
    for bad in [
        &["rate-limit"][..],
        &["rate-limit", "x"],
        &["rate-limit", "-1"],
        &["rate-limit", "5", "--api", "notify"],
        &["rate-limit", "5", "--listener", "primary"],
        &["fault", "blackhole", "--api", "query"],
        &["reset", "--api", "query"],
    ] {
        assert_eq!(run(bad), Some(2), "{bad:?}");
    }
    assert_eq!(limits(&e), [7, 9, 7]);
    assert_eq!(
        run(&["fault", "blackhole", "3", "--listener", "primary"]),
        Some(0)
    );
    assert_eq!(e.sb.stats()["faults_pending"], 2);
    assert_eq!(run(&["reset"]), Some(0));
    assert_eq!(e.sb.stats()["faults_pending"], 0);
    assert_eq!(
        limits(&e),
        [200, 200, 200],
        "reset restores the start limit"
    );
}
