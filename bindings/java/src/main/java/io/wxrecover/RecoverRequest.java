package io.wxrecover;

import java.util.Objects;

/**
 * An immutable recover request; build one with {@link #builder()}. The binding does not
 * validate: the library checks every rule before any I/O and names the offending field.
 * {@link #toString()} never shows {@code balAccountNo} or {@code cardNo}.
 *
 * <p>{@code cardNo}, {@code sgnNo} and {@code reqScene} are optional fields of the API
 * description; when none is set the request is byte for byte what it was without them
 * ({@code wx_recover_submit}), else it goes through {@code wx_recover_submit_v2}.
 */
public final class RecoverRequest extends Value {
    private final String outRequestNo;
    private final String relatedWebankPunishNo;
    private final String relatedWxpayPunishNo;
    private final String mchid;
    private final String balAccountNo;
    private final String recoverReason;
    private final String cardNo;
    private final String sgnNo;
    private final String reqScene;

    private RecoverRequest(Builder b) {
        this.outRequestNo = b.outRequestNo;
        this.relatedWebankPunishNo = b.relatedWebankPunishNo;
        this.relatedWxpayPunishNo = b.relatedWxpayPunishNo;
        this.mchid = b.mchid;
        this.balAccountNo = b.balAccountNo;
        this.recoverReason = b.recoverReason;
        this.cardNo = b.cardNo;
        this.sgnNo = b.sgnNo;
        this.reqScene = b.reqScene;
    }

    /** Equality compares every field; hashCode and toString leave the two plaintexts out. */
    @Override
    Object[] fields() {
        return new Object[] {"outRequestNo", outRequestNo,
                "relatedWebankPunishNo", relatedWebankPunishNo,
                "relatedWxpayPunishNo", relatedWxpayPunishNo, "mchid", mchid,
                "balAccountNo", balAccountNo, "recoverReason", recoverReason, "cardNo", cardNo,
                "sgnNo", sgnNo, "reqScene", reqScene};
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with this request's values. */
    public Builder toBuilder() {
        return new Builder().outRequestNo(outRequestNo).relatedWebankPunishNo(relatedWebankPunishNo)
                .relatedWxpayPunishNo(relatedWxpayPunishNo).mchid(mchid).balAccountNo(balAccountNo)
                .recoverReason(recoverReason).cardNo(cardNo).sgnNo(sgnNo).reqScene(reqScene);
    }

    /** Merchant-side recover number; at most 64 bytes, unique per recover, reused for re-entry. */
    public String outRequestNo() {
        return outRequestNo;
    }

    /** The WeBank-side control order number. */
    public String relatedWebankPunishNo() {
        return relatedWebankPunishNo;
    }

    /** The WeChat Pay-side control order number. */
    public String relatedWxpayPunishNo() {
        return relatedWxpayPunishNo;
    }

    /** Target merchant id. */
    public String mchid() {
        return mchid;
    }

    /** Plaintext ledger id; the library encrypts it and never logs it. */
    public String balAccountNo() {
        return balAccountNo;
    }

    /** Optional reason (at most 256 characters), or null. */
    public String recoverReason() {
        return recoverReason;
    }

    /** Optional plaintext card number, or null; the library encrypts it like {@code balAccountNo}. */
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

    /** True when an optional field of {@code wx_recover_request_v2} is set. */
    boolean hasV2Fields() {
        return cardNo != null || sgnNo != null || reqScene != null;
    }

    @Override
    public int hashCode() {
        // balAccountNo and cardNo left out on purpose: a hash is no place for a secret.
        return Objects.hash(outRequestNo, relatedWebankPunishNo, relatedWxpayPunishNo, mchid,
                recoverReason, sgnNo, reqScene);
    }

    @Override
    public String toString() {
        return "RecoverRequest{outRequestNo=" + outRequestNo
                + ", relatedWebankPunishNo=" + relatedWebankPunishNo
                + ", relatedWxpayPunishNo=" + relatedWxpayPunishNo
                + ", mchid=" + mchid
                + ", balAccountNo=" + (balAccountNo == null ? "null" : "***")
                + ", recoverReason=" + recoverReason
                + ", cardNo=" + PunishRequest.mask(cardNo)
                + ", sgnNo=" + sgnNo
                + ", reqScene=" + reqScene + "}";
    }

    /** Mutable builder; not thread-safe. Unset fields stay null (the library reports them). */
    public static final class Builder {
        private String outRequestNo;
        private String relatedWebankPunishNo;
        private String relatedWxpayPunishNo;
        private String mchid;
        private String balAccountNo;
        private String recoverReason;
        private String cardNo;
        private String sgnNo;
        private String reqScene;

        private Builder() {}

        public Builder outRequestNo(String v) {
            this.outRequestNo = v;
            return this;
        }

        public Builder relatedWebankPunishNo(String v) {
            this.relatedWebankPunishNo = v;
            return this;
        }

        public Builder relatedWxpayPunishNo(String v) {
            this.relatedWxpayPunishNo = v;
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

        public Builder recoverReason(String v) {
            this.recoverReason = v;
            return this;
        }

        /** Optional plaintext card number; encrypted by the library like {@code balAccountNo}. */
        public Builder cardNo(String v) {
            this.cardNo = v;
            return this;
        }

        public Builder sgnNo(String v) {
            this.sgnNo = v;
            return this;
        }

        /** {@link ReqScene} or any other non-empty value. */
        public Builder reqScene(String v) {
            this.reqScene = v;
            return this;
        }

        public RecoverRequest build() {
            return new RecoverRequest(this);
        }

        @Override
        public String toString() {
            return "RecoverRequest.Builder{outRequestNo=" + outRequestNo + ", balAccountNo="
                    + (balAccountNo == null ? "null" : "***") + ", cardNo="
                    + PunishRequest.mask(cardNo) + "}";
        }
    }
}
