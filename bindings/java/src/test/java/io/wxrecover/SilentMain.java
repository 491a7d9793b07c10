package io.wxrecover;

import java.nio.file.Paths;

/**
 * Run by ExampleTest in a JVM whose class path holds the binding and slf4j-api but no SLF4J
 * provider: makes the library produce lines at every level (a success, a refusal, a lookup)
 * and prints only its own lines, each starting with {@link #PREFIX}. It uses nothing else from
 * the test classes, so the child needs no test dependency.
 *
 * <pre>SilentMain CONFIG WEBANK_NO WXPAY_NO MCHID BAL_ACCOUNT_NO</pre>
 */
public final class SilentMain {
    static final String PREFIX = "silent-main: ";

    private SilentMain() {}

    public static void main(String[] args) throws Exception {
        try (WxRecoverClient c = WxRecoverClient.fromConfigFile(Paths.get(args[0]))) {
            System.out.println(PREFIX + "level at creation " + c.logLevel());
            // Forced: every line the library makes goes up to the (no-op) SLF4J logger.
            c.setLogLevel(LogLevel.TRACE);
            System.out.println(PREFIX + "level set to " + c.logLevel());
            RecoverRequest req = RecoverRequest.builder()
                    .outRequestNo("SILENT" + System.currentTimeMillis() + "N1")
                    .relatedWebankPunishNo(args[1])
                    .relatedWxpayPunishNo(args[2]).mchid(args[3]).balAccountNo(args[4]).build();
            c.submit(req);
            System.out.println(PREFIX + "accepted");
            try {
                c.submit(req.toBuilder()
                        .outRequestNo("SILENT" + System.currentTimeMillis() + "N2").build());
                System.out.println(PREFIX + "second number accepted");
            } catch (WxRecoverException e) {
                System.out.println(PREFIX + "refused " + e.code());
            }
            c.query(req.outRequestNo(), req.mchid());
            System.out.println(PREFIX + "queried");
        }
    }
}
