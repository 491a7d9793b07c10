/* JNI glue, the journal: pending entries, one entry (of either kind), reconcile and its report,
 * prune. */
#include <stdlib.h>

#include "jni_glue.h"

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_pending(JNIEnv *env, jclass cls, jlong client) {
    wx_journal_list *list = NULL;
    wx_error *err = NULL;
    wx_status st = wx_recover_pending(client_ptr(client), &list, &err);
    (void)cls;
    return jni_check(env, st, err) ? handle_long(list) : 0;
}

/* One entry by number: with `by_kind`, of `kind` (a wx_journal_kind, checked by the library)
 * through wx_recover_journal_entry_of(); else a recover's through wx_recover_journal_entry().
 * The owned entry, or 0 when there is none (or with an exception pending). */
static jlong journal_entry(JNIEnv *env, jlong client, jbyteArray out_request_no, int by_kind,
                           jint kind) {
    char *c_no = NULL;
    wx_journal_entry *entry = NULL;
    wx_error *err = NULL;
    if (jni_copy_cstr(env, out_request_no, &c_no) == 0) {
        wx_status st =
            by_kind ? wx_recover_journal_entry_of(client_ptr(client), c_no, (int)kind, &entry, &err)
                    : wx_recover_journal_entry(client_ptr(client), c_no, &entry, &err);
        jni_check(env, st, err);
    }
    free(c_no);
    return handle_long(entry);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_journalEntry(JNIEnv *env, jclass cls,
                                                              jlong client,
                                                              jbyteArray out_request_no) {
    (void)cls;
    return journal_entry(env, client, out_request_no, 0, 0);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_journalEntryOf(JNIEnv *env, jclass cls,
                                                                jlong client,
                                                                jbyteArray out_request_no,
                                                                jint kind) {
    (void)cls;
    return journal_entry(env, client, out_request_no, 1, kind);
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_reconcile(JNIEnv *env, jclass cls,
                                                           jlong client, jint max_orders,
                                                           jint deadline_ms) {
    wx_reconcile_options opts = {(uint32_t)(max_orders < 0 ? 0 : max_orders),
                                 (uint32_t)(deadline_ms < 0 ? 0 : deadline_ms)};
    wx_reconcile_report *report = NULL;
    wx_error *err = NULL;
    wx_status st = wx_recover_reconcile(client_ptr(client), &opts, &report, &err);
    (void)cls;
    return jni_check(env, st, err) ? handle_long(report) : 0;
}

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_prune(JNIEnv *env, jclass cls, jlong client,
                                                       jint older_than_days) {
    size_t deleted = 0;
    wx_error *err = NULL;
    wx_status st = wx_recover_journal_prune(
        client_ptr(client), (uint32_t)(older_than_days < 0 ? 0 : older_than_days), &deleted, &err);
    (void)cls;
    return jni_check(env, st, err) ? (jlong)deleted : 0;
}

JNI_GETTER(jint, journalListLen, wx_journal_list_len(h))

JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_journalListGet(JNIEnv *env, jclass cls,
                                                                jlong list, jint index) {
    (void)env;
    (void)cls;
    if (index < 0) return 0;
    return handle_long(wx_journal_list_get((const wx_journal_list *)handle_ptr(list), (size_t)index));
}

JNI_FREE(journalListFree, wx_journal_list_free)
JNI_FREE(journalEntryFree, wx_journal_entry_free)
JNI_GETTER(jint, journalEntryState, wx_journal_entry_state(h))
JNI_GETTER(jint, journalEntryKind, wx_journal_entry_kind(h))
JNI_STRING_BY_NAME(journalEntryGet, wx_journal_entry_get)

/* attempts, error status, error HTTP status, created_at, updated_at: `which` is Native.ENTRY_*. */
JNIEXPORT jlong JNICALL Java_io_wxrecover_Native_journalEntryNumber(JNIEnv *env, jclass cls,
                                                                    jlong entry, jint which) {
    const wx_journal_entry *e = (const wx_journal_entry *)handle_ptr(entry);
    (void)env;
    (void)cls;
    switch (which) {
    case io_wxrecover_Native_ENTRY_ATTEMPTS:
        return (jlong)wx_journal_entry_attempts(e);
    case io_wxrecover_Native_ENTRY_ERROR_STATUS:
        return (jlong)wx_journal_entry_error_status(e);
    case io_wxrecover_Native_ENTRY_ERROR_HTTP_STATUS:
        return (jlong)wx_journal_entry_error_http_status(e);
    case io_wxrecover_Native_ENTRY_CREATED_AT:
        return (jlong)wx_journal_entry_created_at(e);
    case io_wxrecover_Native_ENTRY_UPDATED_AT:
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

JNI_GETTER(jlong, reportBusy, wx_reconcile_report_busy(h))
JNI_GETTER(jlong, reportPending, handle_long(wx_reconcile_report_pending(h)))
JNI_FREE(reportFree, wx_reconcile_report_free)
