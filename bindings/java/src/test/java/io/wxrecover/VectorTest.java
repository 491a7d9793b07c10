package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared order vector: Java reads the same fields as the Rust, Python and C++ tests. */
class VectorTest {
    private static Path vectors() {
        Path p = Paths.get("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("tests/vectors"))) {
            p = p.getParent();
        }
        return p.resolve("tests/vectors");
    }

    @Test
    void theSharedOrderVectorReadsTheSameAsInEveryBinding() throws Exception {
        RecoverOrder o = RecoverOrder.parse(Files.readAllBytes(vectors().resolve("recover_order.json")));
        String expected = Jdk8Support.readString(vectors().resolve("recover_order.expected.json"));
        // The expected file's rows, in order, as the text that each row is written as there.
        List<String> rows = new ArrayList<>();
        for (RecoverOrder.Field f : o.fields()) {
            rows.add("[" + quote(f.name()) + ", " + quote(f.value()) + ", " + f.documented() + "]");
        }
        int at = expected.indexOf("\"fields\"");
        for (String row : rows) {
            int next = expected.indexOf(row, at);
            assertTrue(next > at, "expected row, in order: " + row);
            at = next;
        }
        assertEquals(12, rows.size());
        int expectedRows = expected.split(", (true|false)\\]", -1).length - 1;
        assertEquals(expectedRows, rows.size(), "no expected row is missing");
        assertEquals(RecoverState.SUCCESS, o.state());
        assertEquals("2", o.punishScene(), "documented as a string, sent as an integer");
        assertEquals("{\"hops\":[1,2],\"ok\":true}", o.extra().get("vendor_trace"));
    }

    @Test
    void anOrderWithADuplicateKeyIsABadResponse() {
        WxRecoverException e = assertThrows(WxRecoverException.class,
                () -> RecoverOrder.parse("{\"recover_state\":\"SUCCESS\",\"recover_state\":\"FAILED\"}".getBytes()));
        assertEquals(WxStatus.BAD_RESPONSE, e.status());
    }

    /** A JSON string literal, as the expected file writes it. */
    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
