import io.wxrecover.RecoverAccepted;
import io.wxrecover.RecoverOrder;
import io.wxrecover.RecoverRequest;
import io.wxrecover.WxRecoverClient;
import io.wxrecover.WxRecoverException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;

/**
 * The Java check of tests/portable/oldsys.sh: one recover through the shipped jar on an old
 * JVM. Compiled on the build host with {@code javac --release 8}, run on the old system.
 *
 * <pre>
 * java -cp wx-recover.jar:slf4j-api.jar:CLASSES OldSysRecover CONFIG OUT_REQUEST_NO WEBANK_NO WXPAY_NO MCHID \
 *     &lt;&lt;&lt; "$bal_account_no"
 * </pre>
 *
 * The plaintext bal_account_no is read from the first line of standard input so that it never
 * appears in a command line. Prints {@code library=VERSION}, {@code wxpay_recover_no=...} and
 * {@code state=...}; exit status 0 on acceptance, 2 usage, 3 a call failed.
 */
public final class OldSysRecover {
    private OldSysRecover() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: OldSysRecover CONFIG OUT_REQUEST_NO WEBANK_NO WXPAY_NO MCHID"
                    + " (bal_account_no on stdin)");
            System.exit(2);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String bal = in.readLine();
        if (bal == null || bal.isEmpty()) {
            System.err.println("OldSysRecover: no bal_account_no on standard input");
            System.exit(2);
        }
        System.out.println("java=" + System.getProperty("java.version"));
        System.out.println("library=" + WxRecoverClient.libraryVersion());
        RecoverRequest request = RecoverRequest.builder()
                .outRequestNo(args[1])
                .relatedWebankPunishNo(args[2])
                .relatedWxpayPunishNo(args[3])
                .mchid(args[4])
                .balAccountNo(bal)
                .build();
        try (WxRecoverClient client = WxRecoverClient.fromConfigFile(Paths.get(args[0]))) {
            RecoverAccepted accepted = client.submit(request);
            System.out.println("wxpay_recover_no=" + accepted.wxpayRecoverNo());
            RecoverOrder order = client.query(request.outRequestNo(), request.mchid());
            System.out.println("state=" + order.recoverState());
        } catch (WxRecoverException e) {
            System.err.println("OldSysRecover: " + e.status() + " http=" + e.httpStatus()
                    + " code=" + e.code() + ": " + e.getMessage());
            System.exit(3);
        }
    }
}
