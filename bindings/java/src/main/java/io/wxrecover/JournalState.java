package io.wxrecover;

/** Where a journaled order stands (docs/journal.md). Codes mirror {@code wx_journal_state}. */
public enum JournalState {
    /** Recorded; it may have reached the platform; the outcome is unknown. */
    IN_DOUBT(1),
    /** A verified acceptance; the final result is not known yet. */
    ACCEPTED(2),
    /** The final recover_state was SUCCESS. */
    SUCCEEDED(3),
    /** The final recover_state was FAILED. */
    FAILED(4),
    /** A definitive platform refusal, with its code and message. */
    REFUSED(5),
    /** Unsettled past the one-year re-entry window: it needs a person. */
    EXPIRED(6);

    final int code;

    JournalState(int code) {
        this.code = code;
    }

    /** True for the states that are never re-sent or re-queried. */
    public boolean isFinal() {
        return this != IN_DOUBT && this != ACCEPTED;
    }

    static JournalState fromCode(int code) {
        for (JournalState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return IN_DOUBT;
    }
}
