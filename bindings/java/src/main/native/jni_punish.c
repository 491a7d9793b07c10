/* JNI glue, the control order's life: punish (管控) and its acceptance, the PUNISH query and the
 * control order it gives. (The recover that lifts it is jni_client.c's submit.) */
#include <stdlib.h>

#include "jni_glue.h"

/* The request's strings in wx_punish_request's order (punish_scene, a number, apart);
 * bal_account_no and card_no are plaintext secrets (wiped when freed). */
enum {
    P_OUT_REQUEST_NO,
    P_MCHID,
    P_BAL_ACCOUNT_NO,
    P_PUNISH_REASON,
    P_PUNISH_END_TIME,
    P_CARD_NO,
    P_SGN_NO,
    P_REQ_SCENE,
    P_FUND_REPATRIATION_STRATEGY,
    PUNISH_FIELDS
};
#define PUNISH_SECRETS ((1u << P_BAL_ACCOUNT_NO) | (1u << P_CARD_NO))

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_punish(
    JNIEnv *env, jclass cls, jlong client, jbyteArray out_request_no, jbyteArray mchid,
    jbyteArray bal_account_no, jlong punish_scene, jbyteArray punish_reason,
    jbyteArray punish_end_time, jbyteArray card_no, jbyteArray sgn_no, jbyteArray req_scene,
    jbyteArray fund_repatriation_strategy) {
    jbyteArray src[PUNISH_FIELDS];
    char *f[PUNISH_FIELDS];
    wx_punish_accepted *accepted = NULL;
    wx_error *err = NULL;
    (void)cls;
    src[P_OUT_REQUEST_NO] = out_request_no;
    src[P_MCHID] = mchid;
    src[P_BAL_ACCOUNT_NO] = bal_account_no;
    src[P_PUNISH_REASON] = punish_reason;
    src[P_PUNISH_END_TIME] = punish_end_time;
    src[P_CARD_NO] = card_no;
    src[P_SGN_NO] = sgn_no;
    src[P_REQ_SCENE] = req_scene;
    src[P_FUND_REPATRIATION_STRATEGY] = fund_repatriation_strategy;
    if (jni_copy_cstrs(env, PUNISH_FIELDS, src, f) == 0) {
        wx_punish_request req;
        wx_status st;
        req.out_request_no = f[P_OUT_REQUEST_NO];
        req.mchid = f[P_MCHID];
        req.bal_account_no = f[P_BAL_ACCOUNT_NO];
        req.punish_scene = (int64_t)punish_scene;
        req.punish_reason = f[P_PUNISH_REASON];
        req.punish_end_time = f[P_PUNISH_END_TIME];
        req.card_no = f[P_CARD_NO];
        req.sgn_no = f[P_SGN_NO];
        req.req_scene = f[P_REQ_SCENE];
        req.fund_repatriation_strategy = f[P_FUND_REPATRIATION_STRATEGY];
        st = wx_recover_punish(client_ptr(client), &req, &accepted, &err);
        jni_check(env, st, err);
    }
    jni_free_cstrs(PUNISH_FIELDS, f, PUNISH_SECRETS);
    return handle_long(accepted);
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_punishAcceptedString(JNIEnv *env,
                                                                           jclass cls,
                                                                           jlong accepted,
                                                                           jint which) {
    const wx_punish_accepted *a = (const wx_punish_accepted *)handle_ptr(accepted);
    (void)cls;
    switch (which) {
    case io_wxrecover_Native_PUNISH_ACCEPTED_WXPAY_PUNISH_NO:
        return jni_to_jbytes(env, wx_punish_accepted_wxpay_punish_no(a));
    case io_wxrecover_Native_PUNISH_ACCEPTED_OUT_REQUEST_NO:
        return jni_to_jbytes(env, wx_punish_accepted_out_request_no(a));
    case io_wxrecover_Native_PUNISH_ACCEPTED_REQUEST_ID:
        return jni_to_jbytes(env, wx_punish_accepted_request_id(a));
    default:
        return NULL;
    }
}

JNI_GETTER(jint, punishAcceptedAttempts, wx_punish_accepted_attempts(h))
JNI_FREE(punishAcceptedFree, wx_punish_accepted_free)

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_queryPunish(JNIEnv *env, jclass cls,
                                                             jlong client,
                                                             jbyteArray out_request_no,
                                                             jbyteArray mchid) {
    char *c_no = NULL, *c_mchid = NULL;
    wx_punish_order *order = NULL;
    wx_error *err = NULL;
    (void)cls;
    if (jni_copy_cstr(env, out_request_no, &c_no) == 0 &&
        jni_copy_cstr(env, mchid, &c_mchid) == 0) {
        wx_status st = wx_recover_query_punish(client_ptr(client), c_no, c_mchid, &order, &err);
        jni_check(env, st, err);
    }
    free(c_no);
    free(c_mchid);
    return handle_long(order);
}

JNI_GETTER(jint, punishOrderState, wx_punish_order_state(h))
JNI_GETTER(jint, punishOrderEffectState, wx_punish_order_effect_state(h))
JNI_STRING_BY_NAME(punishOrderGet, wx_punish_order_get)
JNI_GETTER(jint, punishOrderControlActionLen, wx_punish_order_control_action_len(h))
JNI_GETTER(jbyteArray, punishOrderJson, jni_to_jbytes(env, wx_punish_order_json(h)))
JNI_GETTER(jbyteArray, punishOrderRequestId, jni_to_jbytes(env, wx_punish_order_request_id(h)))
JNI_FREE(punishOrderFree, wx_punish_order_free)

/* punish_scene or punish_rule_version (`which` is Native.PUNISH_ORDER_*) into out[0]. */
JNIEXPORT jboolean JNICALL Java_io_wxrecover_Native_punishOrderNumber(JNIEnv *env, jclass cls,
                                                                      jlong order, jint which,
                                                                      jlongArray out) {
    const wx_punish_order *o = (const wx_punish_order *)handle_ptr(order);
    int64_t value = 0;
    bool found;
    jlong v;
    (void)cls;
    switch (which) {
    case io_wxrecover_Native_PUNISH_ORDER_PUNISH_SCENE:
        found = wx_punish_order_punish_scene(o, &value);
        break;
    case io_wxrecover_Native_PUNISH_ORDER_PUNISH_RULE_VERSION:
        found = wx_punish_order_punish_rule_version(o, &value);
        break;
    default:
        found = false;
        break;
    }
    if (!found || out == NULL || (*env)->GetArrayLength(env, out) < 1) {
        return JNI_FALSE;
    }
    v = (jlong)value;
    (*env)->SetLongArrayRegion(env, out, 0, 1, &v);
    return (*env)->ExceptionCheck(env) ? JNI_FALSE : JNI_TRUE;
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_punishOrderControlAction(JNIEnv *env,
                                                                               jclass cls,
                                                                               jlong order,
                                                                               jint index) {
    (void)cls;
    if (index < 0) return NULL;
    return jni_to_jbytes(env, wx_punish_order_control_action(
                                  (const wx_punish_order *)handle_ptr(order), (size_t)index));
}
