package io.wxrecover;

/** Mirrors the C {@code wx_recover_state}: the state of a recover order as a query reports it. */
public enum RecoverState {
    /** A state this version does not know; see {@link RecoverOrder#recoverState()}. */
    UNKNOWN(0),
    EXECUTING(1),
    SUCCESS(2),
    FAILED(3);

    private final int code;

    RecoverState(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** True for SUCCESS and FAILED: the recover will not change any more. */
    public boolean isFinal() {
        return this == SUCCESS || this == FAILED;
    }

    public static RecoverState fromCode(int code) {
        for (RecoverState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
