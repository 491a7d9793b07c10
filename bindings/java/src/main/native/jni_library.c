/* JNI glue, the library itself: loading and unloading (and the class lookups they make), version,
 * build info, status names. */
#include "jni_glue.h"

int jni_load_static_method(JNIEnv *env, const char *name, const char *method, const char *sig,
                           jclass *cls, jmethodID *id) {
    jclass local = (*env)->FindClass(env, name);
    if (local == NULL) {
        return -1;
    }
    *cls = (jclass)(*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    if (*cls == NULL) {
        return -1;
    }
    *id = (*env)->GetStaticMethodID(env, *cls, method, sig);
    return *id == NULL ? -1 : 0;
}

void jni_unload_class(JNIEnv *env, jclass *cls) {
    if (*cls != NULL) {
        (*env)->DeleteGlobalRef(env, *cls);
        *cls = NULL;
    }
}

/* Looks up, once, the Java classes and methods the glue calls back into. */
JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
    JNIEnv *env;
    (void)reserved;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) {
        return JNI_ERR;
    }
    if (jni_logging_load(vm, env) != 0 || jni_errors_load(env) != 0) {
        return JNI_ERR;
    }
    return JNI_VERSION_1_8;
}

JNIEXPORT void JNICALL JNI_OnUnload(JavaVM *vm, void *reserved) {
    JNIEnv *env;
    (void)reserved;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) == JNI_OK) {
        jni_errors_unload(env);
        jni_logging_unload(env);
    }
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_version(JNIEnv *env, jclass cls) {
    (void)cls;
    return jni_to_jbytes(env, wx_version());
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_buildInfo(JNIEnv *env, jclass cls) {
    (void)cls;
    return jni_to_jbytes(env, wx_build_info());
}

JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_statusStr(JNIEnv *env, jclass cls,
                                                                jint status) {
    (void)cls;
    return jni_to_jbytes(env, wx_status_str(status));
}
