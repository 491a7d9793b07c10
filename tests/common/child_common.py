"""What the Python children of the multi-process tests share: the orders file, the client, and submitter threads.

tests/journal/child.py (the journal crash storm) and tests/quota/child.py (the quota fleet) are
the Python counterparts of the C children built from child_common.c: each reads an orders file,
opens one client from a configuration file and submits every order once from several threads
sharing that client, keeping each order's outcome. The binding comes from this checkout.
"""

import os
import sys
import threading
import time
from typing import List, NamedTuple, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))

import wx_recover  # noqa: E402

MAX_MESSAGE = 300


class Outcome(NamedTuple):
    """One submit: the wx_status value (0 = accepted), HTTP attempts, time taken, and "-" or
    the error's message on one line, at most MAX_MESSAGE characters."""

    out_request_no: str
    status: int
    attempts: int
    elapsed_ms: int
    message: str

    def line(self) -> str:
        return f"{self.out_request_no} {self.status} {self.attempts} {self.elapsed_ms} {self.message}"


def load_orders(path: str) -> List[List[str]]:
    """ORDERS_FILE: one order per line, "out_request_no wb_no wx_no mchid bal_account_no"."""
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def open_client(prog: str, config: str) -> Optional[wx_recover.Client]:
    """A client from the configuration file, or None after printing "PROG: client: ERROR"."""
    try:
        return wx_recover.Client.from_file(config)
    except wx_recover.WxError as e:
        print(f"{prog}: client: {e}", file=sys.stderr)
        return None


def submit_one(client: wx_recover.Client, order: List[str], reason: str) -> Outcome:
    no, wb, wx, mchid, bal = order
    started = time.monotonic()
    try:
        a = client.submit(out_request_no=no, related_webank_punish_no=wb, related_wxpay_punish_no=wx,
                          mchid=mchid, bal_account_no=bal, recover_reason=reason)
        status, attempts, message = 0, a.attempts, "-"
    except wx_recover.WxError as e:
        status, attempts = int(e.status), e.attempts
        message = " ".join(str(e.message or "(no message)").splitlines())[:MAX_MESSAGE]
    return Outcome(no, status, attempts, int((time.monotonic() - started) * 1000), message)


def submit_all(client: wx_recover.Client, orders: List[List[str]], threads: int, reason: str) -> List[Outcome]:
    """Submits every order once from `threads` threads sharing `client`; the outcomes in the
    orders' order (a failed submit is an outcome too: the journal keeps it)."""
    results: List[Optional[Outcome]] = [None] * len(orders)

    def work(t: int) -> None:
        for i in range(t, len(orders), threads):
            results[i] = submit_one(client, orders[i], reason)

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return [r for r in results if r is not None]
