package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Java 8 stand-in for java.lang.ref.Cleaner that frees clients nobody closed. */
class CleanupTest {
    @Test
    void cleanRunsTheActionOnceAndLaterCallsDoNothing() {
        AtomicInteger runs = new AtomicInteger();
        Object owner = new Object();
        Cleanup.Cleanable c = Cleanup.register(owner, runs::incrementAndGet);
        assertEquals(0, runs.get());
        c.clean();
        c.clean();
        assertEquals(1, runs.get());
        // Whether or not the collector has seen the owner go, the action never runs again.
        owner = null;
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        assertEquals(1, runs.get());
    }

    @Test
    void anUnreachableOwnersActionRunsOnTheCleanupThread() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        String[] thread = new String[1];
        register(ran, thread);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!ran.await(50, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
            System.gc();
        }
        assertEquals(0, ran.getCount(), "the action ran after the owner became unreachable");
        assertEquals("wx-recover-cleanup", thread[0]);
    }

    /** Registers an owner that is unreachable once this returns. */
    private static void register(CountDownLatch ran, String[] thread) {
        Cleanup.register(new Object(), () -> {
            thread[0] = Thread.currentThread().getName();
            ran.countDown();
        });
    }

    @Test
    void ownerAndActionAreRequired() {
        assertThrows(NullPointerException.class, () -> Cleanup.register(null, () -> { }));
        assertThrows(NullPointerException.class, () -> Cleanup.register(new Object(), null));
    }
}
