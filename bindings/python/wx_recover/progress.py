"""Progress of a batch: a live bar on a terminal (tqdm), a plain line every few seconds
otherwise, so a log file stays readable. Both show the same facts: done/total, the counts by
outcome, the rate, the ETA and whether the rate limiter is holding calls back.

Nothing here sees a request: only counts."""

from __future__ import annotations

import collections
import os
import sys
import threading
import time
from typing import Any, Deque, List, Optional, TextIO, Tuple

__all__ = ["Counts", "Progress", "format_duration"]


class Counts:
    """Rows by outcome, as the progress line names them."""

    def __init__(self) -> None:
        self.accepted = 0  # ACCEPTED or SUCCEEDED
        self.succeeded = 0
        self.refused = 0
        self.in_doubt = 0
        self.failed = 0  # FAILED, EXPIRED, a journal conflict or an error
        self.executing = 0  # ACCEPTED, not yet final (what --wait follows)

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


def format_duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "--"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM", "") not in ("", "dumb")
    except (AttributeError, ValueError):
        return False


class Progress:
    """Draw with :meth:`update` as often as you like; it throttles itself. `kind` "submit"
    shows accepted/refused/in doubt/failed, "wait" shows succeeded/failed/executing."""

    WINDOW_S = 30.0  # the rate is measured over the last half minute

    def __init__(self, total: int, *, stream: Optional[TextIO] = None, interval: float = 5.0,
                 label: str = "recover", kind: str = "submit") -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.interval = max(0.1, interval)
        self.label = label
        self.kind = kind
        self.start = time.monotonic()
        self.samples: Deque[Tuple[float, int]] = collections.deque([(self.start, 0)])
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
                self.bar = tqdm(total=total, file=self.stream, dynamic_ncols=True, leave=True,
                                mininterval=0, bar_format=f"{label} {{percentage:3.0f}}%|{{bar}}| {{n_fmt}}/{{total_fmt}}")

    # ----- what is shown -----

    def _rate(self, now: float, done: int) -> Optional[float]:
        """Rows per second over the window (None until there is something to measure)."""
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[1][0] >= self.WINDOW_S:
            self.samples.popleft()
        t0, d0 = self.samples[0]
        if now - t0 < 1.0 or done <= d0:
            return None if done == 0 or now - t0 < 1.0 else 0.0
        return (done - d0) / (now - t0)

    def text(self, counts: Counts, done: int, waiting: Optional[int], now: Optional[float] = None) -> str:
        now = time.monotonic() if now is None else now
        rate = self._rate(now, done)
        if self.kind == "wait":
            parts = [f"succeeded {counts.succeeded}", f"failed {counts.failed}", f"executing {counts.executing}"]
        else:
            parts = [f"accepted {counts.accepted}", f"refused {counts.refused}",
                     f"in doubt {counts.in_doubt}", f"failed {counts.failed}"]
        unit = "settled" if self.kind == "wait" else "recovers"
        parts.append(f"{rate * 60:.0f} {unit}/min" if rate is not None else f"-- {unit}/min")
        left = self.total - done
        eta = left / rate if rate else (0.0 if left == 0 else None)
        parts.append(f"ETA {format_duration(eta)}")
        if waiting:
            parts.append(f"waiting for quota ({waiting})")
        return " · ".join(parts)

    def plain(self, counts: Counts, done: int, waiting: Optional[int], now: Optional[float] = None) -> str:
        pct = 100.0 * done / self.total if self.total else 100.0
        elapsed = format_duration((time.monotonic() if now is None else now) - self.start)
        return f"{self.label} {done}/{self.total} ({pct:.0f}%) · {self.text(counts, done, waiting, now)} · elapsed {elapsed}"

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

    def update(self, counts: Counts, done: int, waiting: Optional[int] = None, force: bool = False) -> None:
        with self.lock:
            self._flush_notes()
            now = time.monotonic()
            if self.bar is not None:
                text = self.text(counts, done, waiting, now).replace("{", "{{").replace("}", "}}")
                self.bar.bar_format = (f"{self.label} {{percentage:3.0f}}%|{{bar}}| {{n_fmt}}/{{total_fmt}} · "
                                       f"{text} · elapsed {{elapsed}}")
                self.bar.n = done
                self.bar.refresh()
            elif force or now - self.last_line >= self.interval:
                self.last_line = now
                self.stream.write(self.plain(counts, done, waiting, now) + "\n")
                self.stream.flush()

    def close(self, counts: Counts, done: int) -> None:
        self.update(counts, done, None, force=True)
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def abandon(self) -> None:
        """Stops drawing without a last update (leaving at once)."""
        self.bar = None
