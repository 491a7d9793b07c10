/* JNI glue, conversions: Java byte[] <-> C strings and buffers, wiping secrets, out-of-memory. */
#include <stdlib.h>
#include <string.h>

#include "jni_glue.h"

void jni_wipe(char *p, size_t n) {
    volatile char *v = p; /* volatile so the stores are not optimised away */
    while (n--) {
        *v++ = 0;
    }
}

void jni_free_secret(char *p) {
    if (p != NULL) {
        jni_wipe(p, strlen(p));
        free(p);
    }
}

void jni_throw_oom(JNIEnv *env) {
    jclass c = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
    if (c != NULL) {
        (*env)->ThrowNew(env, c, "wx-recover JNI glue: out of native memory");
        (*env)->DeleteLocalRef(env, c);
    }
}

int jni_copy_bytes(JNIEnv *env, jbyteArray arr, char **out, size_t *len) {
    jsize n;
    char *buf;
    *out = NULL;
    if (len != NULL) {
        *len = 0;
    }
    if (arr == NULL) {
        return 0;
    }
    n = (*env)->GetArrayLength(env, arr);
    buf = malloc((size_t)n + 1);
    if (buf == NULL) {
        jni_throw_oom(env);
        return -1;
    }
    (*env)->GetByteArrayRegion(env, arr, 0, n, (jbyte *)buf);
    if ((*env)->ExceptionCheck(env)) {
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    *out = buf;
    if (len != NULL) {
        *len = (size_t)n;
    }
    return 0;
}

int jni_copy_cstr(JNIEnv *env, jbyteArray arr, char **out) {
    size_t n;
    if (jni_copy_bytes(env, arr, out, &n) != 0) {
        return -1;
    }
    if (*out != NULL && memchr(*out, '\0', n) != NULL) {
        jni_free_secret(*out);
        *out = NULL;
        jni_throw_wx(env, WX_INVALID_ARGUMENT, NULL,
                     "invalid argument: a string argument contains a NUL character");
        return -1;
    }
    return 0;
}

int jni_copy_cstrs(JNIEnv *env, size_t n, const jbyteArray *src, char **out) {
    size_t i;
    for (i = 0; i < n; i++) {
        out[i] = NULL;
    }
    for (i = 0; i < n; i++) {
        if (jni_copy_cstr(env, src[i], &out[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

void jni_free_cstrs(size_t n, char **bufs, unsigned secrets) {
    size_t i;
    for (i = 0; i < n; i++) {
        if (secrets & (1u << i)) {
            jni_free_secret(bufs[i]);
        } else {
            free(bufs[i]);
        }
        bufs[i] = NULL;
    }
}

jbyteArray jni_to_jbytes(JNIEnv *env, const char *s) {
    jbyteArray arr;
    size_t n;
    if (s == NULL) {
        return NULL;
    }
    n = strlen(s);
    if (n > (size_t)INT32_MAX) {
        jni_throw_oom(env);
        return NULL;
    }
    arr = (*env)->NewByteArray(env, (jsize)n);
    if (arr != NULL) {
        (*env)->SetByteArrayRegion(env, arr, 0, (jsize)n, (const jbyte *)s);
    }
    return arr;
}

jbyteArray jni_take_string(JNIEnv *env, char *s) {
    jbyteArray arr = jni_to_jbytes(env, s);
    if (s != NULL) {
        jni_wipe(s, strlen(s)); /* Authorization values are credentials */
        wx_free(s);
    }
    return arr;
}

jbyteArray jni_string_by_name(JNIEnv *env, const void *handle, jbyteArray name,
                              const char *(*get)(const void *handle, const char *name)) {
    char *c_name = NULL;
    jbyteArray result = NULL;
    if (jni_copy_cstr(env, name, &c_name) != 0) {
        return NULL;
    }
    if (c_name != NULL) {
        result = jni_to_jbytes(env, get(handle, c_name));
    }
    free(c_name);
    return result;
}

int jni_copy_signed(JNIEnv *env, jbyteArray timestamp, jbyteArray nonce, jbyteArray signature,
                    jbyteArray serial, jbyteArray body, jni_signed *out) {
    memset(out, 0, sizeof *out);
    return jni_copy_cstr(env, timestamp, &out->timestamp) == 0 &&
                   jni_copy_cstr(env, nonce, &out->nonce) == 0 &&
                   jni_copy_cstr(env, signature, &out->signature) == 0 &&
                   jni_copy_cstr(env, serial, &out->serial) == 0 &&
                   jni_copy_bytes(env, body, &out->body, &out->body_len) == 0
               ? 0
               : -1;
}

void jni_free_signed(jni_signed *s) {
    free(s->timestamp);
    free(s->nonce);
    free(s->signature);
    free(s->serial);
    free(s->body);
}
