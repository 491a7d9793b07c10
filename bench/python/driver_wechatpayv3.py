"""Benchmark driver for the community SDK wechatpayv3 (PyPI), public-key mode.

    python3 driver_wechatpayv3.py sandbox=SANDBOX.json \
        order=OUT,WEBANK,WXPAY,MCHID,BAL warmup=N n=N admin=URL

The SDK is pointed at the sandbox by setting its gateway (`_core._gate_way`) to the primary
URL and trusts the sandbox CA through REQUESTS_CA_BUNDLE (set here, before the first request).
Each submit encrypts bal_account_no with the SDK's own RSA-OAEP helper and sends it with the
Wechatpay-Serial header (cipher_data=True); the SDK verifies every 2xx answer's signature and
raises when it does not verify. Nothing in the SDK is patched or disabled.
"""

import json
import os
import sys
from pathlib import Path

import benchlib

RECOVER = "/v3/aggracct-bc/wb-channel/control-orders/recover"
QUERY = "/v3/aggracct-bc/wb-channel/control-orders/"


def main():
    args = benchlib.parse_args(sys.argv[1:])
    info = json.loads(Path(args["sandbox"]).read_text())
    os.environ["REQUESTS_CA_BUNDLE"] = info["ca_cert"]
    from wechatpayv3 import WeChatPay, WeChatPayType
    from wechatpayv3.type import RequestType

    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=info["mchid"],
        private_key=Path(info["merchant_private_key"]).read_text(),
        cert_serial_no=info["merchant_serial_no"],
        appid="wxd678efh567hg6787",
        apiv3_key=info["apiv3_key"],
        public_key=Path(info["wechatpay_public_key"]).read_text(),
        public_key_id=info["wechatpay_public_key_id"],
        timeout=(10, 30),
    )
    wxpay._core._gate_way = info["primary_url"]
    o = args["order"]
    query_path = f"{QUERY}{o['out_request_no']}?control_type=RECOVER&mchid={o['mchid']}"

    def submit():
        data = dict(o)
        data["bal_account_no"] = wxpay._core.encrypt(o["bal_account_no"])
        data["recover_reason"] = "bench"
        code, text = wxpay._core.request(RECOVER, method=RequestType.POST, data=data, cipher_data=True)
        if code != 200:
            raise SystemExit(f"submit answered {code}: {text}")

    def query():
        code, text = wxpay._core.request(query_path, method=RequestType.GET)
        if code != 200:
            raise SystemExit(f"query answered {code}: {text}")

    args.setdefault("impl", "wechatpayv3")
    benchlib.run(args, submit, query)


if __name__ == "__main__":
    main()
