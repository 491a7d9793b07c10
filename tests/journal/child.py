#!/usr/bin/env python3
"""A Python process of the journal crash storm (the C one is child.c): submits orders from
several threads into one journal, through the Python binding. The orders file, the client and
the threads are tests/common/child_common.py.

    child.py submit CONFIG ORDERS_FILE THREADS
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from child_common import load_orders, open_client, submit_all  # noqa: E402


def main() -> int:
    if len(sys.argv) != 5 or sys.argv[1] != "submit":
        print(__doc__, file=sys.stderr)
        return 2
    client = open_client("child.py", sys.argv[2])
    if client is None:
        return 1
    # A failed submit stays in the journal; the storm's reconciler settles it.
    submit_all(client, load_orders(sys.argv[3]), int(sys.argv[4]), "journal crash storm")
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
