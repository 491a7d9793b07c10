package io.wxrecover;

import java.util.List;
import java.util.Map;

/**
 * What {@link WxRecoverClient#reconcile(int, int)} did: how many worked entries ended in each
 * state, the entries still pending (oldest first), and how many were skipped because another
 * caller held them.
 */
public record ReconcileReport(Map<JournalState, Long> counts, List<JournalEntry> pending,
        long busy) {}
