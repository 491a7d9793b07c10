package io.wxrecover;

/**
 * One journaled order, as the library recorded it. Never holds the plaintext
 * {@code bal_account_no}. {@code lastErrorStatus} is null when the order met no error; times are
 * Unix seconds.
 */
public record JournalEntry(String outRequestNo, JournalState state, String wxpayRecoverNo,
        int attempts, WxStatus lastErrorStatus, int lastErrorHttpStatus, String lastErrorCode,
        String lastErrorMessage, String requestId, long createdAt, long updatedAt, String mchid,
        String relatedWebankPunishNo, String relatedWxpayPunishNo) {

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
                get(e, "related_webank_punish_no"), get(e, "related_wxpay_punish_no"));
    }

    static java.util.List<JournalEntry> listFromHandle(long list) {
        java.util.List<JournalEntry> out = new java.util.ArrayList<>();
        int n = Native.journalListLen(list);
        for (int i = 0; i < n; i++) {
            out.add(fromHandle(Native.journalListGet(list, i)));
        }
        return java.util.List.copyOf(out);
    }

    private static String get(long e, String field) {
        return WxRecoverClient.str(
                Native.journalEntryGet(e, field.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }
}
