package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The journal through the Java binding (docs/journal.md). */
class JournalTest {
    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "40", "--rate-limit-per-minute", "0",
            "--recover-delay-ms", "100");

    @Test
    void aJournaledSubmitIsRecordedAndSettledByReconcile() throws Exception {
        Path journal = Files.createTempDirectory("wx-journal").resolve("j.sqlite");
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(
                sb.unlimitedConfig(Jdk8Support.map("journal", journal.toString())))) {
            Sandbox.Order o = sb.takeOrder(true);
            RecoverRequest req = Sandbox.requestFor(o, "java journal test");
            RecoverAccepted a = c.submit(req);
            JournalEntry e = c.journalEntry(req.outRequestNo()).get();
            assertEquals(JournalState.ACCEPTED, e.state());
            assertEquals(a.wxpayRecoverNo(), e.wxpayRecoverNo());
            assertEquals(1, e.attempts());
            assertNull(e.lastErrorStatus());
            assertEquals(1, c.pending().size());
            assertFalse(c.journalEntry("JAVA-NO-SUCH-ENTRY").isPresent());
            ReconcileReport r = null;
            for (int i = 0; i < 100; i++) {
                r = c.reconcile();
                if (r.pending().isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertNotNull(r);
            assertTrue(r.pending().isEmpty(), "still pending: " + r.pending());
            assertEquals(JournalState.SUCCEEDED, c.journalEntry(req.outRequestNo()).get().state());
            assertEquals(1, c.prune(0));
            assertFalse(c.journalEntry(req.outRequestNo()).isPresent());
        }
    }

    @Test
    void aClientWithoutAJournalSaysSo() throws Exception {
        try (WxRecoverClient c = sb.unlimitedClient()) {
            WxRecoverException e = assertThrows(WxRecoverException.class, c::pending);
            assertEquals(WxStatus.CONFIG, e.status());
            assertThrows(WxRecoverException.class, () -> c.reconcile(-1, 0));
        }
    }
}
