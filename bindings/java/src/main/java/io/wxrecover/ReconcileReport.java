package io.wxrecover;

import java.util.List;
import java.util.Map;

/**
 * What {@link WxRecoverClient#reconcile(int, int)} did: how many worked entries ended in each
 * state, the entries still pending (oldest first), and how many were skipped because another
 * caller held them. Immutable as built by the client; equal when every field is equal.
 */
public final class ReconcileReport extends Value {
    private final Map<JournalState, Long> counts;
    private final List<JournalEntry> pending;
    private final long busy;

    /**
     * @param counts how many worked entries ended in each state (states with none are absent)
     * @param pending the entries still pending, oldest first
     * @param busy how many entries were skipped because another caller held them
     */
    public ReconcileReport(Map<JournalState, Long> counts, List<JournalEntry> pending,
            long busy) {
        this.counts = counts;
        this.pending = pending;
        this.busy = busy;
    }

    /** The report an owned handle holds; the handle is freed here. */
    static ReconcileReport take(long r) {
        try {
            Map<JournalState, Long> counts = new java.util.EnumMap<>(JournalState.class);
            for (JournalState s : JournalState.values()) {
                long n = Native.reportCount(r, s.code);
                if (n > 0) {
                    counts.put(s, n);
                }
            }
            return new ReconcileReport(java.util.Collections.unmodifiableMap(counts),
                    JournalEntry.listFromHandle(Native.reportPending(r)), Native.reportBusy(r));
        } finally {
            Native.reportFree(r);
        }
    }

    @Override
    Object[] fields() {
        return new Object[] {"counts", counts, "pending", pending, "busy", busy};
    }

    /** How many worked entries ended in each state (states with none are absent). */
    public Map<JournalState, Long> counts() {
        return counts;
    }

    /** The entries still pending, oldest first. */
    public List<JournalEntry> pending() {
        return pending;
    }

    /** How many entries were skipped because another caller held them. */
    public long busy() {
        return busy;
    }
}
