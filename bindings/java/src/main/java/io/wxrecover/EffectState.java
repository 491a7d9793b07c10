package io.wxrecover;

/** Mirrors the C {@code wx_effect_state}: the {@code effect_state} of a control order. */
public enum EffectState {
    /** Absent (the punish is not SUCCESS yet), or a value this version does not know. */
    UNKNOWN(0),
    /** The control is in force. */
    ACTIVE(1),
    /** Lifted by a recover. */
    RECOVERED(2);

    private final int code;

    EffectState(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }

    /** The state for a C value; {@link #UNKNOWN} for a value this version does not know. */
    public static EffectState fromCode(int code) {
        for (EffectState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
