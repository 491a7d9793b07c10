"""Cold start with the community SDK wechatpayv3 (PyPI): the interpreter starts, imports the
SDK, reads the keys, opens TLS, submits one recover (bal_account_no encrypted by the SDK,
the answer's signature verified by it) and exits. bench/coldstart.py times it from outside.

    python3 coldstart_wechatpayv3.py SANDBOX.json OUT,WEBANK,WXPAY,MCHID,BAL
"""

import json
import os
import sys

RECOVER = "/v3/aggracct-bc/wb-channel/control-orders/recover"


def main():
    with open(sys.argv[1]) as f:
        info = json.load(f)
    os.environ["REQUESTS_CA_BUNDLE"] = info["ca_cert"]
    from wechatpayv3 import WeChatPay, WeChatPayType
    from wechatpayv3.type import RequestType

    def read(path):
        with open(path) as f:
            return f.read()

    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,
        mchid=info["mchid"],
        private_key=read(info["merchant_private_key"]),
        cert_serial_no=info["merchant_serial_no"],
        appid="wxd678efh567hg6787",
        apiv3_key=info["apiv3_key"],
        public_key=read(info["wechatpay_public_key"]),
        public_key_id=info["wechatpay_public_key_id"],
        timeout=(10, 30),
    )
    wxpay._core._gate_way = info["primary_url"]
    out, webank, wxpay_no, mchid, bal = sys.argv[2].split(",")
    data = {"out_request_no": out, "related_webank_punish_no": webank, "related_wxpay_punish_no": wxpay_no,
            "mchid": mchid, "bal_account_no": wxpay._core.encrypt(bal), "recover_reason": "cold start"}
    code, text = wxpay._core.request(RECOVER, method=RequestType.POST, data=data, cipher_data=True)
    if code != 200:
        raise SystemExit(f"submit answered {code}: {text}")
    print(json.loads(text)["wxpay_recover_no"])


if __name__ == "__main__":
    main()
