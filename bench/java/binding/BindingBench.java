import io.wxrecover.RecoverAccepted;
import io.wxrecover.RecoverOrder;
import io.wxrecover.RecoverRequest;
import io.wxrecover.RecoverState;
import io.wxrecover.WxRecoverClient;
import java.nio.file.Path;

/**
 * Benchmark driver for the Java binding (bindings/java, JNI over the C ABI); the same workload
 * as bench/driver.c.
 *
 * <pre>
 * java -Dwx.recover.jni.path=.../libwx_recover_jni.so -cp ... BindingBench config=CLIENT.json \
 *     order=OUT,WEBANK,WXPAY,MCHID,BAL warmup=N n=N admin=URL
 * </pre>
 */
public final class BindingBench {
    public static void main(String[] argv) throws Exception {
        BenchLoop b = new BenchLoop(argv);
        b.args.putIfAbsent("impl", "java");
        try (WxRecoverClient client = WxRecoverClient.fromConfigFile(Path.of(b.args.get("config")))) {
            RecoverRequest req = RecoverRequest.builder()
                    .outRequestNo(b.out)
                    .relatedWebankPunishNo(b.webank)
                    .relatedWxpayPunishNo(b.wxpay)
                    .mchid(b.mchid)
                    .balAccountNo(b.bal)
                    .recoverReason("bench")
                    .build();
            b.run(() -> {
                RecoverAccepted a = client.submit(req);
                if (a.attempts() != 1) throw new IllegalStateException("a submit needed " + a.attempts() + " attempts");
            }, () -> {
                RecoverOrder o = client.query(b.out, b.mchid);
                if (o.state() == RecoverState.UNKNOWN) throw new IllegalStateException("unknown state");
            });
        }
    }
}
