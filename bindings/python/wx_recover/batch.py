"""The operators' batch: a file of recovers, validated first, sent by a few threads sharing one
journaled client, with live progress, resume, follow-up queries and a report (docs/operators.md).

    wx-recover batch ORDERS --config FILE [--journal PATH] [--workers N] [--rate N]
                     [--skip-invalid] [--dry-run] [--wait [--wait-timeout S]] [--report PATH]
    wx-recover pending --journal PATH [--json]
    wx-recover reconcile --journal PATH --config FILE [--max-orders N] [--deadline-ms N]

Every rule about recovers stays in the core: the input rules (``validate_request``), the
journal (recording before sending, re-entry, conflicts, first outcomes), the rate limiter,
retries and reconciliation. This module reads the file, hands rows to the core and reports
what the core's journal says about each one.

Exit status of ``batch`` (also in docs/operators.md):

====  ===========================================================================
0     every row ended ACCEPTED or SUCCEEDED (with ``--wait``: SUCCEEDED)
10    some row was refused, FAILED, EXPIRED, a journal conflict or an error
11    some row is still IN_DOUBT (or, with ``--wait``, still ACCEPTED): run again
12    invalid input: nothing was sent (or, with ``--skip-invalid``, invalid rows
      were skipped and everything else ended well)
13    interrupted (Ctrl-C or SIGTERM); the resume command was printed
2     the configuration or the library could not be used; 1 a usage error
====  ===========================================================================

When several apply, the first in the order 13, 11, 10, 12 wins.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import dataclasses
import heapq
import io
import json
import os
import shlex
import signal
import sys
import threading
import time
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Sequence, TextIO, Tuple

from ._native import LibraryError
from .client import Client, pending_at, validate_request
from .errors import ConfigError, InvalidArgument, Status, WxError
from .journal import JournalEntry, JournalState
from .progress import Counts, Progress

__all__ = ["add_parsers", "COMMANDS", "EXIT_OK", "EXIT_REFUSED", "EXIT_IN_DOUBT", "EXIT_INVALID", "EXIT_INTERRUPTED"]

EXIT_OK = 0
EXIT_USAGE = int(Status.INVALID_ARGUMENT)
EXIT_CONFIG = int(Status.CONFIG)
EXIT_REFUSED = 10
EXIT_IN_DOUBT = 11
EXIT_INVALID = 12
EXIT_INTERRUPTED = 13

FIELDS = (
    "out_request_no",
    "related_webank_punish_no",
    "related_wxpay_punish_no",
    "mchid",
    "bal_account_no",
    "recover_reason",
)
REQUIRED = FIELDS[:5]
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

# How long a call may wait for a limiter slot: a little over the limiter's one-minute window,
# so a batch that outruns its quota waits for the next slot instead of being refused.
QUOTA_WAIT_MS = 65_000
DEFAULT_DEADLINE_MS = 30_000  # docs/configuration.md, `deadline_ms`

# States of a row that the journal does not have: the row was not sent, or the journal refused it.
NOT_SENT = "NOT_SENT"  # never handed to the core (interrupted first, or skipped as invalid)
INVALID = "INVALID"  # broke an input rule; not sent (only with --skip-invalid)
CONFLICT = "CONFLICT"  # the journal holds this number with other content; not sent
ERROR = "ERROR"  # the core failed before journaling (e.g. the journal could not be written)


# ----- input -----


@dataclasses.dataclass
class Row:
    """One input row and what became of it. Holds the plaintext ledger id only in memory; its
    repr never shows it."""

    line: int
    values: Dict[str, Optional[str]]
    problems: List[str] = dataclasses.field(default_factory=list)
    state: str = NOT_SENT
    wxpay_recover_no: Optional[str] = None
    request_id: Optional[str] = None
    error_status: Optional[str] = None
    error_code: Optional[str] = None
    error_message: Optional[str] = None

    def __repr__(self) -> str:
        return f"Row(line={self.line}, out_request_no={self.no!r}, state={self.state})"

    @property
    def no(self) -> str:
        return self.values.get("out_request_no") or ""

    def request(self) -> Dict[str, Optional[str]]:
        return {f: self.values.get(f) for f in FIELDS}

    def last4(self) -> str:
        bal = self.values.get("bal_account_no") or ""
        return bal[-4:] if len(bal) >= 8 else ""

    def report(self) -> Dict[str, Any]:
        return {
            "line": self.line,
            "out_request_no": self.no,
            "state": self.state,
            "wxpay_recover_no": self.wxpay_recover_no or "",
            "request_id": self.request_id or "",
            "error_status": self.error_status or "",
            "error_code": self.error_code or "",
            "error_message": self.error_message or "",
            "bal_account_no_last4": self.last4(),
        }


class InputError(Exception):
    """The file as a whole cannot be read (not UTF-8, no header, unknown format)."""


def _shown_name(name: str) -> str:
    """A header cell quoted in a message only when it looks like a field name: a file without
    a header row would otherwise put a ledger id into the output."""
    ok = 0 < len(name) <= 40 and all(c.isascii() and (c.isalnum() or c in "_- ") for c in name)
    return repr(name) if ok and not any(c.isdigit() for c in name) else "(not a field name)"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"line {line}: not UTF-8 text (byte {e.start} of the file)") from None


def _format_of(path: str, text: str, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    lower = path.lower()
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lower.endswith(".csv"):
        return "csv"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def _read_csv(text: str) -> List[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: List[Row] = []
    header: Optional[List[str]] = None
    index: Dict[str, int] = {}
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not cells or all(not c.strip() for c in cells):
                continue  # a blank line
            if header is None:
                header = [c.strip() for c in cells]
                problems = []
                for i, name in enumerate(header):
                    if name not in FIELDS:
                        problems.append(f"line {line}: column {i + 1} {_shown_name(name)}: not a field name "
                                        f"(the header row must name the fields: {', '.join(FIELDS)})")
                    elif name in index:
                        problems.append(f"line {line}: {name}: named twice in the header row")
                    else:
                        index[name] = i
                for name in REQUIRED:
                    if name not in index:
                        problems.append(f"line {line}: {name}: no such column in the header row")
                if problems:
                    raise InputError("\n".join(problems))
                continue
            row = Row(line=line, values={})
            if len(cells) != len(header):
                row.problems.append(f"line {line}: row has {len(cells)} cells, the header row names {len(header)}")
            for name, i in index.items():
                value = cells[i] if i < len(cells) else None
                if name == "recover_reason" and not value:
                    value = None  # an empty cell: no reason
                row.values[name] = value if value is not None else ("" if name in REQUIRED else None)
            rows.append(row)
    except csv.Error as e:
        raise InputError(f"line {reader.line_num}: not valid CSV ({e})") from None
    if header is None:
        raise InputError("the file is empty: a CSV file needs a header row naming the fields")
    return rows


def _read_jsonl(text: str) -> List[Row]:
    rows: List[Row] = []
    for n, raw in enumerate(text.split("\n"), 1):
        raw = raw.rstrip("\r")
        if not raw.strip():
            continue
        row = Row(line=n, values={})
        rows.append(row)
        try:
            obj = json.loads(raw)
        except ValueError:
            row.problems.append(f"line {n}: not a JSON object (not valid JSON)")
            continue
        if not isinstance(obj, dict):
            row.problems.append(f"line {n}: not a JSON object")
            continue
        for key in obj:
            if key not in FIELDS:
                row.problems.append(f"line {n}: {_shown_name(str(key))}: not a field name")
        for name in FIELDS:
            value = obj.get(name)
            if value is None:
                if name in REQUIRED:
                    row.problems.append(f"line {n}: {name}: is missing")
                row.values[name] = "" if name in REQUIRED else None
            elif not isinstance(value, str):
                row.problems.append(f"line {n}: {name}: must be a JSON string")
                row.values[name] = ""
            else:
                row.values[name] = value
    return rows


def read_orders(path: str, fmt: str = "auto", stdin: Optional[Any] = None) -> List[Row]:
    """The rows of ORDERS (`-`: standard input), each with its line number in the file."""
    if path == "-":
        data = (stdin or sys.stdin.buffer).read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    text = _decode(data)
    kind = _format_of(path, text, fmt)
    return _read_jsonl(text) if kind == "jsonl" else _read_csv(text)


def _reason(e: WxError) -> str:
    """`field: reason` from the core's "invalid argument: field: reason"."""
    msg = e.message
    prefix = "invalid argument: "
    return msg[len(prefix):] if msg.startswith(prefix) else msg


def validate(rows: Sequence[Row], library: Optional[str] = None) -> int:
    """Runs the core's input rules on every row, then looks for numbers and control orders
    named twice. Fills each row's problems; returns how many rows have one."""
    first_no: Dict[str, int] = {}
    first_wxpay: Dict[str, int] = {}
    first_webank: Dict[str, int] = {}
    for row in rows:
        if not row.problems:
            try:
                validate_request(**row.request(), library=library)  # type: ignore[arg-type]
            except InvalidArgument as e:
                row.problems.append(f"line {row.line}: {_reason(e)}")
        no = row.values.get("out_request_no")
        if no:
            if no in first_no:
                row.problems.append(f"line {row.line}: out_request_no: the same number as line {first_no[no]}")
            else:
                first_no[no] = row.line
        wxpay = row.values.get("related_wxpay_punish_no")
        webank = row.values.get("related_webank_punish_no")
        if wxpay and wxpay in first_wxpay:
            row.problems.append(
                f"line {row.line}: related_wxpay_punish_no: the same control order as line {first_wxpay[wxpay]}")
        elif webank and webank in first_webank:
            row.problems.append(
                f"line {row.line}: related_webank_punish_no: the same control order as line {first_webank[webank]}")
        if wxpay:
            first_wxpay.setdefault(wxpay, row.line)
        if webank:
            first_webank.setdefault(webank, row.line)
    return sum(1 for r in rows if r.problems)


# ----- the client -----


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


def _waiting_for_quota(client: Client) -> Optional[int]:
    """Calls waiting for a recover limiter slot right now."""
    try:
        return int(client.stats().recover.limiter_waiting)
    except Exception:  # noqa: BLE001 - a display aid only
        return None


# ----- running -----


def _fill_from_entry(row: Row, entry: Optional[JournalEntry]) -> None:
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
    _fill_from_entry(row, entry)


def tally(rows: Sequence[Row]) -> Counts:
    c = Counts()
    for r in rows:
        c.add(r.state)
    return c


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
                    _fill_from_entry(row, self.client.journal_entry(row.no))
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


# ----- output -----


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


# ----- commands -----


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
        _err("usage: --rate must be at least 1 (recovers per minute)")
        return EXIT_USAGE
    journal = args.journal or _default_journal(args.orders)
    if not args.dry_run and not args.config:
        _err("usage: batch needs --config FILE (only --dry-run works without it)")
        return EXIT_USAGE
    if not args.dry_run and journal is None:
        _err("usage: reading ORDERS from standard input needs --journal PATH")
        return EXIT_USAGE
    try:
        rows = read_orders(args.orders, args.format)
    except InputError as e:
        _err(*str(e).splitlines(), "invalid input: nothing was sent")
        return EXIT_INVALID
    except OSError as e:
        _err(f"cannot read {args.orders}: {e.strerror or e}")
        return EXIT_INVALID
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
        client = open_client(args.config, journal, args.rate, library=args.library)
    except WxError as e:
        _err(str(e))
        return EXIT_CONFIG
    except LibraryError as e:
        _err(str(e))
        return EXIT_CONFIG
    _err(f"journal: {os.path.abspath(journal)}")
    if bad:
        _err(f"skipping {bad} invalid rows")
    with client:
        return _run(args, client, rows, sendable, journal)


def _run(args: argparse.Namespace, client: Client, rows: List[Row], sendable: List[Row], journal: str) -> int:
    stream = sys.stderr
    runner = Runner(client, sendable, args.workers)
    stopping: Dict[str, Any] = {}
    progress = Progress(len(sendable), stream=stream, interval=args.progress_interval, label="recover")

    def on_first(name: str) -> None:
        runner.stop.set()
        stopping["signal"] = name
        stopping["at"] = time.monotonic()
        progress.note(f"{name}: taking no new rows; letting {runner.inflight} calls in flight finish "
                      f"(at most their deadline); press Ctrl-C again to leave at once (safe)")

    def on_second() -> None:
        progress.abandon()
        stream.write("\nleaving at once: the journal holds everything that was sent; calls still in flight "
                     "stay IN_DOUBT and are re-entered on resume\n")
        stream.write(f"resume with:\n  {resume_command(args, journal)}\n")
        stream.flush()
        os._exit(EXIT_INTERRUPTED)

    with _Signals(on_first, on_second):
        runner.start(lambda row: submit_row(client, row))
        _watch(progress, lambda: (tally(sendable), len(sendable) - len(runner.todo) - runner.inflight),
               runner.alive, client)
        progress.close(tally(sendable), len(sendable) - len(runner.todo))
        interrupted = runner.stop.is_set()
        if args.wait and not interrupted:
            accepted = [r for r in sendable if r.state == JournalState.ACCEPTED.name]
            if accepted:
                follower = Follower(client, accepted, args.workers, args.wait_timeout, runner.stop)
                wait_progress = Progress(len(accepted), stream=stream, interval=args.progress_interval,
                                         label="wait", kind="wait")
                follower.start()
                _watch(wait_progress,
                       lambda: (tally(accepted), sum(1 for r in accepted if r.state != JournalState.ACCEPTED.name)),
                       follower.alive, None)
                wait_progress.close(tally(accepted), sum(1 for r in accepted if r.state != "ACCEPTED"))
            interrupted = runner.stop.is_set()
    # Rows never taken: what the journal knows of them from an earlier run, else NOT_SENT.
    for row in sendable:
        if row.state == NOT_SENT:
            try:
                entry = client.journal_entry(row.no)
            except WxError:
                entry = None
            _fill_from_entry(row, entry)
    if args.report:
        try:
            write_report(args.report, rows)
        except OSError as e:
            _err(f"cannot write the report {args.report}: {e.strerror or e}")
    _err(summary_table(rows))
    if args.report:
        _err(f"report: {args.report}")
    code = exit_code(rows, args.wait, interrupted)
    if interrupted:
        _err(f"interrupted by {stopping.get('signal', 'a signal')}; resume with:", f"  {resume_command(args, journal)}")
    elif code == EXIT_IN_DOUBT:
        _err("some rows are not settled: run the same command again to re-enter them (it resumes from the journal)")
    return code


def _watch(progress: Progress, snapshot: Callable[[], Tuple[Counts, int]], alive: Callable[[], bool],
           client: Optional[Client]) -> None:
    """The main thread draws progress until the workers end (signals are handled here)."""
    while alive():
        counts, done = snapshot()
        waiting = _waiting_for_quota(client) if client is not None else None
        progress.update(counts, done, waiting)
        time.sleep(0.2)


def cmd_pending(args: argparse.Namespace) -> int:
    """Lists the journal's pending entries. The library reads the file read-only, so this
    needs no configuration and no keys."""
    path = os.path.abspath(args.journal)
    try:
        found = pending_at(path, library=getattr(args, "library", None))
    except WxError as e:
        _err(f"{path}: {e}")
        return EXIT_CONFIG
    entries = [{
        "out_request_no": e.out_request_no,
        "state": e.state.name,
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
            print(f"{e['out_request_no']}  {e['state']}  {e['wxpay_recover_no'] or '-'}  attempts {e['attempts']}{err}")
        doubt = sum(1 for e in entries if e["state"] == "IN_DOUBT")
        print(f"{len(entries)} pending: {doubt} IN_DOUBT, {len(entries) - doubt} ACCEPTED", file=sys.stderr)
    return EXIT_OK


def cmd_reconcile(args: argparse.Namespace) -> int:
    if not os.path.isfile(args.journal):
        _err(f"no journal at {os.path.abspath(args.journal)}")
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
        print(f"still {e.state.name}: {e.out_request_no}{err}")
    if report.busy:
        print(f"busy (another process holds them): {report.busy}")
    return EXIT_IN_DOUBT if report.pending or report.busy else EXIT_OK


COMMANDS = ("batch", "pending", "reconcile")


def add_parsers(sub: Any) -> None:
    """Registers batch, pending and reconcile on the CLI's subparsers; each sets `handler`."""
    b = sub.add_parser("batch", help="send a file of recovers (CSV or JSON Lines), with progress, resume and a report",
                       description="Sends every row of ORDERS as a recover through one journaled client. "
                                   "Running the same command again resumes. See docs/operators.md.")
    b.add_argument("orders", metavar="ORDERS", help="CSV with a header row, or JSON Lines; '-' reads standard input")
    b.add_argument("--config", metavar="FILE", help="client configuration JSON file")
    b.add_argument("--journal", metavar="PATH", help="journal file (default: ORDERS.journal.sqlite beside the input)")
    b.add_argument("--format", choices=["auto", "csv", "jsonl"], default="auto",
                   help="input format (default: from the file name, else from the first character)")
    b.add_argument("--workers", type=int, default=4, metavar="N", help="threads sharing the client (default 4)")
    b.add_argument("--rate", type=int, metavar="N", help="at most N recovers per minute (lowers the configured limit)")
    b.add_argument("--skip-invalid", action="store_true", help="send the valid rows even when some are invalid")
    b.add_argument("--dry-run", action="store_true", help="validate every row, send nothing")
    b.add_argument("--wait", action="store_true", help="query accepted orders until SUCCEEDED or FAILED")
    b.add_argument("--wait-timeout", type=float, default=600.0, metavar="SECONDS",
                   help="give up following after this long (default 600)")
    b.add_argument("--report", metavar="PATH", help="write one row per input row to PATH (.csv or .json)")
    b.add_argument("--progress-interval", type=float, default=5.0, metavar="SECONDS",
                   help="seconds between progress lines when stderr is not a terminal (default 5)")
    b.set_defaults(handler=cmd_batch)

    p = sub.add_parser("pending", help="list the IN_DOUBT and ACCEPTED entries of a journal")
    p.add_argument("--journal", required=True, metavar="PATH")
    p.add_argument("--json", action="store_true", help="one JSON array on stdout")
    p.set_defaults(handler=cmd_pending)

    r = sub.add_parser("reconcile", help="settle a journal's pending entries (re-entry and queries)")
    r.add_argument("--journal", required=True, metavar="PATH")
    r.add_argument("--config", required=True, metavar="FILE", help="client configuration JSON file")
    r.add_argument("--max-orders", type=int, metavar="N", help="work at most N entries")
    r.add_argument("--deadline-ms", type=int, metavar="MS", help="start no new entry after MS milliseconds")
    r.set_defaults(handler=cmd_reconcile)
