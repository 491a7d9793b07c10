package io.wxrecover;

import java.util.Objects;

/**
 * An immutable punish (管控) request; build one with {@link #builder()}. {@code outRequestNo},
 * {@code mchid}, {@code balAccountNo} and {@code punishScene} are required, the others optional
 * (null: not sent). The binding does not validate: the library checks every rule before any I/O
 * and names the offending field. {@code balAccountNo} and {@code cardNo} are plaintext: the
 * library encrypts both and never logs them; {@link #toString()} and {@link #hashCode()} never
 * use them.
 */
public final class PunishRequest extends Value {
    private final String outRequestNo;
    private final String mchid;
    private final String balAccountNo;
    private final Long punishScene;
    private final String punishReason;
    private final String punishEndTime;
    private final String cardNo;
    private final String sgnNo;
    private final String reqScene;
    private final String fundRepatriationStrategy;

    private PunishRequest(Builder b) {
        this.outRequestNo = b.outRequestNo;
        this.mchid = b.mchid;
        this.balAccountNo = b.balAccountNo;
        this.punishScene = b.punishScene;
        this.punishReason = b.punishReason;
        this.punishEndTime = b.punishEndTime;
        this.cardNo = b.cardNo;
        this.sgnNo = b.sgnNo;
        this.reqScene = b.reqScene;
        this.fundRepatriationStrategy = b.fundRepatriationStrategy;
    }

    /** Equality compares every field; hashCode and toString leave the two plaintexts out. */
    @Override
    Object[] fields() {
        return new Object[] {"outRequestNo", outRequestNo, "mchid", mchid,
                "balAccountNo", balAccountNo, "punishScene", punishScene,
                "punishReason", punishReason, "punishEndTime", punishEndTime, "cardNo", cardNo,
                "sgnNo", sgnNo, "reqScene", reqScene,
                "fundRepatriationStrategy", fundRepatriationStrategy};
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with this request's values. */
    public Builder toBuilder() {
        Builder b = new Builder().outRequestNo(outRequestNo).mchid(mchid).balAccountNo(balAccountNo)
                .punishReason(punishReason).punishEndTime(punishEndTime).cardNo(cardNo)
                .sgnNo(sgnNo).reqScene(reqScene).fundRepatriationStrategy(fundRepatriationStrategy);
        b.punishScene = punishScene;
        return b;
    }

    /**
     * Merchant-side control order number; at most 64 bytes, reused for re-entry. A later recover
     * names it as {@code relatedWebankPunishNo}.
     */
    public String outRequestNo() {
        return outRequestNo;
    }

    /** Target merchant id. */
    public String mchid() {
        return mchid;
    }

    /** Plaintext ledger id; the library encrypts it and never logs it. */
    public String balAccountNo() {
        return balAccountNo;
    }

    /**
     * The scene id agreed with the platform (sent as a JSON integer), or null when the builder
     * was given none ({@link WxRecoverClient#punish} then refuses the request naming
     * {@code punish_scene}).
     */
    public Long punishScene() {
        return punishScene;
    }

    /** Optional reason, or null. */
    public String punishReason() {
        return punishReason;
    }

    /**
     * Optional RFC 3339 end of the control ({@code 2030-01-02T03:04:05+08:00}), or null for
     * long-term. Passing it lifts nothing: only a recover does.
     */
    public String punishEndTime() {
        return punishEndTime;
    }

    /** Optional plaintext card number, or null; encrypted like {@code balAccountNo}. */
    public String cardNo() {
        return cardNo;
    }

    /** Optional {@code sgn_no}, or null. */
    public String sgnNo() {
        return sgnNo;
    }

    /** Optional {@code req_scene} ({@link ReqScene} or any value the platform adds), or null. */
    public String reqScene() {
        return reqScene;
    }

    /**
     * Optional {@code fund_repatriation_strategy} ({@link FundRepatriationStrategy} or any value
     * the platform adds), or null.
     */
    public String fundRepatriationStrategy() {
        return fundRepatriationStrategy;
    }

    @Override
    public int hashCode() {
        // balAccountNo and cardNo left out on purpose: a hash is no place for a secret.
        return Objects.hash(outRequestNo, mchid, punishScene, punishReason, punishEndTime, sgnNo,
                reqScene, fundRepatriationStrategy);
    }

    @Override
    public String toString() {
        return "PunishRequest{outRequestNo=" + outRequestNo
                + ", mchid=" + mchid
                + ", balAccountNo=" + mask(balAccountNo)
                + ", punishScene=" + punishScene
                + ", punishReason=" + punishReason
                + ", punishEndTime=" + punishEndTime
                + ", cardNo=" + mask(cardNo)
                + ", sgnNo=" + sgnNo
                + ", reqScene=" + reqScene
                + ", fundRepatriationStrategy=" + fundRepatriationStrategy + "}";
    }

    static String mask(String secret) {
        return secret == null ? "null" : "***";
    }

    /** Mutable builder; not thread-safe. Unset fields stay null (the library reports them). */
    public static final class Builder {
        private String outRequestNo;
        private String mchid;
        private String balAccountNo;
        private Long punishScene;
        private String punishReason;
        private String punishEndTime;
        private String cardNo;
        private String sgnNo;
        private String reqScene;
        private String fundRepatriationStrategy;

        private Builder() {}

        public Builder outRequestNo(String v) {
            this.outRequestNo = v;
            return this;
        }

        public Builder mchid(String v) {
            this.mchid = v;
            return this;
        }

        public Builder balAccountNo(String v) {
            this.balAccountNo = v;
            return this;
        }

        public Builder punishScene(long v) {
            this.punishScene = v;
            return this;
        }

        public Builder punishReason(String v) {
            this.punishReason = v;
            return this;
        }

        public Builder punishEndTime(String v) {
            this.punishEndTime = v;
            return this;
        }

        public Builder cardNo(String v) {
            this.cardNo = v;
            return this;
        }

        public Builder sgnNo(String v) {
            this.sgnNo = v;
            return this;
        }

        public Builder reqScene(String v) {
            this.reqScene = v;
            return this;
        }

        public Builder fundRepatriationStrategy(String v) {
            this.fundRepatriationStrategy = v;
            return this;
        }

        public PunishRequest build() {
            return new PunishRequest(this);
        }

        @Override
        public String toString() {
            return "PunishRequest.Builder{outRequestNo=" + outRequestNo + ", balAccountNo="
                    + mask(balAccountNo) + ", cardNo=" + mask(cardNo) + "}";
        }
    }
}
