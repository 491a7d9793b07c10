/* JNI glue, logging: the log callback every client gets, forwarding lines to WxRecoverClient. */
#include "jni_glue.h"

#define LOG_CLASS "io/wxrecover/WxRecoverClient"
#define LOG_METHOD "nativeLog"
#define LOG_METHOD_SIG "(I[B)V"

static JavaVM *g_vm;           /* set by jni_logging_load() */
static jclass g_log_class;     /* global ref: WxRecoverClient */
static jmethodID g_log_method; /* WxRecoverClient.nativeLog(int level, byte[] utf8) */

int jni_logging_load(JavaVM *vm, JNIEnv *env) {
    g_vm = vm;
    return jni_load_static_method(env, LOG_CLASS, LOG_METHOD, LOG_METHOD_SIG, &g_log_class,
                                  &g_log_method);
}

void jni_logging_unload(JNIEnv *env) { jni_unload_class(env, &g_log_class); }

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
            bytes = jni_to_jbytes(env, message);
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
        st = wx_recover_set_logger(client_ptr(client), log_upcall, NULL, (int)max_level, &err);
    } else {
        st = wx_recover_set_logger(client_ptr(client), NULL, NULL, 0, &err);
    }
    jni_check(env, st, err);
}
