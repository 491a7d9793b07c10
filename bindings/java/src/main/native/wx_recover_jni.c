/*
 * JNI glue between io.wxrecover.Native and the wx-recover C ABI (include/wx_recover.h).
 *
 * Conversions only: Java passes strings as UTF-8 byte[] (never JNI's modified UTF-8), the glue
 * copies them into NUL-terminated buffers, calls the C ABI, copies results back into byte[]
 * and frees what the library returned. Failures become io.wxrecover.WxRecoverException via
 * its static factory fromNative(). No crypto, HTTP or JSON here.
 *
 * Ownership rules kept in every function below:
 *  - every buffer made by copy_cstr()/copy_bytes() is freed before returning (secrets are
 *    wiped first);
 *  - every owned string from the library goes to wx_free(), every wx_error to wx_error_free();
 *  - handles (wx_recover, wx_accepted, wx_order) cross to Java as jlong and are freed by the
 *    Java caller in a finally block;
 *  - no JNI call is made while an exception is pending, except the releases that are allowed.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io_wxrecover_Native.h"
#include "wx_recover.h"

#define EXC_CLASS "io/wxrecover/WxRecoverException"
#define EXC_FACTORY_SIG "(II[B[B[B[BZI)Lio/wxrecover/WxRecoverException;"

#define LOG_CLASS "io/wxrecover/WxRecoverClient"
#define LOG_METHOD "nativeLog"
#define LOG_METHOD_SIG "(I[B)V"

static JavaVM *g_vm;              /* set in JNI_OnLoad */
static jclass g_exc_class;        /* global ref, set in JNI_OnLoad */
static jmethodID g_exc_factory;   /* WxRecoverException.fromNative */
static jclass g_log_class;        /* global ref: WxRecoverClient */
static jmethodID g_log_method;    /* WxRecoverClient.nativeLog(int level, byte[] utf8) */

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
    JNIEnv *env;
    jclass local;
    (void)reserved;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) {
        return JNI_ERR;
    }
    g_vm = vm;
    local = (*env)->FindClass(env, LOG_CLASS);
    if (local == NULL) {
        return JNI_ERR;
    }
    g_log_class = (jclass)(*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    if (g_log_class == NULL) {
        return JNI_ERR;
    }
    g_log_method = (*env)->GetStaticMethodID(env, g_log_class, LOG_METHOD, LOG_METHOD_SIG);
    if (g_log_method == NULL) {
        return JNI_ERR;
    }
    local = (*env)->FindClass(env, EXC_CLASS);
    if (local == NULL) {
        return JNI_ERR;
    }
    g_exc_class = (jclass)(*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    if (g_exc_class == NULL) {
        return JNI_ERR;
    }
    g_exc_factory = (*env)->GetStaticMethodID(env, g_exc_class, "fromNative", EXC_FACTORY_SIG);
    if (g_exc_factory == NULL) {
        return JNI_ERR;
    }
    return JNI_VERSION_1_8;
}

JNIEXPORT void JNICALL JNI_OnUnload(JavaVM *vm, void *reserved) {
    JNIEnv *env;
    (void)reserved;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) == JNI_OK) {
        if (g_exc_class != NULL) {
            (*env)->DeleteGlobalRef(env, g_exc_class);
            g_exc_class = NULL;
        }
        if (g_log_class != NULL) {
            (*env)->DeleteGlobalRef(env, g_log_class);
            g_log_class = NULL;
        }
    }
}

/* ----- conversions ----- */

static void *handle_ptr(jlong h) { return (void *)(intptr_t)h; }

static jlong handle_long(const void *p) { return (jlong)(intptr_t)p; }

/* Overwrites a buffer that held a secret; volatile so the stores are not optimised away. */
static void wipe(char *p, size_t n) {
    volatile char *v = p;
    while (n--) {
        *v++ = 0;
    }
}

static void free_secret(char *p) {
    if (p != NULL) {
        wipe(p, strlen(p));
        free(p);
    }
}

static void throw_oom(JNIEnv *env) {
    jclass c = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
    if (c != NULL) {
        (*env)->ThrowNew(env, c, "wx-recover JNI glue: out of native memory");
        (*env)->DeleteLocalRef(env, c);
    }
}

/*
 * Copies a Java byte[] into a fresh buffer with a NUL appended. A NULL array gives *out = NULL
 * (the C ABI then reports the field). *len receives the byte count if len is not NULL.
 * Returns 0 on success; -1 with a pending exception on failure.
 */
static int copy_bytes(JNIEnv *env, jbyteArray arr, char **out, size_t *len) {
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
        throw_oom(env);
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

static void throw_wx(JNIEnv *env, wx_status status, wx_error *err, const char *fallback);

/* Like copy_bytes() for a C string: an embedded NUL would truncate silently, so it is refused. */
static int copy_cstr(JNIEnv *env, jbyteArray arr, char **out) {
    size_t n;
    if (copy_bytes(env, arr, out, &n) != 0) {
        return -1;
    }
    if (*out != NULL && memchr(*out, '\0', n) != NULL) {
        free_secret(*out);
        *out = NULL;
        throw_wx(env, WX_INVALID_ARGUMENT, NULL,
                 "invalid argument: a string argument contains a NUL character");
        return -1;
    }
    return 0;
}

/* A new byte[] holding the UTF-8 bytes of `s` (no NUL), or NULL for NULL. */
static jbyteArray to_jbytes(JNIEnv *env, const char *s) {
    jbyteArray arr;
    size_t n;
    if (s == NULL) {
        return NULL;
    }
    n = strlen(s);
    if (n > (size_t)INT32_MAX) {
        throw_oom(env);
        return NULL;
    }
    arr = (*env)->NewByteArray(env, (jsize)n);
    if (arr != NULL) {
        (*env)->SetByteArrayRegion(env, arr, 0, (jsize)n, (const jbyte *)s);
    }
    return arr;
}

/*
 * Throws WxRecoverException from a C error and frees the error. Without an error object the
 * message is `fallback` (or the status name). Always leaves an exception pending
 * (OutOfMemoryError if building it failed).
 */
static void throw_wx(JNIEnv *env, wx_status status, wx_error *err, const char *fallback) {
    jbyteArray code = NULL, message = NULL, detail = NULL, request_id = NULL;
    jint http = 0, attempts = 0;
    jboolean retry = JNI_FALSE;
    jthrowable exc;

    if (err != NULL) {
        status = wx_error_status(err);
        http = (jint)wx_error_http_status(err);
        retry = wx_error_retry_safe(err) ? JNI_TRUE : JNI_FALSE;
        attempts = (jint)wx_error_attempts(err);
        code = to_jbytes(env, wx_error_code(err));
        if (!(*env)->ExceptionCheck(env)) {
            message = to_jbytes(env, wx_error_message(err));
        }
        if (!(*env)->ExceptionCheck(env)) {
            detail = to_jbytes(env, wx_error_detail(err));
        }
        if (!(*env)->ExceptionCheck(env)) {
            request_id = to_jbytes(env, wx_error_request_id(err));
        }
        wx_error_free(err);
    } else {
        message = to_jbytes(env, fallback != NULL ? fallback : wx_status_str(status));
    }
    if ((*env)->ExceptionCheck(env)) {
        return; /* OutOfMemoryError from the conversions above */
    }
    exc = (jthrowable)(*env)->CallStaticObjectMethod(env, g_exc_class, g_exc_factory,
                                                     (jint)status, http, code, message, detail,
                                                     request_id, retry, attempts);
    if (exc != NULL && !(*env)->ExceptionCheck(env)) {
        (*env)->Throw(env, exc);
        (*env)->DeleteLocalRef(env, exc);
    }
    if (code != NULL) (*env)->DeleteLocalRef(env, code);
    if (message != NULL) (*env)->DeleteLocalRef(env, message);
    if (detail != NULL) (*env)->DeleteLocalRef(env, detail);
    if (request_id != NULL) (*env)->DeleteLocalRef(env, request_id);
}

/* Copies an owned library string into a byte[] and releases it with wx_free(). */
static jbyteArray take_string(JNIEnv *env, char *s) {
    jbyteArray arr = to_jbytes(env, s);
    if (s != NULL) {
        wipe(s, strlen(s)); /* Authorization values are credentials */
        wx_free(s);
    }
    return arr;
}

/* ----- logging ----- */

/*
 * The wx_log_fn given to every client: forwards the line to WxRecoverClient.nativeLog(level,
 * utf8). The library calls it on the thread making the call, which is a Java thread inside a
 * native method, so GetEnv succeeds; a thread the JVM does not know (not expected) is attached
 * as a daemon for the upcall and detached after. Never leaves an exception pending, and never
 * disturbs one that was already pending (that line is dropped). user_data is unused: the
 * sink is global (the SLF4J logger "io.wxrecover").
 */
static void log_upcall(void *user_data, wx_log_level level, const char *message) {
    JNIEnv *env = NULL;
    int attached = 0;
    jint rc;
    jbyteArray bytes;
    (void)user_data;
    if (g_vm == NULL || g_log_class == NULL || message == NULL) {
        return;
    }
    rc = (*g_vm)->GetEnv(g_vm, (void **)&env, JNI_VERSION_1_8);
    if (rc == JNI_EDETACHED) {
        if ((*g_vm)->AttachCurrentThreadAsDaemon(g_vm, (void **)&env, NULL) != JNI_OK) {
            return;
        }
        attached = 1;
    } else if (rc != JNI_OK) {
        return;
    }
    if (!(*env)->ExceptionCheck(env)) {
        if ((*env)->PushLocalFrame(env, 4) == 0) {
            bytes = to_jbytes(env, message);
            if (bytes != NULL && !(*env)->ExceptionCheck(env)) {
                (*env)->CallStaticVoidMethod(env, g_log_class, g_log_method, (jint)level, bytes);
            }
            if ((*env)->ExceptionCheck(env)) {
                (*env)->ExceptionClear(env); /* a failing logger must not fail the call */
            }
            (*env)->PopLocalFrame(env, NULL);
        } else {
            (*env)->ExceptionClear(env);
        }
    }
    if (attached) {
        (*g_vm)->DetachCurrentThread(g_vm);
    }
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_clientSetLogger(JNIEnv *env, jclass cls,
                                                                jlong client, jint max_level) {
    wx_error *err = NULL;
    wx_status st;
    (void)cls;
    if (max_level >= WX_LOG_ERROR && max_level <= WX_LOG_TRACE) {
        st = wx_recover_set_logger((const wx_recover *)handle_ptr(client), log_upcall, NULL,
                                   (int)max_level, &err);
    } else {
        st = wx_recover_set_logger((const wx_recover *)handle_ptr(client), NULL, NULL, 0, &err);
    }
    if (st != WX_OK) {
        throw_wx(env, st, err, NULL);
    }
}

/* ----- library ----- */

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_version(JNIEnv *env, jclass cls) {
    (void)cls;
    return to_jbytes(env, wx_version());
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_buildInfo(JNIEnv *env, jclass cls) {
    (void)cls;
    return to_jbytes(env, wx_build_info());
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_statusStr(JNIEnv *env, jclass cls,
                                                                jint status) {
    (void)cls;
    return to_jbytes(env, wx_status_str(status));
}

/* ----- client ----- */

/* Both constructors: copy the argument, call `make`, wipe the copy (it may hold an inline
 * private key or the APIv3 key), throw on failure. */
static jlong client_new(JNIEnv *env, jbyteArray arg,
                        wx_status (*make)(const char *, wx_recover **, wx_error **)) {
    char *c_arg;
    wx_recover *client = NULL;
    wx_error *err = NULL;
    wx_status st;
    if (copy_cstr(env, arg, &c_arg) != 0) {
        return 0;
    }
    st = make(c_arg, &client, &err);
    free_secret(c_arg);
    if (st != WX_OK) {
        throw_wx(env, st, err, NULL);
        return 0;
    }
    return handle_long(client);
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

JNIEXPORT void JNICALL Java_io_wxrecover_Native_clientFree(JNIEnv *env, jclass cls,
                                                           jlong client) {
    (void)env;
    (void)cls;
    wx_recover_free((wx_recover *)handle_ptr(client));
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_clientWechatpaySerial(JNIEnv *env,
                                                                            jclass cls,
                                                                            jlong client) {
    (void)cls;
    return to_jbytes(env, wx_recover_wechatpay_serial((const wx_recover *)handle_ptr(client)));
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_submit(JNIEnv *env, jclass cls, jlong client,
                                                        jbyteArray out_request_no,
                                                        jbyteArray webank_no,
                                                        jbyteArray wxpay_no, jbyteArray mchid,
                                                        jbyteArray bal_account_no,
                                                        jbyteArray reason) {
    jbyteArray src[6];
    char *f[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    wx_recover_request req;
    wx_accepted *accepted = NULL;
    wx_error *err = NULL;
    wx_status st;
    int i, ok = 1;
    (void)cls;
    src[0] = out_request_no;
    src[1] = webank_no;
    src[2] = wxpay_no;
    src[3] = mchid;
    src[4] = bal_account_no;
    src[5] = reason;
    for (i = 0; i < 6 && ok; i++) {
        ok = copy_cstr(env, src[i], &f[i]) == 0;
    }
    if (ok) {
        req.out_request_no = f[0];
        req.related_webank_punish_no = f[1];
        req.related_wxpay_punish_no = f[2];
        req.mchid = f[3];
        req.bal_account_no = f[4];
        req.recover_reason = f[5];
        st = wx_recover_submit((const wx_recover *)handle_ptr(client), &req, &accepted, &err);
        if (st != WX_OK) {
            throw_wx(env, st, err, NULL);
            accepted = NULL;
        }
    }
    for (i = 0; i < 6; i++) {
        if (i == 4) {
            free_secret(f[i]);
        } else {
            free(f[i]);
        }
    }
    return handle_long(accepted);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_query(JNIEnv *env, jclass cls, jlong client,
                                                       jbyteArray out_request_no,
                                                       jbyteArray mchid) {
    char *c_no = NULL, *c_mchid = NULL;
    wx_order *order = NULL;
    wx_error *err = NULL;
    wx_status st;
    (void)cls;
    if (copy_cstr(env, out_request_no, &c_no) == 0 && copy_cstr(env, mchid, &c_mchid) == 0) {
        st = wx_recover_query((const wx_recover *)handle_ptr(client), c_no, c_mchid, &order,
                              &err);
        if (st != WX_OK) {
            throw_wx(env, st, err, NULL);
            order = NULL;
        }
    }
    free(c_no);
    free(c_mchid);
    return handle_long(order);
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_authorization(JNIEnv *env, jclass cls,
                                                                    jlong client,
                                                                    jbyteArray method,
                                                                    jbyteArray url,
                                                                    jbyteArray body) {
    char *c_method = NULL, *c_url = NULL, *c_body = NULL, *value = NULL;
    size_t body_len = 0;
    wx_error *err = NULL;
    wx_status st;
    jbyteArray result = NULL;
    (void)cls;
    if (copy_cstr(env, method, &c_method) == 0 && copy_cstr(env, url, &c_url) == 0 &&
        copy_bytes(env, body, &c_body, &body_len) == 0) {
        st = wx_recover_authorization((const wx_recover *)handle_ptr(client), c_method, c_url,
                                      (const uint8_t *)c_body, body_len, &value, &err);
        if (st != WX_OK) {
            throw_wx(env, st, err, NULL);
        } else {
            result = take_string(env, value);
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
    jbyteArray result = NULL;
    (void)cls;
    if (copy_cstr(env, plaintext, &c_plain) != 0) {
        return NULL;
    }
    st = wx_recover_encrypt((const wx_recover *)handle_ptr(client), c_plain, &value, &err);
    free_secret(c_plain);
    if (st != WX_OK) {
        throw_wx(env, st, err, NULL);
    } else {
        result = take_string(env, value);
    }
    return result;
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_verify(JNIEnv *env, jclass cls, jlong client,
                                                       jbyteArray timestamp, jbyteArray nonce,
                                                       jbyteArray signature, jbyteArray serial,
                                                       jbyteArray body) {
    char *c_ts = NULL, *c_nonce = NULL, *c_sig = NULL, *c_serial = NULL, *c_body = NULL;
    size_t body_len = 0;
    wx_error *err = NULL;
    wx_status st;
    (void)cls;
    if (copy_cstr(env, timestamp, &c_ts) == 0 && copy_cstr(env, nonce, &c_nonce) == 0 &&
        copy_cstr(env, signature, &c_sig) == 0 && copy_cstr(env, serial, &c_serial) == 0 &&
        copy_bytes(env, body, &c_body, &body_len) == 0) {
        st = wx_recover_verify((const wx_recover *)handle_ptr(client), c_ts, c_nonce, c_sig,
                               c_serial, (const uint8_t *)c_body, body_len, &err);
        if (st != WX_OK) {
            throw_wx(env, st, err, NULL);
        }
    }
    free(c_ts);
    free(c_nonce);
    free(c_sig);
    free(c_serial);
    free(c_body);
}

/* ----- accepted ----- */

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_acceptedString(JNIEnv *env, jclass cls,
                                                                     jlong accepted,
                                                                     jint which) {
    const wx_accepted *a = (const wx_accepted *)handle_ptr(accepted);
    (void)cls;
    switch (which) {
    case io_wxrecover_Native_ACCEPTED_WXPAY_RECOVER_NO:
        return to_jbytes(env, wx_accepted_wxpay_recover_no(a));
    case io_wxrecover_Native_ACCEPTED_OUT_REQUEST_NO:
        return to_jbytes(env, wx_accepted_out_request_no(a));
    case io_wxrecover_Native_ACCEPTED_REQUEST_ID:
        return to_jbytes(env, wx_accepted_request_id(a));
    default:
        return NULL;
    }
}

JNIEXPORT jint JNICALL Java_io_wxrecover_Native_acceptedAttempts(JNIEnv *env, jclass cls,
                                                                 jlong accepted) {
    (void)env;
    (void)cls;
    return (jint)wx_accepted_attempts((const wx_accepted *)handle_ptr(accepted));
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_acceptedFree(JNIEnv *env, jclass cls,
                                                             jlong accepted) {
    (void)env;
    (void)cls;
    wx_accepted_free((wx_accepted *)handle_ptr(accepted));
}

/* ----- order ----- */

JNIEXPORT jint JNICALL Java_io_wxrecover_Native_orderState(JNIEnv *env, jclass cls,
                                                           jlong order) {
    (void)env;
    (void)cls;
    return (jint)wx_order_state((const wx_order *)handle_ptr(order));
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderGet(JNIEnv *env, jclass cls,
                                                               jlong order, jbyteArray field) {
    char *c_field = NULL;
    jbyteArray result = NULL;
    (void)cls;
    if (copy_cstr(env, field, &c_field) != 0) {
        return NULL;
    }
    if (c_field != NULL) {
        result = to_jbytes(env, wx_order_get((const wx_order *)handle_ptr(order), c_field));
    }
    free(c_field);
    return result;
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderJson(JNIEnv *env, jclass cls,
                                                                jlong order) {
    (void)cls;
    return to_jbytes(env, wx_order_json((const wx_order *)handle_ptr(order)));
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderRequestId(JNIEnv *env, jclass cls,
                                                                     jlong order) {
    (void)cls;
    return to_jbytes(env, wx_order_request_id((const wx_order *)handle_ptr(order)));
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_orderFree(JNIEnv *env, jclass cls,
                                                          jlong order) {
    (void)env;
    (void)cls;
    wx_order_free((wx_order *)handle_ptr(order));
}

/* ----- notification ----- */

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_parseNotification(
    JNIEnv *env, jclass cls, jlong client, jbyteArray timestamp, jbyteArray nonce,
    jbyteArray signature, jbyteArray serial, jbyteArray body) {
    char *c_ts = NULL, *c_nonce = NULL, *c_sig = NULL, *c_serial = NULL, *c_body = NULL;
    size_t body_len = 0;
    wx_notification *n = NULL;
    wx_error *err = NULL;
    wx_status st;
    (void)cls;
    if (copy_cstr(env, timestamp, &c_ts) == 0 && copy_cstr(env, nonce, &c_nonce) == 0 &&
        copy_cstr(env, signature, &c_sig) == 0 && copy_cstr(env, serial, &c_serial) == 0 &&
        copy_bytes(env, body, &c_body, &body_len) == 0) {
        st = wx_recover_parse_notification((const wx_recover *)handle_ptr(client), c_ts,
                                           c_nonce, c_sig, c_serial, (const uint8_t *)c_body,
                                           body_len, &n, &err);
        if (st != WX_OK) {
            throw_wx(env, st, err, NULL);
            n = NULL;
        }
    }
    free(c_ts);
    free(c_nonce);
    free(c_sig);
    free(c_serial);
    free(c_body);
    return handle_long(n);
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_notificationGet(JNIEnv *env, jclass cls,
                                                                      jlong notification,
                                                                      jbyteArray field) {
    char *c_field = NULL;
    jbyteArray result = NULL;
    (void)cls;
    if (copy_cstr(env, field, &c_field) != 0) {
        return NULL;
    }
    if (c_field != NULL) {
        result = to_jbytes(
            env, wx_notification_get((const wx_notification *)handle_ptr(notification), c_field));
    }
    free(c_field);
    return result;
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_notificationPlaintext(JNIEnv *env,
                                                                            jclass cls,
                                                                            jlong notification) {
    (void)cls;
    return to_jbytes(env,
                     wx_notification_plaintext((const wx_notification *)handle_ptr(notification)));
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_notificationFree(JNIEnv *env, jclass cls,
                                                                 jlong notification) {
    (void)env;
    (void)cls;
    wx_notification_free((wx_notification *)handle_ptr(notification));
}

/* ----- order field list, parsing, notification resource ----- */

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
    return to_jbytes(env, wx_order_field_name((const wx_order *)handle_ptr(order), (size_t)index));
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_orderFieldValue(JNIEnv *env, jclass cls,
                                                                      jlong order, jint index) {
    (void)cls;
    if (index < 0) return NULL;
    return to_jbytes(env,
                     wx_order_field_value((const wx_order *)handle_ptr(order), (size_t)index));
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
    if (copy_bytes(env, json, &c_json, &len) == 0) {
        wx_status st = wx_order_parse((const uint8_t *)c_json, len, &order, &err);
        if (st != WX_OK) {
            throw_wx(env, st, err, NULL);
            order = NULL;
        }
    }
    free(c_json);
    return handle_long(order);
}

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
        throw_wx(env, WX_INVALID_ARGUMENT, NULL, "invalid argument: headers");
    } else if (!ok) {
        throw_oom(env);
    }
    for (jsize i = 0; ok && i < n; i++) {
        jbyteArray nm = (jbyteArray)(*env)->GetObjectArrayElement(env, names, i);
        jbyteArray vl = (jbyteArray)(*env)->GetObjectArrayElement(env, values, i);
        ok = copy_cstr(env, nm, &c_names[i]) == 0 && copy_cstr(env, vl, &c_values[i]) == 0 &&
             c_names[i] != NULL && c_values[i] != NULL;
        if (nm) (*env)->DeleteLocalRef(env, nm);
        if (vl) (*env)->DeleteLocalRef(env, vl);
        if (!ok && !(*env)->ExceptionCheck(env)) {
            throw_wx(env, WX_INVALID_ARGUMENT, NULL, "invalid argument: headers");
        }
    }
    if (ok && copy_bytes(env, body, &c_body, &body_len) == 0) {
        wx_status st = wx_recover_parse_notification_headers(
            (const wx_recover *)handle_ptr(client), (const char *const *)c_names,
            (const char *const *)c_values, (size_t)n, (const uint8_t *)c_body, body_len, &out,
            &err);
        if (st != WX_OK) {
            throw_wx(env, st, err, NULL);
            out = NULL;
        }
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

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_clientGetWechatpaySerial(JNIEnv *env,
                                                                               jclass cls,
                                                                               jlong client) {
    const char *serial = NULL;
    wx_error *err = NULL;
    wx_status st;
    (void)cls;
    st = wx_recover_get_wechatpay_serial((const wx_recover *)handle_ptr(client), &serial, &err);
    if (st != WX_OK) {
        throw_wx(env, st, err, NULL);
        return NULL;
    }
    return to_jbytes(env, serial);
}

/* ----- journal ----- */

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_pending(JNIEnv *env, jclass cls, jlong client) {
    wx_journal_list *list = NULL;
    wx_error *err = NULL;
    wx_status st;
    (void)cls;
    st = wx_recover_pending((const wx_recover *)handle_ptr(client), &list, &err);
    if (st != WX_OK) {
        throw_wx(env, st, err, NULL);
        return 0;
    }
    return handle_long(list);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_journalEntry(JNIEnv *env, jclass cls,
                                                              jlong client,
                                                              jbyteArray out_request_no) {
    char *c_no = NULL;
    wx_journal_entry *entry = NULL;
    wx_error *err = NULL;
    (void)cls;
    if (copy_cstr(env, out_request_no, &c_no) == 0) {
        wx_status st = wx_recover_journal_entry((const wx_recover *)handle_ptr(client), c_no,
                                                &entry, &err);
        if (st != WX_OK) {
            throw_wx(env, st, err, NULL);
            entry = NULL;
        }
    }
    free(c_no);
    return handle_long(entry);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_reconcile(JNIEnv *env, jclass cls,
                                                           jlong client, jint max_orders,
                                                           jint deadline_ms) {
    wx_reconcile_options opts = {(uint32_t)(max_orders < 0 ? 0 : max_orders),
                                 (uint32_t)(deadline_ms < 0 ? 0 : deadline_ms)};
    wx_reconcile_report *report = NULL;
    wx_error *err = NULL;
    wx_status st;
    (void)cls;
    st = wx_recover_reconcile((const wx_recover *)handle_ptr(client), &opts, &report, &err);
    if (st != WX_OK) {
        throw_wx(env, st, err, NULL);
        return 0;
    }
    return handle_long(report);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_prune(JNIEnv *env, jclass cls, jlong client,
                                                       jint older_than_days) {
    size_t deleted = 0;
    wx_error *err = NULL;
    wx_status st;
    (void)cls;
    st = wx_recover_journal_prune((const wx_recover *)handle_ptr(client),
                                  (uint32_t)(older_than_days < 0 ? 0 : older_than_days), &deleted,
                                  &err);
    if (st != WX_OK) {
        throw_wx(env, st, err, NULL);
        return 0;
    }
    return (jlong)deleted;
}

JNIEXPORT jint JNICALL Java_io_wxrecover_Native_journalListLen(JNIEnv *env, jclass cls,
                                                               jlong list) {
    (void)env;
    (void)cls;
    return (jint)wx_journal_list_len((const wx_journal_list *)handle_ptr(list));
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_journalListGet(JNIEnv *env, jclass cls,
                                                                jlong list, jint index) {
    (void)env;
    (void)cls;
    if (index < 0) return 0;
    return handle_long(wx_journal_list_get((const wx_journal_list *)handle_ptr(list), (size_t)index));
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_journalListFree(JNIEnv *env, jclass cls,
                                                                jlong list) {
    (void)env;
    (void)cls;
    wx_journal_list_free((wx_journal_list *)handle_ptr(list));
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_journalEntryFree(JNIEnv *env, jclass cls,
                                                                 jlong entry) {
    (void)env;
    (void)cls;
    wx_journal_entry_free((wx_journal_entry *)handle_ptr(entry));
}

JNIEXPORT jint JNICALL Java_io_wxrecover_Native_journalEntryState(JNIEnv *env, jclass cls,
                                                                  jlong entry) {
    (void)env;
    (void)cls;
    return (jint)wx_journal_entry_state((const wx_journal_entry *)handle_ptr(entry));
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_journalEntryGet(JNIEnv *env, jclass cls,
                                                                      jlong entry,
                                                                      jbyteArray field) {
    char *c_field = NULL;
    jbyteArray result = NULL;
    (void)cls;
    if (copy_cstr(env, field, &c_field) != 0) {
        return NULL;
    }
    if (c_field != NULL) {
        result = to_jbytes(env, wx_journal_entry_get((const wx_journal_entry *)handle_ptr(entry),
                                                     c_field));
    }
    free(c_field);
    return result;
}

/* attempts, error status, error HTTP status, created_at, updated_at, by `which`. */
JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_journalEntryNumber(JNIEnv *env, jclass cls,
                                                                    jlong entry, jint which) {
    const wx_journal_entry *e = (const wx_journal_entry *)handle_ptr(entry);
    (void)env;
    (void)cls;
    switch (which) {
    case 0:
        return (jlong)wx_journal_entry_attempts(e);
    case 1:
        return (jlong)wx_journal_entry_error_status(e);
    case 2:
        return (jlong)wx_journal_entry_error_http_status(e);
    case 3:
        return (jlong)wx_journal_entry_created_at(e);
    case 4:
        return (jlong)wx_journal_entry_updated_at(e);
    default:
        return 0;
    }
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_reportCount(JNIEnv *env, jclass cls,
                                                             jlong report, jint state) {
    (void)env;
    (void)cls;
    return (jlong)wx_reconcile_report_count((const wx_reconcile_report *)handle_ptr(report),
                                            (wx_journal_state)state);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_reportBusy(JNIEnv *env, jclass cls,
                                                            jlong report) {
    (void)env;
    (void)cls;
    return (jlong)wx_reconcile_report_busy((const wx_reconcile_report *)handle_ptr(report));
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_reportPending(JNIEnv *env, jclass cls,
                                                               jlong report) {
    (void)env;
    (void)cls;
    return handle_long(wx_reconcile_report_pending((const wx_reconcile_report *)handle_ptr(report)));
}

JNIEXPORT void JNICALL Java_io_wxrecover_Native_reportFree(JNIEnv *env, jclass cls,
                                                           jlong report) {
    (void)env;
    (void)cls;
    wx_reconcile_report_free((wx_reconcile_report *)handle_ptr(report));
}

/* ----- stats ----- */

static void put_endpoint(jlong *out, const wx_endpoint_stats *e) {
    out[0] = (jlong)e->requests;
    out[1] = (jlong)e->attempts;
    out[2] = (jlong)e->retries;
    out[3] = (jlong)e->failovers;
    out[4] = (jlong)e->limiter_waits;
    out[5] = (jlong)e->limiter_refusals;
    out[6] = (jlong)e->limiter_waiting;
    out[7] = (jlong)e->throttled;
    out[8] = (jlong)e->verification_failures;
}

/* The layout is Native.STATS_LENGTH's: 3 x 9 counters, then the six state fields. */
#define STATS_LENGTH (3 * 9 + 6)

JNIEXPORT jlongArray JNICALL Java_io_wxrecover_Native_stats(JNIEnv *env, jclass cls,
                                                            jlong client) {
    wx_stats s;
    wx_error *err = NULL;
    jlong values[STATS_LENGTH];
    jlongArray arr;
    wx_status st;
    (void)cls;
    st = wx_recover_stats((const wx_recover *)handle_ptr(client), &s, &err);
    if (st != WX_OK) {
        throw_wx(env, st, err, NULL);
        return NULL;
    }
    put_endpoint(values, &s.recover);
    put_endpoint(values + 9, &s.query);
    put_endpoint(values + 18, &s.certificates);
    values[27] = (jlong)s.active_host;
    values[28] = (jlong)s.breaker;
    values[29] = s.backup_down ? 1 : 0;
    values[30] = s.quota_store_healthy ? 1 : 0;
    values[31] = (jlong)s.quota_store;
    values[32] = (jlong)s.quota_store_errors;
    arr = (*env)->NewLongArray(env, STATS_LENGTH);
    if (arr == NULL) {
        return NULL; /* OutOfMemoryError pending */
    }
    (*env)->SetLongArrayRegion(env, arr, 0, STATS_LENGTH, values);
    return arr;
}
