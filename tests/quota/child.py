#!/usr/bin/env python3
"""A Python process of the quota fleet test (fleet.py; the others are child.c and
FleetChild.java): submits its orders from several threads through one client, via the Python
binding, and writes one result line per order.

    child.py CONFIG ORDERS_FILE THREADS RESULTS_FILE

Same files as child.c: RESULTS_FILE lines are "out_request_no status attempts elapsed_ms
message" (status 0 = accepted; message at most 300 characters, "-" when accepted).
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "python"))

import wx_recover  # noqa: E402

MAX_MESSAGE = 300


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    _, config, orders_file, threads, results_file = sys.argv
    with open(orders_file) as f:
        orders = [line.split() for line in f if line.strip()]
    threads = int(threads)
    try:
        client = wx_recover.Client.from_file(config)
    except wx_recover.WxError as e:
        print(f"child.py: client: {e}", file=sys.stderr)
        return 1
    results = [None] * len(orders)

    def work(t: int) -> None:
        for i in range(t, len(orders), threads):
            no, wb, wx, mchid, bal = orders[i]
            started = time.monotonic()
            try:
                a = client.submit(out_request_no=no, related_webank_punish_no=wb, related_wxpay_punish_no=wx,
                                  mchid=mchid, bal_account_no=bal, recover_reason="quota fleet")
                status, attempts, message = 0, a.attempts, "-"
            except wx_recover.WxError as e:
                status, attempts = int(e.status), e.attempts
                message = " ".join(str(e.message or "(no message)").splitlines())[:MAX_MESSAGE]
            elapsed = int((time.monotonic() - started) * 1000)
            results[i] = f"{no} {status} {attempts} {elapsed} {message}"

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    client.close()
    with open(results_file, "w") as f:
        f.write("".join(r + "\n" for r in results if r is not None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
