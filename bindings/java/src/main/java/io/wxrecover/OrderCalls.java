package io.wxrecover;

import static io.wxrecover.WxRecoverClient.str;
import static io.wxrecover.WxRecoverClient.utf8;
import static io.wxrecover.WxRecoverClient.wipe;

/**
 * The native side of the calls that place, follow and lift control orders:
 * {@link WxRecoverClient#submit} (解管, through {@code wx_recover_submit} or, with an optional
 * field of {@code wx_recover_request_v2}, {@code wx_recover_submit_v2}),
 * {@link WxRecoverClient#punish} (管控) and {@link WxRecoverClient#queryPunish}: the requests'
 * strings as UTF-8 (the plaintexts wiped after the call), the handles read and freed. Each
 * method runs under the client's read lock, with its live handle.
 */
final class OrderCalls {
    private OrderCalls() {}

    static RecoverAccepted submit(long client, RecoverRequest request)
            throws WxRecoverException {
        byte[] outNo = utf8(request.outRequestNo(), "out_request_no");
        byte[] webank = utf8(request.relatedWebankPunishNo(), "related_webank_punish_no");
        byte[] wxpay = utf8(request.relatedWxpayPunishNo(), "related_wxpay_punish_no");
        byte[] mchid = utf8(request.mchid(), "mchid");
        byte[] reason = utf8(request.recoverReason(), "recover_reason");
        byte[] sgn = utf8(request.sgnNo(), "sgn_no");
        byte[] scene = utf8(request.reqScene(), "req_scene");
        byte[] bal = null;
        byte[] card = null;
        try {
            bal = utf8(request.balAccountNo(), "bal_account_no");
            card = utf8(request.cardNo(), "card_no");
            long a = request.hasV2Fields()
                    ? Native.submitV2(client, outNo, webank, wxpay, mchid, bal, reason, card, sgn,
                            scene)
                    : Native.submit(client, outNo, webank, wxpay, mchid, bal, reason);
            try {
                return new RecoverAccepted(
                        str(Native.acceptedString(a, Native.ACCEPTED_WXPAY_RECOVER_NO)),
                        str(Native.acceptedString(a, Native.ACCEPTED_OUT_REQUEST_NO)),
                        str(Native.acceptedString(a, Native.ACCEPTED_REQUEST_ID)),
                        Native.acceptedAttempts(a));
            } finally {
                Native.acceptedFree(a);
            }
        } finally {
            wipe(bal);
            wipe(card);
        }
    }

    static PunishAccepted punish(long client, PunishRequest request) throws WxRecoverException {
        if (request.punishScene() == null) {
            throw WxRecoverException.invalidArgument("punish_scene", "is required");
        }
        long scene = request.punishScene();
        byte[] outNo = utf8(request.outRequestNo(), "out_request_no");
        byte[] mchid = utf8(request.mchid(), "mchid");
        byte[] reason = utf8(request.punishReason(), "punish_reason");
        byte[] end = utf8(request.punishEndTime(), "punish_end_time");
        byte[] sgn = utf8(request.sgnNo(), "sgn_no");
        byte[] reqScene = utf8(request.reqScene(), "req_scene");
        byte[] strategy = utf8(request.fundRepatriationStrategy(), "fund_repatriation_strategy");
        byte[] bal = null;
        byte[] card = null;
        try {
            bal = utf8(request.balAccountNo(), "bal_account_no");
            card = utf8(request.cardNo(), "card_no");
            long a = Native.punish(client, outNo, mchid, bal, scene, reason, end, card, sgn,
                    reqScene, strategy);
            try {
                return new PunishAccepted(
                        str(Native.punishAcceptedString(a, Native.PUNISH_ACCEPTED_WXPAY_PUNISH_NO)),
                        str(Native.punishAcceptedString(a, Native.PUNISH_ACCEPTED_OUT_REQUEST_NO)),
                        str(Native.punishAcceptedString(a, Native.PUNISH_ACCEPTED_REQUEST_ID)),
                        Native.punishAcceptedAttempts(a));
            } finally {
                Native.punishAcceptedFree(a);
            }
        } finally {
            wipe(bal);
            wipe(card);
        }
    }

    static PunishOrder queryPunish(long client, byte[] outRequestNo, byte[] mchid)
            throws WxRecoverException {
        long o = Native.queryPunish(client, outRequestNo, mchid);
        try {
            return PunishOrder.fromHandle(o);
        } finally {
            Native.punishOrderFree(o);
        }
    }
}
