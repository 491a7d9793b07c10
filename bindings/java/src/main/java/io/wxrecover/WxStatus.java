package io.wxrecover;

/** Mirrors the C {@code wx_status} values; the numbers are stable and never reused. */
public enum WxStatus {
    /** Success (never carried by an exception). */
    OK(0),
    /** A null, an invalid string or a value that breaks a rule. Nothing was sent. */
    INVALID_ARGUMENT(1),
    /** The configuration or a key could not be used. Nothing was sent. */
    CONFIG(2),
    /** Connection failed or broke; the request may have been received. Retry-safe. */
    NETWORK(3),
    /** No answer in time; the request may have been received. Retry-safe. */
    TIMEOUT(4),
    /** The platform answered non-2xx: see the HTTP status and code. */
    API(5),
    /** A 2xx answer failed verification: the outcome is unknown; re-submit or query. */
    UNVERIFIED(6),
    /** The client-side rate limiter had no slot in time. */
    RATE_LIMITED(7),
    /** A verified answer whose body is not what the API documents. Retry-safe. */
    BAD_RESPONSE(8),
    /** A bug in the library, including a caught panic. */
    INTERNAL(9),
    /** A value this version of the binding does not know (a newer native library). */
    UNKNOWN(-1);

    private final int code;

    WxStatus(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The library's short English name, e.g. "unverified response" ({@code wx_status_str}). */
    public String description() {
        return new String(Native.statusStr(code), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The status for a C value; {@link #UNKNOWN} for a value this version does not know. */
    public static WxStatus fromCode(int code) {
        for (WxStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
