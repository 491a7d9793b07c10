package io.wxrecover;

/**
 * An accepted punish (管控). Acceptance is not the outcome: follow it with
 * {@link WxRecoverClient#queryPunish(String, String)} until {@link PunishState#isFinal()}.
 * {@link #wxpayPunishNo()} and {@link #outRequestNo()} are what a later recover names as
 * {@code relatedWxpayPunishNo} and {@code relatedWebankPunishNo}. Immutable; equal when every
 * field is equal.
 */
public final class PunishAccepted extends Value {
    private final String wxpayPunishNo;
    private final String outRequestNo;
    private final String requestId;
    private final int attempts;

    /**
     * @param wxpayPunishNo the {@code wxpay_punish_no} the platform assigned
     * @param outRequestNo the {@code out_request_no} that was accepted
     * @param requestId the {@code Request-ID} of the accepting answer, or null
     * @param attempts how many HTTP attempts the punish made (0 when the journal answered)
     */
    public PunishAccepted(String wxpayPunishNo, String outRequestNo, String requestId,
            int attempts) {
        this.wxpayPunishNo = wxpayPunishNo;
        this.outRequestNo = outRequestNo;
        this.requestId = requestId;
        this.attempts = attempts;
    }

    @Override
    Object[] fields() {
        return new Object[] {"wxpayPunishNo", wxpayPunishNo, "outRequestNo", outRequestNo,
                "requestId", requestId, "attempts", attempts};
    }

    /** The {@code wxpay_punish_no} the platform assigned (a recover's relatedWxpayPunishNo). */
    public String wxpayPunishNo() {
        return wxpayPunishNo;
    }

    /** The {@code out_request_no} that was accepted (a recover's relatedWebankPunishNo). */
    public String outRequestNo() {
        return outRequestNo;
    }

    /**
     * The {@code Request-ID} of the accepting answer, or null (also when the journal answered).
     */
    public String requestId() {
        return requestId;
    }

    /** How many HTTP attempts the punish made (1 without retries; 0 when the journal answered). */
    public int attempts() {
        return attempts;
    }
}
