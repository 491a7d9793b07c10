package io.wxrecover;

import java.util.Objects;

/**
 * An accepted recover. Acceptance is not the outcome: query it with
 * {@link WxRecoverClient#query(String, String)} until {@link RecoverState#isFinal()}.
 * Immutable; equal when every field is equal.
 */
public final class RecoverAccepted {
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

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RecoverAccepted)) {
            return false;
        }
        RecoverAccepted a = (RecoverAccepted) o;
        return attempts == a.attempts && Objects.equals(wxpayRecoverNo, a.wxpayRecoverNo)
                && Objects.equals(outRequestNo, a.outRequestNo)
                && Objects.equals(requestId, a.requestId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(wxpayRecoverNo, outRequestNo, requestId, attempts);
    }

    @Override
    public String toString() {
        return "RecoverAccepted[wxpayRecoverNo=" + wxpayRecoverNo + ", outRequestNo="
                + outRequestNo + ", requestId=" + requestId + ", attempts=" + attempts + "]";
    }
}
