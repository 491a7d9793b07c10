"""One client shared by many threads; close() racing with calls; use after close."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import wx_recover
from wx_recover import ClientClosed, WxError

THREADS = 8
PER_THREAD = 10


def test_eight_threads_share_one_client(sandbox):
    orders = [[sandbox.take_order() for _ in range(PER_THREAD)] for _ in range(THREADS)]
    results = [[] for _ in range(THREADS)]
    errors = []
    with sandbox.client() as c:
        barrier = threading.Barrier(THREADS)

        def worker(i: int) -> None:
            barrier.wait()
            for order in orders[i]:
                req = sandbox.request_for(order, out_request_no=sandbox.new_no(f"T{i}"))
                try:
                    acc = c.submit(**req)
                    results[i].append((req, acc))
                except Exception as e:  # collected and asserted below
                    errors.append(e)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start

        assert errors == []
        flat = [r for rs in results for r in rs]
        assert len(flat) == THREADS * PER_THREAD
        nos = {acc.wxpay_recover_no for _, acc in flat}
        assert len(nos) == THREADS * PER_THREAD  # one distinct recover per order
        for req, acc in flat:
            assert acc.out_request_no == req["out_request_no"]

        # Read every one back concurrently too.
        with ThreadPoolExecutor(THREADS) as pool:
            orders_back = list(pool.map(lambda r: c.query(r[0]["out_request_no"], r[0]["mchid"]), flat))
        assert [o.wxpay_recover_no for o in orders_back] == [acc.wxpay_recover_no for _, acc in flat]
    print(f"{THREADS * PER_THREAD} threaded submits in {elapsed:.2f} s")


def test_use_after_close_raises_and_close_twice_is_fine(sandbox):
    c = sandbox.client()
    serial = c.wechatpay_serial
    assert serial
    c.close()
    c.close()
    assert c.closed
    with pytest.raises(ClientClosed) as ei:
        c.encrypt("123")
    assert isinstance(ei.value, WxError)
    assert "closed" in str(ei.value)
    with pytest.raises(ClientClosed):
        c.query("PYX", "1900000001")
    with pytest.raises(ClientClosed):
        c.submit(**sandbox.request_for(sandbox.info["orders"][0]))
    with pytest.raises(ClientClosed):
        c.authorization("GET", "/v3/x", b"")
    with pytest.raises(ClientClosed):
        c.verify("1", "n", "s", "x", b"")
    with pytest.raises(ClientClosed):
        _ = c.wechatpay_serial


def test_context_manager_closes(sandbox):
    with sandbox.client() as c:
        c.encrypt("1")
    assert c.closed
    with pytest.raises(ClientClosed):
        c.encrypt("1")


def test_close_racing_with_inflight_calls(sandbox, faults):
    """close() while threads are inside (slow) queries: no crash, handle freed by the last call."""
    order = sandbox.take_order()
    req = sandbox.request_for(order)
    c = sandbox.client()
    c.submit(**req)
    faults.fault("delay", count=1000, ms=150, path="query")
    outcomes = []
    lock = threading.Lock()
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                c.query(req["out_request_no"], order["mchid"])
                r = "ok"
            except ClientClosed:
                r = "closed"
            except WxError as e:  # pragma: no cover - recorded for the assertion
                r = repr(e)
            with lock:
                outcomes.append(r)
            if r == "closed":
                return

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.4)  # every thread is (most likely) blocked inside the C call now
    c.close()
    with c._lock:
        inflight, handle = c._inflight, c._handle
    assert inflight > 0, "no call was in flight at close(): the race was not exercised"
    assert handle is not None  # the free is deferred while calls are in flight
    stop.set()
    for t in threads:
        t.join(30)
    assert all(not t.is_alive() for t in threads)
    assert c._inflight == 0 and c._handle is None  # the last call freed it
    assert set(outcomes) <= {"ok", "closed"}, outcomes
    assert "ok" in outcomes
    c.close()


def test_many_clients_opened_and_closed_concurrently(sandbox):
    def one(_: int) -> str:
        with wx_recover.Client.from_file(sandbox.config_path) as c:
            return c.encrypt("62305800000")

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(one, range(32)))
