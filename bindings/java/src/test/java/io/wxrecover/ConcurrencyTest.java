package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One client shared by many threads; close() racing with calls in flight. */
class ConcurrencyTest {
    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "200", "--rate-limit-per-minute", "0");

    @Test
    void eightThreadsShareOneClient() throws Exception {
        final int threads = 8;
        final int perThread = 5;
        List<List<Sandbox.Order>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Sandbox.Order> mine = new ArrayList<>();
            for (int k = 0; k < perThread; k++) {
                mine.add(sb.takeOrder(true));
            }
            work.add(mine);
        }
        Set<String> recoverNos = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (WxRecoverClient client = sb.unlimitedClient()) {
            List<Future<Integer>> results = new ArrayList<>();
            for (List<Sandbox.Order> mine : work) {
                results.add(pool.submit(() -> {
                    go.await();
                    int done = 0;
                    for (Sandbox.Order o : mine) {
                        RecoverRequest req = Sandbox.requestFor(o, "线程 " + Thread.currentThread().getName());
                        RecoverAccepted a = client.submit(req);
                        assertEquals(req.outRequestNo(), a.outRequestNo());
                        assertTrue(recoverNos.add(a.wxpayRecoverNo()), "distinct recover numbers");
                        assertNotNull(client.encrypt(o.balAccountNo()));
                        RecoverOrder q = client.query(req.outRequestNo(), o.mchid());
                        assertEquals(a.wxpayRecoverNo(), q.wxpayRecoverNo());
                        assertEquals(req.recoverReason(), q.recoverReason());
                        assertThrows(WxRecoverException.class, () -> client.submit(
                                req.toBuilder().outRequestNo(o.webankNo()).build()));
                        done++;
                    }
                    return done;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(120, TimeUnit.SECONDS); // rethrows a thread's assertion failure
            }
            assertEquals(threads * perThread, total);
            assertEquals(threads * perThread, recoverNos.size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void useAfterCloseThrowsIllegalStateAndCloseTwiceIsHarmless() throws Exception {
        WxRecoverClient c = sb.unlimitedClient();
        assertFalse(c.isClosed());
        c.close();
        c.close();
        assertTrue(c.isClosed());
        RecoverRequest req = Sandbox.requestFor(sb.takeOrder(true), null);
        assertThrows(IllegalStateException.class, () -> c.submit(req));
        assertThrows(IllegalStateException.class, () -> c.query("X1", sb.mchid()));
        assertThrows(IllegalStateException.class, () -> c.encrypt("1"));
        assertThrows(IllegalStateException.class, () -> c.authorization("GET", "/v3/x", null));
        assertThrows(IllegalStateException.class,
                () -> c.verify("1", "n", "s", "k", new byte[0]));
        assertThrows(IllegalStateException.class, c::wechatpaySerial);
        c.close();
    }

    /**
     * Many threads call while another closes: each call either completes normally (or with a
     * WxRecoverException) or throws IllegalStateException; the JVM never crashes. A delay
     * fault keeps some queries inside HTTP when close() starts.
     */
    @Test
    void closeRacingWithManyCallsInFlight() throws Exception {
        final int rounds = 6;
        final int threads = 16;
        for (int round = 0; round < rounds; round++) {
            sb.fault(Jdk8Support.map("kind", "delay", "ms", 300, "count", 8, "listener", "both",
                    "path", "query"));
            WxRecoverClient client = sb.unlimitedClient();
            AtomicInteger completed = new AtomicInteger();
            AtomicInteger closedSeen = new AtomicInteger();
            List<Throwable> unexpected = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int id = t;
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                        for (int k = 0; ; k++) {
                            try {
                                switch ((id + k) % 4) {
                                    case 0:
                                        client.query("RACE" + id + "N" + k, sb.mchid());
                                        break;
                                    case 1:
                                        client.encrypt("6222020000000001");
                                        break;
                                    case 2:
                                        client.authorization("POST", "/v3/x", new byte[64]);
                                        break;
                                    default:
                                        client.query(null, sb.mchid());
                                        break;
                                }
                            } catch (WxRecoverException e) {
                                // NOT_FOUND / invalid argument: fine, the call completed.
                            }
                            completed.incrementAndGet();
                        }
                    } catch (IllegalStateException e) {
                        closedSeen.incrementAndGet();
                    } catch (Throwable e) {
                        synchronized (unexpected) {
                            unexpected.add(e);
                        }
                    }
                }, "race-" + round + "-" + t);
                workers.add(th);
                th.start();
            }
            go.countDown();
            Thread.sleep(100 + 50L * round);
            Thread closer2 = new Thread(client::close); // two concurrent closes
            closer2.start();
            client.close();
            closer2.join(60_000);
            for (Thread th : workers) {
                th.join(60_000);
                assertFalse(th.isAlive(), th.getName() + " still running");
            }
            assertTrue(unexpected.isEmpty(), "unexpected: " + unexpected);
            assertEquals(threads, closedSeen.get(), "every worker ended on IllegalStateException");
            assertTrue(completed.get() > 0, "calls ran before close");
            assertTrue(client.isClosed());
            sb.reset();
        }
    }
}
