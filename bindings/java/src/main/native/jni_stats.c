/* JNI glue, stats: a wx_stats snapshot copied field by field, by name, into WxStats' long[];
 * one endpoint's counters (wx_recover_endpoint_stats) likewise. */
#include "jni_glue.h"
#include "wx_tables.h"

/* wx_tables.h and WxStats.java are written from the header by scripts/gen_tables.py; javac -h
 * copies Native.STATS_LENGTH (WxStats.LENGTH) into io_wxrecover_Native.h. */
_Static_assert(WX_STATS_LONGS == io_wxrecover_Native_STATS_LENGTH,
               "wx_tables.h and WxStats.java disagree on the stats array: run make header");
_Static_assert(sizeof(wx_endpoint_stats) == WX_ENDPOINT_STATS_COUNT * sizeof(uint64_t),
               "wx_recover.h has other stats counters than wx_tables.h: run make header");

/* Writes one endpoint's counters in wx_endpoint_stats order; returns the next free slot. */
static jlong *put_endpoint(jlong *out, const wx_endpoint_stats *e) {
#define PUT_COUNTER(field) *out++ = (jlong)e->field;
    WX_ENDPOINT_STATS_FIELDS(PUT_COUNTER)
#undef PUT_COUNTER
    return out;
}

JNIEXPORT jlongArray JNICALL Java_io_wxrecover_Native_stats(JNIEnv *env, jclass cls,
                                                            jlong client) {
    wx_stats s;
    wx_error *err = NULL;
    jlong values[WX_STATS_LONGS];
    jlong *out = values;
    jlongArray arr;
    wx_status st = wx_recover_stats(client_ptr(client), &s, &err);
    (void)cls;
    if (!jni_check(env, st, err)) {
        return NULL;
    }
    /* Enums and flags as their C values: WxStats names the enums' and tests the flags (!= 0). */
#define PUT_ENDPOINT(field) out = put_endpoint(out, &s.field);
#define PUT_VALUE(field) *out++ = (jlong)s.field;
    WX_STATS_FIELDS(PUT_ENDPOINT, PUT_VALUE)
#undef PUT_ENDPOINT
#undef PUT_VALUE
    arr = (*env)->NewLongArray(env, WX_STATS_LONGS);
    if (arr == NULL) {
        return NULL; /* OutOfMemoryError pending */
    }
    (*env)->SetLongArrayRegion(env, arr, 0, WX_STATS_LONGS, values);
    return arr;
}

/* javac -h copies Native.ENDPOINT_STATS_LENGTH (WxStats.EndpointStats.LENGTH) too. */
_Static_assert(WX_ENDPOINT_STATS_COUNT == io_wxrecover_Native_ENDPOINT_STATS_LENGTH,
               "wx_tables.h and WxStats.java disagree on an endpoint's counters: run make header");

/* One endpoint's counters (wx_recover_endpoint_stats), in wx_endpoint_stats order: how
 * WxStats gets the punish's, which wx_stats' frozen layout has no member for. */
JNIEXPORT jlongArray JNICALL Java_io_wxrecover_Native_endpointStats(JNIEnv *env, jclass cls,
                                                                    jlong client, jint endpoint) {
    wx_endpoint_stats e;
    wx_error *err = NULL;
    jlong values[WX_ENDPOINT_STATS_COUNT];
    jlongArray arr;
    wx_status st = wx_recover_endpoint_stats(client_ptr(client), (int)endpoint, &e, &err);
    (void)cls;
    if (!jni_check(env, st, err)) {
        return NULL;
    }
    (void)put_endpoint(values, &e);
    arr = (*env)->NewLongArray(env, WX_ENDPOINT_STATS_COUNT);
    if (arr == NULL) {
        return NULL; /* OutOfMemoryError pending */
    }
    (*env)->SetLongArrayRegion(env, arr, 0, WX_ENDPOINT_STATS_COUNT, values);
    return arr;
}
