package io.wxrecover;

import java.nio.charset.StandardCharsets;

/**
 * A failed call, with the same fields as the C {@code wx_error}. Checked on purpose: every
 * call may end with the outcome unknown ({@link WxStatus#NETWORK}, {@link WxStatus#TIMEOUT},
 * {@link WxStatus#UNVERIFIED}), and the caller must decide what to do with the order number
 * (see {@link #isRetrySafe()}); the compiler makes sure that decision is written down.
 *
 * <p>The message is the library's one-line English description; it never contains key
 * material, Authorization values or the plaintext {@code bal_account_no}.
 */
public final class WxRecoverException extends Exception {
    private static final long serialVersionUID = 1L;

    private final WxStatus status;
    private final int statusCode;
    private final int httpStatus;
    private final String code;
    private final String detail;
    private final String requestId;
    private final boolean retrySafe;
    private final int attempts;

    WxRecoverException(int statusCode, int httpStatus, String code, String message,
            String detail, String requestId, boolean retrySafe, int attempts) {
        super(message);
        this.status = WxStatus.fromCode(statusCode);
        this.statusCode = statusCode;
        this.httpStatus = httpStatus;
        this.code = code;
        this.detail = detail;
        this.requestId = requestId;
        this.retrySafe = retrySafe;
        this.attempts = attempts;
    }

    /** Called by the JNI glue only. */
    static WxRecoverException fromNative(int status, int httpStatus, byte[] code, byte[] message,
            byte[] detail, byte[] requestId, boolean retrySafe, int attempts) {
        return new WxRecoverException(status, httpStatus, str(code), str(message), str(detail),
                str(requestId), retrySafe, attempts);
    }

    /** An argument the binding refuses before calling the library (the message names it). */
    static WxRecoverException invalidArgument(String field, String why) {
        return new WxRecoverException(WxStatus.INVALID_ARGUMENT.code(), 0, null,
                "invalid argument: " + field + ": " + why, null, null, false, 0);
    }

    private static String str(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The status; {@link WxStatus#UNKNOWN} if the native library is newer than this binding. */
    public WxStatus status() {
        return status;
    }

    /** The raw C status value (useful when {@link #status()} is UNKNOWN). */
    public int statusCode() {
        return statusCode;
    }

    /** HTTP status of the answer behind the error, 0 when there was none. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Platform error code ("PARAM_ERROR", "ALREADY_EXISTS", …), or null. */
    public String code() {
        return code;
    }

    /** The platform's {@code detail} object as JSON text, or null. */
    public String detail() {
        return detail;
    }

    /** {@code Request-ID} of the answer behind the error (quote it to WeChat Pay), or null. */
    public String requestId() {
        return requestId;
    }

    /**
     * True when re-submitting the same out_request_no (or querying it) is the right next step.
     * Re-entry never doubles a recover.
     */
    public boolean isRetrySafe() {
        return retrySafe;
    }

    /** How many HTTP attempts the failed call made (0: it failed before sending). */
    public int attempts() {
        return attempts;
    }

    @Override
    public String toString() {
        return "WxRecoverException[" + status + "]: " + getMessage();
    }
}
