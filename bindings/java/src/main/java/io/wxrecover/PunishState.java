package io.wxrecover;

/** Mirrors the C {@code wx_punish_state}: the {@code punish_state} of a control order. */
public enum PunishState {
    /** A value this version does not know; see {@link PunishOrder#punishStateText()}. */
    UNKNOWN(0),
    EXECUTING(1),
    SUCCESS(2),
    FAILED(3);

    private final int code;

    PunishState(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** True for SUCCESS and FAILED: the punish will not change any more. */
    public boolean isFinal() {
        return this == SUCCESS || this == FAILED;
    }

    /** The state for a C value; {@link #UNKNOWN} for a value this version does not know. */
    public static PunishState fromCode(int code) {
        for (PunishState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
