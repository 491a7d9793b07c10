package io.wxrecover;

/**
 * A queried recover order. The documented string fields are read from the library one by one
 * ({@code wx_order_get}); {@link #rawJson()} is the whole {@code recover_order} object, unknown
 * fields included. Absent fields are null.
 */
public final class RecoverOrder {
    private final String wxpayRecoverNo;
    private final String outRequestNo;
    private final String relatedWxpayPunishNo;
    private final String mchid;
    private final String punishScene;
    private final String punishRuleVersion;
    private final String recoverAcceptTime;
    private final String recoverFinishTime;
    private final String recoverState;
    private final String recoverReason;
    private final String errorCode;
    private final String errorMessage;
    private final RecoverState state;
    private final String requestId;
    private final String rawJson;

    RecoverOrder(String wxpayRecoverNo, String outRequestNo, String relatedWxpayPunishNo,
            String mchid, String punishScene, String punishRuleVersion, String recoverAcceptTime,
            String recoverFinishTime, String recoverState, String recoverReason, String errorCode,
            String errorMessage, RecoverState state, String requestId, String rawJson) {
        this.wxpayRecoverNo = wxpayRecoverNo;
        this.outRequestNo = outRequestNo;
        this.relatedWxpayPunishNo = relatedWxpayPunishNo;
        this.mchid = mchid;
        this.punishScene = punishScene;
        this.punishRuleVersion = punishRuleVersion;
        this.recoverAcceptTime = recoverAcceptTime;
        this.recoverFinishTime = recoverFinishTime;
        this.recoverState = recoverState;
        this.recoverReason = recoverReason;
        this.errorCode = errorCode;
        this.errorMessage = errorMessage;
        this.state = state;
        this.requestId = requestId;
        this.rawJson = rawJson;
    }

    public String wxpayRecoverNo() {
        return wxpayRecoverNo;
    }

    public String outRequestNo() {
        return outRequestNo;
    }

    public String relatedWxpayPunishNo() {
        return relatedWxpayPunishNo;
    }

    public String mchid() {
        return mchid;
    }

    public String punishScene() {
        return punishScene;
    }

    public String punishRuleVersion() {
        return punishRuleVersion;
    }

    /** RFC 3339 time of acceptance, as the platform sent it. */
    public String recoverAcceptTime() {
        return recoverAcceptTime;
    }

    /** RFC 3339 time of the final state, or null while executing. */
    public String recoverFinishTime() {
        return recoverFinishTime;
    }

    /** The state exactly as sent ("EXECUTING", "SUCCESS", "FAILED", or a newer value). */
    public String recoverState() {
        return recoverState;
    }

    public String recoverReason() {
        return recoverReason;
    }

    /** Why a FAILED recover failed, or null. */
    public String errorCode() {
        return errorCode;
    }

    public String errorMessage() {
        return errorMessage;
    }

    /** The state as an enum; {@link RecoverState#UNKNOWN} for a value this version does not know. */
    public RecoverState state() {
        return state;
    }

    /** {@code Request-ID} of the query's answer, or null. */
    public String requestId() {
        return requestId;
    }

    /** The whole {@code recover_order} object as JSON text. */
    public String rawJson() {
        return rawJson;
    }

    @Override
    public String toString() {
        return "RecoverOrder{wxpayRecoverNo=" + wxpayRecoverNo + ", outRequestNo=" + outRequestNo
                + ", state=" + state + ", recoverState=" + recoverState
                + ", errorCode=" + errorCode + ", requestId=" + requestId + "}";
    }
}
