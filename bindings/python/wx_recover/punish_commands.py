"""The punish (管控) side of the operators' CLI: the ``punish`` command, ``query --kind punish``, and the input rules a punish row of ``batch`` passes before anything is sent.

    wx-recover punish --config FILE --out-request-no N --mchid M --bal-account-no B|- \
        --punish-scene INT [--punish-reason R] [--punish-end-time T] [--card-no C|-] \
        [--sgn-no S] [--req-scene S] [--fund-repatriation-strategy S]
    wx-recover query --kind punish --config FILE --out-request-no N --mchid M

The call itself is the core's (:meth:`Client.punish`, :meth:`Client.query_punish`): it checks
every field, encrypts ``bal_account_no`` and ``card_no``, signs, retries and journals. The C ABI
has no punish validation without a client, so for the batch's checks before sending
:func:`check_punish` applies the same rules here (those of ``PunishRequest::validate`` in
src/protocol/punish.rs, with the same messages); the core checks them again when it sends.
Neither ``bal_account_no`` nor ``card_no`` is ever printed or quoted in a message.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from typing import IO, Any, Dict, List, Mapping, Optional, Sequence

from .client import Client
from .punish import TEXT_FIELDS, PunishOrder

__all__ = ["PUNISH_FIELDS", "PUNISH_REQUIRED", "PUNISH_OPTIONAL", "SCENE_RULE", "add_parser", "check_punish",
           "check_optional", "parse_scene", "scene_arg", "is_rfc3339", "secrets_from_stdin", "run_punish", "order_dict"]

PUNISH_FIELDS = (
    "out_request_no",
    "mchid",
    "bal_account_no",
    "punish_scene",
    "punish_reason",
    "punish_end_time",
    "card_no",
    "sgn_no",
    "req_scene",
    "fund_repatriation_strategy",
)
PUNISH_REQUIRED = PUNISH_FIELDS[:4]
PUNISH_OPTIONAL = PUNISH_FIELDS[4:]

# The core's limits (src/protocol/model.rs).
OUT_REQUEST_NO_MAX_BYTES = 64
IDENTIFIER_MAX_BYTES = 256
OAEP_MAX_PLAINTEXT = 214
REASON_MAX_CHARS = 256
SCENE_RULE = "must be an integer (a scene id agreed with the platform)"

_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_scene(value: str) -> Optional[int]:
    """``punish_scene`` from text: ASCII digits with an optional sign, within 64 bits; None
    for anything else (a word, a decimal point, spaces, an empty cell)."""
    if not _INTEGER.fullmatch(value):
        return None
    n = int(value)
    return n if -(2 ** 63) <= n < 2 ** 63 else None


def scene_arg(value: str) -> int:
    """argparse ``type`` of ``--punish-scene``: a non-integer is a usage error naming the option."""
    n = parse_scene(value)
    if n is None:
        raise argparse.ArgumentTypeError(SCENE_RULE + " within 64 bits")
    return n


def _control(value: str) -> bool:
    # Rust's char::is_control: the Unicode category Cc.
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value)


def _identifier(value: str) -> Optional[str]:
    if not value:
        return "is required and must not be empty"
    if _control(value):
        return "must not contain control characters"
    if len(value.encode("utf-8")) > IDENTIFIER_MAX_BYTES:
        return "must be at most 256 bytes"
    return None


def _secret(value: str) -> Optional[str]:
    if len(value.encode("utf-8")) > OAEP_MAX_PLAINTEXT:
        return "must be at most 214 bytes (RSA-OAEP limit)"
    return _identifier(value)


def _reason(value: str) -> Optional[str]:
    if len(value) > REASON_MAX_CHARS:
        return "must be at most 256 characters"
    if _control(value):
        return "must contain visible characters only (no control characters)"
    return None


def _digits(b: bytes, lo: int, hi: int) -> Optional[int]:
    part = b[lo:hi]
    return int(part) if len(part) == hi - lo and all(0x30 <= c <= 0x39 for c in part) else None


def is_rfc3339(value: str) -> bool:
    """An RFC 3339 time such as ``2026-12-31T23:59:59+08:00``, as the core's check_rfc3339
    accepts it (a real date, optional fraction, ``Z`` or a ±hh:mm offset)."""
    b = value.encode("utf-8")
    if len(b) < 20 or b[4:5] != b"-" or b[7:8] != b"-" or b[10:11] not in (b"T", b"t"):
        return False
    if b[13:14] != b":" or b[16:17] != b":":
        return False
    parts = [_digits(b, lo, lo + n) for lo, n in ((0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2))]
    if any(p is None for p in parts):
        return False
    y, mo, d, h, mi, s = (int(p) for p in parts)  # type: ignore[arg-type]
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not 1 <= mo <= 12 or d == 0 or d > days[mo - 1] or h > 23 or mi > 59 or s > 60:
        return False
    rest = b[19:]
    if rest[:1] == b".":
        n = 0
        while 1 + n < len(rest) and 0x30 <= rest[1 + n] <= 0x39:
            n += 1
        if n == 0:
            return False
        rest = rest[1 + n:]
    if rest in (b"Z", b"z"):
        return True
    if len(rest) == 6 and rest[0:1] in (b"+", b"-") and rest[3:4] == b":":
        hh, mm = _digits(rest, 1, 3), _digits(rest, 4, 6)
        return hh is not None and mm is not None and hh <= 23 and mm <= 59
    return False


def check_punish(values: Mapping[str, Optional[str]]) -> List[str]:
    """Every rule a punish's fields break, as ``field: reason`` in the fields' order (the core
    reports only the first). ``values`` holds text, as read from a file; an optional field is
    None when not given. Never quotes a value."""
    problems: List[str] = []

    def add(name: str, why: Optional[str]) -> None:
        if why:
            problems.append(f"{name}: {why}")

    no = values.get("out_request_no") or ""
    if len(no.encode("utf-8")) > OUT_REQUEST_NO_MAX_BYTES:
        add("out_request_no", "must be at most 64 bytes")
    else:
        add("out_request_no", _identifier(no))
    add("mchid", _identifier(values.get("mchid") or ""))
    add("bal_account_no", _secret(values.get("bal_account_no") or ""))
    scene = values.get("punish_scene") or ""
    if not scene:
        add("punish_scene", "is required and must not be empty")
    elif parse_scene(scene) is None:
        add("punish_scene", SCENE_RULE + " within 64 bits")
    reason = values.get("punish_reason")
    if reason is not None:
        add("punish_reason", _reason(reason))
    end = values.get("punish_end_time")
    if end is not None and not is_rfc3339(end):
        add("punish_end_time", "must be an RFC 3339 time such as 2026-12-31T23:59:59+08:00")
    return problems + check_optional(values, ("card_no", "sgn_no", "req_scene", "fund_repatriation_strategy"))


def check_optional(values: Mapping[str, Optional[str]], names: Sequence[str]) -> List[str]:
    """The rules of the optional fields `names` (given ones only): ``card_no`` is a secret
    (at most 214 bytes), the others identifiers. As ``field: reason``."""
    problems = []
    for name in names:
        v = values.get(name)
        why = None if v is None else _secret(v) if name == "card_no" else _identifier(v)
        if why:
            problems.append(f"{name}: {why}")
    return problems


def add_parser(sub: Any) -> None:
    """Registers ``punish`` on the CLI's subparsers (run by __main__, like ``submit``)."""
    s = sub.add_parser("punish", help="place a control order (管控) and print the acceptance",
                       description="Places a control order. The acceptance is not the outcome: follow it with "
                                   "`query --kind punish`. See docs/operators.md.")
    s.add_argument("--config", required=True, metavar="FILE", help="client configuration JSON file")
    s.add_argument("--out-request-no", required=True, help="your number for this punish")
    s.add_argument("--mchid", required=True, help="target merchant id")
    s.add_argument("--bal-account-no", required=True,
                   help="ledger id (plaintext; '-' reads it from the first line of stdin)")
    s.add_argument("--punish-scene", required=True, type=scene_arg, metavar="INT",
                   help="the scene id agreed with the platform (an integer)")
    s.add_argument("--punish-reason")
    s.add_argument("--punish-end-time", metavar="RFC3339", help="e.g. 2026-12-31T23:59:59+08:00 (absent: long-term)")
    s.add_argument("--card-no", help="card number (plaintext; '-' reads it from stdin, after the ledger id if that "
                                     "is '-' too)")
    s.add_argument("--sgn-no")
    s.add_argument("--req-scene")
    s.add_argument("--fund-repatriation-strategy")


def secrets_from_stdin(args: argparse.Namespace, stdin: Optional[IO[str]] = None) -> Dict[str, Optional[str]]:
    """``bal_account_no`` and ``card_no`` as given, each '-' read from the next line of stdin
    (the ledger id first), so neither needs to be on the command line."""
    stream = stdin or sys.stdin
    got: Dict[str, Optional[str]] = {}
    for name in ("bal_account_no", "card_no"):
        value = getattr(args, name, None)
        got[name] = stream.readline().rstrip("\r\n") if value == "-" else value
    return got


def run_punish(client: Client, args: argparse.Namespace, secrets: Mapping[str, Optional[str]]) -> Dict[str, Any]:
    """Places the punish the arguments describe; the acceptance as printed (never a secret)."""
    accepted = client.punish(
        args.out_request_no, args.mchid, secrets["bal_account_no"], args.punish_scene,  # type: ignore[arg-type]
        punish_reason=args.punish_reason, punish_end_time=args.punish_end_time, card_no=secrets["card_no"],
        sgn_no=args.sgn_no, req_scene=args.req_scene, fund_repatriation_strategy=args.fund_repatriation_strategy,
    )
    return dataclasses.asdict(accepted)


def order_dict(order: PunishOrder) -> Dict[str, Any]:
    """A punish order, JSON-ready: ``state`` (the parsed punish_state: EXECUTING, SUCCESS, FAILED
    or UNKNOWN), the platform's fields under their own names (``punish_state`` and
    ``effect_state`` as the platform sent them, None when absent), the two integers as numbers,
    ``control_action`` as a list, the times, the Request-ID and undocumented fields in ``extra``."""
    d: Dict[str, Any] = {
        "out_request_no": order.out_request_no,
        "wxpay_punish_no": order.wxpay_punish_no,
        "mchid": order.mchid,
        "state": order.punish_state.name,
        "punish_state": order.punish_state_text,
        "effect_state": order.effect_state_text,
        "punish_scene": order.punish_scene,
        "punish_rule_version": order.punish_rule_version,
        "control_action": list(order.control_action),
    }
    for name in TEXT_FIELDS:
        d.setdefault(name, getattr(order, name))
    d["request_id"] = order.request_id
    d["extra"] = dict(order.extra)
    return d
