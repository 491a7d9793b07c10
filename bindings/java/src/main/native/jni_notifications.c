/* JNI glue, result notifications: verifying and decrypting them, their fields and their order. */
#include <stdlib.h>

#include "jni_glue.h"

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_parseNotification(
    JNIEnv *env, jclass cls, jlong client, jbyteArray timestamp, jbyteArray nonce,
    jbyteArray signature, jbyteArray serial, jbyteArray body) {
    jni_signed m;
    wx_notification *n = NULL;
    wx_error *err = NULL;
    (void)cls;
    if (jni_copy_signed(env, timestamp, nonce, signature, serial, body, &m) == 0) {
        wx_status st = wx_recover_parse_notification(client_ptr(client), m.timestamp, m.nonce,
                                                     m.signature, m.serial,
                                                     (const uint8_t *)m.body, m.body_len, &n, &err);
        jni_check(env, st, err);
    }
    jni_free_signed(&m);
    return handle_long(n);
}

/* The header names and values are copied into C strings; the core matches them. */
JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_parseNotificationHeaders(
    JNIEnv *env, jclass cls, jlong client, jobjectArray names, jobjectArray values,
    jbyteArray body) {
    jsize n = names ? (*env)->GetArrayLength(env, names) : 0;
    char **c_names = calloc((size_t)n + 1, sizeof *c_names);
    char **c_values = calloc((size_t)n + 1, sizeof *c_values);
    char *c_body = NULL;
    size_t body_len = 0;
    wx_notification *out = NULL;
    wx_error *err = NULL;
    int ok = c_names != NULL && c_values != NULL && values != NULL &&
             (*env)->GetArrayLength(env, values) == n;
    (void)cls;
    if (!ok && c_names != NULL && c_values != NULL) {
        jni_throw_wx(env, WX_INVALID_ARGUMENT, NULL, "invalid argument: headers");
    } else if (!ok) {
        jni_throw_oom(env);
    }
    for (jsize i = 0; ok && i < n; i++) {
        jbyteArray nm = (jbyteArray)(*env)->GetObjectArrayElement(env, names, i);
        jbyteArray vl = (jbyteArray)(*env)->GetObjectArrayElement(env, values, i);
        ok = jni_copy_cstr(env, nm, &c_names[i]) == 0 &&
             jni_copy_cstr(env, vl, &c_values[i]) == 0 && c_names[i] != NULL &&
             c_values[i] != NULL;
        if (nm) (*env)->DeleteLocalRef(env, nm);
        if (vl) (*env)->DeleteLocalRef(env, vl);
        if (!ok && !(*env)->ExceptionCheck(env)) {
            jni_throw_wx(env, WX_INVALID_ARGUMENT, NULL, "invalid argument: headers");
        }
    }
    if (ok && jni_copy_bytes(env, body, &c_body, &body_len) == 0) {
        wx_status st = wx_recover_parse_notification_headers(
            client_ptr(client), (const char *const *)c_names, (const char *const *)c_values,
            (size_t)n, (const uint8_t *)c_body, body_len, &out, &err);
        jni_check(env, st, err);
    }
    for (jsize i = 0; c_names && c_values && i < n; i++) {
        free(c_names[i]);
        free(c_values[i]);
    }
    free(c_names);
    free(c_values);
    free(c_body);
    return handle_long(out);
}

JNI_STRING_BY_NAME(notificationGet, wx_notification_get)
JNI_GETTER(jbyteArray, notificationPlaintext, jni_to_jbytes(env, wx_notification_plaintext(h)))

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_notificationOrder(JNIEnv *env, jclass cls,
                                                                   jlong notification) {
    wx_order *order = NULL;
    wx_error *err = NULL;
    wx_status st;
    (void)env;
    (void)cls;
    st = wx_notification_order((const wx_notification *)handle_ptr(notification), &order, &err);
    if (st != WX_OK) {
        /* Not a recover order: no order, no exception (the notification itself is valid). */
        wx_error_free(err);
        return 0;
    }
    return handle_long(order);
}

JNI_FREE(notificationFree, wx_notification_free)
