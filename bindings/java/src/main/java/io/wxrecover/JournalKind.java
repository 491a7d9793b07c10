package io.wxrecover;

/**
 * Mirrors the C {@code wx_journal_kind}: what a journal entry is. The platform numbers punishes
 * and recovers separately, so one {@code out_request_no} may name an entry of each kind.
 */
public enum JournalKind {
    /** 解管: a recover ({@link WxRecoverClient#submit}). */
    RECOVER(0),
    /** 管控: a punish ({@link WxRecoverClient#punish}). */
    PUNISH(1);

    private final int code;

    JournalKind(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The kind for a C value; {@link #RECOVER} for one this version does not know. */
    static JournalKind fromCode(int code) {
        for (JournalKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return RECOVER;
    }
}
