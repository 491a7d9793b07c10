"""Bad arguments: each one raises InvalidArgument naming the field, and nothing is sent."""

from __future__ import annotations

import pytest

from wx_recover import InvalidArgument, Status

REQUIRED = ["out_request_no", "related_webank_punish_no", "related_wxpay_punish_no", "mchid", "bal_account_no"]


@pytest.fixture
def good(sandbox):
    # Never submitted successfully: every case below fails before any I/O.
    return sandbox.request_for(sandbox.info["orders"][0])


def _requests_sent(sandbox) -> str:
    return repr(sandbox.stats())


@pytest.mark.parametrize("field", REQUIRED)
def test_none_required_field(client, good, field):
    good[field] = None
    with pytest.raises(InvalidArgument) as ei:
        client.submit(**good)
    assert field in str(ei.value)
    assert ei.value.status is Status.INVALID_ARGUMENT
    assert ei.value.attempts == 0
    assert ei.value.retry_safe is False


@pytest.mark.parametrize("field", REQUIRED + ["recover_reason"])
@pytest.mark.parametrize("value", [12345, b"bytes", 1.5, ["x"]])
def test_non_str_field(client, good, field, value):
    good[field] = value
    with pytest.raises(InvalidArgument) as ei:
        client.submit(**good)
    assert field in str(ei.value)


@pytest.mark.parametrize("field", REQUIRED + ["recover_reason"])
def test_embedded_nul(client, good, field):
    good[field] = "AB\x00CD"
    with pytest.raises(InvalidArgument) as ei:
        client.submit(**good)
    assert field in str(ei.value)


@pytest.mark.parametrize("field", REQUIRED)
def test_empty_field_reported_by_core(client, good, field):
    good[field] = ""
    with pytest.raises(InvalidArgument) as ei:
        client.submit(**good)
    assert field in str(ei.value)


@pytest.mark.parametrize(
    "field,value",
    [
        ("out_request_no", "N" * 65),
        ("bal_account_no", "9" * 215),
        ("recover_reason", "r" * 257),
    ],
)
def test_too_long_reported_by_core(client, good, field, value):
    good[field] = value
    with pytest.raises(InvalidArgument) as ei:
        client.submit(**good)
    assert field in str(ei.value)
    assert ei.value.attempts == 0
    if field == "bal_account_no":
        assert value not in str(ei.value)  # the ledger id is never echoed


def test_max_lengths_pass_validation(sandbox, client):
    # 64-byte out_request_no and 256-char reason are allowed (the sandbox then accepts them).
    order = sandbox.take_order()
    req = sandbox.request_for(order, out_request_no="M" * 64, recover_reason="理" * 256)
    accepted = client.submit(**req)
    assert accepted.out_request_no == "M" * 64


def test_control_characters_reported_by_core(client, good):
    good["mchid"] = "123\n456"
    with pytest.raises(InvalidArgument) as ei:
        client.submit(**good)
    assert "mchid" in str(ei.value)


def test_equal_numbers_rejected_locally(sandbox, client, good):
    before = _requests_sent(sandbox)
    good["out_request_no"] = good["related_webank_punish_no"]
    with pytest.raises(InvalidArgument) as ei:
        client.submit(**good)
    assert "out_request_no" in str(ei.value)
    assert "related_webank_punish_no" in str(ei.value)
    assert _requests_sent(sandbox) == before  # nothing reached the sandbox


def test_unencodable_str(client, good):
    good["out_request_no"] = "bad\udc80surrogate"
    with pytest.raises(InvalidArgument) as ei:
        client.submit(**good)
    assert "out_request_no" in str(ei.value)


@pytest.mark.parametrize("field,args", [
    ("out_request_no", (None, "1900000001")),
    ("mchid", ("PYQ1", None)),
    ("out_request_no", (7, "1900000001")),
    ("mchid", ("PYQ1", "")),
    ("out_request_no", ("Q" * 65, "1900000001")),
])
def test_query_arguments(client, field, args):
    with pytest.raises(InvalidArgument) as ei:
        client.query(*args)
    assert field in str(ei.value)


def test_primitive_arguments(client):
    with pytest.raises(InvalidArgument) as ei:
        client.encrypt(None)  # type: ignore[arg-type]
    assert "plaintext" in str(ei.value)
    with pytest.raises(InvalidArgument) as ei:
        client.encrypt("x" * 215)
    assert "214" in str(ei.value)
    with pytest.raises(InvalidArgument) as ei:
        client.authorization("GET", None, b"")  # type: ignore[arg-type]
    assert "url" in str(ei.value)
    with pytest.raises(InvalidArgument) as ei:
        client.authorization("POST", "/v3/x", "text body")  # type: ignore[arg-type]
    assert "body" in str(ei.value)
    with pytest.raises(InvalidArgument) as ei:
        client.verify("1", "n", None, "s", b"{}")  # type: ignore[arg-type]
    assert "signature" in str(ei.value)
