"""Session fixtures: one wx-sandbox per test session, and helpers to drive it.

Run from the repo root:
    WX_RECOVER_LIB=$PWD/target/release/libwx_recover.so \
    WX_SANDBOX_BIN=$PWD/target/release/wx-sandbox python3 -m pytest -q bindings/python/tests
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

PY_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = PY_DIR.parents[1]
sys.path.insert(0, str(PY_DIR))  # tests run without `pip install`

import wx_recover  # noqa: E402

SANDBOX_ORDERS = 300


class Sandbox:
    """A running wx-sandbox plus the bookkeeping tests need (fresh orders, faults, configs)."""

    def __init__(self, proc: subprocess.Popen, info: Dict[str, Any], state_dir: str) -> None:
        self.proc = proc
        self.info = info
        self.state_dir = state_dir
        self.config_path: str = info["client_config"]
        with open(self.config_path, encoding="utf-8") as f:
            self.base_config: Dict[str, Any] = json.load(f)
        self._orders: List[Dict[str, Any]] = list(info["orders"])
        self._lock = threading.Lock()

    # --- orders and numbers ---

    def take_order(self, outcome: Optional[str] = None) -> Dict[str, Any]:
        """An order no other test uses (optionally with the given final outcome)."""
        with self._lock:
            for i, o in enumerate(self._orders):
                if outcome is None or o.get("outcome") == outcome:
                    return self._orders.pop(i)
        raise RuntimeError(f"sandbox ran out of orders (outcome={outcome})")

    @staticmethod
    def new_no(prefix: str = "PY") -> str:
        return f"{prefix}{uuid.uuid4().hex[:24].upper()}"

    def request_for(self, order: Dict[str, Any], out_request_no: Optional[str] = None, **over: Any) -> Dict[str, Any]:
        req = {
            "out_request_no": out_request_no or self.new_no(),
            "related_webank_punish_no": order["related_webank_punish_no"],
            "related_wxpay_punish_no": order["related_wxpay_punish_no"],
            "mchid": order["mchid"],
            "bal_account_no": order["bal_account_no"],
            "recover_reason": "python binding test",
        }
        req.update(over)
        return req

    # --- configs ---

    def config(self, **overrides: Any) -> Dict[str, Any]:
        cfg = dict(self.base_config)
        cfg["rate_limit_per_minute"] = 0
        cfg.update(overrides)
        return cfg

    def client(self, **overrides: Any) -> wx_recover.Client:
        return wx_recover.Client(json.dumps(self.config(**overrides)))

    # --- admin API ---

    def _admin(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.info["admin_url"].rstrip("/") + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return raw

    def fault(self, kind: str, count: int = 1, listener: str = "both", **extra: Any) -> None:
        body: Dict[str, Any] = {"kind": kind, "count": count, "listener": listener}
        body.update(extra)
        self._admin("POST", "/faults", body)

    def reset(self) -> None:
        self._admin("POST", "/reset", {})

    def stats(self) -> Any:
        return self._admin("GET", "/stats")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _die_with_parent() -> None:
    """Linux: the sandbox gets SIGTERM if the test process dies (even by a crash)."""
    try:
        import ctypes
        import signal

        u = ctypes.c_ulong
        ctypes.CDLL(None).prctl(1, u(int(signal.SIGTERM)), u(0), u(0), u(0))  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _sandbox_bin() -> str:
    env = os.environ.get("WX_SANDBOX_BIN")
    return env if env else str(REPO_ROOT / "target" / "release" / "wx-sandbox")


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    binary = _sandbox_bin()
    if not os.path.isfile(binary):
        pytest.fail(f"wx-sandbox binary not found at {binary} (build it: cargo build --release, or set WX_SANDBOX_BIN)")
    state_dir = tempfile.mkdtemp(prefix="wx-py-sandbox-")
    log = open(os.path.join(state_dir, "sandbox.log"), "wb")
    proc = subprocess.Popen(
        [binary, "--state-dir", state_dir, "--orders", str(SANDBOX_ORDERS), "--rate-limit-per-minute", "0"],
        stdout=subprocess.PIPE,
        stderr=log,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )
    ready: List[str] = []
    got = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:  # keep draining so the sandbox never blocks on stdout
            text = line.decode("utf-8", "replace").strip()
            if not ready and text.startswith("ready "):
                ready.append(text[len("ready "):])
                got.set()
        got.set()

    threading.Thread(target=reader, daemon=True).start()
    if not got.wait(60) or not ready:
        proc.kill()
        proc.wait()
        log.close()
        with open(os.path.join(state_dir, "sandbox.log"), "rb") as f:
            tail = f.read()[-2000:].decode("utf-8", "replace")
        pytest.fail(f"wx-sandbox did not print 'ready' (exit {proc.poll()}): {tail}")
    with open(ready[0], encoding="utf-8") as f:
        info = json.load(f)
    sb = Sandbox(proc, info, state_dir)
    try:
        yield sb
    finally:
        sb.stop()
        log.close()
        shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def client(sandbox: Sandbox) -> Iterator[wx_recover.Client]:
    c = sandbox.client()
    yield c
    c.close()


@pytest.fixture
def faults(sandbox: Sandbox) -> Iterator[Sandbox]:
    """A sandbox whose faults are cleared (and listeners back up) after the test."""
    sandbox.reset()
    yield sandbox
    sandbox.reset()


def _wait_final(client: wx_recover.Client, out_request_no: str, mchid: str, seconds: float = 30.0) -> wx_recover.RecoverOrder:
    deadline = time.monotonic() + seconds
    while True:
        order = client.query(out_request_no, mchid)
        if order.state.is_final or time.monotonic() > deadline:
            return order
        time.sleep(0.1)


@pytest.fixture
def wait_final() -> Any:
    """Polls a query until the order is SUCCESS or FAILED (or 30 s pass)."""
    return _wait_final
