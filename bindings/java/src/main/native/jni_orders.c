/* JNI glue, orders: the state, the field list, fields by name, the JSON, parsing a caller's. */
#include <stdlib.h>

#include "jni_glue.h"

JNIEXPORT jint JNICALL Java_io_wxrecover_Native_orderState(JNIEnv *env, jclass cls,
                                                           jlong order) {
    (void)env;
    (void)cls;
    return (jint)wx_order_state((const wx_order *)handle_ptr(order));
}

static const char *order_get(const void *o, const char *field) { return wx_order_get(o, field); }

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderGet(JNIEnv *env, jclass cls,
                                                               jlong order, jbyteArray field) {
    (void)cls;
    return jni_string_by_name(env, handle_ptr(order), field, order_get);
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderJson(JNIEnv *env, jclass cls,
                                                                jlong order) {
    (void)cls;
    return jni_to_jbytes(env, wx_order_json((const wx_order *)handle_ptr(order)));
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderRequestId(JNIEnv *env, jclass cls,
                                                                     jlong order) {
    (void)cls;
    return jni_to_jbytes(env, wx_order_request_id((const wx_order *)handle_ptr(order)));
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_orderFree(JNIEnv *env, jclass cls,
                                                          jlong order) {
    (void)env;
    (void)cls;
    wx_order_free((wx_order *)handle_ptr(order));
}

JNIEXPORT jint JNICALL Java_io_wxrecover_Native_orderFieldCount(JNIEnv *env, jclass cls,
                                                                jlong order) {
    (void)env;
    (void)cls;
    return (jint)wx_order_field_count((const wx_order *)handle_ptr(order));
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderFieldName(JNIEnv *env, jclass cls,
                                                                     jlong order, jint index) {
    (void)cls;
    if (index < 0) return NULL;
    return jni_to_jbytes(
        env, wx_order_field_name((const wx_order *)handle_ptr(order), (size_t)index));
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderFieldValue(JNIEnv *env, jclass cls,
                                                                      jlong order, jint index) {
    (void)cls;
    if (index < 0) return NULL;
    return jni_to_jbytes(
        env, wx_order_field_value((const wx_order *)handle_ptr(order), (size_t)index));
}

JNIEXPORT jboolean JNICALL Java_io_wxrecover_Native_orderFieldDocumented(JNIEnv *env,
                                                                         jclass cls, jlong order,
                                                                         jint index) {
    (void)env;
    (void)cls;
    if (index < 0) return JNI_FALSE;
    return wx_order_field_documented((const wx_order *)handle_ptr(order), (size_t)index)
               ? JNI_TRUE
               : JNI_FALSE;
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_orderParse(JNIEnv *env, jclass cls,
                                                            jbyteArray json) {
    char *c_json = NULL;
    size_t len = 0;
    wx_order *order = NULL;
    wx_error *err = NULL;
    (void)cls;
    if (jni_copy_bytes(env, json, &c_json, &len) == 0) {
        wx_status st = wx_order_parse((const uint8_t *)c_json, len, &order, &err);
        if (st != WX_OK) {
            jni_throw_wx(env, st, err, NULL);
            order = NULL;
        }
    }
    free(c_json);
    return handle_long(order);
}
