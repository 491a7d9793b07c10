"""Reading the batch's input: the orders file (CSV or JSON Lines) into rows of recovers and punishes, and the checks every row passes before anything is sent.

The input rules of a recover are the core's (``validate_request``); those of a punish are the
core's too, applied by :func:`wx_recover.punish_commands.check_punish` (the C ABI has no punish
validation without a client). This module reads the file, tells each row's kind (a ``kind``
column, else ``--kind``, else recover), finds numbers named twice within one kind and control
orders named twice, and keeps each row's problems for the operator.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .client import validate_request
from .errors import InvalidArgument, WxError
from .punish_commands import PUNISH_FIELDS, PUNISH_REQUIRED, SCENE_RULE, check_optional, check_punish, parse_scene

__all__ = ["FIELDS", "REQUIRED", "Row", "InputError", "read_orders", "validate",
           "NOT_SENT", "INVALID", "CONFLICT", "ERROR", "ORIGIN_JOURNAL", "ORIGIN_REENTERED", "ORIGIN_NEW",
           "RECOVER", "PUNISH", "KINDS", "RECOVER_EXTRA", "COLUMNS", "PUNISH_FIELDS", "PUNISH_REQUIRED"]

FIELDS = (
    "out_request_no",
    "related_webank_punish_no",
    "related_wxpay_punish_no",
    "mchid",
    "bal_account_no",
    "recover_reason",
)
REQUIRED = FIELDS[:5]
# Optional fields of a recover the binding sends when given (card_no encrypted like the ledger id).
RECOVER_EXTRA = ("card_no", "sgn_no", "req_scene")

# A row's kind: the `kind` column (case-insensitive; empty: the file's kind), else --kind, else recover.
RECOVER = "recover"
PUNISH = "punish"
KINDS = (RECOVER, PUNISH)
KIND_FIELDS = {RECOVER: FIELDS + RECOVER_EXTRA, PUNISH: PUNISH_FIELDS}
KIND_REQUIRED = {RECOVER: REQUIRED, PUNISH: PUNISH_REQUIRED}
# Every column a file may have.
COLUMNS = ("kind",) + FIELDS + tuple(f for f in RECOVER_EXTRA + PUNISH_FIELDS if f not in FIELDS)

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
    # The platform's number: wxpay_recover_no of a recover, wxpay_punish_no of a punish.
    platform_no: Optional[str] = None
    request_id: Optional[str] = None
    error_status: Optional[str] = None
    error_code: Optional[str] = None
    error_message: Optional[str] = None
    # Where this run's answer came from: ORIGIN_JOURNAL (the journal already had it; nothing
    # sent), ORIGIN_REENTERED (in doubt before; sent again) or ORIGIN_NEW (sent for the first
    # time). None for a row this run did not take.
    origin: Optional[str] = None
    kind: str = RECOVER

    def __repr__(self) -> str:
        return f"Row(line={self.line}, kind={self.kind}, out_request_no={self.no!r}, state={self.state})"

    @property
    def no(self) -> str:
        return self.values.get("out_request_no") or ""

    @property
    def journal_kind(self) -> str:
        """The kind as the journal names it (``Client.journal_entry(no, kind=...)``)."""
        return self.kind.upper()

    @property
    def wxpay_recover_no(self) -> Optional[str]:
        """The recover's number (None for a punish row)."""
        return self.platform_no if self.kind == RECOVER else None

    @wxpay_recover_no.setter
    def wxpay_recover_no(self, value: Optional[str]) -> None:
        self.platform_no = value

    def request(self) -> Dict[str, Optional[str]]:
        """A recover's fields as ``validate_request`` takes them."""
        return {f: self.values.get(f) for f in FIELDS}

    def submit_args(self) -> Dict[str, Any]:
        """A recover's fields as ``Client.submit`` takes them (the optional ones only when given)."""
        args: Dict[str, Any] = self.request()
        args.update({f: self.values[f] for f in RECOVER_EXTRA if self.values.get(f) is not None})
        return args

    def punish_args(self) -> Dict[str, Any]:
        """A punish's fields as ``Client.punish`` takes them (the row passed :func:`validate`)."""
        args: Dict[str, Any] = {f: self.values.get(f) for f in PUNISH_FIELDS}
        args["punish_scene"] = parse_scene(args["punish_scene"] or "")
        return args

    def last4(self) -> str:
        bal = self.values.get("bal_account_no") or ""
        return bal[-4:] if len(bal) >= 8 else ""

    def report(self) -> Dict[str, Any]:
        return {
            "line": self.line,
            "kind": self.kind,
            "out_request_no": self.no,
            "state": self.state,
            "platform_no": self.platform_no or "",
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


def _kind_of(line: int, cell: Optional[str], default: str, given: bool, problems: List[str]) -> str:
    """A row's kind from its ``kind`` cell (case-insensitive; empty: `default`). Never quotes
    the cell: a shifted row could put a ledger id there."""
    value = (cell or "").strip().lower()
    if not value:
        return default
    if value not in KINDS:
        problems.append(f"line {line}: kind: must be recover or punish (empty: {default})")
        return default
    if given and value != default:
        problems.append(f"line {line}: kind: names another kind than --kind {default}")
    return value


def _other(kind: str) -> str:
    return PUNISH if kind == RECOVER else RECOVER


def _foreign(line: int, name: str, kind: str) -> str:
    return f"line {line}: {name}: not a field of a {kind} row"


def _fill_csv(row: Row, cells: Dict[str, Optional[str]]) -> None:
    """The row's values from its cells (None: the row has no such cell). An empty cell of an
    optional field is "not given"; a non-empty cell of the other kind's field is a problem."""
    own, required = KIND_FIELDS[row.kind], KIND_REQUIRED[row.kind]
    for name, value in cells.items():
        if name not in own and value:
            row.problems.append(_foreign(row.line, name, row.kind))
    for name in own:
        value = cells.get(name)
        if name in required:
            row.values[name] = value if value is not None else ""
        else:
            row.values[name] = value or None  # an empty cell: not given


def _header(line: int, header: List[str], kind: str) -> Dict[str, int]:
    """The column of each field the header row names; InputError for a header that does not
    fit. Without a ``kind`` column every row is of `kind`, so its required fields must be
    columns and the other kind's own fields must not."""
    index: Dict[str, int] = {}
    problems = []
    for i, name in enumerate(header):
        if name not in COLUMNS:
            problems.append(f"line {line}: column {i + 1} {_shown_name(name)}: not a field name "
                            f"(the header row must name the fields: {', '.join(FIELDS)}; "
                            f"of punishes: {', '.join(PUNISH_FIELDS)}; and optionally kind)")
        elif name in index:
            problems.append(f"line {line}: {name}: named twice in the header row")
        else:
            index[name] = i
    if "kind" not in index:
        for name in index:
            if name not in KIND_FIELDS[kind]:
                others = "punishes" if kind == RECOVER else "recovers"
                problems.append(f"{_foreign(line, name, kind)} (a file of {others} needs --kind {_other(kind)}; "
                                f"a file of both kinds, a kind column)")
        for name in KIND_REQUIRED[kind]:
            if name not in index:
                problems.append(f"line {line}: {name}: no such column in the header row")
    if problems:
        raise InputError("\n".join(problems))
    return index


def _read_csv(text: str, kind: str = RECOVER, given: bool = False) -> List[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: List[Row] = []
    header: Optional[List[str]] = None
    index: Dict[str, int] = {}
    header_line = start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not cells or all(not c.strip() for c in cells):
                continue  # a blank line
            if header is None:
                header = [c.strip() for c in cells]
                header_line = line
                index = _header(line, header, kind)
                continue
            row = Row(line=line, values={})
            if len(cells) != len(header):
                row.problems.append(f"line {line}: row has {len(cells)} cells, the header row names {len(header)}")
            got = {name: (cells[i] if i < len(cells) else None) for name, i in index.items()}
            row.kind = _kind_of(line, got.pop("kind", None), kind, given, row.problems)
            _fill_csv(row, got)
            rows.append(row)
    except csv.Error as e:
        raise InputError(f"line {reader.line_num}: not valid CSV ({e})") from None
    if header is None:
        raise InputError("the file is empty: a CSV file needs a header row naming the fields")
    if "kind" in index:
        # A file of both kinds: each kind present needs its required columns.
        problems = []
        for k in KINDS:
            first = next((r.line for r in rows if r.kind == k), None)
            for name in KIND_REQUIRED[k] if first is not None else ():
                if name not in index:
                    problems.append(f"line {header_line}: {name}: no such column in the header row "
                                    f"(the {k} rows need it; the first is line {first})")
        if problems:
            raise InputError("\n".join(problems))
    return rows


def _json_value(row: Row, name: str, value: Any) -> Optional[str]:
    """A JSON value as the row's text; a problem for one of the wrong type."""
    if name == "punish_scene" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value
    why = SCENE_RULE if name == "punish_scene" else "must be a JSON string"
    row.problems.append(f"line {row.line}: {name}: {why}")
    return ""


def _read_jsonl(text: str, kind: str = RECOVER, given: bool = False) -> List[Row]:
    rows: List[Row] = []
    for n, raw in enumerate(text.split("\n"), 1):
        raw = raw.rstrip("\r")
        if not raw.strip():
            continue
        row = Row(line=n, values={}, kind=kind)
        rows.append(row)
        try:
            obj = json.loads(raw)
        except ValueError:
            row.problems.append(f"line {n}: not a JSON object (not valid JSON)")
            continue
        if not isinstance(obj, dict):
            row.problems.append(f"line {n}: not a JSON object")
            continue
        cell = obj.get("kind")
        if cell is not None and not isinstance(cell, str):
            row.problems.append(f"line {n}: kind: must be a JSON string")
            cell = None
        row.kind = _kind_of(n, cell, kind, given, row.problems)
        own, required = KIND_FIELDS[row.kind], KIND_REQUIRED[row.kind]
        for key in obj:
            if key not in COLUMNS:
                row.problems.append(f"line {n}: {_shown_name(str(key))}: not a field name")
            elif key != "kind" and key not in own and obj[key] is not None:
                row.problems.append(_foreign(n, key, row.kind))
        for name in own:
            value = obj.get(name)
            if value is None:
                if name in required:
                    row.problems.append(f"line {n}: {name}: is missing")
                row.values[name] = "" if name in required else None
            else:
                row.values[name] = _json_value(row, name, value)
    return rows


def read_orders(path: str, fmt: str = "auto", stdin: Optional[Any] = None, kind: Optional[str] = None) -> List[Row]:
    """The rows of ORDERS (`-`: standard input), each with its line number in the file and
    its kind: its ``kind`` cell, else `kind` (``--kind``), else recover."""
    if path == "-":
        data = (stdin or sys.stdin.buffer).read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    text = _decode(data)
    fmt = _format_of(path, text, fmt)
    default = kind or RECOVER
    if fmt == "jsonl":
        return _read_jsonl(text, default, kind is not None)
    return _read_csv(text, default, kind is not None)


def _reason(e: WxError) -> str:
    """`field: reason` from the core's "invalid argument: field: reason"."""
    msg = e.message
    prefix = "invalid argument: "
    return msg[len(prefix):] if msg.startswith(prefix) else msg


def validate(rows: Sequence[Row], library: Optional[str] = None) -> int:
    """Runs the input rules on every row (a recover's are the core's ``validate_request``; a
    punish's, :func:`check_punish`), then looks for numbers named twice within one kind (the
    platform numbers recovers and punishes separately) and control orders named twice by
    recovers. Fills each row's problems; returns how many rows have one."""
    first_no: Dict[Tuple[str, str], int] = {}
    first_wxpay: Dict[str, int] = {}
    first_webank: Dict[str, int] = {}
    for row in rows:
        if not row.problems and row.kind == PUNISH:
            row.problems.extend(f"line {row.line}: {p}" for p in check_punish(row.values))
        elif not row.problems:
            try:
                validate_request(**row.request(), library=library)  # type: ignore[arg-type]
            except InvalidArgument as e:
                row.problems.append(f"line {row.line}: {_reason(e)}")
            else:
                row.problems.extend(f"line {row.line}: {p}" for p in check_optional(row.values, RECOVER_EXTRA))
        no = row.values.get("out_request_no")
        if no:
            if (row.kind, no) in first_no:
                first = first_no[row.kind, no]
                row.problems.append(f"line {row.line}: out_request_no: the same number as line {first}")
            else:
                first_no[row.kind, no] = row.line
        if row.kind != RECOVER:
            continue
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
