package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 10,000 cheap calls through every kind of native object (owned strings, orders, errors,
 * request buffers) with resident memory stable after warm-up. Large arguments make a leaked
 * glue buffer visible well above the bound.
 */
class LeakTest {
    static final long BOUND_BYTES = 16L << 20;

    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "200", "--rate-limit-per-minute", "0");

    static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                String kb = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
                return Long.parseLong(kb) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    static long settledRss() throws Exception {
        for (int k = 0; k < 3; k++) {
            System.gc();
            Thread.sleep(50);
        }
        return rssBytes();
    }

    @Test
    void tenThousandCallsKeepResidentMemoryStable() throws Exception {
        try (WxRecoverClient client = sb.unlimitedClient()) {
            Sandbox.Order o = sb.takeOrder(true);
            RecoverRequest done = Sandbox.requestFor(o, Jdk8Support.repeat("原因", 100));
            client.submit(done);
            RecoverRequest bad = done.toBuilder().outRequestNo(o.webankNo())
                    .recoverReason(Jdk8Support.repeat("理由", 120)).build();
            byte[] body = new byte[64 * 1024];
            String plain = Jdk8Support.repeat("6", 200);

            long at1000 = 0;
            int errors = 0;
            for (int i = 1; i <= 10_000; i++) {
                switch (i % 10) {
                    case 0: { // HTTPS query: an order handle and its strings
                        RecoverOrder q = client.query(done.outRequestNo(), o.mchid());
                        assertEquals(done.recoverReason(), q.recoverReason());
                        break;
                    }
                    case 5: // HTTPS query answered 404: an error with code and Request-ID
                        try {
                            client.query("LEAK" + i, o.mchid());
                        } catch (WxRecoverException e) {
                            errors++;
                        }
                        break;
                    case 1:
                    case 4:
                    case 7: // validation failure: six request buffers and an error
                        try {
                            client.submit(bad);
                        } catch (WxRecoverException e) {
                            errors++;
                        }
                        break;
                    case 2:
                    case 8:
                        client.authorization("POST", "/v3/leak?i=" + i, body);
                        break;
                    default:
                        client.encrypt(plain);
                        break;
                }
                if (i == 1_000) {
                    at1000 = settledRss();
                }
            }
            long at10000 = settledRss();
            long growth = at10000 - at1000;
            System.out.printf("LeakTest: VmRSS at 1,000 calls %d KiB, at 10,000 calls %d KiB,"
                    + " growth %d KiB%n", at1000 >> 10, at10000 >> 10, growth >> 10);
            assertEquals(4_000, errors);
            assertTrue(growth < BOUND_BYTES, "VmRSS grew by " + (growth >> 10) + " KiB");
        }
    }
}
