package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** wechatpaySerial() asks the library each time: it follows a certificate rotation. */
class WechatpaySerialTest {
    // The sandbox signs the certificate download with a certificate, as the platform does.
    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "10", "--rate-limit-per-minute", "0",
            "--certificates-signed-by-certificate");

    /** Certificate-download mode: the APIv3 key is the only WeChat Pay key configured. */
    private static String downloadConfig(Map<String, Object> overrides) throws Exception {
        Map<String, Object> cfg = new LinkedHashMap<>(
                JsonSupport.parseObject(Jdk8Support.readString(sb.clientConfigPath())));
        cfg.remove("wechatpay_public_key");
        cfg.remove("wechatpay_public_key_id");
        cfg.remove("platform_certificate");
        cfg.put("rate_limit_per_minute", 0);
        cfg.putAll(overrides);
        return JsonSupport.write(cfg);
    }

    @Test
    void serialFollowsACertificateRotation() throws Exception {
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(downloadConfig(Jdk8Support.map()))) {
            Sandbox.Order o = sb.takeOrder(true);
            RecoverAccepted a = c.submit(Sandbox.requestFor(o, null));
            String first = c.wechatpaySerial();
            assertEquals(sb.get("platform_certificate_serial"), first);

            // The platform now signs with a new certificate: the next verified answer makes the
            // library download it, and the serial the client sends changes with it.
            Map<String, Object> rotated = JsonSupport.parseObject(
                    sb.admin("POST", "/rotate-certificate", "{}"));
            String next = (String) rotated.get("serial_no");
            assertNotEquals(first, next);
            c.query(a.outRequestNo(), o.mchid());
            assertEquals(next, c.wechatpaySerial());
            // And a submit encrypts for the new certificate.
            RecoverAccepted b = c.submit(Sandbox.requestFor(sb.takeOrder(true), null));
            assertEquals(1, b.attempts());
        }
    }

    @Test
    void serialIsNullWhenNoKeyCanBeHad() throws Exception {
        Map<String, Object> dead = new LinkedHashMap<>();
        dead.put("base_url", "https://127.0.0.1:1");
        dead.put("backup_url", "");
        dead.put("max_attempts", 1);
        dead.put("deadline_ms", 3000);
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(downloadConfig(dead))) {
            assertNull(c.wechatpaySerial());
        }
    }

    @Test
    void serialAfterCloseThrows() throws Exception {
        WxRecoverClient c = WxRecoverClient.fromConfigJson(downloadConfig(Jdk8Support.map()));
        c.close();
        assertThrows(IllegalStateException.class, c::wechatpaySerial);
    }
}
