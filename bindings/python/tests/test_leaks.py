"""10,000 calls through every ownership path must not grow the process."""

from __future__ import annotations

import os

import pytest

from wx_recover import ApiError, InvalidArgument

TOTAL = 10_000
WARMUP = 1_000
BOUND = 512 * 1024  # measured 0 KiB; leaking every encrypt string alone gives ~1.8 MiB


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_rss_stable_over_10000_calls(sandbox):
    order = sandbox.take_order()
    req = sandbox.request_for(order)
    with sandbox.client() as c:
        c.submit(**req)
        bad = sandbox.request_for(order)
        bad["out_request_no"] = bad["related_webank_punish_no"]  # fails validation in the core
        missing = sandbox.new_no("NOSUCH")
        base = None
        for i in range(TOTAL):
            if i == WARMUP:
                base = rss_bytes()
            k = i % 10
            if k < 5:
                c.encrypt("6230580000012345678")  # owned string -> wx_free
            elif k == 5:
                c.authorization("POST", "/v3/x", b'{"a":1}')  # owned string -> wx_free
            elif k < 8:
                try:
                    c.submit(**bad)  # wx_error -> wx_error_free
                except InvalidArgument:
                    pass
            elif k == 8 and i % 50 == 8:
                c.query(req["out_request_no"], order["mchid"])  # wx_order -> wx_order_free
            elif k == 8 and i % 50 == 18:
                try:
                    c.query(missing, order["mchid"])  # API error with request id/detail
                except ApiError:
                    pass
            else:
                try:
                    c.verify("1", "n", "c2ln", "x", b"{}")
                except Exception:
                    pass
        growth = rss_bytes() - (base or 0)
    print(f"RSS growth from call {WARMUP} to {TOTAL}: {growth / 1024:.0f} KiB")
    assert growth < BOUND, f"RSS grew {growth} bytes over {TOTAL - WARMUP} calls"
