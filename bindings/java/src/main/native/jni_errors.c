/* JNI glue, errors: io.wxrecover.WxRecoverException built from a wx_error, or a status. */
#include "jni_glue.h"

#define EXC_CLASS "io/wxrecover/WxRecoverException"
#define EXC_FACTORY_SIG "(II[B[B[B[BZI)Lio/wxrecover/WxRecoverException;"

static jclass g_exc_class;      /* global ref, set by jni_errors_load() */
static jmethodID g_exc_factory; /* WxRecoverException.fromNative */

int jni_errors_load(JNIEnv *env) {
    return jni_load_static_method(env, EXC_CLASS, "fromNative", EXC_FACTORY_SIG, &g_exc_class,
                                  &g_exc_factory);
}

void jni_errors_unload(JNIEnv *env) { jni_unload_class(env, &g_exc_class); }

int jni_check(JNIEnv *env, wx_status status, wx_error *err) {
    if (status == WX_OK) {
        return 1;
    }
    jni_throw_wx(env, status, err, NULL);
    return 0;
}

void jni_throw_wx(JNIEnv *env, wx_status status, wx_error *err, const char *fallback) {
    jbyteArray code = NULL, message = NULL, detail = NULL, request_id = NULL;
    jint http = 0, attempts = 0;
    jboolean retry = JNI_FALSE;
    jthrowable exc;

    if (err != NULL) {
        status = wx_error_status(err);
        http = (jint)wx_error_http_status(err);
        retry = wx_error_retry_safe(err) ? JNI_TRUE : JNI_FALSE;
        attempts = (jint)wx_error_attempts(err);
        code = jni_to_jbytes(env, wx_error_code(err));
        if (!(*env)->ExceptionCheck(env)) {
            message = jni_to_jbytes(env, wx_error_message(err));
        }
        if (!(*env)->ExceptionCheck(env)) {
            detail = jni_to_jbytes(env, wx_error_detail(err));
        }
        if (!(*env)->ExceptionCheck(env)) {
            request_id = jni_to_jbytes(env, wx_error_request_id(err));
        }
        wx_error_free(err);
    } else {
        message = jni_to_jbytes(env, fallback != NULL ? fallback : wx_status_str(status));
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
