package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** parseNotification against notifications signed by the sandbox, genuine and tampered. */
class NotificationTest {
    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "20", "--rate-limit-per-minute", "0");

    /** Headers and body of a notification the sandbox signed (request: admin JSON). */
    @SuppressWarnings("unchecked")
    static Map.Entry<Map<String, String>, byte[]> signed(Map<String, Object> request)
            throws Exception {
        Map<String, Object> v = JsonSupport.parseObject(
                sb.admin("POST", "/sign-notification", JsonSupport.write(request)));
        Map<String, String> headers = new HashMap<>();
        ((Map<String, Object>) v.get("headers")).forEach((k, x) -> headers.put(k, (String) x));
        byte[] body = ((String) v.get("body")).getBytes(StandardCharsets.UTF_8);
        return new AbstractMap.SimpleImmutableEntry<>(headers, body);
    }

    static Map<String, Object> plain() {
        Map<String, Object> pt = new LinkedHashMap<>();
        pt.put("wxpay_recover_no", "WXR-JAVA");
        pt.put("out_request_no", "JAVA-N-1");
        pt.put("recover_state", "SUCCESS");
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("plaintext", pt);
        return req;
    }

    @Test
    void genuineNotificationIsVerifiedAndDecrypted() throws Exception {
        WxRecoverClient client = sb.client();
        Map.Entry<Map<String, String>, byte[]> n = signed(plain());
        WxNotification got = client.parseNotification(n.getKey(), n.getValue());
        assertEquals("RECOVER.SUCCESS", got.eventType());
        assertEquals("encrypt-resource", got.resourceType());
        assertEquals("recover_order", got.originalType());
        assertFalse(got.id().isEmpty());
        Map<String, Object> resource = JsonSupport.parseObject(got.plaintext());
        assertEquals("JAVA-N-1", resource.get("out_request_no"));
        assertEquals("WXR-JAVA", resource.get("wxpay_recover_no"));
        // Header names are matched case-insensitively.
        Map<String, String> lower = new HashMap<>();
        n.getKey().forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        assertEquals(got.id(), client.parseNotification(lower, n.getValue()).id());
    }

    @Test
    void tamperedBodyIsUnverified() throws Exception {
        WxRecoverClient client = sb.client();
        Map.Entry<Map<String, String>, byte[]> n = signed(plain());
        byte[] body = n.getValue().clone();
        String text = new String(body, StandardCharsets.UTF_8);
        int at = text.indexOf("RECOVER.SUCCESS");
        body[at] = (byte) 'X';
        WxRecoverException e = assertThrows(WxRecoverException.class,
                () -> client.parseNotification(n.getKey(), body));
        assertEquals(WxStatus.UNVERIFIED, e.status());
        assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
        assertFalse(e.getMessage().contains("WXR-JAVA"));

        Map<String, Object> stale = plain();
        stale.put("timestamp_offset_s", -600);
        Map.Entry<Map<String, String>, byte[]> s = signed(stale);
        e = assertThrows(WxRecoverException.class,
                () -> client.parseNotification(s.getKey(), s.getValue()));
        assertEquals(WxStatus.UNVERIFIED, e.status());

        Map<String, String> missing = new HashMap<>(n.getKey());
        missing.remove("Wechatpay-Signature");
        e = assertThrows(WxRecoverException.class,
                () -> client.parseNotification(missing, n.getValue()));
        assertEquals(WxStatus.UNVERIFIED, e.status());
    }

    @Test
    void tamperedCiphertextAndBadEnvelopesAreBadResponses() throws Exception {
        WxRecoverClient client = sb.client();
        Map.Entry<Map<String, String>, byte[]> n = signed(plain());
        String text = new String(n.getValue(), StandardCharsets.UTF_8);
        int at = text.indexOf("\"ciphertext\":\"") + 14;
        char c = text.charAt(at) == 'A' ? 'B' : 'A';
        String tampered = text.substring(0, at) + c + text.substring(at + 1);
        Map.Entry<Map<String, String>, byte[]> t = signed(Jdk8Support.map("body", tampered));
        WxRecoverException e = assertThrows(WxRecoverException.class,
                () -> client.parseNotification(t.getKey(), t.getValue()));
        assertEquals(WxStatus.BAD_RESPONSE, e.status());
        assertTrue(e.getMessage().contains("AES-GCM"), e.getMessage());

        Map.Entry<Map<String, String>, byte[]> j = signed(Jdk8Support.map("body", "{not json"));
        e = assertThrows(WxRecoverException.class,
                () -> client.parseNotification(j.getKey(), j.getValue()));
        assertEquals(WxStatus.BAD_RESPONSE, e.status());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());

        assertThrows(WxRecoverException.class, () -> client.parseNotification(null, new byte[0]));
        assertThrows(WxRecoverException.class,
                () -> client.parseNotification(Collections.<String, String>emptyMap(), null));
    }
}
