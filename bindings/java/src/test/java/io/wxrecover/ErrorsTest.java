package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/** Every error status the binding can surface, with its fields, against a real sandbox. */
class ErrorsTest {
    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "200", "--rate-limit-per-minute", "0");

    @AfterEach
    void clearFaults() throws Exception {
        sb.reset();
    }

    private static Map<String, Object> fault(String kind, String listener, String path) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kind", kind);
        f.put("count", 1);
        f.put("listener", listener);
        if (path != null) {
            f.put("path", path);
        }
        return f;
    }

    private static WxRecoverException invalid(String field, Executable call) {
        WxRecoverException e = assertThrows(WxRecoverException.class, call);
        assertEquals(WxStatus.INVALID_ARGUMENT, e.status(), e.getMessage());
        assertTrue(e.getMessage().contains(field), "message names " + field + ": " + e.getMessage());
        assertEquals(0, e.attempts(), "nothing was sent");
        assertEquals(0, e.httpStatus());
        assertFalse(e.isRetrySafe());
        return e;
    }

    /** One row of the status table: how to cause the status and every field it must carry. */
    static final class Row {
        final String name;
        final WxStatus status;
        final Map<String, Object> config;
        final Map<String, Object> fault;
        final String call;
        final int httpStatus;
        final String code;
        final boolean retrySafe;
        final int attempts;

        Row(String name, WxStatus status, Map<String, Object> config, Map<String, Object> fault,
                String call, int httpStatus, String code, boolean retrySafe, int attempts) {
            this.name = name;
            this.status = status;
            this.config = config;
            this.fault = fault;
            this.call = call;
            this.httpStatus = httpStatus;
            this.code = code;
            this.retrySafe = retrySafe;
            this.attempts = attempts;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static java.util.stream.Stream<Row> statusTable() {
        Map<String, Object> noBackup = new LinkedHashMap<>();
        noBackup.put("backup_url", "");
        noBackup.put("max_attempts", 1);
        noBackup.put("connect_timeout_ms", 1000);
        noBackup.put("timeout_ms", 300);
        noBackup.put("deadline_ms", 5000);
        Map<String, Object> delay = fault("delay", "primary", null);
        delay.put("ms", 2000);
        return java.util.stream.Stream.of(
                new Row("invalid argument", WxStatus.INVALID_ARGUMENT, Jdk8Support.map(), null, "invalid", 0, null, false, 0),
                new Row("network", WxStatus.NETWORK, noBackup, fault("down", "primary", null), "query", 0, null, true, 1),
                new Row("timeout", WxStatus.TIMEOUT, noBackup, delay, "query", 0, null, true, 1),
                new Row("API 5xx", WxStatus.API, Jdk8Support.map("max_attempts", 1), fault("system_error", "both", null),
                        "query", 500, "SYSTEM_ERROR", true, 1),
                new Row("API 404", WxStatus.API, Jdk8Support.map(), null, "missing", 404, "NOT_FOUND", false, 1),
                new Row("unverified", WxStatus.UNVERIFIED, Jdk8Support.map("max_attempts", 1),
                        fault("bad_signature", "both", null), "query", 200, null, true, 1),
                new Row("rate limited", WxStatus.RATE_LIMITED,
                        Jdk8Support.map("rate_limit_per_minute", 1, "rate_limit_wait_ms", 0), null, "limited", 0, null, true, 0),
                new Row("bad response", WxStatus.BAD_RESPONSE, Jdk8Support.map("max_attempts", 1),
                        fault("non_json", "both", null), "query", 200, null, true, 1));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("statusTable")
    void everyStatusMapsToItsExceptionWithEveryField(Row row) throws Exception {
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(sb.unlimitedConfig(row.config))) {
            Sandbox.Order o = sb.takeOrder(true);
            RecoverRequest req = Sandbox.requestFor(o, null);
            c.submit(req);
            if (row.fault != null) {
                sb.fault(row.fault);
            }
            WxRecoverException e = assertThrows(WxRecoverException.class, () -> {
                switch (row.call) {
                    case "invalid":
                        c.query("", o.mchid());
                        break;
                    case "missing":
                        c.query(Sandbox.newOutRequestNo(), o.mchid());
                        break;
                    case "limited":
                        c.query(req.outRequestNo(), o.mchid());
                        c.query(req.outRequestNo(), o.mchid());
                        break;
                    default:
                        c.query(req.outRequestNo(), o.mchid());
                        break;
                }
            });
            assertEquals(row.status, e.status(), e.toString());
            assertEquals(row.httpStatus, e.httpStatus(), e.toString());
            assertEquals(row.code, e.code(), e.toString());
            assertEquals(row.retrySafe, e.isRetrySafe(), e.toString());
            assertEquals(row.attempts, e.attempts(), e.toString());
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
            if (row.httpStatus != 0) {
                assertNotNull(e.requestId());
                assertTrue(e.getMessage().contains(e.requestId()), e.getMessage());
            } else {
                assertEquals(null, e.requestId());
            }
        }
    }

    @Test
    void configErrorsNameTheKey() throws Exception {
        WxRecoverException e = assertThrows(WxRecoverException.class,
                () -> WxRecoverClient.fromConfigJson(sb.unlimitedConfig(Jdk8Support.map("max_attempts", 0))));
        assertEquals(WxStatus.CONFIG, e.status());
        assertTrue(e.getMessage().contains("max_attempts"), e.getMessage());

        Map<String, Object> cfg = JsonSupport.parseObject(sb.unlimitedConfig(Jdk8Support.map()));
        cfg.remove("merchant_serial_no");
        WxRecoverException missing = assertThrows(WxRecoverException.class,
                () -> WxRecoverClient.fromConfigJson(JsonSupport.write(cfg)));
        assertEquals(WxStatus.CONFIG, missing.status());
        assertTrue(missing.getMessage().contains("merchant_serial_no"), missing.getMessage());

        WxRecoverException badKey = assertThrows(WxRecoverException.class,
                () -> WxRecoverClient.fromConfigJson(sb.unlimitedConfig(
                        Jdk8Support.map("merchant_private_key", "/nonexistent/key.pem"))));
        assertEquals(WxStatus.CONFIG, badKey.status());
        assertTrue(badKey.getMessage().contains("merchant_private_key"), badKey.getMessage());

        WxRecoverException notJson = assertThrows(WxRecoverException.class,
                () -> WxRecoverClient.fromConfigJson("{not json"));
        assertEquals(WxStatus.CONFIG, notJson.status());

        WxRecoverException noFile = assertThrows(WxRecoverException.class,
                () -> WxRecoverClient.fromConfigFile(Paths.get("/nonexistent/wx-client.json")));
        assertEquals(WxStatus.CONFIG, noFile.status());
        assertEquals(0, noFile.attempts());
    }

    @Test
    void nullArgumentsNameTheField() throws Exception {
        WxRecoverClient client = sb.client();
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest ok = Sandbox.requestFor(o, null);
        invalid("request", () -> client.submit(null));
        invalid("out_request_no", () -> client.submit(ok.toBuilder().outRequestNo(null).build()));
        invalid("related_webank_punish_no",
                () -> client.submit(ok.toBuilder().relatedWebankPunishNo(null).build()));
        invalid("related_wxpay_punish_no",
                () -> client.submit(ok.toBuilder().relatedWxpayPunishNo(null).build()));
        invalid("mchid", () -> client.submit(ok.toBuilder().mchid(null).build()));
        invalid("bal_account_no", () -> client.submit(ok.toBuilder().balAccountNo(null).build()));
        invalid("out_request_no", () -> client.query(null, sb.mchid()));
        invalid("mchid", () -> client.query("X1", null));
        invalid("method", () -> client.authorization(null, "/v3/x", null));
        invalid("url", () -> client.authorization("GET", null, null));
        invalid("plaintext", () -> client.encrypt(null));
        invalid("timestamp", () -> client.verify(null, "n", "s", "k", new byte[0]));
        invalid("nonce", () -> client.verify("1", null, "s", "k", new byte[0]));
        invalid("signature", () -> client.verify("1", "n", null, "k", new byte[0]));
        invalid("serial", () -> client.verify("1", "n", "s", null, new byte[0]));
        invalid("config_json", () -> WxRecoverClient.fromConfigJson(null));
        invalid("path", () -> WxRecoverClient.fromConfigFile(null));
    }

    @Test
    void ruleBreakingArgumentsNameTheField() throws Exception {
        WxRecoverClient client = sb.client();
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest ok = Sandbox.requestFor(o, null);
        invalid("out_request_no", () -> client.submit(ok.toBuilder().outRequestNo(Jdk8Support.repeat("X", 65)).build()));
        invalid("out_request_no", () -> client.query(Jdk8Support.repeat("X", 65), sb.mchid()));
        invalid("out_request_no",
                () -> client.submit(ok.toBuilder().outRequestNo(o.webankNo()).build()));
        invalid("out_request_no", () -> client.submit(ok.toBuilder().outRequestNo("").build()));
        invalid("mchid", () -> client.submit(ok.toBuilder().mchid("12\n34").build()));
        invalid("recover_reason",
                () -> client.submit(ok.toBuilder().recoverReason(Jdk8Support.repeat("原", 257)).build()));
        String longBal = Jdk8Support.repeat("9", 215);
        WxRecoverException e = invalid("bal_account_no",
                () -> client.submit(ok.toBuilder().balAccountNo(longBal).build()));
        assertFalse(e.getMessage().contains(longBal), "never echoes the secret");
        invalid("plaintext", () -> client.encrypt(Jdk8Support.repeat("9", 215)));
    }

    @Test
    void embeddedNulAndBrokenUnicodeAreRefusedNotTruncated() throws Exception {
        WxRecoverClient client = sb.client();
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest ok = Sandbox.requestFor(o, null);
        invalid("recover_reason", () -> client.submit(ok.toBuilder().recoverReason("a\0b").build()));
        invalid("out_request_no",
                () -> client.submit(ok.toBuilder().outRequestNo(ok.outRequestNo() + "\0x").build()));
        invalid("bal_account_no", () -> client.submit(
                ok.toBuilder().balAccountNo(o.balAccountNo() + "\0").build()));
        invalid("plaintext", () -> client.encrypt("abc\0"));
        invalid("mchid", () -> client.query("X1", "123\0"));
        invalid("config_json", () -> WxRecoverClient.fromConfigJson("{}\0"));
        invalid("recover_reason",
                () -> client.submit(ok.toBuilder().recoverReason("bad \uD83D surrogate").build()));
    }

    @Test
    void statusesMirrorTheCValues() {
        int[] expected = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        WxStatus[] known = {WxStatus.OK, WxStatus.INVALID_ARGUMENT, WxStatus.CONFIG,
            WxStatus.NETWORK, WxStatus.TIMEOUT, WxStatus.API, WxStatus.UNVERIFIED,
            WxStatus.RATE_LIMITED, WxStatus.BAD_RESPONSE, WxStatus.INTERNAL};
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], known[k].code());
            assertEquals(known[k], WxStatus.fromCode(expected[k]));
        }
        assertEquals(WxStatus.UNKNOWN, WxStatus.fromCode(42));
        assertEquals("unverified response", WxStatus.UNVERIFIED.description());
        assertEquals("unknown status", WxStatus.UNKNOWN.description());
        assertEquals(RecoverState.FAILED, RecoverState.fromCode(3));
        assertEquals(RecoverState.UNKNOWN, RecoverState.fromCode(17));
    }

    @Test
    void toStringNeverShowsTheLedgerId() {
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest req = Sandbox.requestFor(o, null);
        assertFalse(req.toString().contains(o.balAccountNo()), req.toString());
        assertFalse(req.toBuilder().toString().contains(o.balAccountNo()));
        assertTrue(req.toString().contains(req.outRequestNo()));
    }
}
