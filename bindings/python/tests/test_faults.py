"""Each error status produced by a real failure: config, network, timeout, API 5xx,
unverified, bad response and the client-side rate limiter."""

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


# ----- transport and platform failures -----


def test_system_error_single_attempt_is_retry_safe(faults, recovered):
    with faults.client(max_attempts=1) as c:
        faults.fault("system_error", count=1)
        with pytest.raises(ApiError) as ei:
            c.query(*recovered)
    e = ei.value
    assert e.http_status == 500
    assert e.code == "SYSTEM_ERROR"
    assert e.retry_safe is True
    assert e.attempts == 1
    assert e.request_id and e.request_id in str(e)


def test_system_error_is_retried_by_the_core(faults, recovered, sandbox):
    with faults.client(max_attempts=3) as c:
        faults.fault("system_error", count=1)
        order = c.query(*recovered)
    assert order.out_request_no == recovered[0]


def test_down_without_backup_is_network_error(faults, recovered):
    with faults.client(backup_url="", max_attempts=1, connect_timeout_ms=1000, timeout_ms=1000, deadline_ms=5000) as c:
        faults.fault("down", listener="primary")
        with pytest.raises(NetworkError) as ei:
            c.query(*recovered)
    e = ei.value
    assert e.status is Status.NETWORK
    assert e.retry_safe is True
    assert e.http_status == 0


def test_delay_beyond_timeout_is_timeout(faults, recovered):
    with faults.client(backup_url="", max_attempts=1, timeout_ms=300, deadline_ms=5000) as c:
        faults.fault("delay", ms=2000, listener="primary")
        with pytest.raises(Timeout) as ei:
            c.query(*recovered)
    e = ei.value
    assert e.status is Status.TIMEOUT
    assert e.retry_safe is True


def test_bad_signature_is_unverified(faults, recovered):
    with faults.client(max_attempts=1) as c:
        faults.fault("bad_signature", count=5)
        with pytest.raises(UnverifiedResponse) as ei:
            c.query(*recovered)
    e = ei.value
    assert e.status is Status.UNVERIFIED
    assert e.retry_safe is True


def test_non_json_is_bad_response(faults, recovered):
    with faults.client(max_attempts=1) as c:
        faults.fault("non_json", count=5)
        with pytest.raises(BadResponse) as ei:
            c.query(*recovered)
    assert ei.value.status is Status.BAD_RESPONSE
    assert ei.value.retry_safe is True


def test_client_rate_limiter(sandbox, recovered):
    with sandbox.client(rate_limit_per_minute=1, rate_limit_wait_ms=0) as c:
        c.query(*recovered)
        with pytest.raises(RateLimited) as ei:
            c.query(*recovered)
    e = ei.value
    assert e.status is Status.RATE_LIMITED
    assert e.retry_safe is True


def test_cli_error_goes_to_stderr_with_status_exit_code(sandbox, capsys, recovered):
    from wx_recover.__main__ import main

    rc = main(["query", "--config", sandbox.config_path, "--out-request-no", sandbox.new_no("NOSUCH"),
               "--mchid", recovered[1]])
    out, err = capsys.readouterr()
    assert rc == int(Status.API)
    assert out == ""
    d = json.loads(err)
    assert d["http_status"] == 404 and d["code"] == "NOT_FOUND" and d["request_id"]
