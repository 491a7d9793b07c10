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
 * JVM's own process CPU clock ticks in 10 ms steps here. "threads_us" splits the same CPU by
 * thread group (see threadNanos), so that the JVM's own threads' share can be seen.
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
        // The listener's own object is the one with "connections" ("faults_fired" has a
        // "primary" object too).
        Matcher s = Pattern.compile("\"" + name + "\"\\s*:\\s*\\{([^}]*)\\}").matcher(body);
        while (s.find()) {
            Matcher c = Pattern.compile("\"connections\"\\s*:\\s*(\\d+)").matcher(s.group(1));
            Matcher r = Pattern.compile("\"requests\"\\s*:\\s*(\\d+)").matcher(s.group(1));
            if (c.find() && r.find()) {
                return new long[] {Long.parseLong(c.group(1)), Long.parseLong(r.group(1))};
            }
        }
        throw new IllegalStateException("unexpected /stats answer: " + body);
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

    /**
     * CPU time of every thread of this process, in ns, by group, from each task's
     * /proc/self/task/TID/schedstat (time on CPU, ns) and comm (its name): "caller" is the
     * thread running the loop (the JVM's main thread is named "java"), "runtime" the native
     * library's HTTP runtime thread, "jit" the compiler threads, "gc" the collector's, "other"
     * the rest of the JVM's. Read outside the timed window.
     */
    private static Map<String, Long> threadNanos() {
        Map<String, Long> by = new HashMap<>();
        for (String g : new String[] {"caller", "runtime", "jit", "gc", "other"}) by.put(g, 0L);
        java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
        if (tasks == null) return by;
        for (java.io.File t : tasks) {
            try {
                String comm = Files.readString(t.toPath().resolve("comm")).trim();
                long ns = Long.parseLong(Files.readString(t.toPath().resolve("schedstat")).trim().split(" ")[0]);
                String g = comm.equals("java") ? "caller"
                        : comm.startsWith("reqwest") ? "runtime"
                        : comm.contains("Compiler") ? "jit"
                        : comm.startsWith("G1") || comm.startsWith("GC") ? "gc" : "other";
                by.merge(g, ns, Long::sum);
            } catch (java.io.IOException | RuntimeException e) {
                // a thread that ended between listing and reading: its time is not counted
            }
        }
        return by;
    }

    private static String threadsJson(Map<String, Long> a, Map<String, Long> b, int n) {
        StringBuilder sb = new StringBuilder("{");
        for (String g : new String[] {"caller", "runtime", "jit", "gc", "other"}) {
            if (sb.length() > 1) sb.append(',');
            sb.append(String.format(java.util.Locale.ROOT, "\"%s\":%.3f", g, (b.get(g) - a.get(g)) / 1e3 / n));
        }
        return sb.append('}').toString();
    }

    private static double pct(double[] sorted, double p) {
        int i = (int) (p * (sorted.length - 1) + 0.5);
        return sorted[Math.min(Math.max(i, 0), sorted.length - 1)];
    }

    /** n calls, each one's wall latency in µs into lat[0..n). */
    private static void timed(Call call, int n, double[] lat) throws Exception {
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            call.run();
            lat[i] = (System.nanoTime() - t0) / 1e3;
        }
    }

    public void run(Call submit, Call query) throws Exception {
        int warmup = Integer.parseInt(args.getOrDefault("warmup", "50"));
        int n = Integer.parseInt(args.getOrDefault("n", "200"));
        String impl = args.getOrDefault("impl", "java");
        submit.run(); // the order's first submit: a new recover under a fresh out_request_no
        // Warm-up through the same loop as the timed repetitions, submits and queries alternating
        // in chunks: its call site then sees both calls before the JIT compiles it, and is not
        // deoptimised and recompiled when the first timed query follows the first timed submit.
        double[] lat = new double[Math.max(n, 100)];
        int calls = 0;
        for (int done = 0; done < warmup; done += 100) {
            int k = Math.min(100, warmup - done);
            timed(submit, k, lat);
            timed(query, k, lat);
            calls += k;
        }
        // Then on until the JIT has compiled nothing for 10 chunks in a row (HotSpot's C2
        // thresholds are reached only after a few thousand calls of a query's per-field loop, and
        // its compilations come in bursts), at most 60 more chunks.
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        int quiet = 0;
        for (int chunk = 0; chunk < 60 && quiet < 10 && jit != null && jit.isCompilationTimeMonitoringSupported();
                chunk++) {
            long before = jit.getTotalCompilationTime();
            // The repetition's own bookkeeping too: compiled in the background, it would
            // otherwise be compiled during the first timed loops.
            Map<String, Long> t0s = threadNanos();
            long[] s0 = adminStats();
            long c0 = cpuNanos();
            timed(submit, 100, lat);
            timed(query, 100, lat);
            calls += 100;
            String.format(java.util.Locale.ROOT, "%d %d %.3f %s", adminStats()[0] - s0[0], rssKb(),
                    (cpuNanos() - c0) / 1e3, threadsJson(t0s, threadNanos(), 100));
            quiet = jit.getTotalCompilationTime() == before ? quiet + 1 : 0;
        }
        System.out.println("{\"ready\":true,\"warmup_calls\":" + calls + "}");
        System.out.flush();
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
            Map<String, Long> t0s = threadNanos();
            long c0 = cpuNanos(), w0 = System.nanoTime();
            timed(call, n, lat);
            long w1 = System.nanoTime(), c1 = cpuNanos();
            Map<String, Long> t1s = threadNanos();
            long[] s1 = adminStats();
            double[] sorted = Arrays.copyOf(lat, n);
            Arrays.sort(sorted);
            System.out.printf(java.util.Locale.ROOT,
                    "{\"impl\":\"%s\",\"op\":\"%s\",\"threads\":1,\"n\":%d,\"cpu_us\":%.3f,\"wall_us\":%.3f,"
                            + "\"p50_us\":%.1f,\"p99_us\":%.1f,\"rps\":%.2f,\"new_conns\":%d,\"requests\":%d,\"rss_kb\":%d,"
                            + "\"threads_us\":%s}%n",
                    impl, line, n, (c1 - c0) / 1e3 / n, (w1 - w0) / 1e3 / n, pct(sorted, 0.5), pct(sorted, 0.99),
                    n / ((w1 - w0) / 1e9), s1[0] - s0[0], s1[1] - s0[1], rssKb(), threadsJson(t0s, t1s, n));
            System.out.flush();
        }
    }
}
