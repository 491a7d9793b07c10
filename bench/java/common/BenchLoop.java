import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The timing loop shared by the Java drivers; same protocol and output as bench/driver.c.
 *
 * <p>Arguments are key=value: order=OUT,WEBANK,WXPAY,MCHID,BAL, warmup=N, n=N, admin=URL,
 * impl=NAME, plus driver-specific keys. After the first submit and `warmup` submits and queries
 * it prints {"ready":true}, then reads commands on stdin: "submit" or "query" runs one repetition
 * (10 untimed calls, then n timed ones) and prints one JSON line; "quit" ends.
 *
 * <p>Client CPU is the whole process's CPU time (user + sys, every thread: JIT, GC, the HTTP
 * client's and the native library's threads included) from getrusage(RUSAGE_SELF), read through
 * the small JNI helper rusage_jni.c (system property bench.rusage.lib = its path), because the
 * JVM's own process CPU clock ticks in 10 ms steps here.
 */
public final class BenchLoop {
    /** One call; throws on any failure. */
    public interface Call {
        void run() throws Exception;
    }

    public final Map<String, String> args = new HashMap<>();
    public final String out, webank, wxpay, mchid, bal;

    public BenchLoop(String[] argv) {
        for (String a : argv) {
            int eq = a.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("arguments are key=value (got " + a + ")");
            args.put(a.substring(0, eq), a.substring(eq + 1));
        }
        String[] o = args.get("order").split(",");
        if (o.length != 5) throw new IllegalArgumentException("order= needs OUT,WEBANK,WXPAY,MCHID,BAL");
        out = o[0];
        webank = o[1];
        wxpay = o[2];
        mchid = o[3];
        bal = o[4];
    }

    public static String readJsonString(Path file, String key) throws Exception {
        String text = Files.readString(file);
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(text);
        if (!m.find()) throw new IllegalArgumentException(key + " not found in " + file);
        return m.group(1).replace("\\/", "/");
    }

    static {
        System.load(Path.of(System.getProperty("bench.rusage.lib")).toAbsolutePath().toString());
    }

    private static native long rusageNanos();

    private static long cpuNanos() {
        long t = rusageNanos();
        if (t < 0) throw new IllegalStateException("getrusage failed");
        return t;
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return -1;
    }

    private static long[] section(String body, String name) {
        Matcher s = Pattern.compile("\"" + name + "\"\\s*:\\s*\\{([^}]*)\\}").matcher(body);
        if (!s.find()) throw new IllegalStateException("unexpected /stats answer: " + body);
        Matcher c = Pattern.compile("\"connections\"\\s*:\\s*(\\d+)").matcher(s.group(1));
        Matcher r = Pattern.compile("\"requests\"\\s*:\\s*(\\d+)").matcher(s.group(1));
        if (!c.find() || !r.find()) throw new IllegalStateException("unexpected /stats answer: " + body);
        return new long[] {Long.parseLong(c.group(1)), Long.parseLong(r.group(1))};
    }

    /** {connections, requests} of both listeners, from the sandbox's admin API. */
    private long[] adminStats() throws Exception {
        HttpURLConnection c = (HttpURLConnection) new URL(args.get("admin") + "/stats").openConnection();
        c.setConnectTimeout(30000);
        c.setReadTimeout(30000);
        String body;
        try (InputStream in = c.getInputStream()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
        long[] p = section(body, "primary"), b = section(body, "backup");
        return new long[] {p[0] + b[0], p[1] + b[1]};
    }

    private static double pct(double[] sorted, double p) {
        int i = (int) (p * (sorted.length - 1) + 0.5);
        return sorted[Math.min(Math.max(i, 0), sorted.length - 1)];
    }

    public void run(Call submit, Call query) throws Exception {
        int warmup = Integer.parseInt(args.getOrDefault("warmup", "50"));
        int n = Integer.parseInt(args.getOrDefault("n", "200"));
        String impl = args.getOrDefault("impl", "java");
        submit.run(); // the order's first submit: a new recover under a fresh out_request_no
        for (int i = 0; i < warmup; i++) submit.run();
        for (int i = 0; i < warmup; i++) query.run();
        System.out.println("{\"ready\":true}");
        System.out.flush();
        double[] lat = new double[n];
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null) {
            line = line.trim();
            if (line.isEmpty()) continue;
            if (line.equals("quit")) break;
            if (!line.equals("submit") && !line.equals("query")) throw new IllegalArgumentException("unknown command " + line);
            Call call = line.equals("submit") ? submit : query;
            for (int i = 0; i < 10; i++) call.run(); // re-warm after idling between repetitions
            long[] s0 = adminStats();
            long c0 = cpuNanos(), w0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                call.run();
                lat[i] = (System.nanoTime() - t0) / 1e3;
            }
            long w1 = System.nanoTime(), c1 = cpuNanos();
            long[] s1 = adminStats();
            double[] sorted = lat.clone();
            Arrays.sort(sorted);
            System.out.printf(java.util.Locale.ROOT,
                    "{\"impl\":\"%s\",\"op\":\"%s\",\"threads\":1,\"n\":%d,\"cpu_us\":%.3f,\"wall_us\":%.3f,"
                            + "\"p50_us\":%.1f,\"p99_us\":%.1f,\"rps\":%.2f,\"new_conns\":%d,\"requests\":%d,\"rss_kb\":%d}%n",
                    impl, line, n, (c1 - c0) / 1e3 / n, (w1 - w0) / 1e3 / n, pct(sorted, 0.5), pct(sorted, 0.99),
                    n / ((w1 - w0) / 1e9), s1[0] - s0[0], s1[1] - s0[1], rssKb());
            System.out.flush();
        }
    }
}
