package io.wxrecover;

/**
 * An accepted recover. Acceptance is not the outcome: query it with
 * {@link WxRecoverClient#query(String, String)} until {@link RecoverState#isFinal()}.
 *
 * @param wxpayRecoverNo the {@code wxpay_recover_no} the platform assigned
 * @param outRequestNo the {@code out_request_no} that was accepted
 * @param requestId the {@code Request-ID} of the accepting answer, or null
 * @param attempts how many HTTP attempts the submit made (1 without retries)
 */
public record RecoverAccepted(String wxpayRecoverNo, String outRequestNo, String requestId,
        int attempts) {}
