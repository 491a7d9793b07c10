package io.wxrecover;

import java.util.Objects;

/**
 * A snapshot of one client's counters and state, from {@link WxRecoverClient#stats()}
 * (C: {@code wx_recover_stats}; docs/stats.md). The counters count since the client was created
 * and are read one by one, so a snapshot taken while calls run may be off by the calls in
 * flight. The library keeps them as unsigned 64-bit numbers; here they are {@code long}s.
 * Immutable; equal when every field is equal.
 */
public final class WxStats {
    private final EndpointStats recover;
    private final EndpointStats query;
    private final EndpointStats certificates;
    private final Host activeHost;
    private final BreakerState breaker;
    private final boolean backupDown;
    private final QuotaStore quotaStore;
    private final boolean quotaStoreHealthy;
    private final long quotaStoreErrors;

    /** Every field, in the order of the accessors. */
    public WxStats(EndpointStats recover, EndpointStats query, EndpointStats certificates,
            Host activeHost, BreakerState breaker, boolean backupDown, QuotaStore quotaStore,
            boolean quotaStoreHealthy, long quotaStoreErrors) {
        this.recover = recover;
        this.query = query;
        this.certificates = certificates;
        this.activeHost = activeHost;
        this.breaker = breaker;
        this.backupDown = backupDown;
        this.quotaStore = quotaStore;
        this.quotaStoreHealthy = quotaStoreHealthy;
        this.quotaStoreErrors = quotaStoreErrors;
    }

    /** The recover endpoint's counters. */
    public EndpointStats recover() {
        return recover;
    }

    /** The query endpoint's counters. */
    public EndpointStats query() {
        return query;
    }

    /** The certificate download's counters. */
    public EndpointStats certificates() {
        return certificates;
    }

    /** Where the next call goes. */
    public Host activeHost() {
        return activeHost;
    }

    /** The circuit breaker's state. */
    public BreakerState breaker() {
        return breaker;
    }

    /** True when the backup host is marked failed too. */
    public boolean backupDown() {
        return backupDown;
    }

    /** Where the rate-limit buckets live ({@code rate_limit_store}). */
    public QuotaStore quotaStore() {
        return quotaStore;
    }

    /**
     * False while a shared store is unreachable and the client runs on its own buckets.
     */
    public boolean quotaStoreHealthy() {
        return quotaStoreHealthy;
    }

    /** Failed calls to the shared store. */
    public long quotaStoreErrors() {
        return quotaStoreErrors;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof WxStats)) {
            return false;
        }
        WxStats s = (WxStats) o;
        return backupDown == s.backupDown && quotaStoreHealthy == s.quotaStoreHealthy
                && quotaStoreErrors == s.quotaStoreErrors && Objects.equals(recover, s.recover)
                && Objects.equals(query, s.query) && Objects.equals(certificates, s.certificates)
                && activeHost == s.activeHost && breaker == s.breaker
                && quotaStore == s.quotaStore;
    }

    @Override
    public int hashCode() {
        return Objects.hash(recover, query, certificates, activeHost, breaker, backupDown,
                quotaStore, quotaStoreHealthy, quotaStoreErrors);
    }

    @Override
    public String toString() {
        return "WxStats[recover=" + recover + ", query=" + query + ", certificates="
                + certificates + ", activeHost=" + activeHost + ", breaker=" + breaker
                + ", backupDown=" + backupDown + ", quotaStore=" + quotaStore
                + ", quotaStoreHealthy=" + quotaStoreHealthy + ", quotaStoreErrors="
                + quotaStoreErrors + "]";
    }

    /**
     * One endpoint's counters. {@code limiterWaiting} is a gauge; every other field only grows.
     * Immutable; equal when every counter is equal.
     */
    public static final class EndpointStats {
        /** How many {@code long}s one endpoint takes in the array the glue returns. */
        static final int LENGTH = 9;

        private final long requests;
        private final long attempts;
        private final long retries;
        private final long failovers;
        private final long limiterWaits;
        private final long limiterRefusals;
        private final long limiterWaiting;
        private final long throttled;
        private final long verificationFailures;

        /** Every counter, in the order of the accessors. */
        public EndpointStats(long requests, long attempts, long retries, long failovers,
                long limiterWaits, long limiterRefusals, long limiterWaiting, long throttled,
                long verificationFailures) {
            this.requests = requests;
            this.attempts = attempts;
            this.retries = retries;
            this.failovers = failovers;
            this.limiterWaits = limiterWaits;
            this.limiterRefusals = limiterRefusals;
            this.limiterWaiting = limiterWaiting;
            this.throttled = throttled;
            this.verificationFailures = verificationFailures;
        }

        static EndpointStats fromArray(long[] a, int at) {
            return new EndpointStats(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5],
                    a[at + 6], a[at + 7], a[at + 8]);
        }

        /** Calls (one call may make several attempts). */
        public long requests() {
            return requests;
        }

        /** HTTP requests sent, retries included. */
        public long attempts() {
            return attempts;
        }

        /** Attempts after the first of a call. */
        public long retries() {
            return retries;
        }

        /** Attempts sent to the other host than the call's previous attempt. */
        public long failovers() {
            return failovers;
        }

        /** Attempts that had to wait for a client-side rate-limit slot. */
        public long limiterWaits() {
            return limiterWaits;
        }

        /** Calls refused because no slot freed in time (RATE_LIMITED; nothing sent). */
        public long limiterRefusals() {
            return limiterRefusals;
        }

        /** Calls waiting for a slot right now (a gauge). */
        public long limiterWaiting() {
            return limiterWaiting;
        }

        /** 429 (FREQUENCY_LIMITED) answers received from the platform. */
        public long throttled() {
            return throttled;
        }

        /** 2xx answers that failed verification. */
        public long verificationFailures() {
            return verificationFailures;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof EndpointStats)) {
                return false;
            }
            EndpointStats e = (EndpointStats) o;
            return requests == e.requests && attempts == e.attempts && retries == e.retries
                    && failovers == e.failovers && limiterWaits == e.limiterWaits
                    && limiterRefusals == e.limiterRefusals
                    && limiterWaiting == e.limiterWaiting && throttled == e.throttled
                    && verificationFailures == e.verificationFailures;
        }

        @Override
        public int hashCode() {
            return Objects.hash(requests, attempts, retries, failovers, limiterWaits,
                    limiterRefusals, limiterWaiting, throttled, verificationFailures);
        }

        @Override
        public String toString() {
            return "EndpointStats[requests=" + requests + ", attempts=" + attempts
                    + ", retries=" + retries + ", failovers=" + failovers + ", limiterWaits="
                    + limiterWaits + ", limiterRefusals=" + limiterRefusals
                    + ", limiterWaiting=" + limiterWaiting + ", throttled=" + throttled
                    + ", verificationFailures=" + verificationFailures + "]";
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
