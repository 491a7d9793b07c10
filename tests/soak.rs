//! Exactly-once under faults: thousands of recovers from eight threads through one client while
//! the sandbox misbehaves at random, then a reconciliation against the sandbox's own records.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use wx_recover::{Error, ErrorKind};

/// 2,000 in `make test`; `make soak` sets WX_SOAK_RECOVERS for a longer run.
fn recovers() -> usize {
    std::env::var("WX_SOAK_RECOVERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n >= 100)
        .unwrap_or(2000)
}
const THREADS: usize = 8;
const LISTENERS: [&str; 2] = ["primary", "both"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: plenty for choosing faults.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Default)]
struct Tally {
    accepted_first_try: usize,
    settled_by_reentry: usize,
    outcomes_by_kind: HashMap<String, usize>,
}

#[test]
fn soak_every_recover_lands_exactly_once() {
    let recovers = recovers();
    let sb = sandbox_with("soak", |o| {
        o.orders = recovers;
        o.recover_delay_ms = 50;
    });
    let c = client(
        &sb,
        json!({"timeout_ms": 800, "max_attempts": 3, "deadline_ms": 5000}),
    );
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
        | 1;
    println!("soak seed {seed}");

    let storm = AtomicBool::new(true);
    let injected = std::sync::atomic::AtomicUsize::new(0);
    // out_request_no -> wxpay_recover_no the client reported (first try or after settlement).
    let reported: Mutex<HashMap<String, String>> = Mutex::new(HashMap::new());
    // Request-IDs of every answer the client called a success.
    let success_ids: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let unknown: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    let tally = Mutex::new(Tally::default());
    let note = |kind: String| {
        *tally
            .lock()
            .unwrap()
            .outcomes_by_kind
            .entry(kind)
            .or_default() += 1
    };

    std::thread::scope(|s| {
        // The storm: a random fault every few milliseconds while the workers run.
        s.spawn(|| {
            let mut rng = Rng(seed);
            let kinds = [
                "system_error",
                "reset",
                "reset_after_accept",
                "delay",
                "bad_signature",
                "signtest",
                "stale_timestamp",
                "wrong_serial",
                "non_json",
                "huge_body",
                "rate_limited",
                "down",
            ];
            let mut n = 0usize;
            while storm.load(Ordering::SeqCst) {
                // Keep a few faults pending, not a backlog: most calls should meet calm weather.
                if sb.stats()["faults_pending"].as_u64().unwrap_or(0) >= 2 {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                // Every kind in turn, so each is injected; listener and timing at random.
                // Backup-only faults would wait for a failover that may never come, so faults
                // meet the primary or both listeners.
                let kind = kinds[n % kinds.len()];
                n += 1;
                let f = match kind {
                    "down" => json!({"kind": "down", "listener": "primary", "ms": 150}),
                    "delay" => json!({"kind": "delay", "ms": 1200, "count": 1}),
                    _ => json!({"kind": kind, "count": 1, "listener": LISTENERS[rng.below(2) as usize]}),
                };
                sb.inject(f).expect("fault accepted");
                std::thread::sleep(Duration::from_millis(10 + rng.below(30)));
            }
            injected.store(n, Ordering::SeqCst);
        });

        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (c, sb, reported, unknown, tally, note, success_ids) =
                    (&c, &sb, &reported, &unknown, &tally, &note, &success_ids);
                s.spawn(move || {
                    for i in (t..recovers).step_by(THREADS) {
                        let req = request(sb, i, &format!("SOAK-{i}"));
                        match c.submit(&req) {
                            Ok(acc) => {
                                note("accepted".into());
                                tally.lock().unwrap().accepted_first_try += 1;
                                success_ids.lock().unwrap().extend(acc.request_id.clone());
                                reported
                                    .lock()
                                    .unwrap()
                                    .insert(acc.out_request_no, acc.wxpay_recover_no);
                            }
                            Err(e) => {
                                note(format!("{:?}", e.kind));
                                assert!(
                                    e.retry_safe,
                                    "only retry-safe failures are expected under these faults: {e}"
                                );
                                unknown.lock().unwrap().push(i);
                            }
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("worker");
        }
        storm.store(false, Ordering::SeqCst);
    });

    // Calm weather: settle every unknown outcome by re-submitting the same out_request_no.
    sb.reset();
    let settle_deadline = Instant::now() + Duration::from_secs(60);
    for i in unknown.lock().unwrap().iter().copied() {
        let req = request(&sb, i, &format!("SOAK-{i}"));
        let acc = loop {
            match c.submit(&req) {
                Ok(acc) => break acc,
                Err(Error {
                    retry_safe: true, ..
                }) if Instant::now() < settle_deadline => continue,
                Err(e) => panic!("settling SOAK-{i}: {e}"),
            }
        };
        tally.lock().unwrap().settled_by_reentry += 1;
        success_ids.lock().unwrap().extend(acc.request_id.clone());
        reported
            .lock()
            .unwrap()
            .insert(acc.out_request_no, acc.wxpay_recover_no);
    }

    // Reconcile against the sandbox.
    let reported = reported.into_inner().unwrap();
    let records = sb.recovers();
    let records = records.as_array().expect("records");
    let mut per_order: HashSet<String> = HashSet::new();
    let mut by_number: HashMap<String, String> = HashMap::new();
    for r in records {
        let order = r["related_wxpay_punish_no"]
            .as_str()
            .expect("order")
            .to_string();
        assert!(
            per_order.insert(order.clone()),
            "control order {order} has two recovers"
        );
        by_number.insert(
            r["out_request_no"].as_str().expect("no").into(),
            r["wxpay_recover_no"].as_str().expect("wx no").into(),
        );
    }
    assert_eq!(
        reported.len(),
        recovers,
        "every recover was reported accepted in the end"
    );
    assert_eq!(
        records.len(),
        recovers,
        "the sandbox holds exactly one recover per order"
    );
    for (no, wx) in &reported {
        assert_eq!(
            by_number.get(no),
            Some(wx),
            "{no}: reported number differs from the platform's"
        );
    }
    // Settlement really was re-entry: no order recovered under a second number.
    let e = c.submit(&{
        let mut r = request(&sb, 0, "SOAK-second-number");
        r.recover_reason = None;
        r
    });
    assert_eq!(
        e.map_err(|e| (e.kind, e.code)).err(),
        Some((ErrorKind::Api, Some("ALREADY_EXISTS".into())))
    );

    // Never a success on an answer whose signature a fault spoiled.
    let spoiled: HashSet<String> = sb.spoiled_request_ids().into_iter().collect();
    let success_ids = success_ids.into_inner().unwrap();
    assert_eq!(
        success_ids.len(),
        recovers,
        "every success carries its Request-ID"
    );
    for id in &success_ids {
        assert!(
            !spoiled.contains(id),
            "success reported on spoiled answer {id}"
        );
    }
    println!(
        "soak: {} spoiled answers, none reported as success",
        spoiled.len()
    );

    let t = tally.into_inner().unwrap();
    let mut kinds: Vec<_> = t.outcomes_by_kind.into_iter().collect();
    kinds.sort();
    println!(
        "soak tally: {recovers} recovers, {} accepted on first call, {} settled by re-entry; first-call outcomes {:?}; sandbox stats {}",
        t.accepted_first_try,
        t.settled_by_reentry,
        kinds,
        sb.stats()
    );
    let injected = injected.load(Ordering::SeqCst);
    println!("soak: {injected} faults injected");
    assert!(
        injected >= 12,
        "every fault kind must be injected at least once ({injected} injected)"
    );
    assert!(
        t.settled_by_reentry > 0,
        "the storm should have produced unknown outcomes to settle"
    );
}
