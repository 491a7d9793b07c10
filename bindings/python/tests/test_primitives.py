"""authorization / encrypt / verify, exercised end to end with Python's own HTTPS client."""

from __future__ import annotations

import base64
import json
import ssl
import time
import urllib.error
import urllib.request

import pytest

from wx_recover import UnverifiedResponse

QUERY_PREFIX = "/v3/aggracct-bc/wb-channel/control-orders/"


def test_encrypt_is_randomised_base64(client):
    a = client.encrypt("6230580000012345678")
    b = client.encrypt("6230580000012345678")
    assert a != b  # OAEP is randomised
    assert len(base64.b64decode(a)) == 256  # RSA-2048


def test_authorization_header_shape(sandbox, client):
    value = client.authorization("GET", "/v3/x?a=1", b"")
    assert value.startswith("WECHATPAY2-SHA256-RSA2048 ")
    assert f'mchid="{sandbox.info["mchid"]}"' in value
    assert f'serial_no="{sandbox.info["merchant_serial_no"]}"' in value
    assert value != client.authorization("GET", "/v3/x?a=1", None)  # fresh nonce each time


def test_own_http_stack_authorization_and_verify(sandbox, client):
    """Signs a query with authorization(), sends it with urllib, verifies the answer."""
    order = sandbox.take_order()
    req = sandbox.request_for(order)
    client.submit(**req)
    path = f"{QUERY_PREFIX}{req['out_request_no']}?control_type=RECOVER&mchid={order['mchid']}"
    url = sandbox.info["primary_url"].rstrip("/") + path
    ctx = ssl.create_default_context(cafile=sandbox.info["ca_cert"])
    http = urllib.request.Request(url, method="GET")
    http.add_header("Authorization", client.authorization("GET", path, b""))
    http.add_header("Accept", "application/json")
    http.add_header("User-Agent", "wx-recover-python-test")
    http.add_header("Wechatpay-Serial", client.wechatpay_serial)
    with urllib.request.urlopen(http, context=ctx, timeout=10) as resp:
        body = resp.read()
        headers = resp.headers
    assert isinstance(json.loads(body), dict)
    assert req["out_request_no"].encode() in body
    ts, nonce = headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"]
    sig, serial = headers["Wechatpay-Signature"], headers["Wechatpay-Serial"]
    client.verify(ts, nonce, sig, serial, body)  # no exception: verified

    with pytest.raises(UnverifiedResponse) as ei:
        client.verify(ts, nonce, sig, serial, body + b" ")
    assert ei.value.retry_safe is True
    with pytest.raises(UnverifiedResponse):
        client.verify(ts, nonce, sig, "PUB_KEY_ID_UNKNOWN", body)
    with pytest.raises(UnverifiedResponse):
        client.verify(str(int(time.time()) - 3600), nonce, sig, serial, body)


def test_verify_garbage_is_unverified(client):
    with pytest.raises(UnverifiedResponse):
        client.verify(str(int(time.time())), "nonce", "c2lnbmF0dXJl", client.wechatpay_serial, b"{}")
