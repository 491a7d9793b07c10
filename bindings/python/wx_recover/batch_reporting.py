"""Reporting the batch: live progress, the report file, the summary table, the exit status and the command that resumes.

The exit statuses are listed in :mod:`wx_recover.batch` (and docs/operators.md).
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import shlex
import sys
import time
from typing import Callable, Optional, Sequence, Tuple

from .batch_reading import CONFLICT, ERROR, INVALID, NOT_SENT, Row
from .client import Client
from .errors import Status
from .progress import Counts, Progress

__all__ = ["EXIT_OK", "EXIT_USAGE", "EXIT_CONFIG", "EXIT_REFUSED", "EXIT_IN_DOUBT", "EXIT_INVALID",
           "EXIT_INTERRUPTED", "REPORT_COLUMNS", "tally", "write_report", "summary_table", "exit_code",
           "resume_command", "watch"]

EXIT_OK = 0
EXIT_USAGE = int(Status.INVALID_ARGUMENT)
EXIT_CONFIG = int(Status.CONFIG)
EXIT_REFUSED = 10
EXIT_IN_DOUBT = 11
EXIT_INVALID = 12
EXIT_INTERRUPTED = 13

REPORT_COLUMNS = (
    "line",
    "out_request_no",
    "state",
    "wxpay_recover_no",
    "request_id",
    "error_status",
    "error_code",
    "error_message",
    "bal_account_no_last4",
)


def _waiting_for_quota(client: Client) -> Optional[int]:
    """Calls waiting for a recover limiter slot right now."""
    try:
        return int(client.stats().recover.limiter_waiting)
    except Exception:  # noqa: BLE001 - a display aid only
        return None


def tally(rows: Sequence[Row]) -> Counts:
    c = Counts()
    for r in rows:
        c.add(r.state)
    return c


def write_report(path: str, rows: Sequence[Row]) -> None:
    """The report, written beside its final name and moved there, so a reader never sees half."""
    tmp = f"{path}.tmp-{os.getpid()}"
    data = [r.report() for r in sorted(rows, key=lambda r: r.line)]
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        if path.lower().endswith(".json"):
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.write("\n")
        else:
            w = csv.DictWriter(f, fieldnames=list(REPORT_COLUMNS))
            w.writeheader()
            w.writerows(data)
    os.replace(tmp, path)


def summary_table(rows: Sequence[Row]) -> str:
    counts = collections.Counter(r.state for r in rows)
    order = ["SUCCEEDED", "ACCEPTED", "FAILED", "REFUSED", "IN_DOUBT", "EXPIRED", CONFLICT, ERROR, INVALID, NOT_SENT]
    width = max(len(s) for s in order + ["state"])
    lines = [f"{'state':<{width}}  {'rows':>6}", f"{'-' * width}  {'-' * 6}"]
    for s in order + sorted(set(counts) - set(order)):
        if counts.get(s):
            lines.append(f"{s:<{width}}  {counts[s]:>6}")
    lines.append(f"{'total':<{width}}  {len(rows):>6}")
    return "\n".join(lines)


def exit_code(rows: Sequence[Row], wait: bool, interrupted: bool) -> int:
    states = {r.state for r in rows}
    if interrupted:
        return EXIT_INTERRUPTED
    if "IN_DOUBT" in states or NOT_SENT in states or (wait and "ACCEPTED" in states):
        return EXIT_IN_DOUBT
    if states & {"FAILED", "REFUSED", "EXPIRED", CONFLICT, ERROR}:
        return EXIT_REFUSED
    if INVALID in states:
        return EXIT_INVALID
    return EXIT_OK


def _program() -> str:
    argv0 = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python3 -m wx_recover" if argv0 in ("__main__.py", "-m", "") else "wx-recover"


def resume_command(args: argparse.Namespace, journal: str) -> str:
    parts = [*shlex.split(_program()), "batch", args.orders, "--config", args.config, "--journal", journal]
    if args.workers != 4:
        parts += ["--workers", str(args.workers)]
    if args.rate is not None:
        parts += ["--rate", str(args.rate)]
    if args.skip_invalid:
        parts.append("--skip-invalid")
    if args.wait:
        parts += ["--wait", "--wait-timeout", str(args.wait_timeout)]
    if args.report:
        parts += ["--report", args.report]
    if args.format != "auto":
        parts += ["--format", args.format]
    return shlex.join(parts)


def watch(progress: Progress, snapshot: Callable[[], Tuple[Counts, int]], alive: Callable[[], bool],
          client: Optional[Client]) -> None:
    """The main thread draws progress until the workers end (signals are handled here)."""
    while alive():
        counts, done = snapshot()
        waiting = _waiting_for_quota(client) if client is not None else None
        progress.update(counts, done, waiting)
        time.sleep(0.2)
