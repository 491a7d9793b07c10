package io.wxrecover;

/**
 * An accepted recover. Acceptance is not the outcome: query it with
 * {@link WxRecoverClient#query(String, String)} until {@link RecoverState#isFinal()}.
 * Immutable; equal when every field is equal.
 */
public final class RecoverAccepted extends Value {
    private final String wxpayRecoverNo;
    private final String outRequestNo;
    private final String requestId;
    private final int attempts;

    /**
     * @param wxpayRecoverNo the {@code wxpay_recover_no} the platform assigned
     * @param outRequestNo the {@code out_request_no} that was accepted
     * @param requestId the {@code Request-ID} of the accepting answer, or null
     * @param attempts how many HTTP attempts the submit made (1 without retries)
     */
    public RecoverAccepted(String wxpayRecoverNo, String outRequestNo, String requestId,
            int attempts) {
        this.wxpayRecoverNo = wxpayRecoverNo;
        this.outRequestNo = outRequestNo;
        this.requestId = requestId;
        this.attempts = attempts;
    }

    @Override
    Object[] fields() {
        return new Object[] {"wxpayRecoverNo", wxpayRecoverNo, "outRequestNo", outRequestNo,
                "requestId", requestId, "attempts", attempts};
    }

    /** The {@code wxpay_recover_no} the platform assigned. */
    public String wxpayRecoverNo() {
        return wxpayRecoverNo;
    }

    /** The {@code out_request_no} that was accepted. */
    public String outRequestNo() {
        return outRequestNo;
    }

    /** The {@code Request-ID} of the accepting answer, or null. */
    public String requestId() {
        return requestId;
    }

    /** How many HTTP attempts the submit made (1 without retries). */
    public int attempts() {
        return attempts;
    }
}
