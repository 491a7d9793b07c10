package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The binding's tables agree with include/wx_recover.h: every enum constant by name and value
 * (statuses, journal and recover states, log levels, the stats enums) and every stats field by
 * accessor. The stats classes are written from the header by scripts/gen_tables.py; this test
 * also catches a hand edit of them. Each checker is shown to name what differs on a modified
 * copy of the header.
 */
class HeaderTablesTest {
    private static final Pattern ENUM =
            Pattern.compile("typedef enum \\{(.*?)\\} (\\w+);", Pattern.DOTALL);
    private static final Pattern STRUCT =
            Pattern.compile("typedef struct \\{(.*?)\\} (\\w+);", Pattern.DOTALL);

    static Path repoRoot() {
        Path p = Paths.get("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("include/wx_recover.h"))) {
            p = p.getParent();
        }
        assertTrue(p != null, "no include/wx_recover.h above " + Paths.get("").toAbsolutePath());
        return p;
    }

    static String header() throws Exception {
        return Jdk8Support.readString(repoRoot().resolve("include/wx_recover.h"));
    }

    private static String withoutComments(String body) {
        return body.replaceAll("//[^\n]*", "");
    }

    /** Every {@code typedef enum} of a header: name to (constant to value), in header order. */
    static Map<String, Map<String, Integer>> enums(String header) {
        Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
        Matcher m = ENUM.matcher(header);
        while (m.find()) {
            Map<String, Integer> constants = new LinkedHashMap<>();
            int next = 0;
            for (String item : withoutComments(m.group(1)).split(",")) {
                String[] parts = item.trim().split("\\s*=\\s*");
                if (parts[0].isEmpty()) {
                    continue;
                }
                int value = parts.length > 1 ? Integer.decode(parts[1]) : next;
                constants.put(parts[0], value);
                next = value + 1;
            }
            out.put(m.group(2), constants);
        }
        return out;
    }

    /** Every {@code typedef struct {...}} of a header: name to its field names, in order. */
    static Map<String, List<String>> structs(String header) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = STRUCT.matcher(header);
        while (m.find()) {
            List<String> fields = new ArrayList<>();
            for (String decl : withoutComments(m.group(1)).split(";")) {
                String[] words = decl.trim().split("[\\s*]+");
                if (!decl.trim().isEmpty()) {
                    fields.add(words[words.length - 1]);
                }
            }
            out.put(m.group(2), fields);
        }
        return out;
    }

    /**
     * Every constant of the C enum that the Java enum lacks or numbers differently, and every
     * Java constant the C enum lacks, a line each. {@code javaValues}: constant name to C value.
     */
    static List<String> enumDifferences(Map<String, Map<String, Integer>> header, String cEnum,
            String prefix, String javaName, Map<String, Integer> javaValues) {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> c = header.get(cEnum);
        if (c == null) {
            problems.add(cEnum + ": not in the header");
            return problems;
        }
        for (Map.Entry<String, Integer> e : c.entrySet()) {
            String name = e.getKey().substring(prefix.length());
            Integer ours = javaValues.get(name);
            if (ours == null) {
                problems.add(cEnum + ": " + e.getKey() + " = " + e.getValue() + " has no "
                        + javaName + "." + name);
            } else if (!ours.equals(e.getValue())) {
                problems.add(cEnum + ": " + e.getKey() + " is " + e.getValue() + ", " + javaName
                        + "." + name + " is " + ours);
            }
        }
        for (Map.Entry<String, Integer> e : javaValues.entrySet()) {
            if (!c.containsKey(prefix + e.getKey())) {
                problems.add(javaName + "." + e.getKey() + " = " + e.getValue() + " is not in "
                        + cEnum);
            }
        }
        return problems;
    }

    /** Every field of the C struct the class has no public accessor for, and the reverse. */
    static List<String> accessorDifferences(Map<String, List<String>> header, String struct,
            Class<?> cls) {
        List<String> problems = new ArrayList<>();
        List<String> accessors = new ArrayList<>();
        for (Method m : cls.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 0
                    && !Arrays.asList("hashCode", "toString").contains(m.getName())) {
                accessors.add(m.getName());
            }
        }
        List<String> fields = header.get(struct);
        for (String field : fields) {
            if (!accessors.contains(camel(field))) {
                problems.add(struct + "." + field + " has no accessor " + cls.getSimpleName() + "."
                        + camel(field) + "()");
            }
        }
        for (String accessor : accessors) {
            if (!fields.contains(snake(accessor))) {
                problems.add(cls.getSimpleName() + "." + accessor + "() has no field "
                        + snake(accessor) + " in " + struct);
            }
        }
        return problems;
    }

    static String camel(String snake) {
        StringBuilder b = new StringBuilder();
        for (String w : snake.split("_")) {
            b.append(b.length() == 0 ? w : Character.toUpperCase(w.charAt(0)) + w.substring(1));
        }
        return b.toString();
    }

    static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static Map<String, Integer> codes(WxStatus[] values) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (WxStatus s : values) {
            if (s != WxStatus.UNKNOWN) {
                out.put(s.name(), s.code());
            }
        }
        return out;
    }

    private static Map<String, Integer> journalCodes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (JournalState s : JournalState.values()) {
            out.put(s.name(), s.code);
        }
        return out;
    }

    private static Map<String, Integer> recoverCodes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (RecoverState s : RecoverState.values()) {
            out.put(s.name(), s.code());
        }
        return out;
    }

    private static Map<String, Integer> logCodes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (LogLevel l : LogLevel.values()) {
            if (l != LogLevel.OFF) {
                out.put(l.name(), l.code);
            }
        }
        return out;
    }

    /** The stats enums: the glue hands over the C value, WxStats takes it as the ordinal. */
    private static Map<String, Integer> ordinals(Enum<?>[] values) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Enum<?> e : values) {
            if (!e.name().equals("UNKNOWN")) {
                out.put(e.name(), e.ordinal());
            }
        }
        return out;
    }

    // ----- the real header -----

    @Test
    void wxStatusMirrorsEveryStatusOfTheHeaderWithItsValue() throws Exception {
        assertEquals(new ArrayList<String>(),
                enumDifferences(enums(header()), "wx_status", "WX_", "WxStatus", codes(WxStatus.values())));
    }

    @Test
    void journalStateMirrorsEveryJournalStateOfTheHeaderWithItsValue() throws Exception {
        assertEquals(new ArrayList<String>(), enumDifferences(enums(header()), "wx_journal_state",
                "WX_JOURNAL_", "JournalState", journalCodes()));
    }

    @Test
    void recoverStateAndLogLevelMirrorTheirHeaderEnums() throws Exception {
        Map<String, Map<String, Integer>> h = enums(header());
        List<String> problems = new ArrayList<>();
        problems.addAll(enumDifferences(h, "wx_recover_state", "WX_STATE_", "RecoverState", recoverCodes()));
        problems.addAll(enumDifferences(h, "wx_log_level", "WX_LOG_", "LogLevel", logCodes()));
        assertEquals(new ArrayList<String>(), problems);
    }

    @Test
    void theStatsEnumsNameEveryHeaderValueInValueOrder() throws Exception {
        Map<String, Map<String, Integer>> h = enums(header());
        List<String> problems = new ArrayList<>();
        problems.addAll(enumDifferences(h, "wx_host", "WX_HOST_", "Host", ordinals(WxStats.Host.values())));
        problems.addAll(enumDifferences(h, "wx_breaker_state", "WX_BREAKER_", "BreakerState",
                ordinals(WxStats.BreakerState.values())));
        problems.addAll(enumDifferences(h, "wx_quota_store", "WX_QUOTA_", "QuotaStore",
                ordinals(WxStats.QuotaStore.values())));
        assertEquals(new ArrayList<String>(), problems);
    }

    @Test
    void everyStatsFieldOfTheHeaderHasAnAccessorAndASlotInTheGluesArray() throws Exception {
        Map<String, List<String>> h = structs(header());
        List<String> problems = new ArrayList<>();
        problems.addAll(accessorDifferences(h, "wx_endpoint_stats", WxStats.EndpointStats.class));
        problems.addAll(accessorDifferences(h, "wx_stats", WxStats.class));
        assertEquals(new ArrayList<String>(), problems);
        int counters = h.get("wx_endpoint_stats").size();
        assertEquals(counters, WxStats.EndpointStats.LENGTH);
        int endpoints = 0;
        for (String field : h.get("wx_stats")) {
            endpoints += WxStats.class.getMethod(camel(field)).getReturnType()
                    == WxStats.EndpointStats.class ? 1 : 0;
        }
        assertEquals(endpoints * counters + h.get("wx_stats").size() - endpoints, Native.STATS_LENGTH);
        Constructor<?> ctor = WxStats.EndpointStats.class.getConstructors()[0];
        assertEquals(counters, ctor.getParameterCount(), "the public constructor takes every counter");
    }

    // ----- the checkers, on modified copies of the header -----

    @Test
    void aStatusTheHeaderAddsIsNamed() throws Exception {
        String changed = header().replace("  WX_INTERNAL = 9,\n", "  WX_INTERNAL = 9,\n  WX_CONFLICT = 10,\n");
        assertEquals(Arrays.asList("wx_status: WX_CONFLICT = 10 has no WxStatus.CONFLICT"),
                enumDifferences(enums(changed), "wx_status", "WX_", "WxStatus", codes(WxStatus.values())));
    }

    @Test
    void aRenumberedOrRemovedJournalStateIsNamed() throws Exception {
        String changed = header().replace("WX_JOURNAL_EXPIRED = 6,", "WX_JOURNAL_EXPIRED = 7,")
                .replace("  WX_JOURNAL_REFUSED = 5,\n", "");
        assertEquals(Arrays.asList("wx_journal_state: WX_JOURNAL_EXPIRED is 7, JournalState.EXPIRED is 6",
                "JournalState.REFUSED = 5 is not in wx_journal_state"),
                enumDifferences(enums(changed), "wx_journal_state", "WX_JOURNAL_", "JournalState",
                        journalCodes()));
    }

    @Test
    void aCounterTheHeaderAddsIsNamedWithTheAccessorItNeeds() throws Exception {
        String changed = header().replace("  uint64_t verification_failures;\n",
                "  uint64_t verification_failures;\n  // Answers served from a cache.\n  uint64_t cache_hits;\n");
        assertEquals(Arrays.asList("wx_endpoint_stats.cache_hits has no accessor EndpointStats.cacheHits()"),
                accessorDifferences(structs(changed), "wx_endpoint_stats", WxStats.EndpointStats.class));
    }

    @Test
    void aStatsFieldTheHeaderDropsIsNamed() throws Exception {
        String changed = header().replace("  uint64_t quota_store_errors;\n", "");
        assertEquals(Arrays.asList("WxStats.quotaStoreErrors() has no field quota_store_errors in wx_stats"),
                accessorDifferences(structs(changed), "wx_stats", WxStats.class));
    }
}
