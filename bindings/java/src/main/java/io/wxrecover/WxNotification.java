package io.wxrecover;

/**
 * A verified, decrypted result notification: the envelope fields and the decrypted resource
 * ({@link #plaintext()}, JSON text; for a recover, the query's {@code recover_order} object).
 * Immutable. Built by {@link WxRecoverClient#parseNotification}.
 */
public final class WxNotification {
    private final String id;
    private final String createTime;
    private final String eventType;
    private final String resourceType;
    private final String summary;
    private final String algorithm;
    private final String originalType;
    private final String associatedData;
    private final String plaintext;
    private final RecoverOrder order;

    WxNotification(String id, String createTime, String eventType, String resourceType,
            String summary, String algorithm, String originalType, String associatedData,
            String plaintext, RecoverOrder order) {
        this.order = order;
        this.id = id;
        this.createTime = createTime;
        this.eventType = eventType;
        this.resourceType = resourceType;
        this.summary = summary;
        this.algorithm = algorithm;
        this.originalType = originalType;
        this.associatedData = associatedData;
        this.plaintext = plaintext;
    }

    public String id() {
        return id;
    }

    public String createTime() {
        return createTime;
    }

    public String eventType() {
        return eventType;
    }

    public String resourceType() {
        return resourceType;
    }

    /** Empty when the envelope has none. */
    public String summary() {
        return summary;
    }

    public String algorithm() {
        return algorithm;
    }

    /** May be null. */
    public String originalType() {
        return originalType;
    }

    public String associatedData() {
        return associatedData;
    }

    /** The decrypted resource as JSON text. It is the caller's data: do not log it carelessly. */
    public String plaintext() {
        return plaintext;
    }

    @Override
    public String toString() {
        return "WxNotification{id=" + id + ", eventType=" + eventType + ", createTime="
                + createTime + "}";
    }

    /** The decrypted resource read as a recover order by the library, or null when it is not one. */
    public RecoverOrder order() {
        return order;
    }
}
