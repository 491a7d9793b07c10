package io.wxrecover;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Frees native state when its owner becomes unreachable, or earlier on request: what
 * {@code java.lang.ref.Cleaner} does on Java 9+, written for Java 8. One daemon thread per JVM
 * (started with the first registration) runs the actions of owners the collector found
 * unreachable; {@link Cleanable#clean()} runs an action at once. Each action runs at most once.
 */
final class Cleanup {
    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();

    /** Keeps every registered reference reachable until its action has run. */
    private static final Set<Cleanable> PENDING =
            Collections.newSetFromMap(new ConcurrentHashMap<Cleanable, Boolean>());

    static {
        Thread t = new Thread(Cleanup::drain, "wx-recover-cleanup");
        t.setDaemon(true);
        // Holds no application class loader alive (a web application's, for example).
        t.setContextClassLoader(null);
        t.start();
    }

    private Cleanup() {}

    /** A registration: {@link #clean()} runs the action now unless it already ran. */
    static final class Cleanable extends PhantomReference<Object> {
        private final AtomicReference<Runnable> action;

        private Cleanable(Object owner, Runnable action) {
            super(owner, QUEUE);
            this.action = new AtomicReference<>(action);
        }

        /** Runs the action if it has not run yet; later calls return at once. */
        void clean() {
            Runnable a = action.getAndSet(null);
            if (a != null) {
                PENDING.remove(this);
                clear();
                a.run();
            }
        }
    }

    /**
     * Runs {@code action} once {@code owner} is unreachable, unless {@link Cleanable#clean()}
     * ran it before. The action must not refer to {@code owner}, or the owner never becomes
     * unreachable.
     */
    static Cleanable register(Object owner, Runnable action) {
        if (owner == null || action == null) {
            throw new NullPointerException("owner and action are required");
        }
        Cleanable c = new Cleanable(owner, action);
        PENDING.add(c);
        return c;
    }

    private static void drain() {
        for (;;) {
            try {
                ((Cleanable) QUEUE.remove()).clean();
            } catch (InterruptedException e) {
                // A daemon thread of this library: nobody asks it to stop; keep draining.
            } catch (Throwable t) {
                // An action that failed must not stop the thread that runs the others.
            }
        }
    }
}
