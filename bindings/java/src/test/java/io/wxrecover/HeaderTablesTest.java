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
 * (statuses, journal and recover states, log levels, the stats enums, the punish and effect
 * states, journal kinds), every stats field by accessor, every field of the punish request and
 * of wx_recover_request_v2 by accessor, and the {@code WX_REQ_SCENE_*} and
 * {@code WX_FUND_REPATRIATION_*} values by constant. The stats classes are written from the header by scripts/gen_tables.py; this test
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
    /**
     * WxStats' accessors with no wx_stats field: punish() comes from wx_recover_endpoint_stats,
     * wx_stats' layout being frozen.
     */
    static final String[] STATS_NOT_IN_WX_STATS = {"hashCode", "toString", "punish"};

    static List<String> accessorDifferences(Map<String, List<String>> header, String struct,
            Class<?> cls) {
        return accessorDifferences(header, struct, cls, "hashCode", "toString");
    }

    /** {@link #accessorDifferences} leaving the public no-argument methods {@code ignored} out. */
    static List<String> accessorDifferences(Map<String, List<String>> header, String struct,
            Class<?> cls, String... ignored) {
        List<String> problems = new ArrayList<>();
        List<String> accessors = new ArrayList<>();
        for (Method m : cls.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 0
                    && !Arrays.asList(ignored).contains(m.getName())) {
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

    private static Map<String, Integer> punishCodes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (PunishState s : PunishState.values()) {
            out.put(s.name(), s.code());
        }
        return out;
    }

    private static Map<String, Integer> effectCodes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (EffectState s : EffectState.values()) {
            out.put(s.name(), s.code());
        }
        return out;
    }

    private static Map<String, Integer> kindCodes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (JournalKind k : JournalKind.values()) {
            out.put(k.name(), k.code());
        }
        return out;
    }

    private static final Pattern STRING_DEFINE =
            Pattern.compile("#define (\\w+) \"([^\"]*)\"");

    /**
     * Every {@code #define PREFIX... "value"} of the header the class has no public constant for
     * (same name after the prefix, same value), and every public String constant of the class
     * the header lacks.
     */
    static List<String> constantDifferences(String header, String prefix, Class<?> cls)
            throws Exception {
        Map<String, String> c = new LinkedHashMap<>();
        Matcher m = STRING_DEFINE.matcher(header);
        while (m.find()) {
            if (m.group(1).startsWith(prefix)) {
                c.put(m.group(1).substring(prefix.length()), m.group(2));
            }
        }
        Map<String, String> ours = new LinkedHashMap<>();
        for (java.lang.reflect.Field f : cls.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && f.getType() == String.class) {
                ours.put(f.getName(), (String) f.get(null));
            }
        }
        List<String> problems = new ArrayList<>();
        if (c.isEmpty()) {
            problems.add(prefix + "*: not in the header");
        }
        for (Map.Entry<String, String> e : c.entrySet()) {
            String v = ours.get(e.getKey());
            if (!e.getValue().equals(v)) {
                problems.add(prefix + e.getKey() + " is \"" + e.getValue() + "\", "
                        + cls.getSimpleName() + "." + e.getKey() + " is " + (v == null ? "missing" : "\"" + v + "\""));
            }
        }
        for (String name : ours.keySet()) {
            if (!c.containsKey(name)) {
                problems.add(cls.getSimpleName() + "." + name + " is not " + prefix + name + " in the header");
            }
        }
        return problems;
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
    void thePunishEnumsAndJournalKindMirrorTheirHeaderEnums() throws Exception {
        Map<String, Map<String, Integer>> h = enums(header());
        List<String> problems = new ArrayList<>();
        problems.addAll(enumDifferences(h, "wx_punish_state", "WX_PUNISH_", "PunishState", punishCodes()));
        problems.addAll(enumDifferences(h, "wx_effect_state", "WX_EFFECT_", "EffectState", effectCodes()));
        problems.addAll(enumDifferences(h, "wx_journal_kind", "WX_KIND_", "JournalKind", kindCodes()));
        assertEquals(new ArrayList<String>(), problems);
    }

    @Test
    void theReqSceneAndFundRepatriationConstantsAreTheHeaders() throws Exception {
        List<String> problems = new ArrayList<>();
        problems.addAll(constantDifferences(header(), "WX_REQ_SCENE_", ReqScene.class));
        problems.addAll(constantDifferences(header(), "WX_FUND_REPATRIATION_",
                FundRepatriationStrategy.class));
        assertEquals(new ArrayList<String>(), problems);
    }

    @Test
    void everyRequestFieldOfTheHeaderHasABuilderValueAndAnAccessor() throws Exception {
        Map<String, List<String>> h = structs(header());
        List<String> problems = new ArrayList<>();
        problems.addAll(accessorDifferences(h, "wx_punish_request", PunishRequest.class,
                "hashCode", "toString", "toBuilder"));
        problems.addAll(accessorDifferences(h, "wx_recover_request_v2", RecoverRequest.class,
                "hashCode", "toString", "toBuilder"));
        for (String field : h.get("wx_punish_request")) {
            boolean setter = false;
            for (Method m : PunishRequest.Builder.class.getMethods()) {
                setter |= m.getName().equals(camel(field)) && m.getParameterCount() == 1;
            }
            if (!setter) {
                problems.add("wx_punish_request." + field + " has no PunishRequest.Builder." + camel(field));
            }
        }
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
        problems.addAll(accessorDifferences(h, "wx_stats", WxStats.class, STATS_NOT_IN_WX_STATS));
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
    void aPunishStateOrConstantTheHeaderAddsIsNamed() throws Exception {
        String changed = header().replace("  WX_PUNISH_FAILED = 3,\n", "  WX_PUNISH_FAILED = 3,\n  WX_PUNISH_REVOKED = 4,\n")
                .replace("#define WX_FUND_REPATRIATION_ALL_FORBIDDEN \"ALL_FORBIDDEN\"\n",
                        "#define WX_FUND_REPATRIATION_ALL_FORBIDDEN \"ALL_FORBIDDEN\"\n"
                                + "#define WX_FUND_REPATRIATION_HALF \"HALF\"\n");
        assertEquals(Arrays.asList("wx_punish_state: WX_PUNISH_REVOKED = 4 has no PunishState.REVOKED"),
                enumDifferences(enums(changed), "wx_punish_state", "WX_PUNISH_", "PunishState", punishCodes()));
        assertEquals(Arrays.asList("WX_FUND_REPATRIATION_HALF is \"HALF\", FundRepatriationStrategy.HALF is missing"),
                constantDifferences(changed, "WX_FUND_REPATRIATION_", FundRepatriationStrategy.class));
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
                accessorDifferences(structs(changed), "wx_stats", WxStats.class, STATS_NOT_IN_WX_STATS));
    }
}
