package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The logging bridge: library lines reach System.Logger "io.wxrecover" (java.util.logging
 * here, its default backend) at the mapped levels, on the calling thread; the level given to
 * the library follows the logger; no line carries a secret.
 */
class LoggingTest {
    /** Held strongly: java.util.logging keeps loggers only weakly, with their levels. */
    static final Logger JUL = Logger.getLogger(WxRecoverClient.LOGGER_NAME);
    static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9+/=_-]{100,}");

    static Sandbox sb;

    static final class Collect extends Handler {
        final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());
        volatile RuntimeException toThrow;

        @Override
        public void publish(LogRecord r) {
            records.add(r);
            if (toThrow != null) {
                throw toThrow;
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        List<String> lines() {
            synchronized (records) {
                return records.stream().map(LogRecord::getMessage).collect(Collectors.toList());
            }
        }

        boolean has(Level level, String part) {
            synchronized (records) {
                return records.stream().anyMatch(
                        r -> r.getLevel().equals(level) && r.getMessage().contains(part));
            }
        }
    }

    Collect handler;
    Level savedLevel;
    boolean savedUseParent;

    @BeforeAll
    static void start() throws Exception {
        sb = Sandbox.start("--orders", "60", "--rate-limit-per-minute", "0");
    }

    @AfterAll
    static void stop() throws Exception {
        if (sb != null) {
            sb.close();
        }
    }

    @BeforeEach
    void attach() {
        savedLevel = JUL.getLevel();
        savedUseParent = JUL.getUseParentHandlers();
        handler = new Collect();
        handler.setLevel(Level.ALL);
        JUL.addHandler(handler);
        JUL.setUseParentHandlers(false);
    }

    @AfterEach
    void detach() throws Exception {
        JUL.removeHandler(handler);
        JUL.setLevel(savedLevel);
        JUL.setUseParentHandlers(savedUseParent);
        sb.reset();
    }

    private String config(Map<String, Object> overrides) throws Exception {
        return sb.unlimitedConfig(overrides);
    }

    private List<String> secrets() throws Exception {
        List<String> out = new ArrayList<>();
        out.add(sb.get("apiv3_key"));
        List<String> body = Files.readAllLines(Path.of(sb.get("merchant_private_key"))).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("-----"))
                .collect(Collectors.toList());
        assertFalse(body.isEmpty());
        out.add(String.join("", body));
        body.stream().filter(l -> l.length() >= 16).forEach(out::add);
        for (Sandbox.Order o : sb.allOrders()) {
            out.add(o.balAccountNo());
        }
        return out;
    }

    private void assertNoSecrets(List<String> lines) throws Exception {
        List<String> banned = secrets();
        for (String line : lines) {
            assertFalse(line.contains("signature=\""), line);
            assertFalse(BASE64_RUN.matcher(line).find(), "base64-like run: " + line);
            for (String s : banned) {
                assertFalse(line.contains(s), "secret in log line: " + line);
            }
        }
    }

    @Test
    void traceLinesForSuccessApiErrorAndFault() throws Exception {
        JUL.setLevel(Level.ALL);
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Map.of("max_attempts", 1)))) {
            assertEquals(System.Logger.Level.TRACE, c.logLevel());
            Sandbox.Order o = sb.takeOrder(true);
            RecoverAccepted ok = c.submit(Sandbox.requestFor(o, "java logging test"));
            WxRecoverException api = assertThrows(WxRecoverException.class,
                    () -> c.submit(Sandbox.requestFor(o, null)));
            assertEquals("ALREADY_EXISTS", api.code());
            sb.fault(Map.of("kind", "bad_signature", "count", 1, "listener", "both"));
            WxRecoverException unverified = assertThrows(WxRecoverException.class,
                    () -> c.query(ok.outRequestNo(), o.mchid()));
            assertEquals(WxStatus.UNVERIFIED, unverified.status());

            String all = String.join("\n", handler.lines());
            assertNotNull(ok.requestId());
            assertTrue(handler.has(Level.FINE, "-> 200 Request-ID=" + ok.requestId()), all); // DEBUG
            assertTrue(handler.has(Level.WARNING, "ALREADY_EXISTS"), all);
            assertTrue(handler.has(Level.SEVERE, "unverified"), all);
            assertTrue(handler.has(Level.FINE, "attempt 1 to"), all); // DEBUG
            assertTrue(handler.has(Level.FINER, "Authorization=<redacted>"), all); // TRACE
            // The upcall runs on the calling thread.
            long me = Thread.currentThread().getId();
            synchronized (handler.records) {
                assertTrue(handler.records.stream().allMatch(r -> r.getLongThreadID() == me), all);
            }
            assertNoSecrets(handler.lines());
        }
    }

    @Test
    void warningLoggerGetsNoInfoLinesFromTheLibrary() throws Exception {
        JUL.setLevel(Level.WARNING);
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Map.of()))) {
            assertEquals(System.Logger.Level.WARNING, c.logLevel());
            // Verbose AFTER creation: lines that still do not arrive were filtered in C.
            JUL.setLevel(Level.ALL);
            Sandbox.Order o = sb.takeOrder(true);
            c.submit(Sandbox.requestFor(o, null));
            assertEquals(List.of(), handler.lines());
            assertThrows(WxRecoverException.class, () -> c.submit(Sandbox.requestFor(o, null)));
            assertTrue(handler.has(Level.WARNING, "ALREADY_EXISTS"), handler.lines().toString());
            synchronized (handler.records) {
                assertTrue(handler.records.stream()
                        .allMatch(r -> r.getLevel().intValue() >= Level.WARNING.intValue()));
            }

            handler.records.clear();
            c.syncLogLevel(); // the logger is at ALL now
            assertEquals(System.Logger.Level.TRACE, c.logLevel());
            c.submit(Sandbox.requestFor(sb.takeOrder(true), null));
            assertTrue(handler.has(Level.FINE, "-> 200 Request-ID="), handler.lines().toString());

            handler.records.clear();
            c.setLogLevel(System.Logger.Level.ERROR);
            assertEquals(System.Logger.Level.ERROR, c.logLevel());
            assertThrows(WxRecoverException.class, () -> c.submit(Sandbox.requestFor(o, null)));
            assertEquals(List.of(), handler.lines()); // ALREADY_EXISTS is WARN: not sent

            c.setLogLevel(System.Logger.Level.DEBUG);
            assertEquals(System.Logger.Level.DEBUG, c.logLevel());
            c.setLogLevel(System.Logger.Level.ALL);
            assertEquals(System.Logger.Level.TRACE, c.logLevel());
            c.setLogLevel(System.Logger.Level.OFF);
            assertEquals(System.Logger.Level.OFF, c.logLevel());
            c.submit(Sandbox.requestFor(sb.takeOrder(true), null));
            c.setLogLevel(null);
            assertThrows(WxRecoverException.class, () -> c.submit(Sandbox.requestFor(o, null)));
            assertEquals(List.of(), handler.lines());
        }
    }

    @Test
    void offLoggerAtCreationMeansNoLogging() throws Exception {
        JUL.setLevel(Level.OFF);
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Map.of()))) {
            assertEquals(System.Logger.Level.OFF, c.logLevel());
            JUL.setLevel(Level.ALL);
            c.submit(Sandbox.requestFor(sb.takeOrder(true), null));
            assertEquals(List.of(), handler.lines());
        }
    }

    @Test
    void aThrowingHandlerDoesNotFailTheCall() throws Exception {
        JUL.setLevel(Level.ALL);
        handler.toThrow = new IllegalStateException("handler exploded");
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Map.of()))) {
            Sandbox.Order o = sb.takeOrder(true);
            RecoverAccepted a = c.submit(Sandbox.requestFor(o, null));
            assertNotNull(a.wxpayRecoverNo());
            // An error path too: the exception built after logging is the library's, intact.
            WxRecoverException e = assertThrows(WxRecoverException.class,
                    () -> c.submit(Sandbox.requestFor(o, null)));
            assertEquals("ALREADY_EXISTS", e.code());
            assertFalse(handler.lines().isEmpty(), "the handler was called");
        }
    }

    @Test
    void closedClientRefusesLogLevelChanges() throws Exception {
        WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Map.of()));
        c.close();
        assertThrows(IllegalStateException.class, () -> c.setLogLevel(System.Logger.Level.INFO));
        assertThrows(IllegalStateException.class, c::syncLogLevel);
    }
}
