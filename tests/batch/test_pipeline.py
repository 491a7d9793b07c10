"""`batch --wait` at the platform's limits: recovers and their follow-up queries run as one
pipeline, each endpoint in its own bucket, and the terminal line tells the truth about the quota.

One batch of 30 orders runs in a real terminal (tmux) against a sandbox that allows 20 recovers
and 30 queries a minute, as the client is configured too: the first 20 recovers go at once, the
last 10 wait a minute for recover slots. The tests below read that one run: the sandbox's
request log (the order in which it answered requests), its rate counters, the report, and the
screens captured while it ran. Nothing here times the run: the benchmark (bench/batch_pipeline.py)
judges speed."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conftest import Sandbox, assert_no_plaintext, read_report, row_for, seconds_of, tmux_run, write_csv

N, RECOVERS, QUERIES = 30, 20, 30
WIDTH = 240
BAR = re.compile(
    r"batch +(?P<pct>\d+)%\|[█▏▎▍▌▋▊▉ ]{10}\| accepted +(?P<accepted>\d+)/30 · settled +(?P<settled>\d+)/30 · "
    r"ETA +(?P<eta>\S+) · succeeded +\d+ · failed +\d+ · refused +\d+ · in doubt +\d+ · "
    r"recover +(?P<recover_rate>\d+)/min of 20, slot in +(?P<recover_slot>\S+) · "
    r"query +(?P<query_rate>\d+)/min of 30, slot in +(?P<query_slot>\S+) · elapsed \d+:\d+")


@pytest.fixture(scope="module")
def limited_run(tmp_path_factory) -> Dict[str, Any]:
    tmp = tmp_path_factory.mktemp("pipeline")
    sb = Sandbox(orders=N, rate_per_minute=RECOVERS, recover_delay_ms=200)
    try:
        sb.limit(RECOVERS, "recover")
        sb.limit(QUERIES, "query")
        config = sb.write_config(tmp / "client.json", rate_limit_recover_per_minute=RECOVERS,
                                 rate_limit_query_per_minute=QUERIES)
        t = uuid.uuid4().hex[:8].upper()
        rows = [row_for(o, f"P{t}-{i}") for i, o in enumerate(sb.orders)]
        orders = write_csv(tmp / "orders.csv", rows)
        report = tmp / "report.csv"
        screens = tmux_run(tmp, ["batch", str(orders), "--config", config, "--journal", str(tmp / "j.sqlite"),
                                 "--report", str(report), "--wait"], width=WIDTH, seconds=150)
        yield {"sandbox": sb, "rows": rows, "screens": screens, "report": report, "tmp": tmp,
               "arrivals": sb.arrivals(), "rate": sb.stats()["rate"], "recovers": sb.recovers()}
    finally:
        sb.stop()


def exit_status(screen: str) -> int:
    m = re.search(r"^EXIT=(\d+)$", screen, re.M)
    assert m, screen
    return int(m.group(1))


def test_wait_queries_orders_while_later_recovers_still_wait_for_their_slots(limited_run):
    final = limited_run["screens"][-1]
    failed = sum(1 for o in limited_run["sandbox"].orders if o["outcome"] == "FAILED")
    assert exit_status(final) == (10 if failed else 0), final
    arrivals = limited_run["arrivals"]
    accepted = [i for i, a in enumerate(arrivals) if a == "recover 200"]
    queries = [i for i, a in enumerate(arrivals) if a.startswith("query ")]
    assert len(accepted) == N, arrivals
    # The last ten recovers waited a minute for recover slots; the first twenty orders were
    # followed meanwhile, each as soon as the platform could have finished it.
    before_last = [i for i in queries if i < accepted[-1]]
    assert len(before_last) >= RECOVERS, (
        f"only {len(before_last)} queries reached the sandbox before the last recover was accepted: {arrivals}")
    # Every order's first query came after its own acceptance.
    assert queries[0] > accepted[0]


def test_wait_at_the_limits_gets_no_429_and_settles_every_order(limited_run):
    rate = limited_run["rate"]
    assert rate["recover"]["throttled"] == 0 and rate["query"]["throttled"] == 0, rate
    assert rate["recover"]["busiest_window"] <= RECOVERS and rate["query"]["busiest_window"] <= QUERIES, rate
    assert rate["recover"]["arrivals"] == N, rate
    # One query per order when the platform is quick; never a loop of them.
    assert N <= rate["query"]["arrivals"] <= 1.5 * N, rate
    report = read_report(limited_run["report"])
    records = {r["out_request_no"]: r for r in limited_run["recovers"]}
    assert len(report) == N
    for line, row in zip(report, limited_run["rows"]):
        rec = records[row["out_request_no"]]
        assert line["state"] == {"SUCCESS": "SUCCEEDED", "FAILED": "FAILED"}[rec["state"]], (line, rec)
        assert line["wxpay_recover_no"] == rec["wxpay_recover_no"]


def bar_lines(screens: List[str]) -> List[str]:
    return [line.rstrip() for s in screens for line in s.splitlines() if line.startswith("batch ")]


def test_the_terminal_line_shows_both_phases_and_the_quota_at_a_steady_width(limited_run):
    screens = limited_run["screens"]
    final = screens[-1]
    lines = bar_lines(screens[:-1])
    assert lines, "no progress line was seen:\n" + "\n---\n".join(screens[-3:])
    for line in lines:
        assert BAR.fullmatch(line), line
        assert "--" not in line, line
    assert len({len(line) for line in lines}) == 1, "the line changed width:\n" + "\n".join(sorted(set(lines)))
    frames = [BAR.fullmatch(line).groupdict() for line in lines]  # type: ignore[union-attr]
    waiting = [f for f in frames if int(f["accepted"]) < N]
    assert waiting, "no frame while recovers waited for slots"
    for f in frames:
        # Never more than the quota, even while the first twenty go out at once.
        assert int(f["recover_rate"]) <= RECOVERS and int(f["query_rate"]) <= QUERIES, f
    for f in waiting:
        eta, slot = seconds_of(f["eta"]), seconds_of(f["recover_slot"])
        # While recovers wait for the quota the ETA is at least the wait for the next slot,
        # never the "1s" a burst's pace would give.
        assert eta > 1 and eta >= slot, f
    # The quota's wait is shown while it lasts: a minute from the first burst.
    assert any(seconds_of(f["recover_slot"]) >= 30 for f in waiting), frames[:3]
    # Both phases on one line, and orders settled while recovers still waited.
    assert any(int(f["settled"]) > 0 for f in waiting), frames
    assert re.search(r"^batch 100%\|█{10}\| accepted 30/30 · settled 30/30 · ETA +0s ", final, re.M), final
    assert len(bar_lines([final])) == 1, final
    # The frames as captured, for docs/operators.md.
    out = Path(os.environ.get("WX_BATCH_CAPTURE_DIR") or limited_run["tmp"])
    out.mkdir(parents=True, exist_ok=True)
    live = [s for s in screens[:-1] if any(BAR.fullmatch(line) and "accepted 20/30" in line for line in bar_lines([s]))]
    (out / "progress-waiting.txt").write_text(live[len(live) // 2] if live else screens[len(screens) // 2])
    (out / "progress-final.txt").write_text(final)
    assert_no_plaintext("\n".join(screens), limited_run["sandbox"].orders)


def test_an_order_still_executing_is_asked_again_with_a_backoff_not_in_a_loop(tmp_path):
    # The platform takes 3 s to finish each recover: the first queries find it EXECUTING.
    sb = Sandbox(orders=6, rate_per_minute=0, recover_delay_ms=3000)
    try:
        rows = [row_for(o, f"E{uuid.uuid4().hex[:8].upper()}-{i}") for i, o in enumerate(sb.orders)]
        orders = write_csv(tmp_path / "orders.csv", rows)
        report = tmp_path / "report.csv"
        from conftest import run_cli

        p = run_cli("batch", str(orders), "--config", sb.config_path, "--journal", str(tmp_path / "j.sqlite"),
                    "--report", str(report), "--wait", "--workers", "2")
        err = p.stderr.decode()
        assert p.returncode == (10 if any(o["outcome"] == "FAILED" for o in sb.orders) else 0), err
        assert all(r["state"] in ("SUCCEEDED", "FAILED") for r in read_report(report)), err
        arrivals = sb.arrivals()
        queries = [a for a in arrivals if a.startswith("query ")]
        # Some orders were asked while executing and asked again; none more than four times
        # (1 s, then the learned execution time and a doubling backoff), where a loop would
        # have asked hundreds of times in 3 s.
        assert len(queries) > len(rows), arrivals
        assert len(queries) <= 4 * len(rows), arrivals
    finally:
        sb.stop()
