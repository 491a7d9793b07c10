package io.wxrecover;

/**
 * A verified, decrypted result notification: the envelope fields and the decrypted resource
 * ({@link #plaintext()}, JSON text; for a recover, the query's {@code recover_order} object).
 * Immutable. Built by {@link WxRecoverClient#parseNotification}.
 */
public final class WxNotification {
    /** The envelope's fields, by JSON name, as {@code wx_notification_get} reads them. */
    private static final String[] ENVELOPE = {"id", "create_time", "event_type", "resource_type",
        "summary", "algorithm", "original_type", "associated_data"};

    private final java.util.Map<String, String> envelope;
    private final String plaintext;
    private final RecoverOrder order;

    private WxNotification(java.util.Map<String, String> envelope, String plaintext,
            RecoverOrder order) {
        this.envelope = envelope;
        this.plaintext = plaintext;
        this.order = order;
    }

    /** Reads a notification handle, which the caller frees; {@code order} is its order or null. */
    static WxNotification fromHandle(long n, RecoverOrder order) {
        java.util.Map<String, String> envelope = new java.util.HashMap<>();
        for (String field : ENVELOPE) {
            byte[] value = Native.notificationGet(n, WxRecoverClient.ascii(field));
            envelope.put(field, WxRecoverClient.str(value));
        }
        return new WxNotification(envelope, WxRecoverClient.str(Native.notificationPlaintext(n)),
                order);
    }

    public String id() {
        return envelope.get("id");
    }

    public String createTime() {
        return envelope.get("create_time");
    }

    public String eventType() {
        return envelope.get("event_type");
    }

    public String resourceType() {
        return envelope.get("resource_type");
    }

    /** Empty when the envelope has none. */
    public String summary() {
        return envelope.get("summary");
    }

    public String algorithm() {
        return envelope.get("algorithm");
    }

    /** May be null. */
    public String originalType() {
        return envelope.get("original_type");
    }

    public String associatedData() {
        return envelope.get("associated_data");
    }

    /** The decrypted resource as JSON text. It is the caller's data: do not log it carelessly. */
    public String plaintext() {
        return plaintext;
    }

    @Override
    public String toString() {
        return "WxNotification{id=" + id() + ", eventType=" + eventType() + ", createTime="
                + createTime() + "}";
    }

    /** The decrypted resource read as a recover order by the library, or null when it is not one. */
    public RecoverOrder order() {
        return order;
    }
}
