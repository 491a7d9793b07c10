/* JNI glue, shared declarations: the conversions and error helpers every glue file uses. */
/*
 * The glue sits between io.wxrecover.Native and the wx-recover C ABI (include/wx_recover.h),
 * one C file per job, all linked into one libwx_recover_jni.so (Makefile):
 *
 *   jni_library.c        JNI_OnLoad/JNI_OnUnload, version, build info, status names
 *   jni_conversions.c    Java byte[] <-> C strings and buffers, wiping secrets
 *   jni_errors.c         WxRecoverException built from a wx_error
 *   jni_logging.c        the log callback into WxRecoverClient.nativeLog, set per client
 *   jni_client.c         the client and its calls: create, free, serial, submit, query
 *   jni_primitives.c     Authorization values, encryption, answer verification
 *   jni_orders.c         orders: fields, JSON, parsing
 *   jni_notifications.c  result notifications
 *   jni_journal.c        the journal: entries, lists, reconcile, prune
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

/* ----- errors (jni_errors.c) ----- */

/* Looks up WxRecoverException.fromNative once; 0 on success, -1 when it is missing. */
int jni_errors_load(JNIEnv *env);

void jni_errors_unload(JNIEnv *env);

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

#endif /* WX_JNI_GLUE_H */
