"""Session fixtures: one wx-sandbox per test session, and helpers to drive it.

Run from the repo root:
    WX_RECOVER_LIB=$PWD/target/release/libwx_recover.so \
    WX_SANDBOX_BIN=$PWD/target/release/wx-sandbox python3 -m pytest -q bindings/python/tests
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

PY_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = PY_DIR.parents[1]
sys.path.insert(0, str(PY_DIR))  # tests run without `pip install`
sys.path.insert(0, str(REPO_ROOT / "sandbox" / "py"))

import wx_recover  # noqa: E402
import wx_sandbox_launcher as launcher  # noqa: E402

SANDBOX_ORDERS = 300


class Sandbox(launcher.Sandbox):
    """A running wx-sandbox plus the bookkeeping tests need (fresh orders, faults, configs)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.base_config: Dict[str, Any] = self.read_config()
        self._orders: List[Dict[str, Any]] = list(self.orders)
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

    # --- admin API (admin, reset, stats: the launcher's) ---

    def fault(self, kind: str, count: int = 1, listener: str = "both", **extra: Any) -> None:
        super().fault(kind, count, listener=listener, **extra)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    try:
        sb = Sandbox(state_dir=tempfile.mkdtemp(prefix="wx-py-sandbox-"), orders=SANDBOX_ORDERS, rate_limit_per_minute=0)
    except launcher.SandboxError as e:
        pytest.fail(str(e))
    try:
        yield sb
    finally:
        sb.stop()
        shutil.rmtree(sb.state_dir, ignore_errors=True)


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
