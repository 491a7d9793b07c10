/* JNI glue, primitives for a caller's own HTTP stack: Authorization, encryption, verification. */
#include <stdlib.h>

#include "jni_glue.h"

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_authorization(JNIEnv *env, jclass cls,
                                                                    jlong client,
                                                                    jbyteArray method,
                                                                    jbyteArray url,
                                                                    jbyteArray body) {
    char *c_method = NULL, *c_url = NULL, *c_body = NULL, *value = NULL;
    size_t body_len = 0;
    wx_error *err = NULL;
    jbyteArray result = NULL;
    (void)cls;
    if (jni_copy_cstr(env, method, &c_method) == 0 && jni_copy_cstr(env, url, &c_url) == 0 &&
        jni_copy_bytes(env, body, &c_body, &body_len) == 0) {
        wx_status st = wx_recover_authorization(client_ptr(client), c_method, c_url,
                                                (const uint8_t *)c_body, body_len, &value, &err);
        if (jni_check(env, st, err)) {
            result = jni_take_string(env, value);
        }
    }
    free(c_method);
    free(c_url);
    free(c_body);
    return result;
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_encrypt(JNIEnv *env, jclass cls,
                                                              jlong client,
                                                              jbyteArray plaintext) {
    char *c_plain = NULL, *value = NULL;
    wx_error *err = NULL;
    wx_status st;
    (void)cls;
    if (jni_copy_cstr(env, plaintext, &c_plain) != 0) {
        return NULL;
    }
    st = wx_recover_encrypt(client_ptr(client), c_plain, &value, &err);
    jni_free_secret(c_plain);
    return jni_check(env, st, err) ? jni_take_string(env, value) : NULL;
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_verify(JNIEnv *env, jclass cls, jlong client,
                                                       jbyteArray timestamp, jbyteArray nonce,
                                                       jbyteArray signature, jbyteArray serial,
                                                       jbyteArray body) {
    jni_signed m;
    wx_error *err = NULL;
    (void)cls;
    if (jni_copy_signed(env, timestamp, nonce, signature, serial, body, &m) == 0) {
        wx_status st = wx_recover_verify(client_ptr(client), m.timestamp, m.nonce, m.signature,
                                         m.serial, (const uint8_t *)m.body, m.body_len, &err);
        jni_check(env, st, err);
    }
    jni_free_signed(&m);
}
