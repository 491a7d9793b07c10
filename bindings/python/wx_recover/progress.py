"""Progress of a batch: a live bar on a terminal (tqdm), a plain line every few seconds
otherwise, so a log file stays readable. Both show the same facts, in fields of a steady width:
how far the batch is (with ``--wait``: accepted x/N and settled y/N on one line), the ETA, the
counts by outcome and, per endpoint, the requests of the last minute against the limit and when
the next slot frees.

Rate and ETA come from the quota. The limiter in the core frees a slot one minute after the
request that took it, so this module keeps, per endpoint, the times this client's requests went
out (read off the client's attempt counter) and works out from them and the limit when the next
slot frees and when the remaining requests can have gone out. While the quota holds the batch
back that is the ETA; otherwise the batch's own pace is.

Nothing here sees a request: only counts and times."""

from __future__ import annotations

import collections
import dataclasses
import math
import os
import sys
import threading
import time
from typing import Any, Deque, List, Optional, TextIO, Tuple

__all__ = ["Counts", "Progress", "QuotaWindow", "Snapshot", "format_duration"]

# States after which a row needs nothing more from this run.
_UNSETTLED = ("ACCEPTED", "IN_DOUBT", "NOT_SENT")


class Counts:
    """Rows by outcome, as the progress line names them."""

    def __init__(self) -> None:
        self.accepted = 0  # ACCEPTED or SUCCEEDED
        self.succeeded = 0
        self.refused = 0
        self.in_doubt = 0
        self.failed = 0  # FAILED, EXPIRED, a journal conflict or an error
        self.executing = 0  # ACCEPTED, not yet final (what --wait follows)
        self.reached = 0  # the platform accepted it: ACCEPTED, SUCCEEDED or FAILED
        self.settled = 0  # nothing left to do: every state but ACCEPTED, IN_DOUBT and NOT_SENT

    def add(self, state: str) -> None:
        if state in ("ACCEPTED", "SUCCEEDED"):
            self.accepted += 1
            if state == "SUCCEEDED":
                self.succeeded += 1
            else:
                self.executing += 1
        elif state == "REFUSED":
            self.refused += 1
        elif state == "IN_DOUBT":
            self.in_doubt += 1
        elif state in ("FAILED", "EXPIRED", "CONFLICT", "ERROR"):
            self.failed += 1
        if state in ("ACCEPTED", "SUCCEEDED", "FAILED"):
            self.reached += 1
        if state not in _UNSETTLED:
            self.settled += 1


@dataclasses.dataclass
class Snapshot:
    """What the batch looks like at one instant."""

    counts: Counts
    done: int  # rows whose recover has its answer (sent now, or from the journal)
    inflight: int = 0  # rows taken by a worker whose recover has no answer yet
    execution_s: float = 1.0  # how long the platform takes from acceptance to the outcome (an estimate)


def format_duration(seconds: float, up: bool = False) -> str:
    """`seconds` as 5s, 1m05s or 2h03m; `up`: rounded up (an ETA or a wait is never shown
    shorter than it is)."""
    s = max(0, int(math.ceil(seconds - 1e-6) if up else round(seconds)))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


DURATION_WIDTH = 6  # "59m59s"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM", "") not in ("", "dumb")
    except (AttributeError, ValueError):
        return False


class QuotaWindow:
    """One endpoint's per-minute limit as this client uses it: the limit (0: none) and the
    times its requests went out during the last minute. A slot frees one minute after the
    request that took it (the core's limiter counts from the end of a request, a few
    milliseconds later; the sampling adds at most its own interval), so from these times
    follow when the next slot frees and when n more requests can have gone out."""

    WINDOW_S = 60.0

    def __init__(self, limit: int) -> None:
        self.limit = max(0, int(limit))
        self.sent: Deque[float] = collections.deque()
        self.attempts: Optional[int] = None
        self.waiting = 0

    def observe(self, attempts: int, waiting: int, now: float) -> None:
        """The client's attempt counter and limiter gauge for this endpoint, read at `now`."""
        if self.attempts is not None and attempts > self.attempts:
            self.sent.extend([now] * (attempts - self.attempts))
        if self.attempts is None or attempts >= self.attempts:
            self.attempts = attempts
        self.waiting = max(0, int(waiting))
        self._prune(now)

    def _prune(self, now: float) -> None:
        while self.sent and now - self.sent[0] >= self.WINDOW_S:
            self.sent.popleft()
        # Only the newest `limit` matter: an older one's slot has been reused already.
        while self.limit and len(self.sent) > self.limit:
            self.sent.popleft()

    def used(self, now: float) -> int:
        """Requests sent during the last minute."""
        self._prune(now)
        return len(self.sent)

    def full(self, now: float) -> bool:
        return bool(self.limit) and self.used(now) >= self.limit

    def next_slot_in(self, now: float) -> float:
        """Seconds until a slot is free (0: one is free now)."""
        if not self.full(now):
            return 0.0
        return max(0.0, self.sent[0] + self.WINDOW_S - now)

    def time_for(self, n: int, now: float) -> float:
        """Seconds until `n` more requests can have gone out, each as soon as a slot frees."""
        if not self.limit or n <= 0:
            return 0.0
        self._prune(now)
        frees = [now] * (self.limit - len(self.sent)) + [t + self.WINDOW_S for t in self.sent]
        k = n - 1
        return max(0.0, frees[k % self.limit] + self.WINDOW_S * (k // self.limit) - now)

    def bound(self, now: float, work_left: bool) -> bool:
        """The quota holds this endpoint back: calls wait for a slot, or the window is full
        while requests are still to be sent."""
        return bool(self.limit) and (self.waiting > 0 or (work_left and self.full(now)))


class _Pace:
    """Rows per second over the last half minute (None until there is something to measure)."""

    WINDOW_S = 30.0

    def __init__(self, now: float) -> None:
        self.samples: Deque[Tuple[float, int]] = collections.deque([(now, 0)])

    def rate(self, now: float, done: int) -> Optional[float]:
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[1][0] >= self.WINDOW_S:
            self.samples.popleft()
        t0, d0 = self.samples[0]
        if now - t0 < 1.0 or done <= d0:
            return None
        return (done - d0) / (now - t0)


class Progress:
    """Draw with :meth:`update` as often as you like; it throttles itself. Without `wait` the
    line follows the recovers; with it, one line shows both phases (accepted x/N, settled
    y/N) and the query endpoint beside the recover one."""

    BAR_WIDTH = 10
    CALL_S = 0.2  # a call's time before there is a pace to measure

    def __init__(self, total: int, *, stream: Optional[TextIO] = None, interval: float = 5.0,
                 wait: bool = False, recover_limit: int = 0, query_limit: int = 0, workers: int = 4) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.interval = max(0.1, interval)
        self.wait = wait
        self.label = "batch" if wait else "recover"
        self.workers = max(1, workers)
        self.start = time.monotonic()
        self.recover = QuotaWindow(recover_limit)
        self.query = QuotaWindow(query_limit)
        self.recover_pace = _Pace(self.start)
        self.settle_pace = _Pace(self.start)
        self.last_line = self.start
        self.notes: List[str] = []
        self.lock = threading.Lock()
        self.bar: Any = None
        if _is_terminal(self.stream):
            try:
                from tqdm import tqdm
            except ImportError:  # declared as a dependency; without it, plain lines
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=total, file=self.stream, dynamic_ncols=True, leave=True, mininterval=0,
                                bar_format=f"{self.label} {{percentage:3.0f}}%|{{bar:{self.BAR_WIDTH}}}|")

    # ----- what the client says -----

    def observe(self, stats: Any, now: Optional[float] = None) -> None:
        """Feeds the client's counters (:meth:`Client.stats`): attempts and calls waiting for
        a slot, per endpoint."""
        now = time.monotonic() if now is None else now
        with self.lock:
            for window, name in ((self.recover, "recover"), (self.query, "query")):
                e = getattr(stats, name, None)
                if e is not None:
                    window.observe(int(e.attempts), int(e.limiter_waiting), now)

    # ----- what is shown -----

    def _eta(self, snap: Snapshot, now: float) -> float:
        c = snap.counts
        left = max(0, self.total - snap.done)
        # Calls waiting in the limiter have not sent yet; the others in flight have.
        to_send = max(0, left - max(0, snap.inflight - self.recover.waiting))
        rate = self.recover_pace.rate(now, snap.done)
        pace = left / rate if rate else left * self.CALL_S / self.workers
        quota = self.recover.time_for(to_send, now)
        recovers = quota + (self.CALL_S if to_send else 0.0)
        if not self.recover.bound(now, to_send > 0):
            recovers = max(recovers, pace)
        if not self.wait:
            return recovers if left else 0.0
        follow = c.executing + left
        if not follow:
            return 0.0
        queries = self.query.time_for(follow, now) + self.CALL_S
        settle_rate = self.settle_pace.rate(now, c.settled)
        if settle_rate and not self.query.bound(now, True) and not self.recover.bound(now, to_send > 0):
            queries = max(queries, follow / settle_rate)
        return max(recovers + snap.execution_s + (self.CALL_S if left else 0.0), queries)

    def _endpoint(self, noun: str, window: QuotaWindow, now: float) -> str:
        used = window.used(now)
        if not window.limit:
            return f"{noun} {used:>4}/min, no limit"
        width = len(str(window.limit))
        slot = format_duration(window.next_slot_in(now), up=True)
        return f"{noun} {used:>{width}}/min of {window.limit}, slot in {slot:>5}"

    def text(self, snap: Snapshot, now: Optional[float] = None) -> str:
        """The line without its label, bar and elapsed time; the same width at every call."""
        now = time.monotonic() if now is None else now
        c = snap.counts
        w = len(str(self.total))
        eta = f"ETA {format_duration(self._eta(snap, now), up=True):>{DURATION_WIDTH}}"
        if self.wait:
            parts = [f"accepted {c.reached:>{w}}/{self.total}", f"settled {c.settled:>{w}}/{self.total}", eta,
                     f"succeeded {c.succeeded:>{w}}", f"failed {c.failed:>{w}}", f"refused {c.refused:>{w}}",
                     f"in doubt {c.in_doubt:>{w}}", self._endpoint("recover", self.recover, now),
                     self._endpoint("query", self.query, now)]
        else:
            parts = [f"{snap.done:>{w}}/{self.total}", eta, f"accepted {c.accepted:>{w}}",
                     f"refused {c.refused:>{w}}", f"in doubt {c.in_doubt:>{w}}", f"failed {c.failed:>{w}}",
                     self._endpoint("recover", self.recover, now)]
        return " · ".join(parts)

    def _done(self, snap: Snapshot) -> int:
        return snap.counts.settled if self.wait else snap.done

    def plain(self, snap: Snapshot, now: Optional[float] = None) -> str:
        now = time.monotonic() if now is None else now
        pct = 100.0 * self._done(snap) / self.total if self.total else 100.0
        elapsed = format_duration(now - self.start)
        return f"{self.label} {pct:3.0f}% · {self.text(snap, now)} · elapsed {elapsed:>{DURATION_WIDTH}}"

    # ----- drawing -----

    def note(self, message: str) -> None:
        """A message shown above the bar at the next update (safe from a signal handler)."""
        self.notes.append(message)

    def _flush_notes(self) -> None:
        while self.notes:
            msg = self.notes.pop(0)
            if self.bar is not None:
                self.bar.write(msg, file=self.stream)
            else:
                self.stream.write(msg + "\n")
                self.stream.flush()

    def update(self, snap: Snapshot, force: bool = False) -> None:
        with self.lock:
            self._flush_notes()
            now = time.monotonic()
            if self.bar is not None:
                text = self.text(snap, now).replace("{", "{{").replace("}", "}}")
                self.bar.bar_format = (f"{self.label} {{percentage:3.0f}}%|{{bar:{self.BAR_WIDTH}}}| "
                                       f"{text} · elapsed {{elapsed}}")
                self.bar.n = self._done(snap)
                self.bar.refresh()
            elif force or now - self.last_line >= self.interval:
                self.last_line = now
                self.stream.write(self.plain(snap, now) + "\n")
                self.stream.flush()

    def close(self, snap: Snapshot) -> None:
        self.update(snap, force=True)
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def abandon(self) -> None:
        """Stops drawing without a last update (leaving at once)."""
        self.bar = None
