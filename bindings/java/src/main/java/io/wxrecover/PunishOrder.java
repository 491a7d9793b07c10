package io.wxrecover;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;

/**
 * A control order as the PUNISH query ({@link WxRecoverClient#queryPunish}) gives it: the two
 * states as enums, every documented text field (null when absent, like {@link RecoverOrder}),
 * {@code punish_scene} and {@code punish_rule_version} as numbers, {@code control_action} as a
 * list, and the whole {@code punish_order} object in {@link #json()}. Immutable; equal when
 * every field is equal.
 */
public final class PunishOrder extends Value {
    private final PunishState punishState;
    private final EffectState effectState;
    private final String wxpayPunishNo;
    private final String outRequestNo;
    private final String mchid;
    private final OptionalLong punishScene;
    private final OptionalLong punishRuleVersion;
    private final String punishReason;
    private final String punishStartTime;
    private final String punishEndTime;
    private final String punishAcceptTime;
    private final String punishFinishTime;
    private final String errorCode;
    private final String errorMessage;
    private final List<String> controlAction;
    private final String punishStateText;
    private final String effectStateText;
    private final String requestId;
    private final String json;

    private PunishOrder(long o) {
        this.punishState = PunishState.fromCode(Native.punishOrderState(o));
        this.effectState = EffectState.fromCode(Native.punishOrderEffectState(o));
        this.wxpayPunishNo = get(o, "wxpay_punish_no");
        this.outRequestNo = get(o, "out_request_no");
        this.mchid = get(o, "mchid");
        this.punishScene = number(o, Native.PUNISH_ORDER_PUNISH_SCENE);
        this.punishRuleVersion = number(o, Native.PUNISH_ORDER_PUNISH_RULE_VERSION);
        this.punishReason = get(o, "punish_reason");
        this.punishStartTime = get(o, "punish_start_time");
        this.punishEndTime = get(o, "punish_end_time");
        this.punishAcceptTime = get(o, "punish_accept_time");
        this.punishFinishTime = get(o, "punish_finish_time");
        this.errorCode = get(o, "error_code");
        this.errorMessage = get(o, "error_message");
        List<String> actions = new ArrayList<>();
        for (int i = 0, n = Native.punishOrderControlActionLen(o); i < n; i++) {
            actions.add(WxRecoverClient.str(Native.punishOrderControlAction(o, i)));
        }
        this.controlAction = Collections.unmodifiableList(actions);
        this.punishStateText = get(o, "punish_state");
        this.effectStateText = get(o, "effect_state");
        this.requestId = WxRecoverClient.str(Native.punishOrderRequestId(o));
        this.json = WxRecoverClient.str(Native.punishOrderJson(o));
    }

    /** Reads a punish order handle; the caller frees it. */
    static PunishOrder fromHandle(long o) {
        return new PunishOrder(o);
    }

    private static String get(long o, String field) {
        return WxRecoverClient.str(Native.punishOrderGet(o, WxRecoverClient.ascii(field)));
    }

    private static OptionalLong number(long o, int which) {
        long[] out = new long[1];
        return Native.punishOrderNumber(o, which, out) ? OptionalLong.of(out[0])
                                                       : OptionalLong.empty();
    }

    @Override
    Object[] fields() {
        return new Object[] {"punishState", punishState, "effectState", effectState,
                "wxpayPunishNo", wxpayPunishNo, "outRequestNo", outRequestNo, "mchid", mchid,
                "punishScene", punishScene, "punishRuleVersion", punishRuleVersion,
                "punishReason", punishReason, "punishStartTime", punishStartTime,
                "punishEndTime", punishEndTime, "punishAcceptTime", punishAcceptTime,
                "punishFinishTime", punishFinishTime, "errorCode", errorCode,
                "errorMessage", errorMessage, "controlAction", controlAction,
                "punishStateText", punishStateText, "effectStateText", effectStateText,
                "requestId", requestId, "json", json};
    }

    /** {@code punish_state} as an enum; {@link PunishState#UNKNOWN} for a value this version does not know. */
    public PunishState punishState() {
        return punishState;
    }

    /**
     * {@code effect_state} as an enum ({@link EffectState#ACTIVE} once SUCCESS,
     * {@link EffectState#RECOVERED} once a recover lifted it); {@link EffectState#UNKNOWN} when
     * absent or new.
     */
    public EffectState effectState() {
        return effectState;
    }

    /** The platform's number for the order (a recover's relatedWxpayPunishNo). */
    public String wxpayPunishNo() {
        return wxpayPunishNo;
    }

    /** The merchant-side number (a recover's relatedWebankPunishNo). */
    public String outRequestNo() {
        return outRequestNo;
    }

    /** The target merchant. */
    public String mchid() {
        return mchid;
    }

    /** {@code punish_scene}, an integer on the wire; empty when absent or not an integer. */
    public OptionalLong punishScene() {
        return punishScene;
    }

    /** {@code punish_rule_version}, an integer on the wire; empty when absent or not an integer. */
    public OptionalLong punishRuleVersion() {
        return punishRuleVersion;
    }

    public String punishReason() {
        return punishReason;
    }

    /** RFC 3339, as the platform sent it. */
    public String punishStartTime() {
        return punishStartTime;
    }

    /** RFC 3339 as given to the punish, or null for long-term. */
    public String punishEndTime() {
        return punishEndTime;
    }

    /** RFC 3339 time of acceptance, as the platform sent it. */
    public String punishAcceptTime() {
        return punishAcceptTime;
    }

    /** RFC 3339 time of the final state, or null while executing. */
    public String punishFinishTime() {
        return punishFinishTime;
    }

    /** Why a FAILED punish failed, or null. */
    public String errorCode() {
        return errorCode;
    }

    public String errorMessage() {
        return errorMessage;
    }

    /** The {@code control_action} values as received ({@code DISABLE_PAY}, …; unknown ones kept). */
    public List<String> controlAction() {
        return controlAction;
    }

    /** {@code punish_state} exactly as sent ("EXECUTING", "SUCCESS", "FAILED" or a newer value). */
    public String punishStateText() {
        return punishStateText;
    }

    /** {@code effect_state} exactly as sent, or null when absent. */
    public String effectStateText() {
        return effectStateText;
    }

    /** {@code Request-ID} of the query's answer, or null. */
    public String requestId() {
        return requestId;
    }

    /** The whole {@code punish_order} object as JSON text, undocumented fields included. */
    public String json() {
        return json;
    }

    @Override
    public String toString() {
        return "PunishOrder{wxpayPunishNo=" + wxpayPunishNo + ", outRequestNo=" + outRequestNo
                + ", punishState=" + punishState + ", effectState=" + effectState
                + ", punishScene=" + punishScene + ", controlAction=" + controlAction
                + ", errorCode=" + errorCode + ", requestId=" + requestId + "}";
    }
}
