package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every documented {@code recover_order} field of the core's table (src/protocol/model.rs) is a
 * {@link RecoverOrder} accessor filled through the library, and RecoverOrder has no accessor for
 * a field the core does not document. The checker is shown to name a field that differs.
 */
class OrderFieldsTest {
    /** RecoverOrder's accessors that are not fields of {@code recover_order}. */
    private static final List<String> NOT_ORDER_FIELDS =
            Arrays.asList("state", "requestId", "rawJson", "fields", "extra", "toString", "hashCode");

    /** The names in the core's {@code recover_order_fields!(...)} list, in table order. */
    static List<String> coreOrderFields(String modelRs) {
        Matcher m = Pattern.compile("^recover_order_fields!\\((.*?)^\\);", Pattern.DOTALL | Pattern.MULTILINE)
                .matcher(modelRs);
        assertTrue(m.find(), "no recover_order_fields!(...) list in src/protocol/model.rs");
        List<String> names = new ArrayList<>();
        for (String line : m.group(1).split("\n")) {
            String s = line.trim();
            if (!s.isEmpty() && !s.startsWith("//") && !s.startsWith("#[")) {
                names.add(s.replaceAll(",$", ""));
            }
        }
        return names;
    }

    static List<String> coreOrderFields() throws Exception {
        return coreOrderFields(Jdk8Support.readString(
                HeaderTablesTest.repoRoot().resolve("src/protocol/model.rs")));
    }

    /** An order whose every field in {@code names} has the value "v-NAME". */
    static RecoverOrder orderWith(List<String> names) throws Exception {
        StringBuilder json = new StringBuilder("{");
        for (String n : names) {
            json.append(json.length() > 1 ? "," : "").append('"').append(n).append("\":\"v-")
                    .append(n).append('"');
        }
        return RecoverOrder.parse(json.append('}').toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Every core field RecoverOrder has no accessor for (or one that does not give the field's
     * value), and every accessor of RecoverOrder that is no core field, a line each.
     */
    static List<String> orderDifferences(List<String> core) throws Exception {
        RecoverOrder order = orderWith(core);
        List<String> problems = new ArrayList<>();
        for (String name : core) {
            String accessor = HeaderTablesTest.camel(name);
            Method m;
            try {
                m = RecoverOrder.class.getMethod(accessor);
            } catch (NoSuchMethodException e) {
                problems.add(name + ": documented by the core, no accessor RecoverOrder." + accessor + "()");
                continue;
            }
            Object value = m.invoke(order);
            if (!("v-" + name).equals(value)) {
                problems.add(name + ": RecoverOrder." + accessor + "() gives " + value);
            }
        }
        for (Method m : RecoverOrder.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 0 && !NOT_ORDER_FIELDS.contains(m.getName())
                    && !core.contains(HeaderTablesTest.snake(m.getName()))) {
                problems.add(HeaderTablesTest.snake(m.getName()) + ": RecoverOrder." + m.getName()
                        + "() is not a field the core documents");
            }
        }
        return problems;
    }

    @Test
    void theLibraryDocumentsExactlyTheCoresFieldsInTableOrder() throws Exception {
        List<String> core = coreOrderFields();
        assertTrue(core.size() >= 12, core.toString());
        List<String> withExtra = new ArrayList<>(core);
        withExtra.add("vendor_trace");
        List<String> documented = new ArrayList<>();
        for (RecoverOrder.Field f : orderWith(withExtra).fields()) {
            if (f.documented()) {
                documented.add(f.name());
            }
        }
        assertEquals(core, documented);
    }

    @Test
    void everyDocumentedFieldIsARecoverOrderAccessorGivingItsValue() throws Exception {
        assertEquals(new ArrayList<String>(), orderDifferences(coreOrderFields()));
    }

    @Test
    void aFieldTheCoreAddsIsNamed() throws Exception {
        List<String> core = new ArrayList<>(coreOrderFields());
        core.add("recover_channel");
        assertEquals(Arrays.asList(
                "recover_channel: documented by the core, no accessor RecoverOrder.recoverChannel()"),
                orderDifferences(core));
    }

    @Test
    void aFieldTheCoreDropsIsNamed() throws Exception {
        List<String> core = new ArrayList<>(coreOrderFields());
        core.remove("punish_scene");
        assertEquals(Arrays.asList("punish_scene: RecoverOrder.punishScene() is not a field the core documents"),
                orderDifferences(core));
    }

    @Test
    void theReaderOfTheCoreTableSkipsDocCommentsAndAttributes() {
        assertEquals(Arrays.asList("a_no", "b_time"),
                coreOrderFields("recover_order_fields!(\n    a_no,\n    /// RFC 3339.\n    #[allow(x)]\n    b_time,\n);\n"));
    }
}
