package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The happy paths and the platform's own answers, against a real sandbox. */
class RecoverFlowTest {
    /** Chinese text plus a supplementary-plane emoji: differs in modified UTF-8. */
    static final String REASON = "风控复核通过,解除管控 😀 ok";

    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "200", "--rate-limit-per-minute", "0");

    @Test
    void submitThenQueryUntilSuccess() throws Exception {
        WxRecoverClient client = sb.client();
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest req = Sandbox.requestFor(o, REASON);
        RecoverAccepted a = client.submit(req);
        assertNotNull(a.wxpayRecoverNo());
        assertFalse(a.wxpayRecoverNo().isEmpty());
        assertEquals(req.outRequestNo(), a.outRequestNo());
        assertNotNull(a.requestId(), "Request-ID of the accepting answer");
        assertEquals(1, a.attempts());

        RecoverOrder order = Sandbox.awaitFinal(client, req.outRequestNo(), o.mchid(), 15_000);
        assertEquals(RecoverState.SUCCESS, order.state());
        assertEquals("SUCCESS", order.recoverState());
        assertEquals(a.wxpayRecoverNo(), order.wxpayRecoverNo());
        assertEquals(req.outRequestNo(), order.outRequestNo());
        assertEquals(o.wxpayNo(), order.relatedWxpayPunishNo());
        assertEquals(o.mchid(), order.mchid());
        assertEquals(REASON, order.recoverReason(), "UTF-8 round trip of recover_reason");
        assertNotNull(order.punishScene());
        assertNotNull(order.punishRuleVersion());
        assertNotNull(order.recoverAcceptTime());
        assertNotNull(order.recoverFinishTime());
        assertNull(order.errorCode());
        assertNull(order.errorMessage());
        assertNotNull(order.requestId());
        assertTrue(order.rawJson().startsWith("{"), order.rawJson());
        assertTrue(order.rawJson().contains(a.wxpayRecoverNo()), order.rawJson());
        assertTrue(order.rawJson().contains("😀"), "raw JSON is real UTF-8: " + order.rawJson());
    }

    @Test
    void failedOutcomeCarriesErrorCodeAndChineseMessage() throws Exception {
        Sandbox.Order o = sb.takeOrder(false);
        RecoverRequest req = Sandbox.requestFor(o, null);
        sb.client().submit(req);
        RecoverOrder order = Sandbox.awaitFinal(sb.client(), req.outRequestNo(), o.mchid(), 15_000);
        assertEquals(RecoverState.FAILED, order.state());
        assertEquals("LEDGER_STATE_ABNORMAL", order.errorCode());
        assertNotNull(order.errorMessage());
        assertTrue(order.errorMessage().contains("台账"), order.errorMessage());
        assertNull(order.recoverReason());
    }

    @Test
    void reentryReturnsTheSameRecoverNumber() throws Exception {
        WxRecoverClient client = sb.client();
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest req = Sandbox.requestFor(o, "re-entry");
        RecoverAccepted first = client.submit(req);
        RecoverAccepted again = client.submit(req.toBuilder().build());
        assertEquals(first.wxpayRecoverNo(), again.wxpayRecoverNo());
        assertEquals(first.outRequestNo(), again.outRequestNo());
    }

    @Test
    void secondOrderNumberForARecoveredOrderIsAlreadyExists() throws Exception {
        WxRecoverClient client = sb.client();
        Sandbox.Order o = sb.takeOrder(true);
        client.submit(Sandbox.requestFor(o, null));
        WxRecoverException e = assertThrows(WxRecoverException.class,
                () -> client.submit(Sandbox.requestFor(o, null)));
        assertEquals(WxStatus.API, e.status());
        assertEquals(5, e.statusCode());
        assertEquals(400, e.httpStatus());
        assertEquals("ALREADY_EXISTS", e.code());
        assertNotNull(e.requestId());
        assertTrue(e.getMessage().contains(e.requestId()), e.getMessage());
        assertFalse(e.isRetrySafe());
        assertEquals(1, e.attempts());
    }

    @Test
    void unknownRecoverIsNotFound404() {
        WxRecoverException e = assertThrows(WxRecoverException.class,
                () -> sb.client().query(Sandbox.newOutRequestNo(), sb.mchid()));
        assertEquals(WxStatus.API, e.status());
        assertEquals(404, e.httpStatus());
        assertEquals("NOT_FOUND", e.code());
        assertNotNull(e.requestId());
    }

    @Test
    void unknownControlOrderIsNotFound404() {
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest req = Sandbox.requestFor(o, null).toBuilder()
                .relatedWebankPunishNo("WB-NO-SUCH-ORDER-1").relatedWxpayPunishNo("WX-NO-SUCH-1")
                .build();
        WxRecoverException e = assertThrows(WxRecoverException.class, () -> sb.client().submit(req));
        assertEquals(WxStatus.API, e.status());
        assertEquals(404, e.httpStatus());
        assertEquals("NOT_FOUND", e.code());
    }

    @Test
    void unknownTargetMerchantIsNotFound400() {
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest req = Sandbox.requestFor(o, null).toBuilder().mchid("1999999999").build();
        WxRecoverException e = assertThrows(WxRecoverException.class, () -> sb.client().submit(req));
        assertEquals(WxStatus.API, e.status());
        assertEquals(400, e.httpStatus());
        assertEquals("NOT_FOUND", e.code());
    }

    @Test
    void configFileClientWorksAndSerialIsThePublicKeyId() throws Exception {
        try (WxRecoverClient c = WxRecoverClient.fromConfigFile(sb.clientConfigPath())) {
            assertEquals(sb.get("wechatpay_public_key_id"), c.wechatpaySerial());
            Sandbox.Order o = sb.takeOrder(true);
            RecoverAccepted a = c.submit(Sandbox.requestFor(o, null));
            assertNotNull(a.wxpayRecoverNo());
        }
        assertFalse(WxRecoverClient.libraryVersion().isEmpty());
    }

    @Test
    void buildInfoNamesTheOpenSslInsideTheNativeAndWhetherItIsBuiltIn() {
        String info = WxRecoverClient.buildInfo();
        assertTrue(info.startsWith("{") && info.endsWith("}"), info);
        assertTrue(info.contains("\"version\":\"" + WxRecoverClient.libraryVersion() + "\""), info);
        assertTrue(info.contains("\"openssl\":\"OpenSSL "), info);
        // make dist and make test link the glue with the portable library (OpenSSL built in);
        // a plain source build links the system's: the pom says which one this run uses.
        boolean vendored = Boolean.parseBoolean(System.getProperty("wx.test.openssl.vendored", "false"));
        assertTrue(info.contains("\"openssl_vendored\":" + vendored), info);
    }

    @Test
    void encryptGivesFreshBase64CiphertextEachTime() throws Exception {
        WxRecoverClient client = sb.client();
        String a = client.encrypt("6222020000000001");
        String b = client.encrypt("6222020000000001");
        assertNotEquals(a, b, "OAEP is randomised");
        assertEquals(256, Base64.getDecoder().decode(a).length, "RSA-2048 ciphertext");
        assertFalse(a.contains("6222020000000001"));
    }

    /**
     * authorization() and verify() used with Java's own HTTP stack: the sandbox accepts the
     * signature we build and the library verifies the sandbox's signed answer.
     */
    @Test
    void authorizationAndVerifyWorkWithAnotherHttpStack() throws Exception {
        WxRecoverClient client = sb.client();
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest req = Sandbox.requestFor(o, null);
        client.submit(req);

        String path = "/v3/aggracct-bc/wb-channel/control-orders/"
                + URLEncoder.encode(req.outRequestNo(), "UTF-8")
                + "?control_type=RECOVER&mchid=" + o.mchid();
        String auth = client.authorization("GET", path, null);
        assertTrue(auth.startsWith("WECHATPAY2-SHA256-RSA2048 "), "scheme");

        HttpsURLConnection http =
                (HttpsURLConnection) new URL(sb.get("primary_url") + path).openConnection();
        byte[] answer;
        String ts;
        String nonce;
        String sig;
        String serial;
        try {
            http.setSSLSocketFactory(trustSandboxCa().getSocketFactory());
            http.setConnectTimeout(5_000);
            http.setReadTimeout(10_000);
            http.setRequestMethod("GET");
            http.setRequestProperty("Authorization", auth);
            http.setRequestProperty("Accept", "application/json");
            http.setRequestProperty("Wechatpay-Serial", client.wechatpaySerial());
            int status = http.getResponseCode();
            try (InputStream in = status >= 400 ? http.getErrorStream() : http.getInputStream()) {
                answer = in == null ? new byte[0] : Jdk8Support.readAll(in);
            }
            assertEquals(200, status, new String(answer, StandardCharsets.UTF_8));
            ts = required(http, "Wechatpay-Timestamp");
            nonce = required(http, "Wechatpay-Nonce");
            sig = required(http, "Wechatpay-Signature");
            serial = required(http, "Wechatpay-Serial");
        } finally {
            http.disconnect();
        }
        final byte[] body = answer;

        client.verify(ts, nonce, sig, serial, body); // verifies

        byte[] tampered = body.clone();
        tampered[tampered.length / 2] ^= 1;
        WxRecoverException e = assertThrows(WxRecoverException.class,
                () -> client.verify(ts, nonce, sig, serial, tampered));
        assertEquals(WxStatus.UNVERIFIED, e.status());

        String garbage = Base64.getEncoder().encodeToString(new byte[256]);
        WxRecoverException wrong = assertThrows(WxRecoverException.class,
                () -> client.verify(ts, nonce, garbage, serial, body));
        assertEquals(WxStatus.UNVERIFIED, wrong.status());

        WxRecoverException untrusted = assertThrows(WxRecoverException.class,
                () -> client.verify(ts, nonce, sig, "PUB_KEY_ID_NOT_TRUSTED", body));
        assertEquals(WxStatus.UNVERIFIED, untrusted.status());
    }

    /** A response header's value; fails the test when the answer has none. */
    private static String required(HttpsURLConnection http, String name) {
        String v = http.getHeaderField(name);
        assertNotNull(v, "answer header " + name);
        return v;
    }

    private static SSLContext trustSandboxCa() throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate ca = (X509Certificate) cf.generateCertificate(
                new ByteArrayInputStream(Files.readAllBytes(Paths.get(sb.get("ca_cert")))));
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("wx-sandbox-ca", ca);
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
