package io.wxrecover;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link WxRecoverClient#reconcile(int, int)} did: how many worked entries ended in each
 * state, the entries still pending (oldest first), and how many were skipped because another
 * caller held them. Immutable as built by the client; equal when every field is equal.
 */
public final class ReconcileReport {
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

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ReconcileReport)) {
            return false;
        }
        ReconcileReport r = (ReconcileReport) o;
        return busy == r.busy && Objects.equals(counts, r.counts)
                && Objects.equals(pending, r.pending);
    }

    @Override
    public int hashCode() {
        return Objects.hash(counts, pending, busy);
    }

    @Override
    public String toString() {
        return "ReconcileReport[counts=" + counts + ", pending=" + pending + ", busy=" + busy
                + "]";
    }
}
