"""The logging bridge: the library's lines reach the standard `logging` module at the right
levels, the level the library is given is the logger's, and no line carries a secret."""

from __future__ import annotations

import logging
import re
from typing import List

import pytest

import wx_recover
from wx_recover import ApiError, UnverifiedResponse
from wx_recover.client import _loggers

BASE64_RUN = re.compile(r"[A-Za-z0-9+/=_-]{100,}")


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=1)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, levelno: int = 0) -> List[str]:
        return [r.getMessage() for r in self.records if r.levelno >= levelno]


@pytest.fixture
def test_logger(request):
    """A private logger (no propagation) with a collecting handler, reset afterwards."""
    logger = logging.getLogger(f"wx_recover.test.{request.node.name}")
    handler = Collect()
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, handler
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


def secrets(sandbox) -> List[str]:
    """Every value that must never appear in a log line."""
    out = [sandbox.info["apiv3_key"]]
    with open(sandbox.info["merchant_private_key"], encoding="ascii") as f:
        pem = f.read()
    body = [ln.strip() for ln in pem.splitlines() if ln.strip() and not ln.startswith("-----")]
    assert body, "the private key file has a body"
    out.append("".join(body))
    out.extend(ln for ln in body if len(ln) >= 16)  # every line of the key body
    out.extend(o["bal_account_no"] for o in sandbox.info["orders"])
    return out


def assert_no_secrets(sandbox, lines: List[str]) -> None:
    banned = secrets(sandbox)
    for line in lines:
        assert 'signature="' not in line, line
        assert not BASE64_RUN.search(line), f"base64-like run in log line: {line}"
        for s in banned:
            assert s not in line, f"secret in log line: {line}"


def test_trace_lines_for_success_api_error_and_fault(faults, caplog):
    caplog.set_level(wx_recover.TRACE, logger=wx_recover.LOGGER_NAME)
    assert logging.getLevelName(wx_recover.TRACE) == "TRACE"
    order = faults.take_order()
    with faults.client(max_attempts=1) as c:  # default logger "wx_recover", at TRACE now
        assert c.logger is logging.getLogger("wx_recover")
        assert c.log_level == wx_recover.TRACE
        ok = c.submit(**faults.request_for(order))
        with pytest.raises(ApiError) as api:
            c.submit(**faults.request_for(order))  # a second out_request_no: ALREADY_EXISTS
        assert api.value.code == "ALREADY_EXISTS"
        faults.fault("bad_signature", count=1)
        with pytest.raises(UnverifiedResponse):
            c.query(ok.out_request_no, order["mchid"])
    with faults.client(max_attempts=2) as c:
        # A 5xx on the primary: the retry goes to the backup and the breaker moves the
        # traffic there, which the caller would not see but for a WARN line.
        faults.fault("system_error", count=1, listener="primary")
        c.query(ok.out_request_no, order["mchid"])
    records = [r for r in caplog.records if r.name == "wx_recover"]
    lines = [r.getMessage() for r in records]
    text = "\n".join(lines)
    levels = {r.levelname for r in records}
    assert {"TRACE", "DEBUG", "WARNING"} <= levels, text

    # The success: one DEBUG line with status and Request-ID, which matches the accepted one.
    info = [r.getMessage() for r in records if r.levelno == logging.DEBUG]
    assert any("-> 200 Request-ID=" + (ok.request_id or "?") in m for m in info), text
    # The API error and the unverified answer are raised, so they are logged at DEBUG only:
    # a caller that logs what it catches does not see them twice.
    assert any("ALREADY_EXISTS" in r.getMessage() for r in records if r.levelno == logging.DEBUG), text
    assert any("unverified" in r.getMessage().lower() for r in records if r.levelno == logging.DEBUG), text
    assert not any(("ALREADY_EXISTS" in r.getMessage() or "unverified" in r.getMessage().lower())
                   for r in records if r.levelno >= logging.WARNING), text
    # The breaker's move to the backup, which no error tells the caller: WARNING.
    assert any("calls go to" in r.getMessage() for r in records if r.levelno == logging.WARNING), text
    # TRACE: header names, with the Authorization value redacted.
    trace = [r.getMessage() for r in records if r.levelno == wx_recover.TRACE]
    assert any("Authorization=<redacted>" in m for m in trace), text
    assert_no_secrets(faults, lines)


def test_warning_logger_gets_no_info_lines_from_the_library(sandbox, test_logger):
    logger, handler = test_logger
    logger.setLevel(logging.WARNING)
    order = sandbox.take_order()
    with wx_recover.Client(sandbox.config(), logger=logger) as c:
        assert c.log_level == logging.WARNING
        # Make the logger verbose AFTER creation: if lines still do not arrive, the filter
        # happened in the library (cheap), not in Python.
        logger.setLevel(wx_recover.TRACE)
        c.submit(**sandbox.request_for(order))
        assert handler.lines() == []
        with pytest.raises(ApiError):
            c.submit(**sandbox.request_for(order))  # ALREADY_EXISTS: raised, logged at DEBUG only
        assert handler.lines() == []

        # Re-deriving from the logger's level now lets the DEBUG lines through.
        handler.records.clear()
        c.set_logger(logger)
        assert c.log_level == wx_recover.TRACE
        c.submit(**sandbox.request_for(sandbox.take_order()))
        assert any(r.levelno == logging.DEBUG and "-> 200 Request-ID=" in r.getMessage() for r in handler.records)

        # set_log_level lowers what the library sends without touching the logger.
        handler.records.clear()
        c.set_log_level(logging.ERROR)
        assert c.log_level == logging.ERROR
        with pytest.raises(ApiError):
            c.submit(**sandbox.request_for(order))
        assert handler.records == []  # the ALREADY_EXISTS line is DEBUG: not sent

        # None turns it off.
        c.set_log_level(logging.INFO)
        c.set_logger(None)
        assert c.logger is None and c.log_level is None
        c.submit(**sandbox.request_for(sandbox.take_order()))
        assert handler.records == []
        assert_no_secrets(sandbox, handler.lines())


def test_logger_none_at_creation_and_level_names(sandbox, test_logger):
    logger, handler = test_logger
    logger.setLevel(logging.DEBUG)
    with wx_recover.Client(sandbox.config(), logger=None) as c:
        assert c.logger is None
        c.submit(**sandbox.request_for(sandbox.take_order()))
        assert handler.records == []
        c.set_logger(logger, level="TRACE")
        assert c.log_level == wx_recover.TRACE
        c.set_logger(logger, level="info")
        assert c.log_level == logging.INFO
        c.set_logger(logger, level=logging.CRITICAL)  # above ERROR: nothing to send
        assert c.log_level is None
        with pytest.raises(wx_recover.InvalidArgument):
            c.set_logger(logger, level="LOUD")
        with pytest.raises(wx_recover.InvalidArgument):
            c.set_logger("wx_recover")  # type: ignore[arg-type]


def test_a_raising_logger_never_reaches_the_library(sandbox, test_logger, capfd):
    logger, handler = test_logger
    logger.setLevel(logging.DEBUG)

    class Boom(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            raise RuntimeError("filter exploded")

    logger.addFilter(Boom())
    try:
        with wx_recover.Client(sandbox.config(), logger=logger) as c:
            accepted = c.submit(**sandbox.request_for(sandbox.take_order()))
        assert accepted.wxpay_recover_no
    finally:
        logger.filters.clear()
    assert "filter exploded" not in capfd.readouterr().err


def test_close_unsets_the_logger(sandbox, test_logger):
    logger, _ = test_logger
    logger.setLevel(logging.INFO)
    c = wx_recover.Client(sandbox.config(), logger=logger)
    token = c._log_token
    assert _loggers.get(token) is logger
    c.close()
    assert token not in _loggers
    c.close()  # idempotent


def _cli(sandbox, *args: str):
    import os
    import subprocess
    import sys

    py_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=py_dir)
    return subprocess.run([sys.executable, "-m", "wx_recover", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_unconfigured_logging_prints_nothing_and_cli_log_option(sandbox):
    """Without logging configured (a plain script, not pytest), WARNING lines must not leak to
    stderr through logging.lastResort: the CLI's stderr stays one JSON object. --log opts in."""
    import json

    missing = ["query", "--config", sandbox.config_path, "--out-request-no", sandbox.new_no("NOSUCH"),
               "--mchid", sandbox.info["orders"][0]["mchid"]]
    plain = _cli(sandbox, *missing)
    assert plain.returncode == int(wx_recover.Status.API), plain.stderr
    assert json.loads(plain.stderr)["code"] == "NOT_FOUND"  # nothing but the JSON

    verbose = _cli(sandbox, "--log", "debug", *missing)
    lines = verbose.stderr.strip().splitlines()
    assert json.loads(lines[-1])["code"] == "NOT_FOUND"
    assert any(ln.startswith("wx-recover DEBUG ") and "-> 404 Request-ID=" in ln for ln in lines[:-1]), lines
    assert any(ln.startswith("wx-recover DEBUG ") and "NOT_FOUND" in ln for ln in lines[:-1]), lines
    assert not any(ln.startswith("wx-recover WARNING ") for ln in lines), lines
    assert not any(" TRACE " in ln for ln in lines)
    assert_no_secrets(sandbox, lines)
