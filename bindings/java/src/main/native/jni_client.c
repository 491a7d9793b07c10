/* JNI glue, the client and its calls: create, free, serial, submit (wx_recover_submit and _v2)
 * and its acceptance, query. */
#include <stdlib.h>

#include "jni_glue.h"

/* Both constructors: copy the argument, call `make`, wipe the copy (it may hold an inline
 * private key or the APIv3 key), throw on failure. */
static jlong client_new(JNIEnv *env, jbyteArray arg,
                        wx_status (*make)(const char *, wx_recover **, wx_error **)) {
    char *c_arg;
    wx_recover *client = NULL;
    wx_error *err = NULL;
    wx_status st;
    if (jni_copy_cstr(env, arg, &c_arg) != 0) {
        return 0;
    }
    st = make(c_arg, &client, &err);
    jni_free_secret(c_arg);
    return jni_check(env, st, err) ? handle_long(client) : 0;
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_clientNew(JNIEnv *env, jclass cls,
                                                           jbyteArray json) {
    (void)cls;
    return client_new(env, json, wx_recover_new);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_clientNewFromFile(JNIEnv *env, jclass cls,
                                                                   jbyteArray path) {
    (void)cls;
    return client_new(env, path, wx_recover_new_from_file);
}

JNI_FREE(clientFree, wx_recover_free)
JNI_GETTER(jbyteArray, clientWechatpaySerial, jni_to_jbytes(env, wx_recover_wechatpay_serial(h)))

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_clientGetWechatpaySerial(JNIEnv *env,
                                                                               jclass cls,
                                                                               jlong client) {
    const char *serial = NULL;
    wx_error *err = NULL;
    wx_status st = wx_recover_get_wechatpay_serial(client_ptr(client), &serial, &err);
    (void)cls;
    return jni_check(env, st, err) ? jni_to_jbytes(env, serial) : NULL;
}

/* The request's strings in wx_recover_request_v2's order; bal_account_no and card_no are
 * plaintext secrets (wiped when freed). wx_recover_submit() takes the first six. */
enum { RECOVER_FIELDS = 6, RECOVER_V2_FIELDS = 9 };
#define RECOVER_SECRETS ((1u << 4) | (1u << 6))

/* Copies `n` request strings, then submits through wx_recover_submit() (n == RECOVER_FIELDS)
 * or wx_recover_submit_v2(); the owned acceptance, or 0 with an exception pending. */
static jlong submit_fields(JNIEnv *env, jlong client, const jbyteArray *src, size_t n) {
    char *f[RECOVER_V2_FIELDS] = {NULL};
    wx_accepted *accepted = NULL;
    wx_error *err = NULL;
    if (jni_copy_cstrs(env, n, src, f) == 0) {
        wx_status st;
        if (n == RECOVER_FIELDS) {
            wx_recover_request req = {f[0], f[1], f[2], f[3], f[4], f[5]};
            st = wx_recover_submit(client_ptr(client), &req, &accepted, &err);
        } else {
            wx_recover_request_v2 req = {f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]};
            st = wx_recover_submit_v2(client_ptr(client), &req, &accepted, &err);
        }
        jni_check(env, st, err);
    }
    jni_free_cstrs(n, f, RECOVER_SECRETS);
    return handle_long(accepted);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_submit(JNIEnv *env, jclass cls, jlong client,
                                                        jbyteArray out_request_no,
                                                        jbyteArray webank_no,
                                                        jbyteArray wxpay_no, jbyteArray mchid,
                                                        jbyteArray bal_account_no,
                                                        jbyteArray reason) {
    jbyteArray src[RECOVER_FIELDS];
    (void)cls;
    src[0] = out_request_no;
    src[1] = webank_no;
    src[2] = wxpay_no;
    src[3] = mchid;
    src[4] = bal_account_no;
    src[5] = reason;
    return submit_fields(env, client, src, RECOVER_FIELDS);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_submitV2(
    JNIEnv *env, jclass cls, jlong client, jbyteArray out_request_no, jbyteArray webank_no,
    jbyteArray wxpay_no, jbyteArray mchid, jbyteArray bal_account_no, jbyteArray reason,
    jbyteArray card_no, jbyteArray sgn_no, jbyteArray req_scene) {
    jbyteArray src[RECOVER_V2_FIELDS];
    (void)cls;
    src[0] = out_request_no;
    src[1] = webank_no;
    src[2] = wxpay_no;
    src[3] = mchid;
    src[4] = bal_account_no;
    src[5] = reason;
    src[6] = card_no;
    src[7] = sgn_no;
    src[8] = req_scene;
    return submit_fields(env, client, src, RECOVER_V2_FIELDS);
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_acceptedString(JNIEnv *env, jclass cls,
                                                                     jlong accepted,
                                                                     jint which) {
    const wx_accepted *a = (const wx_accepted *)handle_ptr(accepted);
    (void)cls;
    switch (which) {
    case io_wxrecover_Native_ACCEPTED_WXPAY_RECOVER_NO:
        return jni_to_jbytes(env, wx_accepted_wxpay_recover_no(a));
    case io_wxrecover_Native_ACCEPTED_OUT_REQUEST_NO:
        return jni_to_jbytes(env, wx_accepted_out_request_no(a));
    case io_wxrecover_Native_ACCEPTED_REQUEST_ID:
        return jni_to_jbytes(env, wx_accepted_request_id(a));
    default:
        return NULL;
    }
}

JNI_GETTER(jint, acceptedAttempts, wx_accepted_attempts(h))
JNI_FREE(acceptedFree, wx_accepted_free)

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_query(JNIEnv *env, jclass cls, jlong client,
                                                       jbyteArray out_request_no,
                                                       jbyteArray mchid) {
    char *c_no = NULL, *c_mchid = NULL;
    wx_order *order = NULL;
    wx_error *err = NULL;
    (void)cls;
    if (jni_copy_cstr(env, out_request_no, &c_no) == 0 &&
        jni_copy_cstr(env, mchid, &c_mchid) == 0) {
        wx_status st = wx_recover_query(client_ptr(client), c_no, c_mchid, &order, &err);
        jni_check(env, st, err);
    }
    free(c_no);
    free(c_mchid);
    return handle_long(order);
}
