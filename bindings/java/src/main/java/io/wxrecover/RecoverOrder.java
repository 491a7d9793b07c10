package io.wxrecover;

/**
 * A recover order from a query, a notification or {@link #parse(byte[])}. Every field is read
 * through the library's one field list ({@code wx_order_field_*}): the documented fields as
 * text (null when absent), the undocumented ones as JSON text in {@link #extra()}.
 * {@link #rawJson()} is the whole {@code recover_order} object.
 */
public final class RecoverOrder {
    private final String wxpayRecoverNo;
    private final String outRequestNo;
    private final String relatedWxpayPunishNo;
    private final String mchid;
    private final String punishScene;
    private final String punishRuleVersion;
    private final String recoverAcceptTime;
    private final String recoverFinishTime;
    private final String recoverState;
    private final String recoverReason;
    private final String errorCode;
    private final String errorMessage;
    private final RecoverState state;
    private final String requestId;
    private final String rawJson;
    private final java.util.List<Field> fields;

    /**
     * One field as the library gives it: name, text, and whether the API documents it.
     * Immutable; equal when every part is equal.
     */
    public static final class Field {
        private final String name;
        private final String value;
        private final boolean documented;

        public Field(String name, String value, boolean documented) {
            this.name = name;
            this.value = value;
            this.documented = documented;
        }

        /** The field's JSON name, e.g. {@code recover_state}. */
        public String name() {
            return name;
        }

        /** Documented fields: the text (null when absent); others: the value as JSON text. */
        public String value() {
            return value;
        }

        /** True when the API documents the field. */
        public boolean documented() {
            return documented;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof Field)) {
                return false;
            }
            Field f = (Field) o;
            return documented == f.documented && java.util.Objects.equals(name, f.name)
                    && java.util.Objects.equals(value, f.value);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, value, documented);
        }

        @Override
        public String toString() {
            return "Field[name=" + name + ", value=" + value + ", documented=" + documented + "]";
        }
    }

    RecoverOrder(String wxpayRecoverNo, String outRequestNo, String relatedWxpayPunishNo,
            String mchid, String punishScene, String punishRuleVersion, String recoverAcceptTime,
            String recoverFinishTime, String recoverState, String recoverReason, String errorCode,
            String errorMessage, RecoverState state, String requestId, String rawJson,
            java.util.List<Field> fields) {
        this.fields = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(fields));
        this.wxpayRecoverNo = wxpayRecoverNo;
        this.outRequestNo = outRequestNo;
        this.relatedWxpayPunishNo = relatedWxpayPunishNo;
        this.mchid = mchid;
        this.punishScene = punishScene;
        this.punishRuleVersion = punishRuleVersion;
        this.recoverAcceptTime = recoverAcceptTime;
        this.recoverFinishTime = recoverFinishTime;
        this.recoverState = recoverState;
        this.recoverReason = recoverReason;
        this.errorCode = errorCode;
        this.errorMessage = errorMessage;
        this.state = state;
        this.requestId = requestId;
        this.rawJson = rawJson;
    }

    public String wxpayRecoverNo() {
        return wxpayRecoverNo;
    }

    public String outRequestNo() {
        return outRequestNo;
    }

    public String relatedWxpayPunishNo() {
        return relatedWxpayPunishNo;
    }

    public String mchid() {
        return mchid;
    }

    public String punishScene() {
        return punishScene;
    }

    public String punishRuleVersion() {
        return punishRuleVersion;
    }

    /** RFC 3339 time of acceptance, as the platform sent it. */
    public String recoverAcceptTime() {
        return recoverAcceptTime;
    }

    /** RFC 3339 time of the final state; while executing, empty when the platform sends it
     *  empty (as documented) and null when it leaves it out. */
    public String recoverFinishTime() {
        return recoverFinishTime;
    }

    /** The state exactly as sent ("EXECUTING", "SUCCESS", "FAILED", or a newer value). */
    public String recoverState() {
        return recoverState;
    }

    public String recoverReason() {
        return recoverReason;
    }

    /** Why a FAILED recover failed, or null. */
    public String errorCode() {
        return errorCode;
    }

    public String errorMessage() {
        return errorMessage;
    }

    /** The state as an enum; {@link RecoverState#UNKNOWN} for a value this version does not know. */
    public RecoverState state() {
        return state;
    }

    /** {@code Request-ID} of the query's answer, or null. */
    public String requestId() {
        return requestId;
    }

    /** The whole {@code recover_order} object as JSON text. */
    public String rawJson() {
        return rawJson;
    }

    /** Every field, documented ones first (in the library's table order), then the others. */
    public java.util.List<Field> fields() {
        return fields;
    }

    /** The undocumented fields: name to JSON text of the value, sorted by name. */
    public java.util.Map<String, String> extra() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (Field f : fields) {
            if (!f.documented()) {
                m.put(f.name(), f.value());
            }
        }
        return m;
    }

    /**
     * An order from a {@code recover_order} JSON object that the caller's own HTTP stack
     * received (verify the answer first): the library applies a query answer's rules.
     */
    public static RecoverOrder parse(byte[] json) throws WxRecoverException {
        if (json == null) {
            throw WxRecoverException.invalidArgument("json", "must not be null");
        }
        long o = Native.orderParse(json);
        try {
            return fromHandle(o);
        } finally {
            Native.orderFree(o);
        }
    }

    /** Reads an order handle through the library's field list; the caller frees it. */
    static RecoverOrder fromHandle(long o) {
        java.util.List<Field> list = new java.util.ArrayList<>();
        java.util.Map<String, String> doc = new java.util.HashMap<>();
        int n = Native.orderFieldCount(o);
        for (int i = 0; i < n; i++) {
            String name = WxRecoverClient.str(Native.orderFieldName(o, i));
            String value = WxRecoverClient.str(Native.orderFieldValue(o, i));
            boolean documented = Native.orderFieldDocumented(o, i);
            list.add(new Field(name, value, documented));
            if (documented) {
                doc.put(name, value);
            }
        }
        return new RecoverOrder(doc.get("wxpay_recover_no"), doc.get("out_request_no"),
                doc.get("related_wxpay_punish_no"), doc.get("mchid"), doc.get("punish_scene"),
                doc.get("punish_rule_version"), doc.get("recover_accept_time"),
                doc.get("recover_finish_time"), doc.get("recover_state"),
                doc.get("recover_reason"), doc.get("error_code"), doc.get("error_message"),
                RecoverState.fromCode(Native.orderState(o)),
                WxRecoverClient.str(Native.orderRequestId(o)),
                WxRecoverClient.str(Native.orderJson(o)), list);
    }

    @Override
    public String toString() {
        return "RecoverOrder{wxpayRecoverNo=" + wxpayRecoverNo + ", outRequestNo=" + outRequestNo
                + ", state=" + state + ", recoverState=" + recoverState
                + ", errorCode=" + errorCode + ", requestId=" + requestId + "}";
    }
}
