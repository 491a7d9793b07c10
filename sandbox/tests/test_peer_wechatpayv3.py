"""Conformance: drive the community Python SDK `wechatpayv3` against the sandbox binary.

Run with `pytest sandbox/tests/test_peer_wechatpayv3.py`. The sandbox binary is taken from
$WX_SANDBOX_BIN, else target/release/wx-sandbox, else target/debug/wx-sandbox (relative to the
repository root). Nothing is skipped: a missing SDK or binary is a test failure.
"""

import base64
import json
import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "py"))
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402

try:
    from wechatpayv3 import WeChatPay, WeChatPayType
    from wechatpayv3.type import RequestType

    _SDK_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only when the SDK is missing
    _SDK_IMPORT_ERROR = exc

RECOVER = "/v3/aggracct-bc/wb-channel/control-orders/recover"
QUERY = "/v3/aggracct-bc/wb-channel/control-orders/"


def _require_sdk():
    if _SDK_IMPORT_ERROR is not None:
        pytest.fail(
            f"the wechatpayv3 SDK is required for this peer test but cannot be imported "
            f"({_SDK_IMPORT_ERROR}); install it with `pip install wechatpayv3`",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    _require_sdk()
    state = tmp_path_factory.mktemp("wx-sandbox-state")
    try:
        sb = Sandbox(state_dir=state, orders=20, recover_delay_ms=100, ready_timeout=60)
    except SandboxError as e:
        pytest.fail(str(e), pytrace=False)
    try:
        old_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = sb.info["ca_cert"]
        yield sb
        if old_bundle is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = old_bundle
    finally:
        if sb.running():
            rc = sb.stop()
            assert rc == 0, f"wx-sandbox exited with {rc}"
        sb.stop()


def _make_sdk(info, private_key_pem=None):
    if private_key_pem is None:
        private_key_pem = Path(info["merchant_private_key"]).read_text()
    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=info["mchid"],
        private_key=private_key_pem,
        cert_serial_no=info["merchant_serial_no"],
        appid="wxd678efh567hg6787",
        apiv3_key=info["apiv3_key"],
        public_key=Path(info["wechatpay_public_key"]).read_text(),
        public_key_id=info["wechatpay_public_key_id"],
        timeout=(10, 30),
    )
    wxpay._core._gate_way = info["primary_url"]
    return wxpay


def _recover_data(wxpay, order, out_request_no):
    return {
        "out_request_no": out_request_no,
        "related_webank_punish_no": order["related_webank_punish_no"],
        "related_wxpay_punish_no": order["related_wxpay_punish_no"],
        "mchid": order["mchid"],
        # The SDK's own RSA-OAEP (SHA-1) helper with the WeChat Pay public key.
        "bal_account_no": wxpay._core.encrypt(order["bal_account_no"]),
        "recover_reason": "peer conformance 解管",
    }


def test_recover_and_query_with_sdk(sandbox):
    wxpay = _make_sdk(sandbox.info)
    order = sandbox.info["orders"][0]
    # cipher_data=True: the SDK adds Wechatpay-Serial (the public key id in public-key mode).
    code, text = wxpay._core.request(
        RECOVER, method=RequestType.POST, data=_recover_data(wxpay, order, "PY-OUT-1"), cipher_data=True
    )
    # A 2xx only comes back after the SDK verified the response signature (it raises otherwise).
    assert code == 200, text
    body = json.loads(text)
    assert body["out_request_no"] == "PY-OUT-1"
    recover_no = body["wxpay_recover_no"]
    assert recover_no

    # Re-entry with a fresh ciphertext gives the same number.
    code, text = wxpay._core.request(
        RECOVER, method=RequestType.POST, data=_recover_data(wxpay, order, "PY-OUT-1"), cipher_data=True
    )
    assert code == 200, text
    assert json.loads(text)["wxpay_recover_no"] == recover_no

    deadline = time.time() + 10
    while True:
        code, text = wxpay._core.request(
            f"{QUERY}PY-OUT-1?control_type=RECOVER&mchid={order['mchid']}", method=RequestType.GET
        )
        assert code == 200, text
        ro = json.loads(text)["recover_order"]
        if ro["recover_state"] != "EXECUTING" or time.time() > deadline:
            break
        time.sleep(0.1)
    assert ro["recover_state"] == "SUCCESS"
    assert ro["wxpay_recover_no"] == recover_no
    assert ro["out_request_no"] == "PY-OUT-1"
    assert ro["mchid"] == order["mchid"]
    assert ro["recover_reason"] == "peer conformance 解管"

    recs = sandbox.recovers()
    rec = [r for r in recs if r["out_request_no"] == "PY-OUT-1"][0]
    assert rec["accept_count"] == 2


def test_business_error_passes_through(sandbox):
    wxpay = _make_sdk(sandbox.info)
    order = dict(sandbox.info["orders"][1])
    order["related_wxpay_punish_no"] = "does-not-exist"
    code, text = wxpay._core.request(
        RECOVER, method=RequestType.POST, data=_recover_data(wxpay, order, "PY-OUT-404"), cipher_data=True
    )
    assert code == 404, text
    assert json.loads(text)["code"] == "NOT_FOUND"


def test_sdk_detects_bad_response_signature(sandbox):
    wxpay = _make_sdk(sandbox.info)
    sandbox.fault("bad_signature", path="query")
    try:
        with pytest.raises(Exception, match="verify the signature"):
            wxpay._core.request(
                f"{QUERY}PY-OUT-1?control_type=RECOVER&mchid={sandbox.info['orders'][0]['mchid']}",
                method=RequestType.GET,
            )
    finally:
        sandbox.reset()


def test_wrong_private_key_gets_sign_error(sandbox):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    before = sandbox.stats()["signature_failures"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    wxpay = _make_sdk(sandbox.info, private_key_pem=pem)
    code, text = wxpay._core.request(
        RECOVER,
        method=RequestType.POST,
        data=_recover_data(wxpay, sandbox.info["orders"][2], "PY-OUT-BADKEY"),
        cipher_data=True,
    )
    assert code == 401, text
    assert json.loads(text)["code"] == "SIGN_ERROR"
    assert sandbox.stats()["signature_failures"] == before + 1


def test_certificate_download_decrypts_with_sdk_helper(sandbox):
    from wechatpayv3.utils import aes_decrypt, load_certificate

    wxpay = _make_sdk(sandbox.info)
    code, text = wxpay._core.request("/v3/certificates", method=RequestType.GET)
    assert code == 200, text
    entry = json.loads(text)["data"][0]
    ec = entry["encrypt_certificate"]
    pem = aes_decrypt(
        nonce=ec["nonce"],
        ciphertext=ec["ciphertext"],
        associated_data=ec["associated_data"],
        apiv3_key=sandbox.info["apiv3_key"],
    )
    cert = load_certificate(pem)
    assert cert is not None
    assert format(cert.serial_number, "X") == sandbox.info["platform_certificate_serial"] == entry["serial_no"]
    # Sanity: the ciphertext carries a 16-byte tag.
    assert len(base64.b64decode(ec["ciphertext"])) == len(pem.encode()) + 16
