import io.wxrecover.RecoverAccepted;
import io.wxrecover.RecoverRequest;
import io.wxrecover.WxRecoverClient;
import io.wxrecover.WxRecoverException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * A Java process of the quota fleet test (fleet.py; the others are child.c and child.py): submits
 * its orders from several threads through one client, via the JNI binding, and writes one result
 * line per order.
 *
 * <pre>java -cp CLASSES -Dwx.recover.jni.path=GLUE FleetChild CONFIG ORDERS_FILE THREADS RESULTS_FILE</pre>
 *
 * Same files as child.c: result lines are "out_request_no status attempts elapsed_ms message"
 * (status 0 = accepted; message at most 300 characters, "-" when accepted).
 */
public final class FleetChild {
    private static final int MAX_MESSAGE = 300;

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: FleetChild CONFIG ORDERS_FILE THREADS RESULTS_FILE");
            System.exit(2);
        }
        List<String[]> orders = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
            if (!line.trim().isEmpty()) {
                orders.add(line.trim().split("\\s+"));
            }
        }
        int threads = Integer.parseInt(args[2]);
        String[] results = new String[orders.size()];
        WxRecoverClient opened;
        try {
            opened = WxRecoverClient.fromConfigFile(Paths.get(args[0]));
        } catch (WxRecoverException e) {
            System.err.println("FleetChild: client: " + e.getMessage());
            System.exit(1);
            return;
        }
        try (WxRecoverClient client = opened) {
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final int first = t;
                Thread th = new Thread(() -> {
                    for (int i = first; i < orders.size(); i += threads) {
                        results[i] = submit(client, orders.get(i));
                    }
                });
                th.start();
                ts.add(th);
            }
            for (Thread th : ts) {
                th.join();
            }
        }
        StringBuilder out = new StringBuilder();
        for (String r : results) {
            out.append(r).append('\n');
        }
        try {
            Files.write(Paths.get(args[3]), out.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            System.err.println("FleetChild: " + args[3] + ": " + e.getMessage());
            System.exit(1);
        }
    }

    private static String submit(WxRecoverClient client, String[] o) {
        RecoverRequest req = RecoverRequest.builder().outRequestNo(o[0]).relatedWebankPunishNo(o[1])
                .relatedWxpayPunishNo(o[2]).mchid(o[3]).balAccountNo(o[4]).recoverReason("quota fleet")
                .build();
        long started = System.nanoTime();
        int status;
        int attempts;
        String message;
        try {
            RecoverAccepted a = client.submit(req);
            status = 0;
            attempts = a.attempts();
            message = "-";
        } catch (WxRecoverException e) {
            status = e.statusCode();
            attempts = e.attempts();
            String m = e.getMessage() == null || e.getMessage().isEmpty() ? "(no message)" : e.getMessage();
            m = m.replace('\n', ' ').replace('\r', ' ');
            message = m.length() > MAX_MESSAGE ? m.substring(0, MAX_MESSAGE) : m;
        }
        long elapsed = (System.nanoTime() - started) / 1_000_000;
        return o[0] + " " + status + " " + attempts + " " + elapsed + " " + message;
    }
}
