/* JNI glue, shared declarations: the conversions and error helpers every glue file uses. */
/*
 * The glue sits between io.wxrecover.Native and the wx-recover C ABI (include/wx_recover.h),
 * one C file per job, all linked into one libwx_recover_jni.so (Makefile):
 *
 *   jni_library.c        JNI_OnLoad/JNI_OnUnload, class lookups, version, build info, status names
 *   jni_conversions.c    Java byte[] <-> C strings and buffers, wiping secrets
 *   jni_errors.c         WxRecoverException built from a wx_error
 *   jni_logging.c        the log callback into WxRecoverClient.nativeLog, set per client
 *   jni_client.c         the client and its calls: create, free, serial, submit (and _v2), query
 *   jni_primitives.c     Authorization values, encryption, answer verification
 *   jni_orders.c         orders: fields, JSON, parsing
 *   jni_notifications.c  result notifications
 *   jni_journal.c        the journal: entries (by kind), lists, reconcile, prune
 *   jni_punish.c         the control order's life: punish, its acceptance, the PUNISH query
 *   jni_stats.c          the stats snapshot (its field lists: wx_tables.h, generated)
 *
 * Conversions only: Java passes strings as UTF-8 byte[] (never JNI's modified UTF-8), the glue
 * copies them into NUL-terminated buffers, calls the C ABI, copies results back into byte[]
 * and frees what the library returned. Failures become io.wxrecover.WxRecoverException via
 * its static factory fromNative(). No crypto, HTTP or JSON here.
 *
 * Ownership rules kept in every function:
 *  - every buffer made by jni_copy_cstr()/jni_copy_bytes() is freed before returning (secrets
 *    are wiped first);
 *  - every owned string from the library goes to wx_free(), every wx_error to wx_error_free();
 *  - handles (wx_recover, wx_accepted, wx_order, ...) cross to Java as jlong and are freed by
 *    the Java caller in a finally block;
 *  - no JNI call is made while an exception is pending, except the releases that are allowed.
 *
 * Only the JNI entry points are exported (jni.map); the jni_ functions below are shared between
 * the glue's files and stay inside the library.
 */
#ifndef WX_JNI_GLUE_H
#define WX_JNI_GLUE_H

#include <jni.h>
#include <stddef.h>
#include <stdint.h>

#include "io_wxrecover_Native.h"
#include "wx_recover.h"

/* Handles cross to Java as jlong. */
static inline void *handle_ptr(jlong h) { return (void *)(intptr_t)h; }

static inline jlong handle_long(const void *p) { return (jlong)(intptr_t)p; }

/* The client handle, as the C ABI's calls on a client take it. */
static inline const wx_recover *client_ptr(jlong h) { return (const wx_recover *)handle_ptr(h); }

/* ----- conversions (jni_conversions.c) ----- */

/* Overwrites a buffer that held a secret; the stores are not optimised away. */
void jni_wipe(char *p, size_t n);

/* Wipes and frees a NUL-terminated buffer; NULL is a no-op. */
void jni_free_secret(char *p);

/* Leaves an OutOfMemoryError pending. */
void jni_throw_oom(JNIEnv *env);

/*
 * Copies a Java byte[] into a fresh buffer with a NUL appended. A NULL array gives *out = NULL
 * (the C ABI then reports the field). *len receives the byte count if len is not NULL.
 * Returns 0 on success; -1 with a pending exception on failure.
 */
int jni_copy_bytes(JNIEnv *env, jbyteArray arr, char **out, size_t *len);

/* Like jni_copy_bytes() for a C string: an embedded NUL would truncate silently, so it is
 * refused (WX_INVALID_ARGUMENT). */
int jni_copy_cstr(JNIEnv *env, jbyteArray arr, char **out);

/*
 * jni_copy_cstr() for `n` arrays at once: out[i] from src[i] (NULL for NULL). Returns 0 on
 * success; -1 with a pending exception when one fails, leaving out[] as far as it got (NULL
 * after). Free with jni_free_cstrs() either way.
 */
int jni_copy_cstrs(JNIEnv *env, size_t n, const jbyteArray *src, char **out);

/* Frees the `n` buffers of jni_copy_cstrs(); those whose bit is set in `secrets` (bit i for
 * out[i]) are wiped first. */
void jni_free_cstrs(size_t n, char **bufs, unsigned secrets);

/* A new byte[] holding the UTF-8 bytes of `s` (no NUL), or NULL for NULL. */
jbyteArray jni_to_jbytes(JNIEnv *env, const char *s);

/* Copies an owned library string into a byte[] and releases it (wiped) with wx_free(). */
jbyteArray jni_take_string(JNIEnv *env, char *s);

/* A string field of a handle by name, as the library's `get(handle, name)` gives it, copied into
 * a byte[]: NULL for a NULL name or an absent field. The name is copied in and freed here. */
jbyteArray jni_string_by_name(JNIEnv *env, const void *handle, jbyteArray name,
                              const char *(*get)(const void *handle, const char *name));

/* What a signed answer or notification carries: its Wechatpay-Timestamp, -Nonce, -Signature and
 * -Serial header values and the exact body bytes, copied from Java. */
typedef struct {
    char *timestamp, *nonce, *signature, *serial, *body;
    size_t body_len;
} jni_signed;

/* Fills `out` (0), or leaves an exception pending (-1); jni_free_signed() it either way. */
int jni_copy_signed(JNIEnv *env, jbyteArray timestamp, jbyteArray nonce, jbyteArray signature,
                    jbyteArray serial, jbyteArray body, jni_signed *out);

void jni_free_signed(jni_signed *s);

/* ----- loading (jni_library.c) ----- */

/*
 * A global reference to class `name` in *cls and its static method `method` (JNI signature
 * `sig`) in *id: 0 on success, -1 with an exception pending when either is missing.
 */
int jni_load_static_method(JNIEnv *env, const char *name, const char *method, const char *sig,
                           jclass *cls, jmethodID *id);

/* Deletes the global reference in *cls, if any, and clears it. */
void jni_unload_class(JNIEnv *env, jclass *cls);

/* ----- errors (jni_errors.c) ----- */

/* Looks up WxRecoverException.fromNative once; 0 on success, -1 when it is missing. */
int jni_errors_load(JNIEnv *env);

void jni_errors_unload(JNIEnv *env);

/*
 * Ends a C call that returned `status`: WX_OK gives 1; any other status throws
 * WxRecoverException from `err` (freeing it) and gives 0. The C ABI leaves a failed call's
 * out-parameter untouched, so a result initialised to NULL is still NULL after a failure.
 */
int jni_check(JNIEnv *env, wx_status status, wx_error *err);

/*
 * Throws WxRecoverException from a C error and frees the error. Without an error object the
 * message is `fallback` (or the status name). Always leaves an exception pending
 * (OutOfMemoryError if building it failed).
 */
void jni_throw_wx(JNIEnv *env, wx_status status, wx_error *err, const char *fallback);

/* ----- logging (jni_logging.c) ----- */

/* Looks up WxRecoverClient.nativeLog once; 0 on success, -1 when it is missing. */
int jni_logging_load(JavaVM *vm, JNIEnv *env);

void jni_logging_unload(JNIEnv *env);

/* ----- one-line entry points ----- */

/*
 * The Native methods that read one value off the handle they are given, or free it, are one
 * line each: nothing in them can fail and cls is unused. In JNI_GETTER's `expr`, `h` is the
 * handle as a pointer and `env` the JNIEnv:
 *
 *   JNI_GETTER(jint, orderState, wx_order_state(h))     int Native.orderState(long order)
 *   JNI_FREE(orderFree, wx_order_free)                  void Native.orderFree(long order)
 *   JNI_STRING_BY_NAME(orderGet, wx_order_get)          byte[] Native.orderGet(long, byte[])
 *
 * javac -h declares every entry point in io_wxrecover_Native.h, so one that differs from its
 * native method fails the build.
 */
#define JNI_GETTER(jtype, method, expr)                                                        \
    JNIEXPORT jtype JNICALL Java_io_wxrecover_Native_##method(JNIEnv *env, jclass cls,         \
                                                              jlong handle) {                  \
        const void *h = handle_ptr(handle);                                                    \
        (void)env;                                                                             \
        (void)cls;                                                                             \
        return (jtype)(expr);                                                                  \
    }

#define JNI_FREE(method, free_fn)                                                              \
    JNIEXPORT void JNICALL Java_io_wxrecover_Native_##method(JNIEnv *env, jclass cls,          \
                                                             jlong handle) {                   \
        (void)env;                                                                             \
        (void)cls;                                                                             \
        free_fn(handle_ptr(handle));                                                           \
    }

/* `get` takes the handle's own type; jni_string_by_name() a const void *: hence the adapter. */
#define JNI_STRING_BY_NAME(method, get)                                                        \
    static const char *method##_field(const void *h, const char *name) { return get(h, name); } \
    JNIEXPORT jbyteArray JNICALL Java_io_wxrecover_Native_##method(JNIEnv *env, jclass cls,    \
                                                                   jlong handle,               \
                                                                   jbyteArray name) {          \
        (void)cls;                                                                             \
        return jni_string_by_name(env, handle_ptr(handle), name, method##_field);              \
    }

#endif /* WX_JNI_GLUE_H */
