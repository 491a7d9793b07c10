/* JNI glue, orders: the state, the field list, fields by name, the JSON, parsing a caller's. */
#include <stdlib.h>

#include "jni_glue.h"

JNI_GETTER(jint, orderState, wx_order_state(h))
JNI_STRING_BY_NAME(orderGet, wx_order_get)
JNI_GETTER(jbyteArray, orderJson, jni_to_jbytes(env, wx_order_json(h)))
JNI_GETTER(jbyteArray, orderRequestId, jni_to_jbytes(env, wx_order_request_id(h)))
JNI_FREE(orderFree, wx_order_free)
JNI_GETTER(jint, orderFieldCount, wx_order_field_count(h))

/* Field `index` of the order's list as `get` reads it, copied into a byte[]; NULL when the
 * index is negative or out of range. */
static jbyteArray field_text(JNIEnv *env, jlong order, jint index,
                             const char *(*get)(const wx_order *, size_t)) {
    return index < 0 ? NULL : jni_to_jbytes(env, get(handle_ptr(order), (size_t)index));
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderFieldName(JNIEnv *env, jclass cls,
                                                                     jlong order, jint index) {
    (void)cls;
    return field_text(env, order, index, wx_order_field_name);
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderFieldValue(JNIEnv *env, jclass cls,
                                                                      jlong order, jint index) {
    (void)cls;
    return field_text(env, order, index, wx_order_field_value);
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
        jni_check(env, st, err);
    }
    free(c_json);
    return handle_long(order);
}
