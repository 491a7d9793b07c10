"""Each error status produced by a real failure, in one table: status, exception class and every
error field. Configuration errors name their key."""

from __future__ import annotations

import json
import os

import pytest

import wx_recover
from wx_recover import (
    ApiError,
    BadResponse,
    ConfigError,
    NetworkError,
    RateLimited,
    Status,
    Timeout,
    UnverifiedResponse,
)


@pytest.fixture(scope="module")
def recovered(sandbox, client):
    """One recovered order (out_request_no, mchid) that fault tests query."""
    order = sandbox.take_order()
    req = sandbox.request_for(order)
    client.submit(**req)
    return req["out_request_no"], order["mchid"]


# ----- configuration -----


def test_unknown_config_key_is_named(sandbox):
    with pytest.raises(ConfigError) as ei:
        sandbox.client(no_such_option=1)
    assert ei.value.status is Status.CONFIG
    assert "no_such_option" in str(ei.value)
    assert ei.value.attempts == 0


def test_bad_config_value_is_named(sandbox):
    with pytest.raises(ConfigError) as ei:
        sandbox.client(timeout_ms="soon")
    assert "timeout_ms" in str(ei.value)


def test_missing_key_file_is_named(sandbox):
    with pytest.raises(ConfigError) as ei:
        sandbox.client(merchant_private_key="/nonexistent/apiclient_key.pem")
    assert "merchant_private_key" in str(ei.value)


def test_config_as_dict_and_from_file(sandbox):
    with wx_recover.Client(sandbox.config()) as c:
        assert c.wechatpay_serial
    with wx_recover.Client.from_file(sandbox.config_path) as c:
        assert c.wechatpay_serial == sandbox.info["wechatpay_public_key_id"]


def test_from_missing_file_is_config_error(sandbox):
    with pytest.raises(ConfigError):
        wx_recover.Client.from_file(os.path.join(sandbox.state_dir, "nope.json"))


def test_config_not_json_is_config_error():
    with pytest.raises(ConfigError):
        wx_recover.Client("{not json")


# ----- one table: every status the binding maps, its class and every error field -----

# (status, class, client overrides, fault or None, call, expected fields). `call` is "query"
# (the module's recovered order), "missing" (an unknown order), "invalid" (a bad argument) or
# "limited" (the second query through a one-per-minute limiter). Expected: http_status, code
# (None: absent), retry_safe, attempts; every error also has a one-line message.
STATUS_TABLE = [
    (Status.INVALID_ARGUMENT, wx_recover.InvalidArgument, {}, None, "invalid", (0, None, False, 0)),
    (Status.NETWORK, NetworkError,
     dict(backup_url="", max_attempts=1, connect_timeout_ms=1000, timeout_ms=1000, deadline_ms=5000),
     dict(kind="down", listener="primary"), "query", (0, None, True, 1)),
    (Status.TIMEOUT, Timeout, dict(backup_url="", max_attempts=1, timeout_ms=300, deadline_ms=5000),
     dict(kind="delay", ms=2000, listener="primary"), "query", (0, None, True, 1)),
    (Status.API, ApiError, dict(max_attempts=1), dict(kind="system_error", count=1), "query",
     (500, "SYSTEM_ERROR", True, 1)),
    (Status.API, ApiError, {}, None, "missing", (404, "NOT_FOUND", False, 1)),
    (Status.UNVERIFIED, UnverifiedResponse, dict(max_attempts=1), dict(kind="bad_signature", count=5), "query",
     (200, None, True, 1)),
    (Status.RATE_LIMITED, RateLimited, dict(rate_limit_per_minute=1, rate_limit_wait_ms=0), None, "limited",
     (0, None, True, 0)),
    (Status.BAD_RESPONSE, BadResponse, dict(max_attempts=1), dict(kind="non_json", count=5), "query",
     (200, None, True, 1)),
]


@pytest.mark.parametrize("status,cls,overrides,fault,call,want", STATUS_TABLE,
                         ids=[f"{row[0].name}-{row[4]}" for row in STATUS_TABLE])
def test_every_status_maps_to_its_exception_with_every_field(faults, recovered, status, cls, overrides, fault, call, want):
    with faults.client(**overrides) as c:
        if fault:
            f = dict(fault)
            faults.fault(f.pop("kind"), **f)
        with pytest.raises(cls) as ei:
            if call == "invalid":
                c.query("", recovered[1])
            elif call == "missing":
                c.query(faults.new_no("NOSUCH"), recovered[1])
            elif call == "limited":
                c.query(*recovered)
                c.query(*recovered)
            else:
                c.query(*recovered)
    e = ei.value
    http_status, code, retry_safe, attempts = want
    assert isinstance(e, wx_recover.WxError) and e.status is status
    assert e.http_status == http_status
    assert e.code == code
    assert e.retry_safe is retry_safe
    assert e.attempts == attempts
    assert e.message and "\n" not in e.message and "\r" not in e.message
    if http_status:
        assert e.request_id and e.request_id in str(e)
    else:
        assert e.request_id is None
    assert e.detail is None or isinstance(e.detail, (dict, list, str))


def test_a_5xx_is_retried_by_the_core(faults, recovered):
    with faults.client(max_attempts=3) as c:
        faults.fault("system_error", count=1)
        order = c.query(*recovered)
    assert order.out_request_no == recovered[0]


def test_cli_error_goes_to_stderr_with_status_exit_code(sandbox, capsys, recovered):
    from wx_recover.__main__ import main

    rc = main(["query", "--config", sandbox.config_path, "--out-request-no", sandbox.new_no("NOSUCH"),
               "--mchid", recovered[1]])
    out, err = capsys.readouterr()
    assert rc == int(Status.API)
    assert out == ""
    d = json.loads(err)
    assert d["http_status"] == 404 and d["code"] == "NOT_FOUND" and d["request_id"]
