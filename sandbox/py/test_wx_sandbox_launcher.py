"""The Python sandbox launcher: a sandbox it starts answers and stops cleanly, and one that cannot start fails loudly, quoting what it said.

Run: python3 -m pytest -q sandbox/py (uses $WX_SANDBOX_BIN or the repository's target/ build).
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from wx_sandbox_launcher import Sandbox, SandboxError, find_binary


def script(tmp_path: Path, body: str) -> Path:
    """A stand-in for the sandbox binary: a shell script with `body`."""
    path = tmp_path / "fake-sandbox"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_started_sandbox_serves_its_orders_and_admin_api_then_stops_with_status_zero(tmp_path):
    sb = Sandbox(state_dir=tmp_path / "state", orders=3, rate_limit_per_minute=0)
    try:
        assert len(sb.orders) == 3
        assert os.path.isfile(sb.config_path) and sb.read_config()["mchid"]
        sb.fault("system_error", count=2, path="recover")
        sb.reset()
        assert sb.rate("recover")["arrivals"] == 0
        assert sb.recovers() == []
        assert sb.punishes() == []
        assert sb.rate("punish")["arrivals"] == 0
        written = json.loads(Path(sb.write_config(tmp_path / "client.json", rate_limit_per_minute=7)).read_text())
        assert written == {**sb.read_config(), "rate_limit_per_minute": 7}
    finally:
        rc = sb.stop()
    assert rc == 0
    assert not sb.running()
    assert os.path.isfile(sb.log_path)


def test_a_binary_that_prints_something_else_first_fails_with_that_line_and_its_log(tmp_path):
    fake = script(tmp_path, 'echo "listening soon"\necho "bad key file" >&2\nexit 3')
    with pytest.raises(SandboxError) as e:
        Sandbox(binary=fake, state_dir=tmp_path / "state", ready_timeout=10)
    assert "first line 'listening soon'" in str(e.value)
    assert "bad key file" in str(e.value)


def test_a_binary_that_never_gets_ready_is_killed_after_the_timeout(tmp_path):
    fake = script(tmp_path, 'echo "still starting" >&2\necho $$ > "$2/pid"\nexec sleep 60')
    started = time.monotonic()
    with pytest.raises(SandboxError) as e:
        Sandbox(binary=fake, state_dir=tmp_path / "state", ready_timeout=1)
    assert time.monotonic() - started < 10
    assert "no output in 1 s" in str(e.value) and "still starting" in str(e.value)
    pid = int((tmp_path / "state" / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_named_binary_that_does_not_exist_is_an_error_and_never_a_fallback(tmp_path, monkeypatch):
    with pytest.raises(SandboxError, match="not found at"):
        find_binary(tmp_path / "nope")
    monkeypatch.setenv("WX_SANDBOX_BIN", str(tmp_path / "nope"))
    with pytest.raises(SandboxError, match="WX_SANDBOX_BIN=.* does not exist"):
        find_binary()
