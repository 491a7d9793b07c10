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
