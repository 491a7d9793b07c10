//! The quota (per-endpoint buckets in the client, a host-wide file, a real Redis; the store
//! failing and coming back) and the circuit breaker over the two hosts, against the sandbox.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::redis::Redis;
use common::*;
use serde_json::json;
use wx_recover::{BreakerState, Client, ErrorKind, Host, Level, StoreKind};

fn logged(c: &Client) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    c.set_logger(Some((
        Level::Info,
        Arc::new(move |_, line: &str| sink.lock().unwrap().push(line.to_string())),
    )));
    lines
}

#[test]
fn queries_at_their_full_rate_leave_the_recover_budget_untouched() {
    let sb = sandbox("quota-endpoints");
    let c = client(
        &sb,
        json!({"rate_limit_per_minute": 2, "rate_limit_query_per_minute": 3}),
    );
    let mchid = order(&sb, 0)["mchid"].as_str().unwrap().to_string();
    c.submit(&request(&sb, 0, "EP-1")).expect("first recover");
    for _ in 0..3 {
        c.query("EP-1", &mchid)
            .expect("query within its own bucket");
    }
    let e = c.query("EP-1", &mchid).expect_err("fourth query");
    assert_eq!(e.kind, ErrorKind::RateLimited, "{e}");
    assert!(e.message.contains("query"), "{e}");
    // The query bucket is full; the recover bucket still has its second slot.
    c.submit(&request(&sb, 1, "EP-2")).expect("second recover");
    let e = c
        .submit(&request(&sb, 2, "EP-3"))
        .expect_err("third recover");
    assert_eq!((e.kind, e.attempts), (ErrorKind::RateLimited, 0), "{e}");
    let s = c.stats();
    assert_eq!((s.recover.requests, s.recover.attempts), (3, 2));
    assert_eq!((s.query.requests, s.query.attempts), (4, 3));
    assert_eq!(
        (s.recover.limiter_refusals, s.query.limiter_refusals),
        (1, 1)
    );
    assert_eq!(s.quota_store, StoreKind::Local);
}

#[test]
fn two_clients_naming_one_file_share_its_buckets() {
    let sb = sandbox("quota-file");
    let dir = temp_dir("quota-file-store");
    std::fs::create_dir_all(&dir).unwrap();
    let store = format!("file:{}", dir.join("quota").display());
    let cfg = json!({"rate_limit_per_minute": 3, "rate_limit_store": store});
    let a = client(&sb, cfg.clone());
    let b = client(&sb, cfg);
    a.submit(&request(&sb, 0, "FS-1")).expect("a 1");
    a.submit(&request(&sb, 1, "FS-2")).expect("a 2");
    b.submit(&request(&sb, 2, "FS-3")).expect("b 1");
    let e = b
        .submit(&request(&sb, 3, "FS-4"))
        .expect_err("fourth in the shared bucket");
    assert_eq!(e.kind, ErrorKind::RateLimited, "{e}");
    assert!(e.message.contains("shared"), "{e}");
    assert_eq!(b.stats().quota_store, StoreKind::File);
    // Nothing secret is in the state file: bucket names, member ids and expiry times.
    let text = std::fs::read_to_string(dir.join("quota")).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    let mchid = sb.info()["mchid"].as_str().unwrap().to_string();
    assert!(
        text.lines()
            .all(|l| l.starts_with(&format!("wx-recover:{mchid}:recover "))),
        "{text}"
    );
}

#[test]
fn clients_share_redis_buckets_fall_back_when_it_dies_and_share_again_when_it_is_back() {
    let sb = sandbox("quota-redis");
    let mut redis = Redis::start("share");
    let cfg = json!({
        "rate_limit_per_minute": 4,
        "rate_limit_store": redis.url(),
        "rate_limit_store_timeout_ms": 200,
    });
    let a = client(&sb, cfg.clone());
    let b = client(&sb, cfg.clone());
    let mchid = sb.info()["mchid"].as_str().unwrap().to_string();
    let key = format!("wx-recover:{mchid}:recover");
    a.submit(&request(&sb, 0, "RS-1")).expect("a 1");
    b.submit(&request(&sb, 1, "RS-2")).expect("b 1");
    a.submit(&request(&sb, 2, "RS-3")).expect("a 2");
    assert_eq!(redis.bucket_len(&key), 3);
    b.submit(&request(&sb, 3, "RS-4")).expect("b 2");
    let e = a
        .submit(&request(&sb, 4, "RS-5"))
        .expect_err("fifth in the shared bucket");
    assert_eq!(e.kind, ErrorKind::RateLimited, "{e}");
    assert!(e.message.contains("redis://127.0.0.1"), "{e}");

    // Redis dies: the clients keep working on their own buckets and say so once.
    redis.kill();
    let lines = logged(&a);
    a.submit(&request(&sb, 5, "RS-6")).expect("on the fallback");
    a.submit(&request(&sb, 6, "RS-7")).expect("on the fallback");
    let s = a.stats();
    assert!(!s.quota_store_healthy);
    assert!(s.quota_store_errors >= 1);
    let warnings: Vec<String> = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("unreachable"))
        .cloned()
        .collect();
    assert_eq!(warnings.len(), 1, "one WARN a minute: {warnings:?}");
    assert!(warnings[0].contains("own buckets"), "{warnings:?}");

    // A client configured to refuse refuses, clearly.
    let strict = client(
        &sb,
        json!({"rate_limit_per_minute": 4, "rate_limit_store": redis.url(),
               "rate_limit_store_fallback": "fail", "rate_limit_store_timeout_ms": 200}),
    );
    let e = strict
        .submit(&request(&sb, 7, "RS-8"))
        .expect_err("store down, fail");
    assert_eq!((e.kind, e.attempts), (ErrorKind::RateLimited, 0), "{e}");
    assert!(
        e.message.contains("rate_limit_store") && e.message.contains("\"fail\""),
        "{e}"
    );
    assert!(e.retry_safe);

    // Back: after its retry pause the store is used again, by itself.
    redis.restart();
    // A client whose idle connection the restart broke reconnects at once, without falling
    // back: b last used the store before the restart.
    b.submit(&request(&sb, 10, "RS-11")).expect("b reconnects");
    assert!(b.stats().quota_store_healthy, "{:?}", b.stats());
    assert_eq!(redis.bucket_len(&key), 1);
    std::thread::sleep(Duration::from_millis(1100));
    a.submit(&request(&sb, 8, "RS-9")).expect("shared again");
    assert!(a.stats().quota_store_healthy);
    assert_eq!(
        redis.bucket_len(&key),
        2,
        "the new server holds the new slots"
    );
    assert!(lines
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("reachable again")));
    strict
        .submit(&request(&sb, 9, "RS-10"))
        .expect("strict client works again");
    assert_eq!(redis.bucket_len(&key), 3);
    // Nothing was sent twice, nothing lost: the sandbox recorded each accepted order once.
    let records = sb.recovers();
    let outs: Vec<&str> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["out_request_no"].as_str().unwrap())
        .collect();
    for n in [
        "RS-1", "RS-2", "RS-3", "RS-4", "RS-6", "RS-7", "RS-9", "RS-10", "RS-11",
    ] {
        assert_eq!(
            outs.iter().filter(|o| **o == n).count(),
            1,
            "{n} in {outs:?}"
        );
    }
    assert!(!outs.contains(&"RS-5") && !outs.contains(&"RS-8"));
}

#[test]
fn threads_of_one_client_never_exceed_the_shared_limit() {
    let sb = sandbox_with("quota-threads", |o| o.orders = 60);
    let redis = Redis::start("threads");
    let c = Arc::new(client(
        &sb,
        json!({"rate_limit_per_minute": 10, "rate_limit_store": redis.url()}),
    ));
    let refused = Arc::new(Mutex::new(0));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (c, refused) = (Arc::clone(&c), Arc::clone(&refused));
            let reqs: Vec<_> = (0..5)
                .map(|i| request(&sb, t * 5 + i, &format!("RT-{t}-{i}")))
                .collect();
            std::thread::spawn(move || {
                for r in reqs {
                    if let Err(e) = c.submit(&r) {
                        assert_eq!(e.kind, ErrorKind::RateLimited, "{e}");
                        *refused.lock().unwrap() += 1;
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(sb.recovers().as_array().unwrap().len(), 10);
    assert_eq!(*refused.lock().unwrap(), 10);
}

#[test]
fn a_429_is_retried_after_its_retry_after_and_counted() {
    use common::hostile::{submit_body, Hostile, Reply};
    let server = Hostile::start(vec![
        Reply::plain(429, r#"{"code":"FREQUENCY_LIMITED","message":"slow down"}"#)
            .header("Retry-After", "1"),
        Reply::signed(200, submit_body("RA-1")),
    ]);
    let c = server.client(json!({"max_attempts": 2}));
    let started = Instant::now();
    let acc = c
        .submit(&common::hostile::recover_request("RA-1"))
        .expect("accepted on the second attempt");
    assert_eq!(acc.attempts, 2);
    // The backoff alone is at most 100 ms; Retry-After asked for a second.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    let s = c.stats();
    assert_eq!((s.recover.throttled, s.recover.retries), (1, 1));
    assert_eq!(s.breaker, BreakerState::Disabled, "no backup configured");
}

#[test]
fn a_primary_that_never_answers_costs_the_first_call_only_and_traffic_returns_after_a_probe() {
    let sb = sandbox("breaker-blackhole");
    let c = client(
        &sb,
        json!({"timeout_ms": 1000, "deadline_ms": 10000, "breaker_probe_interval_ms": 2500}),
    );
    fault(
        &sb,
        json!({"kind": "blackhole", "listener": "primary", "count": 1000}),
    );
    let first = Instant::now();
    c.submit(&request(&sb, 0, "BH-0"))
        .expect("accepted via the backup");
    assert!(first.elapsed() >= Duration::from_millis(1000));
    let s = c.stats();
    assert_eq!(
        (s.active_host, s.breaker),
        (Host::Backup, BreakerState::Open)
    );
    let primary_before = stat(&sb, "/primary/requests");
    for i in 1..6 {
        let acc = c
            .submit(&request(&sb, i, &format!("BH-{i}")))
            .expect("via the backup");
        assert_eq!(acc.attempts, 1, "straight to the backup");
    }
    assert_eq!(
        stat(&sb, "/primary/requests"),
        primary_before,
        "no call waited on the primary"
    );
    assert_eq!(c.stats().recover.failovers, 1);

    // The primary recovers; after one probe interval a call probes it and traffic returns.
    sb.reset();
    std::thread::sleep(Duration::from_millis(2600));
    c.submit(&request(&sb, 6, "BH-6")).expect("the probe");
    assert_eq!(c.stats().breaker, BreakerState::Closed);
    let primary = stat(&sb, "/primary/requests");
    c.submit(&request(&sb, 7, "BH-7")).expect("on the primary");
    assert_eq!(stat(&sb, "/primary/requests"), primary + 1);
    assert_eq!(c.stats().active_host, Host::Primary);
}

#[test]
fn a_primary_answering_500_for_a_while_sends_calls_to_the_backup_until_it_recovers() {
    let sb = sandbox("breaker-500");
    let c = client(&sb, json!({"breaker_probe_interval_ms": 1000}));
    fault(
        &sb,
        json!({"kind": "system_error", "listener": "primary", "count": 1000}),
    );
    let mchid = order(&sb, 0)["mchid"].as_str().unwrap().to_string();
    c.submit(&request(&sb, 0, "B5-0"))
        .expect("accepted via the backup");
    for _ in 0..3 {
        c.query("B5-0", &mchid).expect("queries go to the backup");
    }
    assert_eq!(c.stats().query.attempts, 3, "no query tried the primary");
    // Still failing at the probe: the probing call moves on to the backup and succeeds.
    std::thread::sleep(Duration::from_millis(1100));
    let acc = c
        .submit(&request(&sb, 1, "B5-1"))
        .expect("probe fails, backup accepts");
    assert_eq!(acc.attempts, 2);
    assert_eq!(c.stats().breaker, BreakerState::Open);
    sb.reset();
    std::thread::sleep(Duration::from_millis(1100));
    let acc = c
        .submit(&request(&sb, 2, "B5-2"))
        .expect("the probe succeeds");
    assert_eq!(acc.attempts, 1);
    assert_eq!(c.stats().breaker, BreakerState::Closed);
}

#[test]
fn with_both_hosts_failing_a_probe_goes_through_and_concurrent_calls_fail_fast() {
    let sb = sandbox("breaker-both");
    let c = Arc::new(client(
        &sb,
        json!({"timeout_ms": 1500, "deadline_ms": 10000, "breaker_probe_interval_ms": 60000}),
    ));
    fault(
        &sb,
        json!({"kind": "delay", "ms": 60000, "listener": "both", "count": 1000}),
    );
    let e = c.submit(&request(&sb, 0, "BB-0")).expect_err("both silent");
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(c.stats().backup_down);
    // One call goes through as the probe (and waits out its timeout) ...
    let prober = {
        let (c, r) = (Arc::clone(&c), request(&sb, 1, "BB-1"));
        std::thread::spawn(move || c.submit(&r))
    };
    std::thread::sleep(Duration::from_millis(300));
    // ... and a call arriving meanwhile fails at once, having sent nothing.
    let started = Instant::now();
    let e = c.submit(&request(&sb, 2, "BB-2")).expect_err("fails fast");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((e.kind, e.attempts), (ErrorKind::Network, 0), "{e}");
    assert!(e.message.contains("circuit open") && e.retry_safe, "{e}");
    assert!(prober.join().unwrap().is_err());
    // Both hosts back: the next call is let through and succeeds; no 30-second blackout.
    sb.reset();
    c.submit(&request(&sb, 3, "BB-3"))
        .expect("a host answers again");
    assert_eq!(c.stats().breaker, BreakerState::Closed);
}
