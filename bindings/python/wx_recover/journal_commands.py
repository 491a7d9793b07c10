"""Journal values on the command line, and ``wx-recover journal copy``.

A journal is a SQLite file path or a PostgreSQL journal's ``postgresql://`` (``postgres://``)
URL (docs/journal.md, "a journal for a fleet"). Paths are made absolute; URLs pass as they are.
What the commands print shows a URL's password as ``***``: keep it in ``PGPASSWORD`` or a
password file (``~/.pgpass``) and the printed commands work as they are.

    wx-recover journal copy --from FILE --to URL (--config FILE | --merchant MCHID) [--timeout-ms N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

from .client import journal_copy
from ._native import LibraryError
from .errors import WxError

_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)


def is_url(journal: str) -> bool:
    """Whether ``journal`` names a PostgreSQL journal rather than a file."""
    return bool(_URL.match(journal))


def journal_value(journal: str) -> str:
    """The journal as the library's configuration takes it: a URL as given, a path absolute."""
    return journal if is_url(journal) else os.path.abspath(journal)


def shown(journal: str) -> str:
    """``journal`` as it may be printed: a path absolute, a URL without its password."""
    return masked(journal) if is_url(journal) else os.path.abspath(journal)


def masked(journal: str) -> str:
    """``journal`` with a URL's password as ``***``; a path as it is."""
    if not is_url(journal):
        return journal
    head, at, rest = journal.rpartition("@")
    if not at:
        return journal
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':', 1)[0]}:***@{rest}" if ":" in user else journal


def cmd_journal_copy(args: argparse.Namespace) -> int:
    if is_url(args.source) or not os.path.isfile(args.source):
        print(f"wx-recover: --from: no SQLite journal file at {shown(args.source)}", file=sys.stderr)
        return 2
    if not is_url(args.to):
        print("wx-recover: --to: must be a postgresql:// URL", file=sys.stderr)
        return 1
    merchant = args.merchant
    if merchant is None:
        try:
            with open(args.config, "rb") as f:
                merchant = json.loads(f.read().decode("utf-8-sig")).get("mchid")
        except (OSError, ValueError, AttributeError) as e:
            print(f"wx-recover: --config: {e}", file=sys.stderr)
            return 2
        if not isinstance(merchant, str) or not merchant:
            print(f"wx-recover: --config: {args.config} has no mchid", file=sys.stderr)
            return 2
    try:
        copied, skipped, pending = journal_copy(args.source, args.to, merchant, args.timeout_ms,
                                                library=getattr(args, "library", None))
    except (WxError, LibraryError) as e:
        print(f"wx-recover: journal copy: {e}", file=sys.stderr)
        return 2
    print(f"copied {copied} entries ({pending} pending) from {shown(args.source)} to {shown(args.to)} "
          f"for merchant {merchant}; {skipped} were there already")
    return 0


def add_parsers(sub: Any) -> None:
    """Registers ``journal copy`` on the CLI's subparsers."""
    j = sub.add_parser("journal", help="journal maintenance: journal copy (SQLite to PostgreSQL)")
    jsub = j.add_subparsers(dest="journal_command", metavar="COMMAND", required=True)
    c = jsub.add_parser(
        "copy", help="copy a host's SQLite journal into a PostgreSQL journal, pending entries included",
        description="Copies every entry of a SQLite journal into the fleet's PostgreSQL journal, keyed by the "
                    "merchant that wrote it. Numbers the database has already are left alone: running it "
                    "twice copies nothing twice. The file is opened read-only. See docs/journal.md.")
    c.add_argument("--from", dest="source", required=True, metavar="FILE", help="the SQLite journal file")
    c.add_argument("--to", required=True, metavar="URL", help="postgresql://USER@HOST[:PORT]/DB[?sslmode=...]")
    who = c.add_mutually_exclusive_group(required=True)
    who.add_argument("--config", metavar="FILE", help="the configuration of the clients that wrote FILE (its mchid)")
    who.add_argument("--merchant", metavar="MCHID", help="the mchid of the clients that wrote FILE")
    c.add_argument("--timeout-ms", type=int, default=10_000, metavar="MS",
                   help="bounds connecting and each statement (default 10000)")
    c.set_defaults(handler=cmd_journal_copy)
