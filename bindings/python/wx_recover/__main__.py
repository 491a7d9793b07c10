"""Command line for operators.

    python -m wx_recover submit --config FILE --out-request-no N --related-webank-punish-no W \
        --related-wxpay-punish-no X --mchid M --bal-account-no B [--recover-reason R]
    python -m wx_recover query --config FILE --out-request-no N --mchid M [--kind recover|punish]
    python -m wx_recover punish --config FILE --out-request-no N --mchid M --bal-account-no B \
        --punish-scene INT [--punish-reason R] [--punish-end-time T] [--card-no C] [--sgn-no S] \
        [--req-scene S] [--fund-repatriation-strategy S]   (管控: see wx_recover/punish_commands.py)
    python -m wx_recover version
    wx-recover --version            (the console script; the same commands)
    python -m wx_recover batch ORDERS --config FILE ...   (a file of recovers and punishes: see wx_recover/batch.py)
    python -m wx_recover pending --journal PATH / reconcile --journal PATH --config FILE

Success: one JSON object on stdout, exit code 0. Failure: one JSON object with every error
field on stderr (stdout stays empty, so `> result.json` only ever holds results), exit code =
the wx_status value (1 invalid argument ... 9 internal). Usage errors are status 1; a missing
or unusable shared library is status 2 (configuration). `--bal-account-no -` reads the ledger
id from the first line of stdin, keeping it out of the process list and shell history (for
`punish`, `--card-no -` reads the card number from the next line). Neither is ever printed.
`--log LEVEL` (error, warning, info, debug, trace) also writes the library's log lines to stderr,
before the JSON error if there is one.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from typing import Any, Dict, List, NoReturn, Optional

from ._native import LibraryError
from .client import Client
from .errors import Status, WxError
from .punish_commands import add_parser as add_punish_parser
from .punish_commands import order_dict, run_punish, secrets_from_stdin


def _emit_error(d: Dict[str, Any]) -> None:
    print(json.dumps(d, ensure_ascii=False), file=sys.stderr)


def _fail(message: str, status: Status, kind: str) -> int:
    _emit_error(
        {
            "error": kind,
            "status": status.name,
            "status_code": int(status),
            "http_status": 0,
            "code": None,
            "message": message,
            "detail": None,
            "request_id": None,
            "retry_safe": False,
            "attempts": 0,
        }
    )
    return int(status)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise SystemExit(_fail(f"usage: {message}", Status.INVALID_ARGUMENT, "UsageError"))


def _prog() -> str:
    """The name this program was started as: `wx-recover` (console script) or `python -m wx_recover`."""
    argv0 = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if argv0 in ("", "-c", "__main__.py"):
        return "python -m wx_recover"
    return argv0


class _Version(argparse.Action):
    """`--version`: the binding's version and the loaded library's (exit 2 if it cannot load)."""

    def __init__(self, option_strings: List[str], dest: str = argparse.SUPPRESS, **kw: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option_string: Any = None) -> None:
        from . import __version__
        from ._native import load_library

        try:
            lib = load_library(getattr(namespace, "library", None))
        except LibraryError as e:
            print(f"{parser.prog} {__version__} (library not loaded: {e})", file=sys.stderr)
            parser.exit(int(Status.CONFIG))
        info = json.loads(lib.build_info())
        ssl = f"{info.get('openssl', '?')}{', built in' if info.get('openssl_vendored') else ''}"
        print(f"{parser.prog} {__version__} (library {lib.version()}, {ssl}, {lib.path})")
        parser.exit(0)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=_prog(), description="WeChat Pay control orders: recover (解管) and punish (管控).")
    p.add_argument("--version", action=_Version, help="print the binding and library versions and exit")
    p.add_argument("--log", metavar="LEVEL", choices=["error", "warning", "info", "debug", "trace"],
                   help="write the library's log lines at LEVEL and above to stderr")
    p.add_argument("--library", metavar="PATH", help="path of libwx_recover.so (default: $WX_RECOVER_LIB, bundled, repo target/)")
    sub = p.add_subparsers(dest="command", metavar="{submit,punish,query,version,batch,pending,reconcile}")
    sub.required = True

    s = sub.add_parser("submit", help="submit a recover and print the acceptance")
    s.add_argument("--config", required=True, metavar="FILE", help="client configuration JSON file")
    s.add_argument("--out-request-no", required=True)
    s.add_argument("--related-webank-punish-no", required=True)
    s.add_argument("--related-wxpay-punish-no", required=True)
    s.add_argument("--mchid", required=True, help="target merchant id")
    s.add_argument("--bal-account-no", required=True, help="ledger id (plaintext; '-' reads it from stdin)")
    s.add_argument("--recover-reason")

    add_punish_parser(sub)

    q = sub.add_parser("query", help="query a recover (or, with --kind punish, a punish) and print the order")
    q.add_argument("--config", required=True, metavar="FILE", help="client configuration JSON file")
    q.add_argument("--out-request-no", required=True)
    q.add_argument("--mchid", required=True, help="target merchant id")
    q.add_argument("--kind", type=str.lower, choices=["recover", "punish"], default="recover",
                   help="which order the number names: the platform numbers recovers and punishes separately "
                        "(default recover)")

    sub.add_parser("version", help="print the library version")
    from .batch import add_parsers
    from .journal_commands import add_parsers as add_journal_parsers

    add_parsers(sub)
    add_journal_parsers(sub)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.log:
        import logging

        from .client import LOGGER_NAME

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("wx-recover %(levelname)s %(message)s"))
        log = logging.getLogger(LOGGER_NAME)
        log.addHandler(handler)
        log.setLevel(args.log.upper())
    if getattr(args, "handler", None) is not None:
        return int(args.handler(args))
    try:
        if args.command == "version":
            from .client import build_info, version

            from . import __version__

            print(json.dumps({"binding": __version__, "library": version(args.library),
                              "build": build_info(args.library)}))
            return 0
        bal = None
        secrets: Dict[str, Optional[str]] = {}
        if args.command == "submit":
            bal = args.bal_account_no
            if bal == "-":
                bal = sys.stdin.readline().rstrip("\r\n")
        elif args.command == "punish":
            secrets = secrets_from_stdin(args)
        with Client.from_file(args.config, library=args.library) as client:
            if args.command == "submit":
                accepted = client.submit(
                    out_request_no=args.out_request_no,
                    related_webank_punish_no=args.related_webank_punish_no,
                    related_wxpay_punish_no=args.related_wxpay_punish_no,
                    mchid=args.mchid,
                    bal_account_no=bal,  # type: ignore[arg-type]
                    recover_reason=args.recover_reason,
                )
                result: Dict[str, Any] = dataclasses.asdict(accepted)
            elif args.command == "punish":
                result = run_punish(client, args, secrets)
            elif args.kind == "punish":
                result = order_dict(client.query_punish(args.out_request_no, args.mchid))
            else:
                result = client.query(args.out_request_no, args.mchid).to_dict()
        print(json.dumps(result, ensure_ascii=False))
        return 0
    except WxError as e:
        _emit_error(e.to_dict())
        return int(e.status)
    except LibraryError as e:
        return _fail(str(e), Status.CONFIG, "LibraryError")


if __name__ == "__main__":
    sys.exit(main())
