package io.wxrecover;

/**
 * {@code fund_repatriation_strategy} values (微众资金划回策略; the header's
 * {@code WX_FUND_REPATRIATION_*}), for {@link PunishRequest.Builder#fundRepatriationStrategy}.
 * The field is a plain string: any other non-empty value passes through too.
 */
public final class FundRepatriationStrategy {
    public static final String ALL_FORBIDDEN = "ALL_FORBIDDEN";
    public static final String ALL_ALLOWED_WHEN_UNIQUE = "ALL_ALLOWED_WHEN_UNIQUE";

    private FundRepatriationStrategy() {}
}
