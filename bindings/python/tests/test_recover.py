"""Submit/query against the sandbox: success, failure outcome, re-entry, API errors."""

from __future__ import annotations

import dataclasses

import pytest

import wx_recover
from wx_recover import ApiError, RecoverState, Status


def test_submit_then_query_until_success(sandbox, client, wait_final):
    order = sandbox.take_order("SUCCESS")
    req = sandbox.request_for(order)
    accepted = client.submit(**req)
    assert isinstance(accepted, wx_recover.RecoverAccepted)
    assert accepted.wxpay_recover_no
    assert accepted.out_request_no == req["out_request_no"]
    assert accepted.request_id
    assert accepted.attempts == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        accepted.attempts = 2  # type: ignore[misc]

    final = wait_final(client, req["out_request_no"], order["mchid"])
    assert final.state is RecoverState.SUCCESS
    assert final.recover_state == "SUCCESS"
    assert final.wxpay_recover_no == accepted.wxpay_recover_no
    assert final.out_request_no == req["out_request_no"]
    assert final.related_wxpay_punish_no == order["related_wxpay_punish_no"]
    assert final.mchid == order["mchid"]
    assert final.recover_accept_time
    assert final.recover_finish_time
    assert final.request_id
    assert isinstance(final.extra, dict)
    # Documented fields never leak into extra.
    assert "wxpay_recover_no" not in final.extra and "recover_state" not in final.extra


def test_failed_outcome(sandbox, client, wait_final):
    order = sandbox.take_order("FAILED")
    req = sandbox.request_for(order, recover_reason=None)
    client.submit(**req)
    final = wait_final(client, req["out_request_no"], order["mchid"])
    assert final.state is RecoverState.FAILED
    assert final.recover_state == "FAILED"


def test_query_right_after_submit_is_executing_or_final(sandbox, client):
    order = sandbox.take_order()
    req = sandbox.request_for(order)
    client.submit(**req)
    first = client.query(req["out_request_no"], order["mchid"])
    assert first.state in (RecoverState.EXECUTING, RecoverState.SUCCESS, RecoverState.FAILED)


def test_reentry_returns_same_recover_no(sandbox, client):
    order = sandbox.take_order()
    req = sandbox.request_for(order)
    a = client.submit(**req)
    b = client.submit(**req)
    assert a.wxpay_recover_no == b.wxpay_recover_no
    assert a.out_request_no == b.out_request_no == req["out_request_no"]


def test_second_out_request_no_for_recovered_order_is_already_exists(sandbox, client):
    order = sandbox.take_order()
    client.submit(**sandbox.request_for(order))
    with pytest.raises(ApiError) as ei:
        client.submit(**sandbox.request_for(order))
    e = ei.value
    assert e.status is Status.API
    assert e.http_status == 400
    assert e.code == "ALREADY_EXISTS"
    assert e.request_id and e.request_id in str(e)
    assert e.retry_safe is False
    assert e.attempts == 1
    assert "\n" not in str(e)


def test_unknown_control_order_is_404_not_found(sandbox, client):
    order = sandbox.take_order()
    req = sandbox.request_for(
        order,
        related_webank_punish_no="WBNOSUCH" + sandbox.new_no(""),
        related_wxpay_punish_no="WXNOSUCH" + sandbox.new_no(""),
    )
    with pytest.raises(ApiError) as ei:
        client.submit(**req)
    e = ei.value
    assert (e.http_status, e.code) == (404, "NOT_FOUND")
    assert e.request_id
    assert e.retry_safe is False
    sandbox._orders.append(order)  # untouched: give it back


def test_unknown_target_mchid_is_400_not_found(sandbox, client):
    order = sandbox.take_order()
    req = sandbox.request_for(order, mchid="1999999999")
    with pytest.raises(ApiError) as ei:
        client.submit(**req)
    e = ei.value
    assert (e.http_status, e.code) == (400, "NOT_FOUND")
    assert e.request_id
    assert isinstance(e.detail, (dict, type(None)))


def test_query_unknown_order_is_404(sandbox, client):
    with pytest.raises(ApiError) as ei:
        client.query(sandbox.new_no("NOSUCH"), sandbox.info["orders"][0]["mchid"])
    assert (ei.value.http_status, ei.value.code) == (404, "NOT_FOUND")
    assert ei.value.request_id


def test_error_to_dict_has_every_field(sandbox, client):
    with pytest.raises(ApiError) as ei:
        client.query(sandbox.new_no("NOSUCH"), sandbox.info["orders"][0]["mchid"])
    d = ei.value.to_dict()
    assert d["status"] == "API" and d["status_code"] == 5
    for key in ("http_status", "code", "message", "detail", "request_id", "retry_safe", "attempts"):
        assert key in d
