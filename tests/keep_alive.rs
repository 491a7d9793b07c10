//! Idle connections stay invisible: the platform closes a connection left idle for about 8 s,
//! and a call after any idle pause, however close to that limit, succeeds on its first attempt
//! with no retry, no failover and no change of the breaker's state.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use wx_recover::BreakerState;

const SERVER_IDLE_CLOSE_MS: u64 = 8_000;

#[test]
fn calls_after_idle_pauses_around_the_platforms_idle_close_succeed_first_time() {
    let sb = sandbox_with("keep-alive", |o| {
        o.keep_alive_ms = SERVER_IDLE_CLOSE_MS;
        o.orders = 10;
    });
    // The client's defaults, as a user has them (pool_idle_timeout_ms 7000).
    let c = client(&sb, json!({}));
    let first = c.submit(&request(&sb, 0, "KA-0")).expect("first call");
    assert_eq!(first.attempts, 1);
    let pauses_ms = [7_900u64, 8_000, 8_100, 10_000];
    for (i, pause) in pauses_ms.iter().enumerate() {
        std::thread::sleep(Duration::from_millis(*pause));
        let no = format!("KA-{}", i + 1);
        let acc = c
            .submit(&request(&sb, i + 1, &no))
            .unwrap_or_else(|e| panic!("submit after {pause} ms idle: {e}"));
        assert_eq!(acc.attempts, 1, "submit after {pause} ms idle took a retry");
        let order = c
            .query(&no, &acc_mchid(&sb, i + 1))
            .unwrap_or_else(|e| panic!("query right after: {e}"));
        assert_eq!(order.attempts, 1);
    }
    let s = c.stats();
    assert_eq!((s.recover.retries, s.query.retries), (0, 0), "{s:?}");
    assert_eq!((s.recover.failovers, s.query.failovers), (0, 0), "{s:?}");
    assert_eq!(s.breaker, BreakerState::Closed, "{s:?}");

    // The limit is real: a connection the client keeps past it is closed by the server.
    let holder = client(&sb, json!({"pool_idle_timeout_ms": 60_000}));
    holder.query("KA-0", &acc_mchid(&sb, 0)).expect("query");
    let closed_before = idle_closed(&sb);
    std::thread::sleep(Duration::from_millis(SERVER_IDLE_CLOSE_MS + 700));
    assert!(
        idle_closed(&sb) > closed_before,
        "the sandbox did not close an idle connection: {}",
        sb.stats()
    );
}

fn acc_mchid(sb: &wx_sandbox::Sandbox, i: usize) -> String {
    order(sb, i)["mchid"].as_str().expect("mchid").to_string()
}

fn idle_closed(sb: &wx_sandbox::Sandbox) -> u64 {
    let s = sb.stats();
    s["primary"]["idle_closed"].as_u64().unwrap_or(0)
        + s["backup"]["idle_closed"].as_u64().unwrap_or(0)
}
