package io.wxrecover;

/**
 * {@code req_scene} values the API description names (the header's {@code WX_REQ_SCENE_*}), for
 * {@link PunishRequest.Builder#reqScene} and {@link RecoverRequest.Builder#reqScene}. The field
 * is a plain string: any other non-empty value passes through too, so a value the platform adds
 * later needs no new release.
 */
public final class ReqScene {
    public static final String SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT =
            "SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT";
    public static final String SJT_MICRO_MERCHANT = "SJT_MICRO_MERCHANT";
    public static final String WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT =
            "WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT";

    private ReqScene() {}
}
