"""Reporting the batch: live progress, the report file, the summary table, what a resumed run did, the exit status and the commands that resume or follow.

The exit statuses are EXIT_TABLE here; ``wx-recover batch --help`` prints it and
docs/operators.md lists the same.
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
from typing import Callable, List, Optional, Sequence, Tuple

from .batch_reading import CONFLICT, ERROR, INVALID, NOT_SENT, ORIGIN_JOURNAL, ORIGIN_NEW, ORIGIN_REENTERED, PUNISH, Row
from .client import Client
from .journal_commands import masked
from .errors import Status
from .progress import Counts, Progress, Snapshot

__all__ = ["EXIT_OK", "EXIT_USAGE", "EXIT_CONFIG", "EXIT_REFUSED", "EXIT_IN_DOUBT", "EXIT_INVALID",
           "EXIT_INTERRUPTED", "EXIT_UNREADABLE", "EXIT_TABLE", "exit_table", "REPORT_COLUMNS", "tally",
           "write_report", "summary_table", "exit_code", "resume_command", "origin_summary", "accepted_note",
           "watch"]

EXIT_OK = 0
EXIT_USAGE = int(Status.INVALID_ARGUMENT)
EXIT_CONFIG = int(Status.CONFIG)
EXIT_REFUSED = 10
EXIT_IN_DOUBT = 11
EXIT_INVALID = 12
EXIT_INTERRUPTED = 13
EXIT_UNREADABLE = 14

# The exit statuses of `batch`, as --help prints them and docs/operators.md lists them.
EXIT_TABLE: Tuple[Tuple[int, str], ...] = (
    (EXIT_OK, "every row ended ACCEPTED or SUCCEEDED (with --wait: SUCCEEDED)"),
    (EXIT_REFUSED, "some row was refused, FAILED, EXPIRED, a CONFLICT or an ERROR"),
    (EXIT_IN_DOUBT, "some row is still IN_DOUBT (or, with --wait, still ACCEPTED): run the same command again"),
    (EXIT_INVALID, "invalid input: nothing was sent (with --skip-invalid: invalid rows were skipped and the rest "
                   "ended well)"),
    (EXIT_INTERRUPTED, "interrupted by Ctrl-C or SIGTERM; the resume command was printed"),
    (EXIT_UNREADABLE, "the input file is missing or cannot be read: nothing was sent"),
    (EXIT_CONFIG, "the configuration, the journal file or the library could not be used"),
    (EXIT_USAGE, "usage error"),
)
EXIT_PRECEDENCE = (EXIT_INTERRUPTED, EXIT_IN_DOUBT, EXIT_REFUSED, EXIT_INVALID)


def exit_table(width: int = 78) -> str:
    """EXIT_TABLE as --help prints it."""
    import textwrap

    lines = ["exit status:"]
    for code, meaning in EXIT_TABLE:
        wrapped = textwrap.wrap(meaning, width - 8) or [""]
        lines.append(f"  {code:>2}    {wrapped[0]}")
        lines.extend(f"        {more}" for more in wrapped[1:])
    lines.append("")
    lines.append(f"When several apply, the first of {', '.join(str(c) for c in EXIT_PRECEDENCE)} wins.")
    return "\n".join(lines)

REPORT_COLUMNS = (
    "line",
    "kind",
    "out_request_no",
    "state",
    "platform_no",
    "wxpay_recover_no",
    "request_id",
    "error_status",
    "error_code",
    "error_message",
    "bal_account_no_last4",
)


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


def resume_command(args: argparse.Namespace, journal: str, wait: Optional[bool] = None) -> str:
    """The command that runs this batch again from its journal (`wait`: with or without --wait,
    else as this run)."""
    wait = args.wait if wait is None else wait
    parts = [*shlex.split(_program()), "batch", args.orders, "--config", args.config, "--journal", masked(journal)]
    if args.workers != 4:
        parts += ["--workers", str(args.workers)]
    if args.rate is not None:
        parts += ["--rate", str(args.rate)]
    if args.skip_invalid:
        parts.append("--skip-invalid")
    if wait:
        parts += ["--wait", "--wait-timeout", str(args.wait_timeout)]
    if args.report:
        parts += ["--report", args.report]
    if args.format != "auto":
        parts += ["--format", args.format]
    if getattr(args, "kind", None):
        parts += ["--kind", args.kind]
    return shlex.join(parts)


def origin_summary(rows: Sequence[Row]) -> Optional[str]:
    """For a run that found earlier answers in the journal: how many rows it answered from the
    journal, re-entered and sent for the first time (None for a first run)."""
    taken = [r for r in rows if r.origin is not None]
    journal = sum(1 for r in taken if r.origin == ORIGIN_JOURNAL and r.state != CONFLICT)
    conflicts = sum(1 for r in taken if r.origin == ORIGIN_JOURNAL and r.state == CONFLICT)
    reentered = sum(1 for r in taken if r.origin == ORIGIN_REENTERED)
    new = sum(1 for r in taken if r.origin == ORIGIN_NEW)
    if not journal and not reentered and not conflicts:
        return None
    text = (f"resumed from the journal: {journal} rows answered by the journal (not sent again), "
            f"{reentered} re-entered (in doubt before), {new} sent for the first time")
    if conflicts:
        text += f", {conflicts} in conflict with the journal (not sent)"
    return text


def accepted_note(args: argparse.Namespace, journal: str, rows: Sequence[Row]) -> List[str]:
    """Without --wait: rows left ACCEPTED are not done yet; the command that follows them."""
    accepted = [r for r in rows if r.state == "ACCEPTED"]
    if args.wait or not accepted:
        return []
    kinds = " or a punish" if any(r.kind == PUNISH for r in accepted) else ""
    return [f"{len(accepted)} rows are ACCEPTED: acceptance is not the outcome (the platform may still fail a "
            f"recover{kinds}).",
            "follow them to SUCCEEDED or FAILED with:",
            f"  {resume_command(args, journal, wait=True)}"]


def watch(progress: Progress, snapshot: Callable[[], Snapshot], alive: Callable[[], bool],
          client: Optional[Client], tick: Optional[Callable[[], None]] = None) -> None:
    """The main thread draws progress until the workers end (signals are handled here). Each
    round it reads the client's counters (per endpoint: attempts, calls waiting for a slot) for
    the quota's part of the line, and runs `tick`."""
    while alive():
        if tick is not None:
            tick()
        observe(progress, client)
        progress.update(snapshot())
        time.sleep(0.2)


def observe(progress: Progress, client: Optional[Client]) -> None:
    if client is None:
        return
    try:
        progress.observe(client.stats())
    except Exception:  # noqa: BLE001 - a display aid only (a library without stats)
        pass
