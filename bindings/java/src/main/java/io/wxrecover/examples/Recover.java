package io.wxrecover.examples;

import io.wxrecover.RecoverAccepted;
import io.wxrecover.RecoverOrder;
import io.wxrecover.RecoverRequest;
import io.wxrecover.WxRecoverClient;
import io.wxrecover.WxRecoverException;
import java.nio.file.Paths;

/**
 * Submits one recover (解管) and polls it until it is final (at most 30 s).
 *
 * <pre>
 * java -Dwx.recover.jni.path=target/native/libwx_recover_jni.so -cp target/classes \
 *     io.wxrecover.examples.Recover CONFIG OUT_REQUEST_NO WEBANK_NO WXPAY_NO MCHID BAL_ACCOUNT_NO [REASON]
 * </pre>
 *
 * Exit status: 0 SUCCESS, 1 FAILED or not final in time, 2 usage, 3 a call failed.
 */
public final class Recover {
    private static final long POLL_LIMIT_MS = 30_000;

    private Recover() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 6 || args.length > 7) {
            System.err.println("usage: Recover CONFIG OUT_REQUEST_NO WEBANK_NO WXPAY_NO MCHID"
                    + " BAL_ACCOUNT_NO [REASON]");
            System.exit(2);
        }
        RecoverRequest request = RecoverRequest.builder()
                .outRequestNo(args[1])
                .relatedWebankPunishNo(args[2])
                .relatedWxpayPunishNo(args[3])
                .mchid(args[4])
                .balAccountNo(args[5])
                .recoverReason(args.length > 6 ? args[6] : null)
                .build();
        int rc;
        try (WxRecoverClient client = WxRecoverClient.fromConfigFile(Paths.get(args[0]))) {
            RecoverAccepted accepted = client.submit(request);
            System.out.println("accepted: wxpay_recover_no=" + accepted.wxpayRecoverNo()
                    + " Request-ID=" + accepted.requestId() + " attempts=" + accepted.attempts());

            long deadline = System.nanoTime() + POLL_LIMIT_MS * 1_000_000L;
            long pause = 200;
            RecoverOrder order = client.query(request.outRequestNo(), request.mchid());
            while (!order.state().isFinal() && System.nanoTime() < deadline) {
                Thread.sleep(pause);
                pause = Math.min(pause * 2, 2_000);
                order = client.query(request.outRequestNo(), request.mchid());
            }
            System.out.println("state: " + order.recoverState() + " Request-ID=" + order.requestId());
            switch (order.state()) {
                case SUCCESS:
                    System.out.println("recovered at " + order.recoverFinishTime());
                    rc = 0;
                    break;
                case FAILED:
                    System.out.println("failed: " + order.errorCode() + " " + order.errorMessage());
                    rc = 1;
                    break;
                default:
                    System.out.println("not final after " + POLL_LIMIT_MS / 1000
                            + " s; query again later with the same out_request_no");
                    rc = 1;
                    break;
            }
        } catch (WxRecoverException e) {
            System.err.println("error: " + e.status() + " http=" + e.httpStatus() + " code="
                    + e.code() + " retry_safe=" + e.isRetrySafe() + " Request-ID=" + e.requestId()
                    + ": " + e.getMessage());
            rc = 3;
        }
        System.exit(rc);
    }
}
