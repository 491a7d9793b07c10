#!/usr/bin/env python3
"""A Python process of the journal crash storm (the C one is child.c): submits orders from
several threads into one journal, through the Python binding. The orders file, the client and
the threads are tests/common/child_common.py.

    child.py submit CONFIG ORDERS_FILE THREADS
    child.py fleet CONFIG ORDERS_FILE THREADS [PACE_MS]
    child.py reconcile CONFIG ROUNDS

"fleet" and "reconcile" are the fleet crash storm's (fleet_storm.py, a PostgreSQL journal
shared by several processes), as in child.c: "fleet" is "submit" with a submit that fails
retry-safe because the journal database is unavailable ("... journal URL unavailable: ...") tried again
every 100 ms for up to 30 s, PACE_MS (default 0) between a thread's orders, the file named by
WX_CHILD_READY_FILE created just before the first submit, and one line per order at the end:
"out_request_no status unavailable last_unavailable_unix_ms elapsed_ms message". "reconcile"
reconciles until nothing is pending or ROUNDS runs are done (100 ms apart) and prints
"pending N"; it exits 0 when nothing is left, 3 otherwise.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from child_common import MAX_MESSAGE, load_orders, open_client, submit_all  # noqa: E402
import wx_recover  # noqa: E402  (child_common put the checkout's binding on the path)


def fleet(client, orders, threads: int, pace_ms: int) -> None:
    lines = [""] * len(orders)

    def work(t: int) -> None:
        for i in range(t, len(orders), threads):
            if i != t and pace_ms > 0:
                time.sleep(pace_ms / 1000)
            no, wb, wx, mchid, bal = orders[i]
            started = time.time()
            unavailable, last = 0, 0
            while True:
                try:
                    client.submit(out_request_no=no, related_webank_punish_no=wb, related_wxpay_punish_no=wx,
                                  mchid=mchid, bal_account_no=bal, recover_reason="journal crash storm")
                    status, message = 0, "-"
                    break
                except wx_recover.WxError as e:
                    status = int(e.status)
                    message = " ".join(str(e.message or "(no message)").splitlines())[:MAX_MESSAGE]
                    if not (e.retry_safe and "journal " in message and " unavailable" in message):
                        break
                    unavailable += 1
                    last = int(time.time() * 1000)
                    if time.time() - started > 30:
                        break
                    time.sleep(0.1)
            lines[i] = f"{no} {status} {unavailable} {last} {int((time.time() - started) * 1000)} {message}"

    ready = os.environ.get("WX_CHILD_READY_FILE")
    if ready:
        open(ready, "w").close()
    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()


def reconcile(client, rounds: int) -> int:
    left = 1
    for _ in range(rounds):
        left = len(client.reconcile().pending)
        if left == 0:
            break
        time.sleep(0.1)
    print(f"pending {left}", flush=True)
    return 0 if left == 0 else 3


def main() -> int:
    argv = sys.argv
    mode = argv[1] if len(argv) > 1 else ""
    if not ((mode == "submit" and len(argv) == 5) or (mode == "fleet" and len(argv) in (5, 6))
            or (mode == "reconcile" and len(argv) == 4)):
        print(__doc__, file=sys.stderr)
        return 2
    client = open_client("child.py", argv[2])
    if client is None:
        return 1
    rc = 0
    if mode == "submit":
        # A failed submit stays in the journal; the storm's reconciler settles it.
        submit_all(client, load_orders(argv[3]), int(argv[4]), "journal crash storm")
    elif mode == "fleet":
        fleet(client, load_orders(argv[3]), int(argv[4]), int(argv[5]) if len(argv) == 6 else 0)
    else:
        try:
            rc = reconcile(client, int(argv[3]))
        except wx_recover.WxError as e:
            print(f"reconcile: {e}", file=sys.stderr)
            rc = 1
    client.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
