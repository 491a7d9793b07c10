"""Helpers for the batch command's tests: a real wx-sandbox per test module, order files, and
the CLI run as a separate process (`python3 -m wx_recover batch ...`), as an operator runs it.

Run: make test-batch (or python3 -m pytest -q tests/batch after cargo build --release).
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY_DIR = ROOT / "bindings" / "python"
REL = ROOT / "target" / "release"
sys.path.insert(0, str(ROOT / "sandbox" / "py"))

import wx_sandbox_launcher as launcher  # noqa: E402

LIB = os.environ.get("WX_RECOVER_LIB", str(REL / "libwx_recover.so"))
FIELDS = ["out_request_no", "related_webank_punish_no", "related_wxpay_punish_no", "mchid", "bal_account_no",
          "recover_reason"]


def cli_env(**extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PY_DIR) + os.pathsep + env.get("PYTHONPATH", "")
    env["WX_RECOVER_LIB"] = LIB
    env.update(extra)
    return env


CLI = [sys.executable, "-m", "wx_recover"]


def run_cli(*args: str, timeout: float = 300, stdin: Optional[bytes] = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], env=cli_env(), capture_output=True, timeout=timeout, input=stdin)


def start_cli(*args: str, **kw: Any) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *args], env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


class Sandbox(launcher.Sandbox):
    """A running wx-sandbox binary and its admin API, with the orders a test module shares."""

    def __init__(self, orders: int, rate_per_minute: int = 0, recover_delay_ms: int = 100) -> None:
        try:
            # Kept after the run (under $TMPDIR): `make test-secrets` reads each sandbox's secrets from it.
            super().__init__(orders=orders, rate_limit_per_minute=rate_per_minute,
                             recover_delay_ms=recover_delay_ms, prefix="wx-batch-sandbox-")
        except launcher.SandboxError as e:
            pytest.fail(f"wx-sandbox did not start: {e} (cargo build --release --workspace)")
        self._used: set = set()

    def take(self, n: int, outcome: Optional[str] = None) -> List[Dict[str, Any]]:
        """n orders no other test of the module has used (optionally of one seeded outcome)."""
        got = []
        for i, o in enumerate(self.orders):
            if i not in self._used and (outcome is None or o["outcome"] == outcome):
                self._used.add(i)
                got.append(o)
                if len(got) == n:
                    return got
        raise RuntimeError(f"the sandbox has fewer than {n} unused orders")

    def fault(self, kind: str, count: int = 1, **extra: Any) -> None:
        super().fault(kind, count, **{"path": "recover", **extra})

    def requests(self) -> int:
        s = self.stats()
        return s["primary"]["requests"] + s["backup"]["requests"]

    def limit(self, per_minute: int, api: str) -> None:
        """The sandbox's per-minute limit for one endpoint (recover, query or certificates)."""
        self.admin("POST", "/rate-limit", {"per_minute": per_minute, "api": api})

    def arrivals(self) -> List[str]:
        """The endpoint ("recover" or "query") and status of every platform request the
        sandbox answered, in the order it answered them (its request log)."""
        found = []
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = REQUEST_LINE.match(line)
                if m:
                    api = "recover" if m.group(1) == "POST" and m.group(2).endswith("/recover") else "query"
                    found.append(f"{api} {m.group(3)}")
        return found


# The sandbox's log line for one platform request: method, path, status.
REQUEST_LINE = re.compile(r"^wx-sandbox \[\w+\] (GET|POST) (/v3/aggracct-bc/wb-channel/control-orders/\S*) -> (\S+) ")


def row_for(order: Dict[str, Any], no: str, reason: Optional[str] = "batch test") -> Dict[str, Any]:
    return {"out_request_no": no, "related_webank_punish_no": order["related_webank_punish_no"],
            "related_wxpay_punish_no": order["related_wxpay_punish_no"], "mchid": order["mchid"],
            "bal_account_no": order["bal_account_no"], "recover_reason": reason}


def write_csv(path: Path, rows: Iterable[Dict[str, Any]], fields: Sequence[str] = FIELDS, bom: bool = False) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(fields), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return path


def read_report(path: Path) -> List[Dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def journal_states(path: Path) -> Dict[str, str]:
    if not path.exists():
        return {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return dict(db.execute("SELECT out_request_no, state FROM entries").fetchall())
    finally:
        db.close()


def one_recover_per_control_order(records: List[Dict[str, Any]]) -> None:
    by_control: Dict[str, List[str]] = {}
    for r in records:
        by_control.setdefault(r["related_wxpay_punish_no"], []).append(r["out_request_no"])
    twice = {c: nos for c, nos in by_control.items() if len(nos) > 1}
    assert not twice, f"control orders recovered more than once: {twice}"


def assert_no_plaintext(text: str, orders: Iterable[Dict[str, Any]]) -> None:
    leaked = [o["bal_account_no"] for o in orders if o["bal_account_no"] in text]
    assert not leaked, f"{len(leaked)} plaintext bal_account_no values in the output"


@pytest.fixture(scope="module")
def sandbox():
    sb = Sandbox(orders=500, rate_per_minute=0, recover_delay_ms=100)
    try:
        yield sb
    finally:
        sb.stop()


def tmux_run(tmp_path: Path, args: Sequence[str], width: int = 200, height: int = 20, seconds: float = 90,
             every: float = 0.5) -> List[str]:
    """Runs the CLI with `args` in a real terminal (a detached tmux session `width` columns
    wide) and returns the screens captured every `every` seconds until it printed EXIT=<status>
    (the last screen) or `seconds` passed."""
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.fail("tmux is missing (scripts/deps.sh installs it)")
    script = tmp_path / "run.sh"
    env = cli_env()
    exports = "".join(f"export {k}={shlex.quote(env[k])}\n" for k in ("PYTHONPATH", "WX_RECOVER_LIB", "PATH"))
    script.write_text(f"{exports}{shlex.join([*CLI, *args])}\necho EXIT=$?\nsleep 120\n")
    sock = f"wx-batch-{os.getpid()}-{time.monotonic_ns()}"
    base = [tmux, "-L", sock, "-f", "/dev/null"]
    subprocess.run([*base, "new-session", "-d", "-s", "batch", "-x", str(width), "-y", str(height), f"bash {script}"],
                   check=True, env={**os.environ, "TERM": "xterm-256color"})
    screens = []
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            cap = subprocess.run([*base, "capture-pane", "-p", "-t", "batch"], capture_output=True, text=True)
            screens.append(cap.stdout)
            if "EXIT=" in cap.stdout:
                break
            time.sleep(every)
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True)
    return screens


def seconds_of(shown: str) -> int:
    """A duration as the progress line shows it (5s, 1m05s, 2h03m) in seconds."""
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", shown)
    assert m and shown, f"not a duration: {shown!r}"
    h, mi, s = (int(g) if g else 0 for g in m.groups())
    return h * 3600 + mi * 60 + s
