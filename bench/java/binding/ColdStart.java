import io.wxrecover.RecoverAccepted;
import io.wxrecover.RecoverRequest;
import io.wxrecover.WxRecoverClient;
import java.nio.file.Path;

/**
 * Cold start through the Java binding: the JVM starts, loads the JNI glue and the library,
 * reads the configuration and keys, opens TLS, submits one recover and exits
 * (bench/coldstart.py times the process from outside).
 *
 * <pre>
 * java -Dwx.recover.jni.path=.../libwx_recover_jni.so -cp ... ColdStart CLIENT.json OUT,WEBANK,WXPAY,MCHID,BAL
 * </pre>
 */
public final class ColdStart {
    public static void main(String[] argv) throws Exception {
        String[] o = argv[1].split(",");
        try (WxRecoverClient client = WxRecoverClient.fromConfigFile(Path.of(argv[0]))) {
            RecoverAccepted a = client.submit(RecoverRequest.builder()
                    .outRequestNo(o[0])
                    .relatedWebankPunishNo(o[1])
                    .relatedWxpayPunishNo(o[2])
                    .mchid(o[3])
                    .balAccountNo(o[4])
                    .recoverReason("cold start")
                    .build());
            System.out.println(a.wxpayRecoverNo());
        }
    }
}
