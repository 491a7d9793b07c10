package io.wxrecover;

/**
 * A recover order from a query, a notification or {@link #parse(byte[])}. Every field is read
 * through the library's one field list ({@code wx_order_field_*}): the documented fields as
 * text (null when absent), the undocumented ones as JSON text in {@link #extra()}.
 * {@link #rawJson()} is the whole {@code recover_order} object.
 */
public final class RecoverOrder {
    /** The documented fields the order has, as text, by JSON name. */
    private final java.util.Map<String, String> documented;
    private final RecoverState state;
    private final String requestId;
    private final String rawJson;
    private final java.util.List<Field> fields;

    /**
     * One field as the library gives it: name, text, and whether the API documents it.
     * Immutable; equal when every part is equal.
     */
    public static final class Field extends Value {
        private final String name;
        private final String value;
        private final boolean documented;

        public Field(String name, String value, boolean documented) {
            this.name = name;
            this.value = value;
            this.documented = documented;
        }

        @Override
        Object[] fields() {
            return new Object[] {"name", name, "value", value, "documented", documented};
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
    }

    private RecoverOrder(java.util.List<Field> fields, RecoverState state, String requestId,
            String rawJson) {
        this.fields = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(fields));
        java.util.Map<String, String> doc = new java.util.HashMap<>();
        for (Field f : fields) {
            if (f.documented()) {
                doc.put(f.name(), f.value());
            }
        }
        this.documented = doc;
        this.state = state;
        this.requestId = requestId;
        this.rawJson = rawJson;
    }

    public String wxpayRecoverNo() {
        return documented.get("wxpay_recover_no");
    }

    public String outRequestNo() {
        return documented.get("out_request_no");
    }

    public String relatedWxpayPunishNo() {
        return documented.get("related_wxpay_punish_no");
    }

    public String mchid() {
        return documented.get("mchid");
    }

    public String punishScene() {
        return documented.get("punish_scene");
    }

    public String punishRuleVersion() {
        return documented.get("punish_rule_version");
    }

    /** RFC 3339 time of acceptance, as the platform sent it. */
    public String recoverAcceptTime() {
        return documented.get("recover_accept_time");
    }

    /** RFC 3339 time of the final state; while executing, empty when the platform sends it
     *  empty (as documented) and null when it leaves it out. */
    public String recoverFinishTime() {
        return documented.get("recover_finish_time");
    }

    /** The state exactly as sent ("EXECUTING", "SUCCESS", "FAILED", or a newer value). */
    public String recoverState() {
        return documented.get("recover_state");
    }

    public String recoverReason() {
        return documented.get("recover_reason");
    }

    /** Why a FAILED recover failed, or null. */
    public String errorCode() {
        return documented.get("error_code");
    }

    public String errorMessage() {
        return documented.get("error_message");
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
        int n = Native.orderFieldCount(o);
        for (int i = 0; i < n; i++) {
            list.add(new Field(WxRecoverClient.str(Native.orderFieldName(o, i)),
                    WxRecoverClient.str(Native.orderFieldValue(o, i)),
                    Native.orderFieldDocumented(o, i)));
        }
        return new RecoverOrder(list, RecoverState.fromCode(Native.orderState(o)),
                WxRecoverClient.str(Native.orderRequestId(o)),
                WxRecoverClient.str(Native.orderJson(o)));
    }

    @Override
    public String toString() {
        return "RecoverOrder{wxpayRecoverNo=" + wxpayRecoverNo() + ", outRequestNo="
                + outRequestNo() + ", state=" + state + ", recoverState=" + recoverState()
                + ", errorCode=" + errorCode() + ", requestId=" + requestId + "}";
    }
}
