package io.wxrecover;

/**
 * One journaled order, as the library recorded it: a recover or a punish ({@link #kind()}). Never
 * holds the plaintext {@code bal_account_no} or {@code card_no}. {@code lastErrorStatus} is null when the order met no error; times are
 * Unix seconds. Immutable; equal when every field is equal.
 */
public final class JournalEntry extends Value {
    private final String outRequestNo;
    private final JournalState state;
    private final String wxpayRecoverNo;
    private final int attempts;
    private final WxStatus lastErrorStatus;
    private final int lastErrorHttpStatus;
    private final String lastErrorCode;
    private final String lastErrorMessage;
    private final String requestId;
    private final long createdAt;
    private final long updatedAt;
    private final String mchid;
    private final String relatedWebankPunishNo;
    private final String relatedWxpayPunishNo;
    private final JournalKind kind;
    private final String platformNo;

    /**
     * A recover's entry: {@link #kind()} RECOVER, {@link #platformNo()} its
     * {@code wxpayRecoverNo}. Every other field in the order of the accessors.
     */
    public JournalEntry(String outRequestNo, JournalState state, String wxpayRecoverNo,
            int attempts, WxStatus lastErrorStatus, int lastErrorHttpStatus, String lastErrorCode,
            String lastErrorMessage, String requestId, long createdAt, long updatedAt, String mchid,
            String relatedWebankPunishNo, String relatedWxpayPunishNo) {
        this(outRequestNo, state, wxpayRecoverNo, attempts, lastErrorStatus, lastErrorHttpStatus,
                lastErrorCode, lastErrorMessage, requestId, createdAt, updatedAt, mchid,
                relatedWebankPunishNo, relatedWxpayPunishNo, JournalKind.RECOVER, wxpayRecoverNo);
    }

    /** Every field, in the order of the accessors. */
    public JournalEntry(String outRequestNo, JournalState state, String wxpayRecoverNo,
            int attempts, WxStatus lastErrorStatus, int lastErrorHttpStatus, String lastErrorCode,
            String lastErrorMessage, String requestId, long createdAt, long updatedAt, String mchid,
            String relatedWebankPunishNo, String relatedWxpayPunishNo, JournalKind kind,
            String platformNo) {
        this.outRequestNo = outRequestNo;
        this.state = state;
        this.wxpayRecoverNo = wxpayRecoverNo;
        this.attempts = attempts;
        this.lastErrorStatus = lastErrorStatus;
        this.lastErrorHttpStatus = lastErrorHttpStatus;
        this.lastErrorCode = lastErrorCode;
        this.lastErrorMessage = lastErrorMessage;
        this.requestId = requestId;
        this.createdAt = createdAt;
        this.updatedAt = updatedAt;
        this.mchid = mchid;
        this.relatedWebankPunishNo = relatedWebankPunishNo;
        this.relatedWxpayPunishNo = relatedWxpayPunishNo;
        this.kind = kind;
        this.platformNo = platformNo;
    }

    @Override
    Object[] fields() {
        return new Object[] {"outRequestNo", outRequestNo, "state", state,
                "wxpayRecoverNo", wxpayRecoverNo, "attempts", attempts,
                "lastErrorStatus", lastErrorStatus, "lastErrorHttpStatus", lastErrorHttpStatus,
                "lastErrorCode", lastErrorCode, "lastErrorMessage", lastErrorMessage,
                "requestId", requestId, "createdAt", createdAt, "updatedAt", updatedAt,
                "mchid", mchid, "relatedWebankPunishNo", relatedWebankPunishNo,
                "relatedWxpayPunishNo", relatedWxpayPunishNo, "kind", kind,
                "platformNo", platformNo};
    }

    static JournalEntry fromHandle(long e) {
        int status = (int) Native.journalEntryNumber(e, Native.ENTRY_ERROR_STATUS);
        return new JournalEntry(get(e, "out_request_no"),
                JournalState.fromCode(Native.journalEntryState(e)), get(e, "wxpay_recover_no"),
                (int) Native.journalEntryNumber(e, Native.ENTRY_ATTEMPTS),
                status == 0 ? null : WxStatus.fromCode(status),
                (int) Native.journalEntryNumber(e, Native.ENTRY_ERROR_HTTP_STATUS),
                get(e, "error_code"), get(e, "error_message"), get(e, "request_id"),
                Native.journalEntryNumber(e, Native.ENTRY_CREATED_AT),
                Native.journalEntryNumber(e, Native.ENTRY_UPDATED_AT), get(e, "mchid"),
                get(e, "related_webank_punish_no"), get(e, "related_wxpay_punish_no"),
                JournalKind.fromCode(Native.journalEntryKind(e)), get(e, "platform_no"));
    }

    /** The entry an owned handle holds, or empty for 0; the handle is freed here. */
    static java.util.Optional<JournalEntry> take(long e) {
        try {
            return e == 0 ? java.util.Optional.<JournalEntry>empty()
                          : java.util.Optional.of(fromHandle(e));
        } finally {
            Native.journalEntryFree(e);
        }
    }

    static java.util.List<JournalEntry> listFromHandle(long list) {
        java.util.List<JournalEntry> out = new java.util.ArrayList<>();
        int n = Native.journalListLen(list);
        for (int i = 0; i < n; i++) {
            out.add(fromHandle(Native.journalListGet(list, i)));
        }
        return java.util.Collections.unmodifiableList(out);
    }

    private static String get(long e, String field) {
        return WxRecoverClient.str(Native.journalEntryGet(e, WxRecoverClient.ascii(field)));
    }

    /** The merchant-side number of the recover or punish. */
    public String outRequestNo() {
        return outRequestNo;
    }

    /** Where the order stands. */
    public JournalState state() {
        return state;
    }

    /** A recover's {@code wxpay_recover_no} once accepted, or null (see {@link #platformNo()}). */
    public String wxpayRecoverNo() {
        return wxpayRecoverNo;
    }

    /** HTTP attempts made for this order so far. */
    public int attempts() {
        return attempts;
    }

    /** The status of the last error, or null when the order met none. */
    public WxStatus lastErrorStatus() {
        return lastErrorStatus;
    }

    /** The HTTP status of the last error's answer, 0 when there was none. */
    public int lastErrorHttpStatus() {
        return lastErrorHttpStatus;
    }

    /** The platform code of the last error, or null. */
    public String lastErrorCode() {
        return lastErrorCode;
    }

    /** The message of the last error, or null. */
    public String lastErrorMessage() {
        return lastErrorMessage;
    }

    /** The {@code Request-ID} of the last answer, or null. */
    public String requestId() {
        return requestId;
    }

    /** When the entry was recorded (Unix seconds). */
    public long createdAt() {
        return createdAt;
    }

    /** When the entry last changed (Unix seconds). */
    public long updatedAt() {
        return updatedAt;
    }

    /** The target merchant. */
    public String mchid() {
        return mchid;
    }

    /** For a recover: the WeBank-side control order number it lifts (a punish has none). */
    public String relatedWebankPunishNo() {
        return relatedWebankPunishNo;
    }

    /** For a recover: the WeChat Pay-side control order number it lifts (a punish has none). */
    public String relatedWxpayPunishNo() {
        return relatedWxpayPunishNo;
    }

    /** What the entry is: a recover (解管) or a punish (管控). */
    public JournalKind kind() {
        return kind;
    }

    /**
     * The platform's number for the order once accepted, whatever its kind: a recover's
     * {@code wxpay_recover_no}, a punish's {@code wxpay_punish_no}; null before.
     */
    public String platformNo() {
        return platformNo;
    }
}
