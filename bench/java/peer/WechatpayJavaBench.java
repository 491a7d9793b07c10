import com.google.gson.Gson;
import com.wechat.pay.java.core.RSAPublicKeyConfig;
import com.wechat.pay.java.core.cipher.PrivacyEncryptor;
import com.wechat.pay.java.core.http.DefaultHttpClientBuilder;
import com.wechat.pay.java.core.http.HttpClient;
import com.wechat.pay.java.core.http.HttpMethod;
import com.wechat.pay.java.core.http.HttpRequest;
import com.wechat.pay.java.core.http.HttpResponse;
import com.wechat.pay.java.core.http.JsonRequestBody;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * Benchmark driver for the official SDK wechatpay-java (Maven Central), public-key mode.
 *
 * <pre>
 * java -cp SDK_CLASSPATH:... WechatpayJavaBench sandbox=SANDBOX.json \
 *     order=OUT,WEBANK,WXPAY,MCHID,BAL warmup=N n=N admin=URL
 * </pre>
 *
 * The SDK has no service class for control orders, so the driver uses the SDK's own generic
 * HttpClient (the one every service class uses): it signs each request, adds Wechatpay-Serial
 * (the public key id) and verifies every 2xx answer's signature (throwing when it fails). The
 * request URL is the sandbox's primary URL. The SDK is given an OkHttpClient whose TLS trusts
 * only the sandbox CA (DefaultHttpClientBuilder.okHttpClient, the SDK's documented hook);
 * nothing in the SDK is patched or disabled.
 *
 * <p>One transport adaptation: the sandbox (hyper) sends header names in lower case
 * ("wechatpay-timestamp"), which HTTP allows, but the SDK copies OkHttp's headers into a
 * case-sensitive map and looks up "Wechatpay-Timestamp" etc., so against the sandbox it fails
 * every answer with "timestamp[null] ... is invalid". The real platform sends the canonical
 * case. A network interceptor (canonicalHeaderCase) therefore rewrites each response header
 * NAME to its canonical Title-Case spelling; values and body are untouched, and the SDK still
 * verifies every answer's signature itself. bal_account_no is encrypted on each submit with
 * the SDK's PrivacyEncryptor (RSA-OAEP with the WeChat Pay public key).
 */
public final class WechatpayJavaBench {
    static final String RECOVER = "/v3/aggracct-bc/wb-channel/control-orders/recover";
    static final String QUERY = "/v3/aggracct-bc/wb-channel/control-orders/";

    /** The fields of the answers the driver checks. */
    static final class RecoverAnswer {
        String wxpay_recover_no;
        String out_request_no;
    }

    static final class QueryAnswer {
        Map<String, Object> recover_order;
    }

    static OkHttpClient trustingOnly(Path caPem) throws Exception {
        X509Certificate ca;
        try (InputStream in = Files.newInputStream(caPem)) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("sandbox-ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        X509TrustManager tm = (X509TrustManager) tmf.getTrustManagers()[0];
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {tm}, null);
        return new OkHttpClient.Builder()
                .sslSocketFactory(ctx.getSocketFactory(), tm)
                .addNetworkInterceptor(WechatpayJavaBench::canonicalHeaderCase)
                .build();
    }

    /** "wechatpay-timestamp" -> "Wechatpay-Timestamp"; see the class comment. */
    static okhttp3.Response canonicalHeaderCase(okhttp3.Interceptor.Chain chain) throws java.io.IOException {
        okhttp3.Response r = chain.proceed(chain.request());
        okhttp3.Headers.Builder h = new okhttp3.Headers.Builder();
        for (int i = 0; i < r.headers().size(); i++) {
            h.add(titleCase(r.headers().name(i)), r.headers().value(i));
        }
        return r.newBuilder().headers(h.build()).build();
    }

    static String titleCase(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        boolean up = true;
        for (char c : name.toCharArray()) {
            sb.append(up ? Character.toUpperCase(c) : Character.toLowerCase(c));
            up = c == '-';
        }
        return sb.toString();
    }

    public static void main(String[] argv) throws Exception {
        BenchLoop b = new BenchLoop(argv);
        b.args.putIfAbsent("impl", "wechatpay-java");
        Path sandbox = Path.of(b.args.get("sandbox"));
        String primary = BenchLoop.readJsonString(sandbox, "primary_url");

        RSAPublicKeyConfig config = new RSAPublicKeyConfig.Builder()
                .merchantId(BenchLoop.readJsonString(sandbox, "mchid"))
                .privateKeyFromPath(BenchLoop.readJsonString(sandbox, "merchant_private_key"))
                .merchantSerialNumber(BenchLoop.readJsonString(sandbox, "merchant_serial_no"))
                .publicKeyFromPath(BenchLoop.readJsonString(sandbox, "wechatpay_public_key"))
                .publicKeyId(BenchLoop.readJsonString(sandbox, "wechatpay_public_key_id"))
                .apiV3Key(BenchLoop.readJsonString(sandbox, "apiv3_key"))
                .build();
        HttpClient http = new DefaultHttpClientBuilder()
                .config(config)
                .okHttpClient(trustingOnly(Path.of(BenchLoop.readJsonString(sandbox, "ca_cert"))))
                .build();
        PrivacyEncryptor encryptor = config.createEncryptor();
        Gson gson = new Gson();
        String queryUrl = primary + QUERY + b.out + "?control_type=RECOVER&mchid=" + b.mchid;

        b.run(() -> {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("out_request_no", b.out);
            body.put("related_webank_punish_no", b.webank);
            body.put("related_wxpay_punish_no", b.wxpay);
            body.put("mchid", b.mchid);
            body.put("bal_account_no", encryptor.encrypt(b.bal));
            body.put("recover_reason", "bench");
            HttpRequest req = new HttpRequest.Builder()
                    .httpMethod(HttpMethod.POST)
                    .url(primary + RECOVER)
                    .addHeader("Accept", "application/json")
                    .addHeader("Content-Type", "application/json")
                    .body(new JsonRequestBody.Builder().body(gson.toJson(body)).build())
                    .build();
            HttpResponse<RecoverAnswer> resp = http.execute(req, RecoverAnswer.class);
            RecoverAnswer a = resp.getServiceResponse();
            if (a == null || a.wxpay_recover_no == null || !b.out.equals(a.out_request_no)) {
                throw new IllegalStateException("unexpected recover answer");
            }
        }, () -> {
            HttpRequest req = new HttpRequest.Builder()
                    .httpMethod(HttpMethod.GET)
                    .url(queryUrl)
                    .addHeader("Accept", "application/json")
                    .build();
            QueryAnswer a = http.execute(req, QueryAnswer.class).getServiceResponse();
            if (a == null || a.recover_order == null || a.recover_order.get("recover_state") == null) {
                throw new IllegalStateException("unexpected query answer");
            }
        });
    }
}
