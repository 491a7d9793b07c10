#!/usr/bin/env python3
"""A Python process of the journal crash storm (the C one is child.c): submits orders from
several threads into one journal, through the Python binding.

    child.py submit CONFIG ORDERS_FILE THREADS
"""
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bindings", "python"))

import wx_recover  # noqa: E402


def main() -> int:
    if len(sys.argv) != 5 or sys.argv[1] != "submit":
        print(__doc__, file=sys.stderr)
        return 2
    client = wx_recover.Client.from_file(sys.argv[2])
    with open(sys.argv[3]) as f:
        orders = [line.split() for line in f if line.strip()]
    threads = int(sys.argv[4])

    def work(t: int) -> None:
        for no, wb, wx, mchid, bal in orders[t::threads]:
            try:
                client.submit(out_request_no=no, related_webank_punish_no=wb, related_wxpay_punish_no=wx,
                              mchid=mchid, bal_account_no=bal, recover_reason="journal crash storm")
            except wx_recover.WxError:
                pass  # the journal keeps it; the storm's reconciler settles it

    ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
