#!/usr/bin/env python3
"""A Python process of the quota fleet test (fleet.py; the others are child.c and
FleetChild.java): submits its orders from several threads through one client, via the Python
binding, and writes one result line per order. The orders file, the client and the threads are
tests/common/child_common.py.

    child.py CONFIG ORDERS_FILE THREADS RESULTS_FILE

Same files as child.c: RESULTS_FILE lines are "out_request_no status attempts elapsed_ms
message" (status 0 = accepted; message at most 300 characters, "-" when accepted).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from child_common import load_orders, open_client, submit_all  # noqa: E402


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    _, config, orders_file, threads, results_file = sys.argv
    orders = load_orders(orders_file)
    client = open_client("child.py", config)
    if client is None:
        return 1
    results = submit_all(client, orders, int(threads), "quota fleet")
    client.close()
    with open(results_file, "w") as f:
        f.write("".join(r.line() + "\n" for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
