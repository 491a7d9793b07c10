package io.wxrecover;

/**
 * A snapshot of one client's counters and state, from {@link WxRecoverClient#stats()}
 * (C: {@code wx_recover_stats}; docs/stats.md). The counters count since the client was created
 * and are read one by one, so a snapshot taken while calls run may be off by the calls in
 * flight. The library keeps them as unsigned 64-bit numbers; here they are {@code long}s.
 *
 * @param recover the recover endpoint's counters
 * @param query the query endpoint's counters
 * @param certificates the certificate download's counters
 * @param activeHost where the next call goes
 * @param breaker the circuit breaker's state
 * @param backupDown true when the backup host is marked failed too
 * @param quotaStore where the rate-limit buckets live ({@code rate_limit_store})
 * @param quotaStoreHealthy false while a shared store is unreachable and the client runs on its
 *     own buckets
 * @param quotaStoreErrors failed calls to the shared store
 */
public record WxStats(EndpointStats recover, EndpointStats query, EndpointStats certificates,
        Host activeHost, BreakerState breaker, boolean backupDown, QuotaStore quotaStore,
        boolean quotaStoreHealthy, long quotaStoreErrors) {

    /**
     * One endpoint's counters. {@code limiterWaiting} is a gauge; every other field only grows.
     *
     * @param requests calls (one call may make several attempts)
     * @param attempts HTTP requests sent, retries included
     * @param retries attempts after the first of a call
     * @param failovers attempts sent to the other host than the call's previous attempt
     * @param limiterWaits attempts that had to wait for a client-side rate-limit slot
     * @param limiterRefusals calls refused because no slot freed in time (RATE_LIMITED; nothing
     *     sent)
     * @param limiterWaiting calls waiting for a slot right now
     * @param throttled 429 (FREQUENCY_LIMITED) answers received from the platform
     * @param verificationFailures 2xx answers that failed verification
     */
    public record EndpointStats(long requests, long attempts, long retries, long failovers,
            long limiterWaits, long limiterRefusals, long limiterWaiting, long throttled,
            long verificationFailures) {

        /** How many {@code long}s one endpoint takes in the array the glue returns. */
        static final int LENGTH = 9;

        static EndpointStats fromArray(long[] a, int at) {
            return new EndpointStats(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5],
                    a[at + 6], a[at + 7], a[at + 8]);
        }
    }

    /** Mirrors {@code wx_host}: where the next call goes. */
    public enum Host {
        PRIMARY,
        BACKUP,
        /** A value this version of the binding does not know. */
        UNKNOWN
    }

    /** Mirrors {@code wx_breaker_state}: the circuit breaker over the primary host. */
    public enum BreakerState {
        /** The primary answers; calls go to it. */
        CLOSED,
        /** The primary failed; calls go to the backup; the primary is probed on a timer. */
        OPEN,
        /** A probe call to the primary is in flight. */
        HALF_OPEN,
        /** No backup host, or {@code breaker_enabled} is false. */
        DISABLED,
        /** A value this version of the binding does not know. */
        UNKNOWN
    }

    /** Mirrors {@code wx_quota_store}: where the rate-limit buckets live. */
    public enum QuotaStore {
        /** This client's own buckets. */
        LOCAL,
        /** A {@code file:PATH} store shared by the processes of one host. */
        FILE,
        /** A {@code redis://} store shared by every host. */
        REDIS,
        /** A value this version of the binding does not know. */
        UNKNOWN
    }

    /** The array from {@code Native.stats}: layout in {@link Native#STATS_LENGTH}. */
    static WxStats fromArray(long[] a) {
        if (a == null || a.length != Native.STATS_LENGTH) {
            throw new IllegalStateException("wx-recover JNI glue returned a stats array of the wrong size");
        }
        int e = 3 * EndpointStats.LENGTH;
        return new WxStats(EndpointStats.fromArray(a, 0),
                EndpointStats.fromArray(a, EndpointStats.LENGTH),
                EndpointStats.fromArray(a, 2 * EndpointStats.LENGTH),
                pick(Host.values(), a[e]), pick(BreakerState.values(), a[e + 1]), a[e + 2] != 0,
                pick(QuotaStore.values(), a[e + 4]), a[e + 3] != 0, a[e + 5]);
    }

    /** The constant with C value {@code code} (the C values count from 0 in this order). */
    private static <T extends Enum<T>> T pick(T[] values, long code) {
        // The last constant is UNKNOWN, which has no C value.
        return code >= 0 && code < values.length - 1 ? values[(int) code] : values[values.length - 1];
    }
}
