package io.wxrecover;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs one wx-sandbox process for a test class that holds it in a static {@code RegisterExtension}
 * field ({@link #forClass}): fresh state dir, waits for "ready" before the class's first test,
 * stops it with SIGTERM after its last, closing the shared {@link #client()} first. Binary from
 * system property / env WX_SANDBOX_BIN, default /work/main/target/release/wx-sandbox.
 */
final class Sandbox implements BeforeAllCallback, AfterAllCallback {
    static final String DEFAULT_BIN = "/work/main/target/release/wx-sandbox";
    private static final AtomicLong SEQ = new AtomicLong();

    /** One control order the sandbox knows, and the outcome its recover will have. */
    static final class Order {
        private final String webankNo;
        private final String wxpayNo;
        private final String mchid;
        private final String balAccountNo;
        private final boolean success;

        Order(String webankNo, String wxpayNo, String mchid, String balAccountNo,
                boolean success) {
            this.webankNo = webankNo;
            this.wxpayNo = wxpayNo;
            this.mchid = mchid;
            this.balAccountNo = balAccountNo;
            this.success = success;
        }

        String webankNo() {
            return webankNo;
        }

        String wxpayNo() {
            return wxpayNo;
        }

        String mchid() {
            return mchid;
        }

        String balAccountNo() {
            return balAccountNo;
        }

        boolean success() {
            return success;
        }
    }

    private final String[] extraArgs;
    private Process process;
    private Path dir;
    private Map<String, String> info;
    private Path envFile;
    private final List<Order> orders = new ArrayList<>();
    private int nextOrder;
    private WxRecoverClient client;

    private Sandbox(String[] extraArgs) {
        this.extraArgs = extraArgs.clone();
    }

    /** A sandbox started with {@code extraArgs} before the class's tests, stopped after them. */
    static Sandbox forClass(String... extraArgs) {
        return new Sandbox(extraArgs);
    }

    static String binary() {
        String p = System.getProperty("WX_SANDBOX_BIN");
        if (p == null || p.isEmpty()) {
            p = System.getenv("WX_SANDBOX_BIN");
        }
        return p == null || p.isEmpty() ? DEFAULT_BIN : p;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String bin = binary();
        if (!Files.isExecutable(Paths.get(bin))) {
            throw new IllegalStateException("wx-sandbox binary not found at " + bin
                    + " (build it with `cargo build --release -p wx-sandbox` or set WX_SANDBOX_BIN)");
        }
        dir = Files.createTempDirectory("wx-java-sandbox-");
        List<String> cmd = new ArrayList<>(Arrays.asList(bin, "--state-dir", dir.toString()));
        cmd.addAll(Arrays.asList(extraArgs));
        Process p = new ProcessBuilder(cmd)
                .redirectError(dir.resolve("sandbox.stderr").toFile())
                .start();
        process = p;
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("ready ")) {
                        ready.complete(line.substring("ready ".length()).trim());
                    }
                }
                ready.completeExceptionally(new IOException("wx-sandbox exited before ready"));
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
        }, "wx-sandbox-stdout");
        reader.setDaemon(true);
        reader.start();
        String jsonPath;
        try {
            jsonPath = ready.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            String err = Files.exists(dir.resolve("sandbox.stderr"))
                    ? Jdk8Support.readString(dir.resolve("sandbox.stderr")) : "";
            throw new IllegalStateException("wx-sandbox did not become ready: " + e + "\n" + err, e);
        }
        envFile = Paths.get(jsonPath).resolveSibling("sandbox.env");
        readEnv();
    }

    /** sandbox.env: KEY=VALUE lines; keys are kept lower-case, as sandbox.json names them. */
    private void readEnv() throws IOException {
        Map<String, String> m = new java.util.HashMap<>();
        for (String line : Files.readAllLines(envFile)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq).toLowerCase(java.util.Locale.ROOT), line.substring(eq + 1));
            }
        }
        this.info = m;
        int n = Integer.parseInt(m.get("order_count"));
        for (int i = 0; i < n; i++) {
            String p = "order_" + i + "_";
            orders.add(new Order(m.get(p + "related_webank_punish_no"),
                    m.get(p + "related_wxpay_punish_no"), m.get(p + "mchid"),
                    m.get(p + "bal_account_no"), "SUCCESS".equals(m.get(p + "outcome"))));
        }
    }

    String get(String key) {
        return info.get(key);
    }

    String mchid() {
        return get("mchid");
    }

    Path clientConfigPath() {
        return Paths.get(get("client_config"));
    }

    /** The sandbox's client config with `overrides` applied, as JSON text. */
    String clientConfig(Map<String, Object> overrides) throws IOException {
        Map<String, Object> cfg = new LinkedHashMap<>(
                JsonSupport.parseObject(Jdk8Support.readString(clientConfigPath())));
        cfg.putAll(overrides);
        return JsonSupport.write(cfg);
    }

    /** A client config without the client-side rate limiter, plus `overrides`. */
    String unlimitedConfig(Map<String, Object> overrides) throws IOException {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("rate_limit_per_minute", 0);
        all.putAll(overrides);
        return clientConfig(all);
    }

    WxRecoverClient unlimitedClient() throws Exception {
        return WxRecoverClient.fromConfigJson(unlimitedConfig(Collections.emptyMap()));
    }

    /** One unlimited client for all the class's tests: made on first use, closed after them. */
    synchronized WxRecoverClient client() throws Exception {
        if (client == null) {
            client = unlimitedClient();
        }
        return client;
    }

    /** An order no other test of this sandbox has used, with the wanted outcome. */
    synchronized Order takeOrder(boolean success) {
        while (nextOrder < orders.size()) {
            Order o = orders.get(nextOrder++);
            if (o.success() == success) {
                return o;
            }
        }
        throw new IllegalStateException("sandbox ran out of orders; start it with more --orders");
    }

    /** Every order the sandbox knows (used or not), e.g. to scan logs for their ledger ids. */
    List<Order> allOrders() {
        return Collections.unmodifiableList(new ArrayList<>(orders));
    }

    int orderCount() {
        return orders.size();
    }

    static String newOutRequestNo() {
        return "JAVA" + System.currentTimeMillis() + "N" + SEQ.incrementAndGet();
    }

    static RecoverRequest requestFor(Order o, String reason) {
        return RecoverRequest.builder()
                .outRequestNo(newOutRequestNo())
                .relatedWebankPunishNo(o.webankNo())
                .relatedWxpayPunishNo(o.wxpayNo())
                .mchid(o.mchid())
                .balAccountNo(o.balAccountNo())
                .recoverReason(reason)
                .build();
    }

    /** Installs a fault with {@code wx-sandbox fault} (kind, count, listener, path, ms). */
    void fault(Map<String, Object> fault) throws Exception {
        List<String> cmd = new ArrayList<>(
                Arrays.asList(binary(), "fault", String.valueOf(fault.get("kind"))));
        if (fault.containsKey("count")) {
            cmd.add(String.valueOf(fault.get("count")));
        }
        for (String opt : Arrays.asList("listener", "path", "ms")) {
            if (fault.get(opt) != null) {
                cmd.add("--" + opt);
                cmd.add(String.valueOf(fault.get(opt)));
            }
        }
        run(cmd);
    }

    /** Clears faults and brings both listeners back up ({@code wx-sandbox reset}). */
    void reset() throws Exception {
        run(new ArrayList<>(Arrays.asList(binary(), "reset")));
    }

    private void run(List<String> cmd) throws Exception {
        cmd.add("--env-file");
        cmd.add(envFile.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(Jdk8Support.readAll(p.getInputStream()), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    String admin(String method, String path, String body) throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(get("admin_url") + path).openConnection();
        try {
            c.setConnectTimeout(5_000);
            c.setReadTimeout(30_000);
            c.setRequestMethod(method);
            c.setRequestProperty("Content-Type", "application/json");
            if (body != null) {
                c.setDoOutput(true);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String answer = "";
            if (in != null) {
                try (InputStream i = in) {
                    answer = new String(Jdk8Support.readAll(i), StandardCharsets.UTF_8);
                }
            }
            if (status != 200) {
                throw new IllegalStateException("admin " + path + " answered " + status + ": "
                        + answer);
            }
            return answer;
        } finally {
            c.disconnect();
        }
    }

    /** Polls until the recover is final or `timeoutMs` passes; returns the last answer. */
    static RecoverOrder awaitFinal(WxRecoverClient c, String outRequestNo, String mchid,
            long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        RecoverOrder o = c.query(outRequestNo, mchid);
        while (!o.state().isFinal() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            o = c.query(outRequestNo, mchid);
        }
        return o;
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        synchronized (this) {
            if (client != null) {
                client.close();
                client = null;
            }
        }
        if (process == null) {
            return;
        }
        process.destroy(); // SIGTERM
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
        }
    }
}
