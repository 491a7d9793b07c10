package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link WxRecoverClient#stats()} after real calls and sandbox faults. */
class StatsTest {
    static final WxStats.EndpointStats ZERO = counters();

    /**
     * Counters whose first ones (in wx_endpoint_stats order: requests, attempts, ...) are given
     * and the others 0, however many counters the header has.
     */
    static WxStats.EndpointStats counters(long... first) {
        long[] all = new long[WxStats.EndpointStats.LENGTH];
        System.arraycopy(first, 0, all, 0, first.length);
        return WxStats.EndpointStats.fromArray(all, 0);
    }

    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "40", "--rate-limit-per-minute", "0");

    @AfterEach
    void clearFaults() throws Exception {
        sb.reset();
    }

    private static WxRecoverClient client(Map<String, Object> overrides) throws Exception {
        return WxRecoverClient.fromConfigJson(sb.unlimitedConfig(overrides));
    }

    /** Submits a fresh order with a client of its own; returns its request. */
    private static RecoverRequest recovered() throws Exception {
        RecoverRequest req = Sandbox.requestFor(sb.takeOrder(true), "Java stats test");
        try (WxRecoverClient c = sb.unlimitedClient()) {
            c.submit(req);
        }
        return req;
    }

    private static Map<String, Object> fault(String kind, int count, String listener) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kind", kind);
        f.put("count", count);
        f.put("listener", listener);
        return f;
    }

    @Test
    void aNewClientHasZeroCountersAndAClosedBreaker() throws Exception {
        try (WxRecoverClient c = sb.unlimitedClient()) {
            WxStats s = c.stats();
            assertEquals(ZERO, s.recover());
            assertEquals(ZERO, s.query());
            assertEquals(ZERO, s.certificates());
            assertEquals(ZERO, s.punish());
            assertEquals(WxStats.Host.PRIMARY, s.activeHost());
            assertEquals(WxStats.BreakerState.CLOSED, s.breaker());
            assertFalse(s.backupDown());
            assertEquals(WxStats.QuotaStore.LOCAL, s.quotaStore());
            assertTrue(s.quotaStoreHealthy());
            assertEquals(0, s.quotaStoreErrors());
        }
    }

    @Test
    void submitAndQueryCountRequestsAndAttemptsPerEndpoint() throws Exception {
        RecoverRequest req = Sandbox.requestFor(sb.takeOrder(true), "Java stats test");
        try (WxRecoverClient c = sb.unlimitedClient()) {
            c.submit(req);
            c.query(req.outRequestNo(), req.mchid());
            c.query(req.outRequestNo(), req.mchid());
            WxStats s = c.stats();
            assertEquals(counters(1, 1), s.recover());
            assertEquals(counters(2, 2), s.query());
            assertEquals(ZERO, s.certificates());
        }
    }

    @Test
    void aFiveHundredOnThePrimaryCountsARetryAndAFailover() throws Exception {
        RecoverRequest req = recovered();
        try (WxRecoverClient c = client(Jdk8Support.map("max_attempts", 3))) {
            sb.fault(fault("system_error", 1, "primary"));
            c.query(req.outRequestNo(), req.mchid());
            WxStats s = c.stats();
            assertEquals(1, s.query().requests());
            assertEquals(2, s.query().attempts());
            assertEquals(1, s.query().retries());
            assertEquals(1, s.query().failovers());
            assertEquals(WxStats.BreakerState.OPEN, s.breaker());
            assertEquals(WxStats.Host.BACKUP, s.activeHost());
            assertFalse(s.backupDown());
        }
    }

    @Test
    void aFourTwentyNineCountsAsThrottled() throws Exception {
        RecoverRequest req = recovered();
        try (WxRecoverClient c = client(Jdk8Support.map("max_attempts", 3))) {
            sb.fault(fault("rate_limited", 1, "both"));
            c.query(req.outRequestNo(), req.mchid());
            WxStats s = c.stats();
            assertEquals(1, s.query().throttled());
            assertEquals(2, s.query().attempts());
            assertEquals(0, s.query().failovers(), "a 429 is retried on the same host");
            assertEquals(WxStats.BreakerState.CLOSED, s.breaker());
            assertEquals(0, s.recover().throttled());
        }
    }

    @Test
    void aBadSignatureCountsAVerificationFailure() throws Exception {
        RecoverRequest req = recovered();
        try (WxRecoverClient c = client(Jdk8Support.map("max_attempts", 3))) {
            sb.fault(fault("bad_signature", 1, "both"));
            WxRecoverException e = assertThrows(WxRecoverException.class,
                    () -> c.query(req.outRequestNo(), req.mchid()));
            assertEquals(WxStatus.UNVERIFIED, e.status());
            WxStats s = c.stats();
            assertEquals(1, s.query().verificationFailures());
            assertEquals(1, s.query().attempts());
        }
    }

    @Test
    void aTinyClientLimitRefusesTheSecondCallAndCountsIt() throws Exception {
        RecoverRequest req = recovered();
        try (WxRecoverClient c = client(
                Jdk8Support.map("rate_limit_per_minute", 1, "rate_limit_wait_ms", 0))) {
            c.query(req.outRequestNo(), req.mchid());
            WxRecoverException e = assertThrows(WxRecoverException.class,
                    () -> c.query(req.outRequestNo(), req.mchid()));
            assertEquals(WxStatus.RATE_LIMITED, e.status());
            WxStats s = c.stats();
            assertEquals(2, s.query().requests());
            assertEquals(1, s.query().attempts(), "the refused call sent nothing");
            assertEquals(1, s.query().limiterRefusals());
            assertEquals(0, s.query().limiterWaiting());
            assertEquals(0, s.recover().limiterRefusals());
        }
    }

    @Test
    void sharedStoresAreReported() throws Exception {
        RecoverRequest req = recovered();
        Path dir = Files.createTempDirectory("wx-java-quota-");
        try {
            try (WxRecoverClient c = client(Jdk8Support.map("rate_limit_per_minute", 100,
                    "rate_limit_store", "file:" + dir.resolve("quota")))) {
                c.query(req.outRequestNo(), req.mchid());
                WxStats s = c.stats();
                assertEquals(WxStats.QuotaStore.FILE, s.quotaStore());
                assertTrue(s.quotaStoreHealthy());
                assertEquals(0, s.quotaStoreErrors());
            }
        } finally {
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        // Loopback port 1 refuses connections: the client runs on its own buckets.
        try (WxRecoverClient c = client(Jdk8Support.map("rate_limit_per_minute", 100,
                "rate_limit_store", "redis://127.0.0.1:1/0", "rate_limit_store_timeout_ms", 200))) {
            c.query(req.outRequestNo(), req.mchid());
            WxStats s = c.stats();
            assertEquals(WxStats.QuotaStore.REDIS, s.quotaStore());
            assertFalse(s.quotaStoreHealthy());
            assertTrue(s.quotaStoreErrors() >= 1, s.toString());
            assertEquals(1, s.query().attempts());
        }
    }

    @Test
    void thePunishCountersTakePartInEqualsHashCodeAndToString() {
        WxStats without = new WxStats(ZERO, ZERO, ZERO, WxStats.Host.PRIMARY,
                WxStats.BreakerState.CLOSED, false, WxStats.QuotaStore.LOCAL, true, 0);
        WxStats zero = new WxStats(ZERO, ZERO, ZERO, WxStats.Host.PRIMARY,
                WxStats.BreakerState.CLOSED, false, WxStats.QuotaStore.LOCAL, true, 0, ZERO);
        WxStats one = new WxStats(ZERO, ZERO, ZERO, WxStats.Host.PRIMARY,
                WxStats.BreakerState.CLOSED, false, WxStats.QuotaStore.LOCAL, true, 0,
                counters(1, 1));
        assertEquals(null, without.punish());
        assertEquals(zero, new WxStats(ZERO, ZERO, ZERO, WxStats.Host.PRIMARY,
                WxStats.BreakerState.CLOSED, false, WxStats.QuotaStore.LOCAL, true, 0, ZERO));
        assertEquals(zero.hashCode(), new WxStats(ZERO, ZERO, ZERO, WxStats.Host.PRIMARY,
                WxStats.BreakerState.CLOSED, false, WxStats.QuotaStore.LOCAL, true, 0, ZERO)
                .hashCode());
        assertFalse(zero.equals(one));
        assertFalse(zero.equals(without));
        assertFalse(zero.hashCode() == one.hashCode());
        assertTrue(one.toString().endsWith(", quotaStoreErrors=0, punish=" + counters(1, 1) + "]"),
                one.toString());
        assertTrue(without.toString().endsWith(", punish=null]"), without.toString());
    }

    @Test
    void statsAfterCloseThrow() throws Exception {
        WxRecoverClient c = sb.unlimitedClient();
        c.close();
        assertThrows(IllegalStateException.class, c::stats);
    }
}
