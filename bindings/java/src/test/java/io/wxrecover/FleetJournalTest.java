package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PostgreSQL journal through the Java binding, by configuration alone: a replica of a Java
 * service sets {@code "journal"} to a {@code postgresql://} URL and nothing else changes
 * (docs/journal.md, "a journal for a fleet"). A real PostgreSQL is started by
 * tests/journal/pg_server.py in its server mode.
 */
class FleetJournalTest {
    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "20", "--rate-limit-per-minute", "0",
            "--recover-delay-ms", "100");

    private static Process pg;
    private static Map<String, Object> info;

    /** The repository's root: this test runs in bindings/java. */
    private static File root() {
        File dir = new File(System.getProperty("user.dir")).getAbsoluteFile();
        while (dir != null && !new File(dir, "tests/journal/pg_server.py").isFile()) {
            dir = dir.getParentFile();
        }
        if (dir == null) {
            throw new IllegalStateException("tests/journal/pg_server.py not found above " + System.getProperty("user.dir"));
        }
        return dir;
    }

    @BeforeAll
    static void startPostgres() throws Exception {
        ProcessBuilder b = new ProcessBuilder("python3", new File(root(), "tests/journal/pg_server.py").getPath(),
                "--serve", "--tag", "java");
        b.redirectError(ProcessBuilder.Redirect.INHERIT);
        pg = b.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(pg.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            throw new IllegalStateException("pg_server.py started no PostgreSQL (scripts/deps.sh installs it)");
        }
        info = JsonSupport.parseObject(line);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            OutputStream in = pg.getOutputStream();
            in.close(); // the end of stdin stops the server and removes its directory
            pg.waitFor();
        }
    }

    @Test
    void aPostgresqlJournalIsConfigurationAlone() throws Exception {
        String url = (String) info.get("url");
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(
                sb.unlimitedConfig(Jdk8Support.map("journal", url)))) {
            Sandbox.Order o = sb.takeOrder(true);
            RecoverRequest req = Sandbox.requestFor(o, "java fleet journal test");
            RecoverAccepted a = c.submit(req);
            JournalEntry e = c.journalEntry(req.outRequestNo()).get();
            assertEquals(JournalState.ACCEPTED, e.state());
            assertEquals(a.wxpayRecoverNo(), e.wxpayRecoverNo());
            // A second replica (another client on the same URL) sees the same entry and gets the
            // same answer without sending.
            try (WxRecoverClient other = WxRecoverClient.fromConfigJson(
                    sb.unlimitedConfig(Jdk8Support.map("journal", url)))) {
                assertEquals(a.wxpayRecoverNo(), other.submit(req).wxpayRecoverNo());
                assertEquals(1, other.pending().size());
            }
            ReconcileReport r = null;
            for (int i = 0; i < 100; i++) {
                r = c.reconcile();
                if (r.pending().isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertTrue(r != null && r.pending().isEmpty(), "still pending");
            assertEquals(JournalState.SUCCEEDED, c.journalEntry(req.outRequestNo()).get().state());
            assertEquals(1, c.prune(0));
            assertFalse(c.journalEntry(req.outRequestNo()).isPresent());
        }
    }

    @Test
    void aWrongPasswordIsAConfigurationErrorThatDoesNotEchoIt() {
        String url = ((String) info.get("url")).replace((String) info.get("password"), "java-wrong-pw-42");
        WxRecoverException e = org.junit.jupiter.api.Assertions.assertThrows(WxRecoverException.class,
                () -> WxRecoverClient.fromConfigJson(sb.unlimitedConfig(Jdk8Support.map("journal", url))));
        assertEquals(WxStatus.CONFIG, e.status());
        assertFalse(e.getMessage().contains("java-wrong-pw-42"), e.getMessage());
        assertTrue(e.getMessage().contains("postgresql://wx:***@"), e.getMessage());
    }
}
