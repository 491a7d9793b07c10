"""Running the batch: the operator's client with its journal, the worker threads that submit rows, and the follow-up queries of --wait.

Each row goes to the core's journaled submit; what the journal then says about it (its state,
``wxpay_recover_no``, last error) is what the row reports.
"""

from __future__ import annotations

import collections
import contextlib
import heapq
import json
import os
import threading
import time
from typing import Callable, Deque, Iterator, List, Optional, Sequence, Tuple

from .batch_reading import CONFLICT, ERROR, Row
from .client import Client
from .errors import ConfigError, InvalidArgument, Status, WxError
from .journal import JournalEntry, JournalState

__all__ = ["QUOTA_WAIT_MS", "DEFAULT_DEADLINE_MS", "open_client", "submit_row", "fill_from_entry", "Runner", "Follower"]

# How long a call may wait for a limiter slot: a little over the limiter's one-minute window,
# so a batch that outruns its quota waits for the next slot instead of being refused.
QUOTA_WAIT_MS = 65_000
DEFAULT_DEADLINE_MS = 30_000  # docs/configuration.md, `deadline_ms`


@contextlib.contextmanager
def _cwd(path: str) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def open_client(config_path: str, journal: str, rate: Optional[int] = None,
                library: Optional[str] = None, patient: bool = True) -> Client:
    """A client from the operator's configuration with the journal at `journal` and, when
    `patient`, calls that wait for a limiter slot instead of being refused. `rate` lowers the
    recover limit.

    The configuration is read as the operator wrote it and created from its own folder, so the
    core resolves its relative key paths as it does for `Client.from_file`."""
    config_path = os.path.abspath(config_path)
    try:
        with open(config_path, "rb") as f:
            cfg = json.loads(f.read().decode("utf-8-sig"))
    except (OSError, ValueError) as e:
        raise ConfigError(f"configuration error: {config_path}: {e}", status=Status.CONFIG) from None
    if not isinstance(cfg, dict):
        raise ConfigError(f"configuration error: {config_path}: not a JSON object", status=Status.CONFIG)
    cfg["journal"] = os.path.abspath(journal)
    if patient:
        wait = max(int(cfg.get("rate_limit_wait_ms") or 0), QUOTA_WAIT_MS)
        cfg["rate_limit_wait_ms"] = wait
        # The whole call's deadline covers the wait for a slot plus the configured time for the
        # exchange itself.
        cfg["deadline_ms"] = min(int(cfg.get("deadline_ms") or DEFAULT_DEADLINE_MS) + wait, 3_600_000)
    # --rate lowers the recover bucket only; queries (--wait) keep their own.
    if rate is not None:
        configured = cfg.get("rate_limit_recover_per_minute", cfg.get("rate_limit_per_minute"))
        cfg["rate_limit_recover_per_minute"] = rate if not configured else min(int(configured), rate)
    with _cwd(os.path.dirname(config_path)):
        return Client(json.dumps(cfg), library=library)


def fill_from_entry(row: Row, entry: Optional[JournalEntry]) -> None:
    row.state = entry.state.name if entry else row.state
    if entry is None:
        return
    row.wxpay_recover_no = entry.wxpay_recover_no or row.wxpay_recover_no
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


def submit_row(client: Client, row: Row) -> None:
    """Hands one row to the core's journaled submit and records what the journal says."""
    error: Optional[WxError] = None
    try:
        accepted = client.submit(**row.request())  # type: ignore[arg-type]
        row.wxpay_recover_no = accepted.wxpay_recover_no
        row.request_id = accepted.request_id
    except WxError as e:
        error = e
    try:
        entry = client.journal_entry(row.no)
    except WxError as e:
        entry = None
        error = error or e
    if error is not None:
        _fill_from_error(row, error)
    if isinstance(error, InvalidArgument):
        # The input passed the core's rules before anything was sent, so the journal refused
        # it: an EXPIRED entry, or the number journaled with other content.
        if entry is not None and entry.state == JournalState.EXPIRED:
            row.state = JournalState.EXPIRED.name
        else:
            row.state = CONFLICT
            row.wxpay_recover_no = None
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


class Follower:
    """--wait: queries each accepted row with backoff until it is final or the time is up."""

    FIRST_DELAY_S = 1.0
    MAX_DELAY_S = 30.0

    def __init__(self, client: Client, rows: Sequence[Row], workers: int, timeout_s: float,
                 stop: threading.Event) -> None:
        self.client = client
        self.rows = list(rows)
        self.deadline = time.monotonic() + timeout_s
        self.stop = stop
        self.cond = threading.Condition()
        now = time.monotonic()
        self.heap: List[Tuple[float, int, Row, float]] = [(now, i, r, self.FIRST_DELAY_S) for i, r in enumerate(self.rows)]
        heapq.heapify(self.heap)
        self.inflight = 0
        self.threads = [threading.Thread(target=self._work, name=f"wx-wait-{i}", daemon=True)
                        for i in range(max(1, workers))]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def _next(self) -> Optional[Tuple[Row, float]]:
        with self.cond:
            while True:
                if self.stop.is_set() or not self.heap or time.monotonic() >= self.deadline:
                    self.cond.notify_all()
                    return None
                due, _, row, delay = self.heap[0]
                now = time.monotonic()
                if due <= now:
                    heapq.heappop(self.heap)
                    self.inflight += 1
                    return row, delay
                self.cond.wait(min(due, self.deadline) - now)

    def _work(self) -> None:
        seq = len(self.rows)
        while True:
            got = self._next()
            if got is None:
                return
            row, delay = got
            final = False
            try:
                order = self.client.query(row.no, row.values["mchid"] or "")
                final = order.state.is_final
                if final:
                    fill_from_entry(row, self.client.journal_entry(row.no))
                    if row.state == JournalState.FAILED.name:
                        row.error_status = "API"
                        row.error_code = order.error_code
                        row.error_message = order.error_message
            except WxError as e:
                # A query that failed is asked again later; the row keeps its state.
                row.request_id = e.request_id or row.request_id
            with self.cond:
                self.inflight -= 1
                if not final:
                    seq += len(self.threads)
                    heapq.heappush(self.heap, (time.monotonic() + delay, seq, row,
                                               min(delay * 2, self.MAX_DELAY_S)))
                self.cond.notify_all()
