package io.wxrecover;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;
import java.util.List;
import java.util.Map;

/** JSON for the tests (the sandbox's admin answers, client configs), through Gson. */
final class JsonSupport {
    private static final Gson GSON = new GsonBuilder()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .disableHtmlEscaping()
            .create();

    private JsonSupport() {}

    static Map<String, Object> parseObject(String text) {
        return GSON.fromJson(text, new TypeToken<Map<String, Object>>() {}.getType());
    }

    /** A JSON array of objects (the sandbox's {@code GET /recovers}, {@code GET /punishes}). */
    static List<Map<String, Object>> parseList(String text) {
        return GSON.fromJson(text, new TypeToken<List<Map<String, Object>>>() {}.getType());
    }

    static String write(Object v) {
        return GSON.toJson(v);
    }
}
