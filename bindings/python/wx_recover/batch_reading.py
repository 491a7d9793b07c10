"""Reading the batch's input: the orders file (CSV or JSON Lines) into rows, and the checks every row passes before anything is sent.

The input rules themselves are the core's (``validate_request``); this module reads the file,
finds numbers and control orders named twice, and keeps each row's problems for the operator.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from typing import Any, Dict, List, Optional, Sequence

from .client import validate_request
from .errors import InvalidArgument, WxError

__all__ = ["FIELDS", "REQUIRED", "Row", "InputError", "read_orders", "validate",
           "NOT_SENT", "INVALID", "CONFLICT", "ERROR", "ORIGIN_JOURNAL", "ORIGIN_REENTERED", "ORIGIN_NEW"]

FIELDS = (
    "out_request_no",
    "related_webank_punish_no",
    "related_wxpay_punish_no",
    "mchid",
    "bal_account_no",
    "recover_reason",
)
REQUIRED = FIELDS[:5]

# States of a row that the journal does not have: the row was not sent, or the journal refused it.
NOT_SENT = "NOT_SENT"  # never handed to the core (interrupted first, or skipped as invalid)
INVALID = "INVALID"  # broke an input rule; not sent (only with --skip-invalid)
CONFLICT = "CONFLICT"  # the journal holds this number with other content; not sent
ERROR = "ERROR"  # the core failed before journaling (e.g. the journal could not be written)

ORIGIN_JOURNAL = "journal"
ORIGIN_REENTERED = "re-entered"
ORIGIN_NEW = "new"


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
    # Where this run's answer came from: ORIGIN_JOURNAL (the journal already had it; nothing
    # sent), ORIGIN_REENTERED (in doubt before; sent again) or ORIGIN_NEW (sent for the first
    # time). None for a row this run did not take.
    origin: Optional[str] = None

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
