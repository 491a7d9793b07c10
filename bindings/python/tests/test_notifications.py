"""parse_notification: verified and decrypted through the C library; tampering is refused."""

from __future__ import annotations

import json
from typing import Any, Dict, Tuple

import pytest

import wx_recover

PLAIN = {"wxpay_recover_no": "WXR-PY", "out_request_no": "PY-N-1", "recover_state": "SUCCESS", "mchid": "1900000100"}


def signed(sandbox: Any, **request: Any) -> Tuple[Dict[str, str], bytes]:
    v = sandbox.sign_notification(request)
    return dict(v["headers"]), v["body"].encode("utf-8")


def test_notification_is_verified_and_decrypted_with_any_header_case(sandbox: Any, client: wx_recover.Client) -> None:
    headers, body = signed(sandbox, plaintext=PLAIN)
    n = client.parse_notification(headers, body)
    assert isinstance(n, wx_recover.Notification)
    assert n.event_type == "RECOVER.SUCCESS"
    assert n.resource_type == "encrypt-resource"
    assert n.original_type == "recover_order"
    assert n.order is not None
    assert {k: getattr(n.order, k) for k in PLAIN} == PLAIN
    assert n.order.state == wx_recover.RecoverState.SUCCESS
    assert json.loads(n.plaintext) == PLAIN
    lower = {k.lower(): v for k, v in headers.items()}
    assert client.parse_notification(lower, body).id == n.id
    upper = {k.upper(): v for k, v in headers.items()}
    assert client.parse_notification(upper, bytearray(body)).id == n.id


def test_two_headers_of_one_wechatpay_name_are_refused(sandbox: Any, client: wx_recover.Client) -> None:
    headers, body = signed(sandbox, plaintext=PLAIN)
    doubled = dict(headers)
    doubled["wechatpay-signature"] = headers["Wechatpay-Signature"]
    with pytest.raises(wx_recover.UnverifiedResponse) as e:
        client.parse_notification(doubled, body)
    assert "more than once" in str(e.value)


def test_tampered_body_and_headers_are_refused(sandbox: Any, client: wx_recover.Client) -> None:
    headers, body = signed(sandbox, plaintext=PLAIN)
    tampered = body.replace(b"RECOVER.SUCCESS", b"RECOVER.FAILED!")
    with pytest.raises(wx_recover.UnverifiedResponse) as e:
        client.parse_notification(headers, tampered)
    assert "does not verify" in str(e.value)
    assert "WXR-PY" not in str(e.value)

    stale_h, stale_b = signed(sandbox, plaintext=PLAIN, timestamp_offset_s=-600)
    with pytest.raises(wx_recover.UnverifiedResponse, match="Wechatpay-Timestamp"):
        client.parse_notification(stale_h, stale_b)

    missing = {k: v for k, v in headers.items() if k.lower() != "wechatpay-signature"}
    with pytest.raises(wx_recover.UnverifiedResponse, match="missing"):
        client.parse_notification(missing, body)

    unknown = dict(headers, **{"Wechatpay-Serial": "PUB_KEY_ID_0999999999999999999999999999"})
    with pytest.raises(wx_recover.UnverifiedResponse, match="not a known"):
        client.parse_notification(unknown, body)


def test_envelope_and_key_failures_are_bad_responses(sandbox: Any, client: wx_recover.Client) -> None:
    headers, body = signed(sandbox, plaintext=PLAIN)
    env = json.loads(body)
    env["resource"]["ciphertext"] = ("A" if env["resource"]["ciphertext"][0] != "A" else "B") + env["resource"]["ciphertext"][1:]
    h2, b2 = signed(sandbox, body=json.dumps(env))
    with pytest.raises(wx_recover.BadResponse, match="AES-GCM"):
        client.parse_notification(h2, b2)
    h3, b3 = signed(sandbox, body="{not json")
    with pytest.raises(wx_recover.BadResponse, match="not valid JSON"):
        client.parse_notification(h3, b3)
    del env["event_type"]
    h4, b4 = signed(sandbox, body=json.dumps(env))
    with pytest.raises(wx_recover.BadResponse, match="missing field event_type"):
        client.parse_notification(h4, b4)
    with sandbox.client(apiv3_key="0123456789abcdef0123456789abcdef") as other:
        with pytest.raises(wx_recover.BadResponse, match="wrong APIv3 key"):
            other.parse_notification(headers, body)
    cfg = sandbox.config()
    del cfg["apiv3_key"]
    with wx_recover.Client(json.dumps(cfg)) as no_key:
        with pytest.raises(wx_recover.ConfigError, match="apiv3_key"):
            no_key.parse_notification(headers, body)


def test_argument_conversions(client: wx_recover.Client) -> None:
    with pytest.raises(wx_recover.InvalidArgument):
        client.parse_notification([("a", "b")], b"{}")  # type: ignore[arg-type]
    with pytest.raises(wx_recover.InvalidArgument):
        client.parse_notification({}, "text")  # type: ignore[arg-type]
