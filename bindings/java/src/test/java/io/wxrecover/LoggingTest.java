package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The logging bridge: library lines reach the SLF4J logger "io.wxrecover" (Logback here, as a
 * bank's service would have it) at the mapped levels, on the calling thread; the level given to
 * the library follows the logger; no line carries a secret.
 */
class LoggingTest {
    static final Logger LOGBACK = (Logger) LoggerFactory.getLogger(WxRecoverClient.LOGGER_NAME);
    static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9+/=_-]{100,}");

    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "60", "--rate-limit-per-minute", "0");

    /** One captured line: level, message and the thread that logged it (read at append time). */
    static final class Line {
        final Level level;
        final String message;
        final Thread thread;

        Line(Level level, String message, Thread thread) {
            this.level = level;
            this.message = message;
            this.thread = thread;
        }

        @Override
        public String toString() {
            return level + " " + message;
        }
    }

    /**
     * Captures every event; when {@code toThrow} is set, throws it out of {@code doAppend}, which
     * Logback passes on to the caller of the logger (AppenderBase only guards {@code append}).
     */
    static final class Collect extends AppenderBase<ILoggingEvent> {
        final List<Line> records = Collections.synchronizedList(new ArrayList<Line>());
        volatile RuntimeException toThrow;

        @Override
        protected void append(ILoggingEvent e) {
            records.add(new Line(e.getLevel(), e.getFormattedMessage(), Thread.currentThread()));
        }

        @Override
        public void doAppend(ILoggingEvent e) {
            super.doAppend(e);
            RuntimeException t = toThrow;
            if (t != null) {
                throw t;
            }
        }

        List<String> lines() {
            synchronized (records) {
                return records.stream().map(r -> r.message).collect(Collectors.toList());
            }
        }

        boolean has(Level level, String part) {
            synchronized (records) {
                return records.stream().anyMatch(
                        r -> r.level.equals(level) && r.message.contains(part));
            }
        }
    }

    Collect handler;
    Level savedLevel;

    @BeforeEach
    void attach() {
        savedLevel = LOGBACK.getLevel();
        handler = new Collect();
        handler.setContext(LOGBACK.getLoggerContext());
        handler.start();
        LOGBACK.addAppender(handler);
    }

    @AfterEach
    void detach() throws Exception {
        LOGBACK.detachAppender(handler);
        handler.stop();
        LOGBACK.setLevel(savedLevel);
        sb.reset();
    }

    private String config(Map<String, Object> overrides) throws Exception {
        return sb.unlimitedConfig(overrides);
    }

    private List<String> secrets() throws Exception {
        List<String> out = new ArrayList<>();
        out.add(sb.get("apiv3_key"));
        List<String> body = Files.readAllLines(Paths.get(sb.get("merchant_private_key"))).stream()
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
        LOGBACK.setLevel(Level.TRACE);
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(
                config(Jdk8Support.map("max_attempts", 1)))) {
            assertEquals(LogLevel.TRACE, c.logLevel());
            Sandbox.Order o = sb.takeOrder(true);
            RecoverAccepted ok = c.submit(Sandbox.requestFor(o, "java logging test"));
            WxRecoverException api = assertThrows(WxRecoverException.class,
                    () -> c.submit(Sandbox.requestFor(o, null)));
            assertEquals("ALREADY_EXISTS", api.code());
            sb.fault(Jdk8Support.map("kind", "bad_signature", "count", 1, "listener", "both"));
            WxRecoverException unverified = assertThrows(WxRecoverException.class,
                    () -> c.query(ok.outRequestNo(), o.mchid()));
            assertEquals(WxStatus.UNVERIFIED, unverified.status());

            String all = String.join("\n", handler.lines());
            assertNotNull(ok.requestId());
            assertTrue(handler.has(Level.DEBUG, "-> 200 Request-ID=" + ok.requestId()), all);
            // What the call throws is logged at DEBUG only: a caller that logs what it catches
            // (at WARN, say) does not see every error twice.
            assertTrue(handler.has(Level.DEBUG, "ALREADY_EXISTS"), all);
            assertTrue(handler.has(Level.DEBUG, "unverified"), all);
            assertFalse(handler.has(Level.WARN, "ALREADY_EXISTS") || handler.has(Level.ERROR, "unverified"), all);
            assertTrue(handler.has(Level.DEBUG, "attempt 1 to"), all);
            assertTrue(handler.has(Level.TRACE, "Authorization=<redacted>"), all);
            // The per-request line is DEBUG, never INFO: an INFO logger is not flooded.
            assertFalse(handler.has(Level.INFO, "Request-ID="), all);
            // The upcall runs on the calling thread.
            Thread me = Thread.currentThread();
            synchronized (handler.records) {
                assertTrue(handler.records.stream().allMatch(r -> r.thread == me), all);
            }
            assertNoSecrets(handler.lines());
        }
    }

    @Test
    void warningLoggerGetsNoInfoLinesFromTheLibrary() throws Exception {
        LOGBACK.setLevel(Level.WARN);
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Jdk8Support.map()))) {
            assertEquals(LogLevel.WARN, c.logLevel());
            // Verbose AFTER creation: lines that still do not arrive were filtered in C.
            LOGBACK.setLevel(Level.ALL);
            Sandbox.Order o = sb.takeOrder(true);
            c.submit(Sandbox.requestFor(o, null));
            assertEquals(Collections.emptyList(), handler.lines());
            assertThrows(WxRecoverException.class, () -> c.submit(Sandbox.requestFor(o, null)));
            // ALREADY_EXISTS is thrown, and logged at DEBUG only: nothing reaches a WARN logger.
            assertEquals(Collections.emptyList(), handler.lines());

            handler.records.clear();
            c.syncLogLevel(); // the logger is at ALL now
            assertEquals(LogLevel.TRACE, c.logLevel());
            c.submit(Sandbox.requestFor(sb.takeOrder(true), null));
            assertTrue(handler.has(Level.DEBUG, "-> 200 Request-ID="), handler.lines().toString());

            handler.records.clear();
            c.setLogLevel(LogLevel.ERROR);
            assertEquals(LogLevel.ERROR, c.logLevel());
            assertThrows(WxRecoverException.class, () -> c.submit(Sandbox.requestFor(o, null)));
            assertEquals(Collections.emptyList(), handler.lines()); // ALREADY_EXISTS is DEBUG: not sent

            c.setLogLevel(LogLevel.INFO);
            assertEquals(LogLevel.INFO, c.logLevel());
            c.submit(Sandbox.requestFor(sb.takeOrder(true), null));
            assertEquals(Collections.emptyList(), handler.lines()); // the per-request line is DEBUG

            c.setLogLevel(LogLevel.DEBUG);
            assertEquals(LogLevel.DEBUG, c.logLevel());
            c.setLogLevel(LogLevel.WARN);
            assertEquals(LogLevel.WARN, c.logLevel());
            c.setLogLevel(LogLevel.TRACE);
            assertEquals(LogLevel.TRACE, c.logLevel());
            c.setLogLevel(LogLevel.OFF);
            assertEquals(LogLevel.OFF, c.logLevel());
            c.submit(Sandbox.requestFor(sb.takeOrder(true), null));
            c.setLogLevel(LogLevel.TRACE);
            c.setLogLevel(null);
            assertEquals(LogLevel.OFF, c.logLevel(), "null turns logging off");
            assertThrows(WxRecoverException.class, () -> c.submit(Sandbox.requestFor(o, null)));
            assertEquals(Collections.emptyList(), handler.lines());
        }
    }

    @Test
    void theClientFollowsEveryLoggerLevel() throws Exception {
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Jdk8Support.map()))) {
            Level[] logger = {Level.ALL, Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN,
                Level.ERROR, Level.OFF};
            LogLevel[] client = {LogLevel.TRACE, LogLevel.TRACE, LogLevel.DEBUG, LogLevel.INFO,
                LogLevel.WARN, LogLevel.ERROR, LogLevel.OFF};
            for (int i = 0; i < logger.length; i++) {
                LOGBACK.setLevel(logger[i]);
                c.syncLogLevel();
                assertSame(client[i], c.logLevel(), "logger at " + logger[i]);
            }
        }
    }

    @Test
    void offLoggerAtCreationMeansNoLogging() throws Exception {
        LOGBACK.setLevel(Level.OFF);
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Jdk8Support.map()))) {
            assertEquals(LogLevel.OFF, c.logLevel());
            LOGBACK.setLevel(Level.ALL);
            c.submit(Sandbox.requestFor(sb.takeOrder(true), null));
            assertEquals(Collections.emptyList(), handler.lines());
        }
    }

    @Test
    void aThrowingHandlerDoesNotFailTheCall() throws Exception {
        LOGBACK.setLevel(Level.ALL);
        handler.toThrow = new IllegalStateException("handler exploded");
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Jdk8Support.map()))) {
            // The appender really throws to the logger's caller: what nativeLog must contain.
            assertThrows(IllegalStateException.class, () -> LOGBACK.info("probe"));
            handler.records.clear();
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
        WxRecoverClient c = WxRecoverClient.fromConfigJson(config(Jdk8Support.map()));
        c.close();
        assertThrows(IllegalStateException.class, () -> c.setLogLevel(LogLevel.INFO));
        assertThrows(IllegalStateException.class, c::syncLogLevel);
    }
}
