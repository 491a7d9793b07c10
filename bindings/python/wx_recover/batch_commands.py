"""The batch's commands as the CLI runs them: ``batch``, ``pending`` and ``reconcile``, their arguments, and the handling of Ctrl-C and SIGTERM.

``add_parsers`` registers them on the CLI's subparsers (wx_recover/__main__.py); each command
returns its exit status (listed in :mod:`wx_recover.batch`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._native import LibraryError
from .batch_reading import INVALID, NOT_SENT, ORIGIN_JOURNAL, PUNISH, InputError, Row, read_orders, validate
from .batch_reporting import (
    EXIT_CONFIG,
    EXIT_IN_DOUBT,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    accepted_note,
    exit_code,
    exit_table,
    observe,
    origin_summary,
    resume_command,
    summary_table,
    tally,
    watch,
    write_report,
)
from .batch_running import (
    Follower,
    Runner,
    client_config,
    client_from,
    fill_from_entry,
    journal_entry,
    limits_of,
    open_client,
    submit_row,
)
from .client import Client, pending_at
from .errors import Status, WxError
from .journal import JournalState
from .journal_commands import is_url, journal_value, shown
from .progress import Progress, Snapshot

__all__ = ["COMMANDS", "add_parsers", "cmd_batch", "cmd_pending", "cmd_reconcile"]


def _err(*lines: str) -> None:
    for line in lines:
        print(line, file=sys.stderr, flush=True)


def _default_journal(orders: str) -> Optional[str]:
    return None if orders == "-" else orders + ".journal.sqlite"


class _Signals:
    """First SIGINT/SIGTERM: ask the workers to stop. Second: leave at once (the journal holds
    everything that was sent; what was in flight stays IN_DOUBT and is re-entered on resume)."""

    def __init__(self, on_first: Callable[[str], None], on_second: Callable[[], None]) -> None:
        self.on_first = on_first
        self.on_second = on_second
        self.count = 0
        self.old: Dict[int, Any] = {}

    def __enter__(self) -> "_Signals":
        for s in (signal.SIGINT, signal.SIGTERM):
            self.old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for s, h in self.old.items():
            signal.signal(s, h)

    def _handle(self, signum: int, frame: Any) -> None:
        self.count += 1
        if self.count == 1:
            self.on_first(signal.Signals(signum).name)
        else:
            self.on_second()


def cmd_batch(args: argparse.Namespace) -> int:
    if args.workers < 1:
        _err("usage: --workers must be at least 1")
        return EXIT_USAGE
    if args.rate is not None and args.rate < 1:
        _err("usage: --rate must be at least 1 (recovers, and punishes, per minute)")
        return EXIT_USAGE
    journal = args.journal or _default_journal(args.orders)
    if not args.dry_run and not args.config:
        _err("usage: batch needs --config FILE (only --dry-run works without it)")
        return EXIT_USAGE
    if not args.dry_run and journal is None:
        _err("usage: reading ORDERS from standard input needs --journal PATH")
        return EXIT_USAGE
    try:
        rows = read_orders(args.orders, args.format, kind=args.kind)
    except InputError as e:
        _err(*str(e).splitlines(), "invalid input: nothing was sent")
        return EXIT_INVALID
    except OSError as e:
        _err(f"cannot read {_shown_path(args.orders)}: {e.strerror or e}", "nothing was sent")
        return EXIT_UNREADABLE
    try:
        bad = validate(rows, library=args.library)
    except LibraryError as e:
        _err(str(e))
        return EXIT_CONFIG
    for row in rows:
        _err(*row.problems)
    if bad and not args.skip_invalid:
        _err(f"{bad} of {len(rows)} rows are invalid: nothing was sent (fix them, or send the others with --skip-invalid)")
        return EXIT_INVALID
    if args.dry_run:
        _err(f"dry run: {len(rows) - bad} of {len(rows)} rows are valid; nothing was sent")
        return EXIT_INVALID if bad else EXIT_OK
    for row in rows:
        if row.problems:
            row.state = INVALID
            row.error_status = Status.INVALID_ARGUMENT.name
            row.error_message = "; ".join(p.split(": ", 1)[1] for p in row.problems)
    sendable = [r for r in rows if not r.problems]
    assert journal is not None and args.config is not None
    try:
        cfg = client_config(args.config, journal, args.rate)
        client = client_from(cfg, args.config, library=args.library)
    except WxError as e:
        _err(str(e))
        return EXIT_CONFIG
    except LibraryError as e:
        _err(str(e))
        return EXIT_CONFIG
    _err(f"journal: {shown(journal)}")
    if bad:
        _err(f"skipping {bad} invalid rows")
    with client:
        return _run(args, client, rows, sendable, journal, limits_of(cfg))


def _shown_path(path: str) -> str:
    """A path as messages quote it: printable, and bounded."""
    shown = "".join(c if c.isprintable() else "?" for c in path)
    return shown if len(shown) <= 200 else shown[:200] + "…"


def _run(args: argparse.Namespace, client: Client, rows: List[Row], sendable: List[Row], journal: str,
         limits: Tuple[int, int]) -> int:
    stream = sys.stderr
    runner = Runner(client, sendable, args.workers)
    # With --wait, one pipeline: each row is followed from the moment it is accepted.
    follower = Follower(client, args.workers, args.wait_timeout, runner.stop) if args.wait else None
    stopping: Dict[str, Any] = {}
    progress = Progress(len(sendable), stream=stream, interval=args.progress_interval, wait=args.wait,
                        recover_limit=limits[0], query_limit=limits[1], workers=args.workers)

    def inflight() -> int:
        return runner.inflight + (follower.inflight if follower is not None else 0)

    def on_first(name: str) -> None:
        runner.stop.set()
        stopping["signal"] = name
        stopping["at"] = time.monotonic()
        progress.note(f"{name}: taking no new rows; letting {inflight()} calls in flight finish "
                      f"(at most their deadline); press Ctrl-C again to leave at once (safe)")

    def on_second() -> None:
        progress.abandon()
        stream.write("\nleaving at once: the journal holds everything that was sent; calls still in flight "
                     "stay IN_DOUBT and are re-entered on resume\n")
        stream.write(f"resume with:\n  {resume_command(args, journal)}\n")
        stream.flush()
        os._exit(EXIT_INTERRUPTED)

    def job(row: Row) -> None:
        submit_row(client, row)
        if follower is not None and row.state == JournalState.ACCEPTED.name:
            if row.origin == ORIGIN_JOURNAL:
                # Accepted by an earlier run: it can have finished already.
                follower.add(row, time.monotonic() - follower.MAX_DELAY_S, learn=False)
            else:
                follower.add(row, time.monotonic())

    def snapshot() -> Snapshot:
        return Snapshot(tally(sendable), len(sendable) - len(runner.todo) - runner.inflight, runner.inflight,
                        follower.execution_s if follower is not None else 0.0)

    def tick() -> None:
        if follower is not None and not runner.alive():
            follower.close()  # every recover has its answer: no more rows will come

    def alive() -> bool:
        return runner.alive() or (follower is not None and follower.alive())

    with _Signals(on_first, on_second):
        observe(progress, client)  # the counters before the first request
        runner.start(job)
        if follower is not None:
            follower.start()
        watch(progress, snapshot, alive, client, tick)
        observe(progress, client)
        progress.close(snapshot())
        interrupted = runner.stop.is_set()
    # Rows never taken: what the journal knows of them from an earlier run, else NOT_SENT.
    for row in sendable:
        if row.state == NOT_SENT:
            fill_from_entry(row, journal_entry(client, row))
    if args.report:
        try:
            write_report(args.report, rows)
        except OSError as e:
            _err(f"cannot write the report {_shown_path(args.report)}: {e.strerror or e}")
    _err(summary_table(rows))
    punishes = sum(1 for r in rows if r.kind == PUNISH)
    if punishes:
        _err(f"rows by kind: {len(rows) - punishes} recover, {punishes} punish")
    resumed = origin_summary(sendable)
    if resumed:
        _err(resumed)
    if args.report:
        _err(f"report: {args.report}")
    code = exit_code(rows, args.wait, interrupted)
    if interrupted:
        _err(f"interrupted by {stopping.get('signal', 'a signal')}; resume with:", f"  {resume_command(args, journal)}")
    elif code == EXIT_IN_DOUBT:
        _err("some rows are not settled: run the same command again to re-enter them (it resumes from the journal)")
    if not interrupted:
        _err(*accepted_note(args, journal, rows))
    return code


def cmd_pending(args: argparse.Namespace) -> int:
    """Lists the journal's pending entries. The library reads a file read-only, so this needs
    no configuration and no keys; a PostgreSQL journal lists every merchant's."""
    try:
        found = pending_at(journal_value(args.journal), library=getattr(args, "library", None))
    except WxError as e:
        _err(f"{shown(args.journal)}: {e}")
        return EXIT_CONFIG
    entries = [{
        "out_request_no": e.out_request_no,
        "kind": e.kind,
        "state": e.state.name,
        "platform_no": e.platform_no or e.wxpay_recover_no,
        "wxpay_recover_no": e.wxpay_recover_no,
        "attempts": e.attempts,
        "error_status": e.last_error.status.name if e.last_error else None,
        "error_http_status": e.last_error.http_status if e.last_error else None,
        "error_code": e.last_error.code if e.last_error else None,
        "error_message": e.last_error.message if e.last_error else None,
        "request_id": e.request_id,
        "mchid": e.mchid,
        "updated_at": e.updated_at,
    } for e in found]
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=1))
    else:
        for e in entries:
            err = f"  last error: {e['error_status']} {e['error_code'] or ''} {e['error_message'] or ''}".rstrip() \
                if e["error_status"] else ""
            kind = "  PUNISH" if e["kind"] == "PUNISH" else ""  # a recover's line reads as it always has
            print(f"{e['out_request_no']}{kind}  {e['state']}  {e['platform_no'] or '-'}  attempts {e['attempts']}{err}")
        doubt = sum(1 for e in entries if e["state"] == "IN_DOUBT")
        print(f"{len(entries)} pending: {doubt} IN_DOUBT, {len(entries) - doubt} ACCEPTED", file=sys.stderr)
    return EXIT_OK


def cmd_reconcile(args: argparse.Namespace) -> int:
    if not is_url(args.journal) and not os.path.isfile(args.journal):
        _err(f"no journal at {shown(args.journal)}")
        return EXIT_CONFIG
    try:
        client = open_client(args.config, args.journal, None, library=args.library, patient=True)
    except (WxError, LibraryError) as e:
        _err(str(e))
        return EXIT_CONFIG
    with client:
        try:
            report = client.reconcile(max_orders=args.max_orders, deadline_ms=args.deadline_ms)
        except WxError as e:
            _err(str(e))
            return EXIT_CONFIG if e.status == Status.CONFIG else EXIT_IN_DOUBT
    for state, n in sorted(report.counts.items(), key=lambda kv: kv[0].value):
        print(f"{state.name}: {n}")
    for e in report.pending:
        err = f" ({e.last_error.status.name}: {e.last_error.message})" if e.last_error else ""
        kind = " (punish)" if e.kind == "PUNISH" else ""
        print(f"still {e.state.name}: {e.out_request_no}{kind}{err}")
    if report.busy:
        print(f"busy (another process holds them): {report.busy}")
    return EXIT_IN_DOUBT if report.pending or report.busy else EXIT_OK


COMMANDS = ("batch", "pending", "reconcile")


def add_parsers(sub: Any) -> None:
    """Registers batch, pending and reconcile on the CLI's subparsers; each sets `handler`."""
    b = sub.add_parser("batch", help="send a file of recovers and punishes (CSV or JSON Lines), with progress, resume "
                                     "and a report",
                       description="Sends every row of ORDERS, a recover (解管) or a punish (管控), through one "
                                   "journaled client. Running the same command again resumes. See docs/operators.md.",
                       epilog=exit_table(), formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("orders", metavar="ORDERS", help="CSV with a header row, or JSON Lines; '-' reads standard input")
    b.add_argument("--config", metavar="FILE", help="client configuration JSON file")
    b.add_argument("--journal", metavar="PATH", help="journal: a file, or a postgresql:// URL (default: ORDERS.journal.sqlite beside the input)")
    b.add_argument("--format", choices=["auto", "csv", "jsonl"], default="auto",
                   help="input format (default: from the file name, else from the first character)")
    b.add_argument("--kind", type=str.lower, choices=["recover", "punish"],
                   help="the kind of every row without a kind cell (default recover); a file without a kind column "
                        "is then wholly of this kind")
    b.add_argument("--workers", type=int, default=4, metavar="N", help="threads sharing the client (default 4)")
    b.add_argument("--rate", type=int, metavar="N",
                   help="at most N recovers, and N punishes, per minute (lowers the configured limits)")
    b.add_argument("--skip-invalid", action="store_true", help="send the valid rows even when some are invalid")
    b.add_argument("--dry-run", action="store_true", help="validate every row, send nothing")
    b.add_argument("--wait", action="store_true",
                   help="query each accepted order, from its acceptance on, until SUCCEEDED or FAILED")
    b.add_argument("--wait-timeout", type=float, default=600.0, metavar="SECONDS",
                   help="give up following this long after the last recover was answered (default 600)")
    b.add_argument("--report", metavar="PATH", help="write one row per input row to PATH (.csv or .json)")
    b.add_argument("--progress-interval", type=float, default=5.0, metavar="SECONDS",
                   help="seconds between progress lines when stderr is not a terminal (default 5)")
    b.set_defaults(handler=cmd_batch)

    p = sub.add_parser("pending", help="list the IN_DOUBT and ACCEPTED entries of a journal")
    p.add_argument("--journal", required=True, metavar="PATH_OR_URL", help="a journal file or a postgresql:// URL")
    p.add_argument("--json", action="store_true", help="one JSON array on stdout")
    p.set_defaults(handler=cmd_pending)

    r = sub.add_parser("reconcile", help="settle a journal's pending entries (re-entry and queries)")
    r.add_argument("--journal", required=True, metavar="PATH_OR_URL", help="a journal file or a postgresql:// URL")
    r.add_argument("--config", required=True, metavar="FILE", help="client configuration JSON file")
    r.add_argument("--max-orders", type=int, metavar="N", help="work at most N entries")
    r.add_argument("--deadline-ms", type=int, metavar="MS", help="start no new entry after MS milliseconds")
    r.set_defaults(handler=cmd_reconcile)
