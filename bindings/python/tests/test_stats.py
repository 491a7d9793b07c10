"""Client.stats() against the real sandbox: per-endpoint counters after real calls and faults,
the breaker and quota store state, and the Prometheus text the helper writes."""

from __future__ import annotations

import dataclasses
import re
from typing import Dict, List, Tuple

import pytest

import wx_recover
from wx_recover import ClientStats, EndpointStats, RateLimited, UnverifiedResponse
from wx_recover._tables import ENDPOINT_STATS

ZERO = EndpointStats()


@pytest.fixture
def recovered(sandbox):
    """A freshly recovered order (out_request_no, mchid), submitted by a client of its own."""
    order = sandbox.take_order()
    req = sandbox.request_for(order)
    with sandbox.client() as c:
        c.submit(**req)
    return req["out_request_no"], order["mchid"]


def test_a_new_client_has_zero_counters_and_a_closed_breaker(sandbox):
    with sandbox.client() as c:
        s = c.stats()
    assert isinstance(s, ClientStats)
    assert s.recover == ZERO and s.query == ZERO and s.certificates == ZERO
    assert s.active_host == "primary"
    assert s.breaker == "closed"  # the sandbox config names a backup, so the breaker runs
    assert s.backup_down is False
    assert s.quota_store == "local"
    assert s.quota_store_healthy is True
    assert s.quota_store_errors == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.breaker = "open"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.query.requests = 5  # type: ignore[misc]


def test_submit_and_query_count_requests_and_attempts_per_endpoint(sandbox):
    order = sandbox.take_order()
    req = sandbox.request_for(order)
    with sandbox.client() as c:
        c.submit(**req)
        c.query(req["out_request_no"], order["mchid"])
        c.query(req["out_request_no"], order["mchid"])
        s = c.stats()
    assert s.recover == EndpointStats(requests=1, attempts=1)
    assert s.query == EndpointStats(requests=2, attempts=2)
    assert s.certificates == ZERO  # public-key mode downloads no certificates
    assert s.endpoints() == {"recover": s.recover, "query": s.query, "certificates": s.certificates}


def test_a_5xx_on_the_primary_counts_a_retry_and_a_failover_and_opens_the_breaker(faults, recovered):
    with faults.client(max_attempts=3) as c:
        faults.fault("system_error", count=1, listener="primary")
        c.query(*recovered)
        s = c.stats()
    assert s.query.requests == 1
    assert s.query.attempts == 2
    assert s.query.retries == 1
    assert s.query.failovers == 1
    assert s.breaker == "open"
    assert s.active_host == "backup"
    assert s.backup_down is False


def test_both_hosts_down_marks_the_backup_down(faults, recovered):
    cfg = dict(max_attempts=3, connect_timeout_ms=1000, timeout_ms=1000, deadline_ms=5000)
    with faults.client(**cfg) as c:
        faults.fault("down", listener="both")
        with pytest.raises(wx_recover.NetworkError):
            c.query(*recovered)
        s = c.stats()
    assert s.query.requests == 1
    assert s.query.attempts >= 2
    assert s.query.failovers >= 1
    assert s.backup_down is True
    assert s.breaker == "open"


def test_a_429_from_the_platform_counts_as_throttled_and_is_retried_on_the_same_host(faults, recovered):
    with faults.client(max_attempts=3) as c:
        faults.fault("rate_limited", count=1)
        order = c.query(*recovered)
        s = c.stats()
    assert order.out_request_no == recovered[0]
    assert s.query.throttled == 1
    assert s.query.attempts == 2 and s.query.retries == 1
    assert s.query.failovers == 0  # a 429 says nothing against the host
    assert s.breaker == "closed" and s.active_host == "primary"
    assert s.recover.throttled == 0


def test_a_429_that_exhausts_the_attempts_is_counted_each_time(faults, recovered):
    with faults.client(max_attempts=2) as c:
        faults.fault("rate_limited", count=5)
        with pytest.raises(wx_recover.WxError) as ei:
            c.query(*recovered)
        s = c.stats()
    assert ei.value.http_status == 429
    assert s.query.throttled == 2
    assert s.query.attempts == 2


def test_a_bad_signature_counts_a_verification_failure(faults, recovered):
    with faults.client(max_attempts=3) as c:
        faults.fault("bad_signature", count=1)
        with pytest.raises(UnverifiedResponse):
            c.query(*recovered)
        s = c.stats()
    assert s.query.verification_failures == 1
    assert s.query.attempts == 1  # an unverified 2xx is never retried
    assert s.recover.verification_failures == 0


def test_a_client_side_limit_refuses_the_second_call_and_counts_it(sandbox, recovered):
    with sandbox.client(rate_limit_per_minute=1, rate_limit_wait_ms=0) as c:
        c.query(*recovered)
        with pytest.raises(RateLimited) as ei:
            c.query(*recovered)
        s = c.stats()
    assert ei.value.attempts == 0
    assert s.query.requests == 2
    assert s.query.attempts == 1  # the refused call sent nothing
    assert s.query.limiter_refusals == 1
    assert s.query.limiter_waits == 0
    assert s.query.limiter_waiting == 0
    assert s.recover.limiter_refusals == 0  # buckets are per endpoint


def test_a_file_store_is_reported(sandbox, recovered, tmp_path):
    with sandbox.client(rate_limit_per_minute=100, rate_limit_store=f"file:{tmp_path / 'quota'}") as c:
        c.query(*recovered)
        s = c.stats()
    assert s.quota_store == "file"
    assert s.quota_store_healthy is True
    assert s.quota_store_errors == 0
    assert s.query.attempts == 1


def test_an_unreachable_redis_store_is_unhealthy_and_counts_errors(sandbox, recovered):
    # Port 1 on loopback refuses connections: the client falls back to its own buckets.
    cfg = dict(rate_limit_per_minute=100, rate_limit_store="redis://127.0.0.1:1/0", rate_limit_store_timeout_ms=200)
    with sandbox.client(**cfg) as c:
        c.query(*recovered)
        s = c.stats()
    assert s.quota_store == "redis"
    assert s.quota_store_healthy is False
    assert s.quota_store_errors >= 1
    assert s.query.attempts == 1 and s.query.limiter_refusals == 0


def test_stats_after_close_raise_client_closed(sandbox):
    c = sandbox.client()
    c.close()
    with pytest.raises(wx_recover.ClientClosed):
        c.stats()


# ----- Prometheus text format -----

_SAMPLE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)\Z")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|\Z)')


def _unescape(v: str) -> str:
    out, i = [], 0
    while i < len(v):
        if v[i] == "\\":
            nxt = v[i + 1]
            out.append({"n": "\n", "\\": "\\", '"': '"'}[nxt])
            i += 2
        else:
            out.append(v[i])
            i += 1
    return "".join(out)


def parse_prometheus(text: str) -> Tuple[Dict[str, Tuple[str, str]], List[Tuple[str, Dict[str, str], float]]]:
    """A strict reader of the text format the helper writes: HELP and TYPE once per family,
    before its samples; every sample belongs to the family declared last; label values
    unescaped. Returns ({family: (type, help)}, [(name, labels, value)])."""
    assert text.endswith("\n")
    families: Dict[str, Tuple[str, str]] = {}
    helps: Dict[str, str] = {}
    samples: List[Tuple[str, Dict[str, str], float]] = []
    current = None
    for line in text[:-1].split("\n"):
        assert line, "no blank lines"
        if line.startswith("# HELP "):
            name, _, help_text = line[len("# HELP "):].partition(" ")
            assert name not in helps, f"HELP twice for {name}"
            helps[name] = help_text
        elif line.startswith("# TYPE "):
            name, _, kind = line[len("# TYPE "):].partition(" ")
            assert kind in ("counter", "gauge"), line
            assert name in helps and name not in families, f"TYPE for {name} without HELP or twice"
            if kind == "counter":
                assert name.endswith("_total"), name
            families[name] = (kind, helps[name])
            current = name
        else:
            assert not line.startswith("#"), line
            m = _SAMPLE.match(line)
            assert m, f"not a sample line: {line!r}"
            name, raw_labels, value = m.group(1), m.group(2), m.group(3)
            assert name == current, f"sample {name} outside its family ({current})"
            labels: Dict[str, str] = {}
            rest = raw_labels or ""
            while rest:
                lm = _LABEL.match(rest)
                assert lm, f"bad labels in {line!r}"
                assert lm.group(1) not in labels, f"label twice in {line!r}"
                labels[lm.group(1)] = _unescape(lm.group(2))
                rest = rest[lm.end():]
            samples.append((name, labels, float(value)))
    return families, samples


def _value(samples, name, **labels) -> float:
    hits = [v for n, l, v in samples if n == name and all(l.get(k) == val for k, val in labels.items())]
    assert len(hits) == 1, f"{name} {labels}: {hits}"
    return hits[0]


# The families every release has written; the per-endpoint ones are one per counter of
# wx_endpoint_stats (wx_recover_<field>, ending in _total for a counter), so a counter the header
# adds brings its own.
SHIPPED_FAMILIES = {
    "wx_recover_requests_total": "counter",
    "wx_recover_attempts_total": "counter",
    "wx_recover_retries_total": "counter",
    "wx_recover_failovers_total": "counter",
    "wx_recover_limiter_waits_total": "counter",
    "wx_recover_limiter_refusals_total": "counter",
    "wx_recover_limiter_waiting": "gauge",
    "wx_recover_throttled_total": "counter",
    "wx_recover_verification_failures_total": "counter",
    "wx_recover_active_host": "gauge",
    "wx_recover_breaker_state": "gauge",
    "wx_recover_backup_down": "gauge",
    "wx_recover_quota_store": "gauge",
    "wx_recover_quota_store_healthy": "gauge",
    "wx_recover_quota_store_errors_total": "counter",
}
# (family, EndpointStats field) for each counter of the header's wx_endpoint_stats.
ENDPOINT_FAMILIES = [(f"wx_recover_{name}" + ("_total" if kind == "counter" else ""), name)
                     for name, _, kind, _ in ENDPOINT_STATS]
EXPECTED_FAMILIES = {**SHIPPED_FAMILIES, **{family: kind for (family, _), (_, _, kind, _) in
                                            zip(ENDPOINT_FAMILIES, ENDPOINT_STATS)}}


def test_prometheus_text_parses_and_has_every_metric_with_the_real_counts(faults, recovered):
    with faults.client(max_attempts=3, rate_limit_per_minute=2, rate_limit_wait_ms=0) as c:
        faults.fault("rate_limited", count=1)
        c.query(*recovered)  # a 429, then an answer: two attempts, the bucket is full
        with pytest.raises(RateLimited):
            c.query(*recovered)
        s = c.stats()
    text = wx_recover.prometheus_text(s, client="risk-engine", mchid=recovered[1])
    assert text == s.prometheus(client="risk-engine", mchid=recovered[1])
    families, samples = parse_prometheus(text)
    assert {name: kind for name, (kind, _) in families.items()} == EXPECTED_FAMILIES
    assert all(help_text for _, help_text in families.values())
    for _, labels, _ in samples:
        assert labels["client"] == "risk-engine" and labels["mchid"] == recovered[1]

    assert len(ENDPOINT_FAMILIES) >= 9
    for name, field in ENDPOINT_FAMILIES:
        for endpoint in ("recover", "query", "certificates"):
            assert _value(samples, name, endpoint=endpoint) == getattr(getattr(s, endpoint), field)
    assert _value(samples, "wx_recover_requests_total", endpoint="query") == 2
    assert _value(samples, "wx_recover_attempts_total", endpoint="query") == 2
    assert _value(samples, "wx_recover_throttled_total", endpoint="query") == 1
    assert _value(samples, "wx_recover_limiter_refusals_total", endpoint="query") == 1
    assert _value(samples, "wx_recover_active_host", host="primary") == 1
    assert _value(samples, "wx_recover_active_host", host="backup") == 0
    assert _value(samples, "wx_recover_breaker_state", state="closed") == 1
    for state in ("open", "half_open", "disabled"):
        assert _value(samples, "wx_recover_breaker_state", state=state) == 0
    assert _value(samples, "wx_recover_backup_down") == 0
    assert _value(samples, "wx_recover_quota_store", store="local") == 1
    assert _value(samples, "wx_recover_quota_store", store="redis") == 0
    assert _value(samples, "wx_recover_quota_store_healthy") == 1
    assert _value(samples, "wx_recover_quota_store_errors_total") == 0
    # A sample line carries the labels in a fixed order: the caller's, then the helper's.
    assert f'wx_recover_requests_total{{client="risk-engine",mchid="{recovered[1]}",endpoint="query"}} 2\n' in text


def test_prometheus_label_values_are_escaped(sandbox):
    with sandbox.client() as c:
        s = c.stats()
    tricky = 'a "quoted" back\\slash\nand newline'
    text = wx_recover.prometheus_text(s, instance=tricky)
    assert 'instance="a \\"quoted\\" back\\\\slash\\nand newline"' in text
    assert "\nand newline" not in text  # the raw newline never reaches the output
    _, samples = parse_prometheus(text)
    assert samples and all(labels["instance"] == tricky for _, labels, _ in samples)


def test_prometheus_refuses_bad_or_reserved_label_names(sandbox):
    with sandbox.client() as c:
        s = c.stats()
    for bad in ({"1abc": "x"}, {"with-dash": "x"}, {"__reserved": "x"}, {"endpoint": "x"}, {"state": "x"}):
        with pytest.raises(ValueError):
            wx_recover.prometheus_text(s, **bad)
    with pytest.raises(ValueError):
        wx_recover.prometheus_text(s, client=None)
    with pytest.raises(TypeError):
        wx_recover.prometheus_text({"recover": {}})  # type: ignore[arg-type]


def test_prometheus_text_many_writes_each_family_once(sandbox, recovered):
    with sandbox.client() as a, sandbox.client() as b:
        b.query(*recovered)
        text = wx_recover.prometheus_text_many([(a.stats(), {"client": "a"}), (b.stats(), {"client": "b"})])
        families, samples = parse_prometheus(text)
        assert set(families) == set(EXPECTED_FAMILIES)
        assert _value(samples, "wx_recover_requests_total", client="a", endpoint="query") == 0
        assert _value(samples, "wx_recover_requests_total", client="b", endpoint="query") == 1
        with pytest.raises(ValueError):
            wx_recover.prometheus_text_many([(a.stats(), {"client": "x"}), (b.stats(), {"client": "x"})])
