"""A client's counters and state (:meth:`Client.stats`), and their Prometheus text form.

The counters live in the C library (``wx_recover_stats``); these classes only hold a snapshot
of them. See docs/stats.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

__all__ = ["ClientStats", "EndpointStats", "prometheus_text", "prometheus_text_many"]

# The C enums' values (wx_host, wx_breaker_state, wx_quota_store) and their names here.
HOSTS = ("primary", "backup")
BREAKER_STATES = ("closed", "open", "half_open", "disabled")
QUOTA_STORES = ("local", "file", "redis")
ENDPOINTS = ("recover", "query", "certificates")


def _name(names: Sequence[str], value: int) -> str:
    """The name of a C enum value; "unknown" for a value a newer library may add."""
    return names[value] if 0 <= value < len(names) else "unknown"


@dataclass(frozen=True)
class EndpointStats:
    """One endpoint's counters since the client was created. ``limiter_waiting`` is a gauge
    (calls waiting for a slot right now); every other field only grows."""

    #: Calls (one call may make several attempts).
    requests: int = 0
    #: HTTP requests sent, retries included.
    attempts: int = 0
    #: Attempts after the first of a call.
    retries: int = 0
    #: Attempts sent to the other host than the call's previous attempt.
    failovers: int = 0
    #: Attempts that had to wait for a client-side rate-limit slot.
    limiter_waits: int = 0
    #: Calls refused because no slot freed in time (RateLimited; nothing was sent).
    limiter_refusals: int = 0
    #: Calls waiting for a slot right now.
    limiter_waiting: int = 0
    #: 429 (FREQUENCY_LIMITED) answers received from the platform.
    throttled: int = 0
    #: 2xx answers that failed verification (signature, serial, replay window).
    verification_failures: int = 0


@dataclass(frozen=True)
class ClientStats:
    """A snapshot of one client's counters (per endpoint) and of its breaker and quota store.

    The counters are read one by one, so a snapshot taken while calls run may be off by the
    calls in flight."""

    recover: EndpointStats
    query: EndpointStats
    certificates: EndpointStats
    #: Where the next call goes: "primary" or "backup".
    active_host: str
    #: The circuit breaker: "closed", "open", "half_open" or "disabled".
    breaker: str
    #: True when the backup host is marked failed too.
    backup_down: bool
    #: Where the rate-limit buckets live: "local", "file" or "redis".
    quota_store: str
    #: False while a shared store is unreachable and the client runs on its own buckets.
    quota_store_healthy: bool
    #: Failed calls to the shared store.
    quota_store_errors: int

    def endpoints(self) -> Dict[str, EndpointStats]:
        """The three endpoints' counters by name ("recover", "query", "certificates")."""
        return {name: getattr(self, name) for name in ENDPOINTS}

    def prometheus(self, **labels: Any) -> str:
        """This snapshot in the Prometheus text format; see :func:`prometheus_text`."""
        return prometheus_text_many([(self, labels)])


def stats_from_c(raw: Any) -> ClientStats:
    """A ClientStats from a filled ``wx_stats`` ctypes structure."""

    def endpoint(e: Any) -> EndpointStats:
        return EndpointStats(**{f.name: int(getattr(e, f.name)) for f in fields(EndpointStats)})

    return ClientStats(
        recover=endpoint(raw.recover),
        query=endpoint(raw.query),
        certificates=endpoint(raw.certificates),
        active_host=_name(HOSTS, int(raw.active_host)),
        breaker=_name(BREAKER_STATES, int(raw.breaker)),
        backup_down=bool(raw.backup_down),
        quota_store=_name(QUOTA_STORES, int(raw.quota_store)),
        quota_store_healthy=bool(raw.quota_store_healthy),
        quota_store_errors=int(raw.quota_store_errors),
    )


# ----- Prometheus text format (version 0.0.4) -----

# (metric name, type, help, EndpointStats field): one sample per endpoint.
_ENDPOINT_METRICS = (
    ("wx_recover_requests_total", "counter", "Calls made, per endpoint (a call may make several attempts).", "requests"),
    ("wx_recover_attempts_total", "counter", "HTTP requests sent, retries included.", "attempts"),
    ("wx_recover_retries_total", "counter", "Attempts after the first of a call.", "retries"),
    ("wx_recover_failovers_total", "counter", "Attempts sent to the other host than the call's previous attempt.",
     "failovers"),
    ("wx_recover_limiter_waits_total", "counter", "Attempts that waited for a client-side rate-limit slot.",
     "limiter_waits"),
    ("wx_recover_limiter_refusals_total", "counter",
     "Calls refused by the client-side rate limit because no slot freed in time (nothing sent).", "limiter_refusals"),
    ("wx_recover_limiter_waiting", "gauge", "Calls waiting for a client-side rate-limit slot now.", "limiter_waiting"),
    ("wx_recover_throttled_total", "counter", "429 FREQUENCY_LIMITED answers received from the platform.",
     "throttled"),
    ("wx_recover_verification_failures_total", "counter", "2xx answers that failed verification.",
     "verification_failures"),
)

# Labels the helper sets itself; a caller's label may not reuse them.
_OWN_LABELS = ("endpoint", "host", "state", "store")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


def _escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _label_pairs(labels: Mapping[str, Any]) -> List[Tuple[str, str]]:
    pairs = []
    for name, value in labels.items():
        if not isinstance(name, str) or not _LABEL_NAME.match(name) or name.startswith("__"):
            raise ValueError(f"invalid Prometheus label name {name!r}")
        if name in _OWN_LABELS:
            raise ValueError(f"label {name!r} is set by wx_recover itself; choose another name")
        if value is None:
            raise ValueError(f"label {name!r} has no value (None)")
        pairs.append((name, str(value)))
    return pairs


def _sample(name: str, labels: Sequence[Tuple[str, str]], value: int) -> str:
    if not labels:
        return f"{name} {value}"
    inner = ",".join(f'{k}="{_escape_label_value(v)}"' for k, v in labels)
    return f"{name}{{{inner}}} {value}"


def prometheus_text(stats: ClientStats, /, **labels: Any) -> str:
    """One client's stats in the Prometheus text exposition format (version 0.0.4), with a
    ``# HELP`` and a ``# TYPE`` line per metric. ``labels`` (for example ``client="engine"``,
    ``mchid="1900000001"``) are added to every sample; values are escaped as the format
    requires. Counters end in ``_total``; ``wx_recover_limiter_waiting`` is a gauge; the
    breaker's state, the active host and the quota store are gauges that are 1 for the current
    value and 0 for the others (labels ``state``, ``host``, ``store``).

    Serve it with ``Content-Type: text/plain; version=0.0.4``. For several clients in one
    process use :func:`prometheus_text_many`, which writes each metric's header once."""
    return prometheus_text_many([(stats, labels)])


def prometheus_text_many(items: Iterable[Tuple[ClientStats, Mapping[str, Any]]]) -> str:
    """Several clients' stats in one exposition: ``items`` are (stats, labels) pairs, and the
    labels must tell the clients apart (the same label set twice is a ValueError)."""
    rows: List[Tuple[ClientStats, List[Tuple[str, str]]]] = []
    seen = set()
    for stats, labels in items:
        if not isinstance(stats, ClientStats):
            raise TypeError(f"expected ClientStats, not {type(stats).__name__}")
        pairs = _label_pairs(labels)
        key = tuple(sorted(pairs))
        if key in seen:
            raise ValueError(f"two clients with the same labels {dict(pairs)!r}: add a label that tells them apart")
        seen.add(key)
        rows.append((stats, pairs))

    out: List[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        out.append(f"# HELP {name} {_escape_help(help_text)}")
        out.append(f"# TYPE {name} {kind}")

    for name, kind, help_text, attr in _ENDPOINT_METRICS:
        family(name, kind, help_text)
        for stats, pairs in rows:
            for endpoint in ENDPOINTS:
                value = getattr(getattr(stats, endpoint), attr)
                out.append(_sample(name, pairs + [("endpoint", endpoint)], value))

    family("wx_recover_active_host", "gauge", "1 for the host the next call goes to (primary or backup), else 0.")
    for stats, pairs in rows:
        for host in HOSTS:
            out.append(_sample("wx_recover_active_host", pairs + [("host", host)], int(stats.active_host == host)))

    family("wx_recover_breaker_state", "gauge", "1 for the circuit breaker's current state, else 0.")
    for stats, pairs in rows:
        for state in BREAKER_STATES:
            out.append(_sample("wx_recover_breaker_state", pairs + [("state", state)], int(stats.breaker == state)))

    family("wx_recover_backup_down", "gauge", "1 when the backup host is marked failed too, else 0.")
    for stats, pairs in rows:
        out.append(_sample("wx_recover_backup_down", pairs, int(stats.backup_down)))

    family("wx_recover_quota_store", "gauge", "1 for where the rate-limit buckets live (local, file or redis), else 0.")
    for stats, pairs in rows:
        for store in QUOTA_STORES:
            out.append(_sample("wx_recover_quota_store", pairs + [("store", store)], int(stats.quota_store == store)))

    family("wx_recover_quota_store_healthy", "gauge",
           "0 while the shared rate-limit store is unreachable and the client runs on its own buckets, else 1.")
    for stats, pairs in rows:
        out.append(_sample("wx_recover_quota_store_healthy", pairs, int(stats.quota_store_healthy)))

    family("wx_recover_quota_store_errors_total", "counter", "Failed calls to the shared rate-limit store.")
    for stats, pairs in rows:
        out.append(_sample("wx_recover_quota_store_errors_total", pairs, stats.quota_store_errors))

    return "\n".join(out) + "\n"
