"""Running the batch: the operator's client with its journal, the worker threads that submit rows, and the follow-up queries of --wait.

Each row goes to the core's journaled call for its kind (``submit`` for a recover, ``punish``
for a punish); what the journal then says about it (its state, the platform's number, last
error) is what the row reports. With --wait the two run as one pipeline: a row is handed to the
follower the moment it is accepted, so queries (their own bucket) go out while later rows still
wait for recover or punish slots.
"""

from __future__ import annotations

import collections
import contextlib
import heapq
import json
import os
import threading
import time
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Sequence, Tuple

from .batch_reading import CONFLICT, ERROR, ORIGIN_JOURNAL, ORIGIN_NEW, ORIGIN_REENTERED, PUNISH, Row
from .client import Client
from .errors import ConfigError, InvalidArgument, Status, WxError
from .journal import JournalEntry, JournalState
from .journal_commands import journal_value
from .punish import PunishState

__all__ = ["QUOTA_WAIT_MS", "DEFAULT_DEADLINE_MS", "DEFAULT_RATE_LIMIT", "client_config", "limits_of", "client_from",
           "open_client", "submit_row", "fill_from_entry", "journal_entry", "Runner", "Follower"]

# How long a call may wait for a limiter slot: a little over the limiter's one-minute window,
# so a batch that outruns its quota waits for the next slot instead of being refused.
QUOTA_WAIT_MS = 65_000
DEFAULT_DEADLINE_MS = 30_000  # docs/configuration.md, `deadline_ms`
DEFAULT_RATE_LIMIT = 200  # docs/configuration.md, `rate_limit_per_minute`


@contextlib.contextmanager
def _cwd(path: str) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def client_config(config_path: str, journal: str, rate: Optional[int] = None, patient: bool = True) -> Dict[str, Any]:
    """The operator's configuration as the batch's client gets it: with the journal at
    `journal` and, when `patient`, calls that wait for a limiter slot instead of being refused.
    `rate` lowers the recover limit and the punish limit (each bucket its own)."""
    config_path = os.path.abspath(config_path)
    try:
        with open(config_path, "rb") as f:
            cfg = json.loads(f.read().decode("utf-8-sig"))
    except (OSError, ValueError) as e:
        raise ConfigError(f"configuration error: {config_path}: {e}", status=Status.CONFIG) from None
    if not isinstance(cfg, dict):
        raise ConfigError(f"configuration error: {config_path}: not a JSON object", status=Status.CONFIG)
    cfg["journal"] = journal_value(journal)
    if patient:
        wait = max(int(cfg.get("rate_limit_wait_ms") or 0), QUOTA_WAIT_MS)
        cfg["rate_limit_wait_ms"] = wait
        # The whole call's deadline covers the wait for a slot plus the configured time for the
        # exchange itself.
        cfg["deadline_ms"] = min(int(cfg.get("deadline_ms") or DEFAULT_DEADLINE_MS) + wait, 3_600_000)
    # --rate lowers the recover and punish buckets; queries (--wait) keep their own.
    if rate is not None:
        for key in ("rate_limit_recover_per_minute", "rate_limit_punish_per_minute"):
            configured = cfg.get(key, cfg.get("rate_limit_per_minute"))
            cfg[key] = rate if not configured else min(int(configured), rate)
    return cfg


def limits_of(cfg: Dict[str, Any]) -> Tuple[int, int]:
    """The recover and query limits per minute the core takes from `cfg` (0: none), as
    docs/configuration.md states them: each endpoint's key, else ``rate_limit_per_minute``,
    else DEFAULT_RATE_LIMIT."""
    def limit(key: str) -> int:
        value = cfg.get(key)
        if value is None:
            value = cfg.get("rate_limit_per_minute")
        if value is None:
            value = DEFAULT_RATE_LIMIT
        try:
            return max(0, int(value))
        except (TypeError, ValueError):
            return 0  # the core refuses such a configuration anyway
    return limit("rate_limit_recover_per_minute"), limit("rate_limit_query_per_minute")


def client_from(cfg: Dict[str, Any], config_path: str, library: Optional[str] = None) -> Client:
    """A client from `cfg`, created from the configuration file's folder, so the core resolves
    its relative key paths as it does for `Client.from_file`."""
    with _cwd(os.path.dirname(os.path.abspath(config_path))):
        return Client(json.dumps(cfg), library=library)


def open_client(config_path: str, journal: str, rate: Optional[int] = None,
                library: Optional[str] = None, patient: bool = True) -> Client:
    """A client from the operator's configuration (see :func:`client_config`)."""
    return client_from(client_config(config_path, journal, rate, patient), config_path, library)


def fill_from_entry(row: Row, entry: Optional[JournalEntry]) -> None:
    row.state = entry.state.name if entry else row.state
    if entry is None:
        return
    row.platform_no = entry.platform_no or entry.wxpay_recover_no or row.platform_no
    row.request_id = entry.request_id or row.request_id
    if entry.last_error is not None and entry.state in (JournalState.IN_DOUBT, JournalState.REFUSED):
        row.error_status = entry.last_error.status.name
        row.error_code = entry.last_error.code
        row.error_message = entry.last_error.message
    elif entry.state in (JournalState.ACCEPTED, JournalState.SUCCEEDED):
        row.error_status = row.error_code = row.error_message = None


def _fill_from_error(row: Row, e: WxError) -> None:
    status = e.status
    row.error_status = status.name if isinstance(status, Status) else str(int(status))
    row.error_code = e.code
    row.error_message = e.message
    row.request_id = e.request_id or row.request_id


def journal_entry(client: Client, row: Row) -> Optional[JournalEntry]:
    """The journal's entry for the row's number and kind (None: none, or unreadable)."""
    try:
        return client.journal_entry(row.no, kind=row.journal_kind)
    except WxError:
        return None


def submit_row(client: Client, row: Row) -> None:
    """Hands one row to the core's journaled call for its kind (submit or punish) and records
    what the journal says, and where the answer came from (``row.origin``): the journal alone,
    a re-entry of a row left in doubt, or a first send."""
    before = journal_entry(client, row)
    error: Optional[WxError] = None
    try:
        if row.kind == PUNISH:
            placed = client.punish(**row.punish_args())
            row.platform_no, row.request_id = placed.wxpay_punish_no, placed.request_id
        else:
            accepted = client.submit(**row.submit_args())
            row.platform_no, row.request_id = accepted.wxpay_recover_no, accepted.request_id
    except WxError as e:
        error = e
    try:
        entry = client.journal_entry(row.no, kind=row.journal_kind)
    except WxError as e:
        entry = None
        error = error or e
    if before is None:
        row.origin = ORIGIN_NEW
    elif before.state == JournalState.IN_DOUBT and (entry is None or entry.state != JournalState.EXPIRED):
        row.origin = ORIGIN_REENTERED
    else:
        row.origin = ORIGIN_JOURNAL
    if error is not None:
        _fill_from_error(row, error)
    if isinstance(error, InvalidArgument):
        # The input passed the core's rules before anything was sent, so the journal refused
        # it: an EXPIRED entry, or the number journaled with other content.
        if entry is not None and entry.state == JournalState.EXPIRED:
            row.state = JournalState.EXPIRED.name
        else:
            row.state = CONFLICT
            row.platform_no = None
        return
    if entry is None:
        row.state = ERROR if error is not None else row.state
        return
    fill_from_entry(row, entry)


class Runner:
    """Worker threads sharing one client: they take rows until none is left or a stop is asked."""

    def __init__(self, client: Client, rows: Sequence[Row], workers: int) -> None:
        self.client = client
        self.todo: Deque[Row] = collections.deque(rows)
        self.workers = max(1, workers)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.inflight = 0
        self.threads: List[threading.Thread] = []

    def _take(self) -> Optional[Row]:
        with self.lock:
            if self.stop.is_set() or not self.todo:
                return None
            self.inflight += 1
            return self.todo.popleft()

    def _done(self) -> None:
        with self.lock:
            self.inflight -= 1

    def _work(self, job: Callable[[Row], None]) -> None:
        while True:
            row = self._take()
            if row is None:
                return
            try:
                job(row)
            except Exception as e:  # noqa: BLE001 - one row's surprise must not stop the rest
                row.state = ERROR
                row.error_status = type(e).__name__
                row.error_message = str(e)
            finally:
                self._done()

    def start(self, job: Callable[[Row], None]) -> None:
        for i in range(self.workers):
            t = threading.Thread(target=self._work, args=(job,), name=f"wx-batch-{i}", daemon=True)
            t.start()
            self.threads.append(t)

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)


class _Followed:
    """A row --wait follows, with when it was accepted and its next backoff."""

    __slots__ = ("row", "accepted_at", "learn", "delay")

    def __init__(self, row: Row, accepted_at: float, learn: bool, delay: float) -> None:
        self.row = row
        self.accepted_at = accepted_at
        self.learn = learn  # accepted by this run: its age tells about the platform's execution time
        self.delay = delay


class Follower:
    """--wait: follows accepted rows until each is final, while the recovers are still going.

    A row is handed over (:meth:`add`) as soon as it is accepted and first queried once the
    platform can have finished it: its acceptance plus the platform's execution time. That time
    is learned: it starts at FIRST_DELAY_S and, whenever a query finds an order of this run
    still EXECUTING, rises to half as much again as that order's age, so the rows behind it
    are not asked too early. An order still EXECUTING is asked again after its own backoff
    (FIRST_DELAY_S, doubling to MAX_DELAY_S, and never before the learned execution time), never
    in a tight loop. Queries go through the client's query bucket and recovers through the
    recover bucket, so the two run side by side.

    Following ends when every row handed over is final, on a stop, or `timeout_s` after
    :meth:`close` (no more rows will come: every recover has its answer)."""

    FIRST_DELAY_S = 1.0
    MAX_DELAY_S = 30.0
    LEARN_FACTOR = 1.5

    def __init__(self, client: Client, workers: int, timeout_s: float, stop: threading.Event) -> None:
        self.client = client
        self.timeout_s = timeout_s
        self.stop = stop
        self.cond = threading.Condition()
        self.deadline: Optional[float] = None
        self.closed = False
        self.execution_s = self.FIRST_DELAY_S
        # Rows never queried, by acceptance time; each is due at its acceptance plus the
        # execution time as learned by the time it comes up.
        self.fresh: List[Tuple[float, int, _Followed]] = []
        # Rows to ask again, by when.
        self.again: List[Tuple[float, int, _Followed]] = []
        self.seq = 0
        self.inflight = 0
        self.rows: List[Row] = []
        self.queries = 0
        self.threads = [threading.Thread(target=self._work, name=f"wx-wait-{i}", daemon=True)
                        for i in range(max(1, workers))]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def add(self, row: Row, accepted_at: float, learn: bool = True) -> None:
        """Follows `row`, accepted at `accepted_at` (time.monotonic()). `learn`: false for a
        row an earlier run had accepted (its age here says nothing)."""
        with self.cond:
            self.seq += 1
            self.rows.append(row)
            heapq.heappush(self.fresh, (accepted_at, self.seq, _Followed(row, accepted_at, learn, self.FIRST_DELAY_S)))
            self.cond.notify()

    def close(self) -> None:
        """No more rows will come; following ends `timeout_s` from now at the latest."""
        with self.cond:
            if not self.closed:
                self.closed = True
                self.deadline = time.monotonic() + self.timeout_s
            self.cond.notify_all()

    def _next(self) -> Optional[_Followed]:
        with self.cond:
            while True:
                now = time.monotonic()
                if self.stop.is_set() or (self.deadline is not None and now >= self.deadline):
                    self.cond.notify_all()
                    return None
                if self.closed and not self.fresh and not self.again and not self.inflight:
                    self.cond.notify_all()
                    return None
                fresh_due = self.fresh[0][0] + self.execution_s if self.fresh else None
                again_due = self.again[0][0] if self.again else None
                if again_due is not None and again_due <= now and (fresh_due is None or again_due <= fresh_due):
                    self.inflight += 1
                    return heapq.heappop(self.again)[2]
                if fresh_due is not None and fresh_due <= now:
                    self.inflight += 1
                    return heapq.heappop(self.fresh)[2]
                until = [t for t in (fresh_due, again_due, self.deadline) if t is not None]
                # Woken by add(), close() or a query's end; a stop is seen within a second.
                self.cond.wait(min(1.0, max(0.0, min(until) - now)) if until else 1.0)

    def _work(self) -> None:
        while True:
            item = self._next()
            if item is None:
                return
            row = item.row
            final = False
            executing = False
            try:
                with self.cond:
                    self.queries += 1
                order: Any
                if row.kind == PUNISH:
                    order = self.client.query_punish(row.no, row.values["mchid"] or "")
                    final = order.punish_state in (PunishState.SUCCESS, PunishState.FAILED)
                else:
                    order = self.client.query(row.no, row.values["mchid"] or "")
                    final = order.state.is_final
                executing = not final
                if final:
                    # The core's query recorded the outcome in the journal.
                    fill_from_entry(row, self.client.journal_entry(row.no, kind=row.journal_kind))
                    if row.state == JournalState.FAILED.name:
                        row.error_status = "API"
                        row.error_code = order.error_code
                        row.error_message = order.error_message
            except WxError as e:
                # A query that failed is asked again later; the row keeps its state.
                row.request_id = e.request_id or row.request_id
            with self.cond:
                self.inflight -= 1
                now = time.monotonic()
                if executing and item.learn:
                    age = now - item.accepted_at
                    self.execution_s = min(self.MAX_DELAY_S, max(self.execution_s, age * self.LEARN_FACTOR))
                if not final:
                    self.seq += 1
                    due = max(now + item.delay, item.accepted_at + self.execution_s)
                    item.delay = min(item.delay * 2, self.MAX_DELAY_S)
                    heapq.heappush(self.again, (due, self.seq, item))
                self.cond.notify_all()
