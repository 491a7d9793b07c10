package io.wxrecover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The control order's whole life through the Java binding: place it ({@code punish}), follow it
 * to SUCCESS/ACTIVE ({@code queryPunish}), lift it with a recover naming its numbers (through
 * {@code wx_recover_submit_v2}, with a card number), see RECOVERED; the journal keyed by kind;
 * malformed input refused before anything is sent.
 */
class PunishTest {
    static final String BAL = "6230000000000777002";
    static final String CARD = "6222020000000007778";
    /** Chinese text plus a supplementary-plane emoji: differs in modified UTF-8. */
    static final String REASON = "可疑交易 😀";
    static final String END = "2027-12-31T23:59:59+08:00";

    @RegisterExtension
    static final Sandbox sb = Sandbox.forClass("--orders", "6", "--rate-limit-per-minute", "0",
            "--recover-delay-ms", "100");

    @FunctionalInterface
    interface Poll<T> {
        /** The value once it is there, else null. */
        T get() throws Exception;
    }

    static <T> T until(String what, Poll<T> poll) throws Exception {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            T v = poll.get();
            if (v != null) {
                return v;
            }
            assertTrue(System.nanoTime() < giveUp, what + " never happened");
            Thread.sleep(100);
        }
    }

    static String newPunishNo() {
        return "JAVAP" + Sandbox.newOutRequestNo();
    }

    /** A punish with every field, for a merchant the sandbox knows. */
    static PunishRequest fullRequest(String mchid) {
        return PunishRequest.builder()
                .outRequestNo(newPunishNo())
                .mchid(mchid)
                .balAccountNo(BAL)
                .punishScene(5)
                .punishReason(REASON)
                .punishEndTime(END)
                .cardNo(CARD)
                .sgnNo("SGN-JAVA-1")
                .reqScene(ReqScene.SJT_MICRO_MERCHANT)
                .fundRepatriationStrategy(FundRepatriationStrategy.ALL_FORBIDDEN)
                .build();
    }

    Map<String, Object> punishRecord(String outRequestNo) throws Exception {
        for (Map<String, Object> p : JsonSupport.parseList(sb.admin("GET", "/punishes", null))) {
            if (outRequestNo.equals(p.get("out_request_no"))) {
                return p;
            }
        }
        throw new AssertionError("the sandbox has no punish " + outRequestNo);
    }

    Map<String, Object> recoverRecord(String outRequestNo) throws Exception {
        for (Map<String, Object> r : JsonSupport.parseList(sb.admin("GET", "/recovers", null))) {
            if (outRequestNo.equals(r.get("out_request_no"))) {
                return r;
            }
        }
        throw new AssertionError("the sandbox has no recover " + outRequestNo);
    }

    /** The sandbox's count of HTTP requests on its primary listener, and of punishes recorded. */
    @SuppressWarnings("unchecked")
    List<Long> sandboxCounts() throws Exception {
        Map<String, Object> stats = JsonSupport.parseObject(sb.admin("GET", "/stats", null));
        Map<String, Object> primary = (Map<String, Object>) stats.get("primary");
        return Arrays.asList((Long) primary.get("requests"), (Long) stats.get("punish_records"));
    }

    static byte[] filesUnder(Path dir) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                all.write(Files.readAllBytes(p));
            }
        }
        return all.toByteArray();
    }

    static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }

    @Test
    void aControlIsPlacedFollowedLiftedAndSeenRecovered() throws Exception {
        Path dir = Files.createTempDirectory("wx-java-punish");
        String mchid = sb.takeOrder(true).mchid();
        PunishRequest req = fullRequest(mchid);
        String no = req.outRequestNo();
        try (WxRecoverClient c = WxRecoverClient.fromConfigJson(sb.unlimitedConfig(
                Jdk8Support.map("journal", dir.resolve("j.sqlite").toString())))) {
            WxStats fresh = c.stats();
            assertEquals(0, fresh.punish().requests(), fresh.toString());
            PunishAccepted placed = c.punish(req);
            assertEquals(no, placed.outRequestNo());
            assertTrue(placed.wxpayPunishNo().matches("1[0-9]{24}"), placed.wxpayPunishNo());
            assertNotNull(placed.requestId(), "Request-ID of the accepting answer");
            assertEquals(1, placed.attempts());
            // The punish counts on its own endpoint (wx_recover_endpoint_stats), not on recover.
            WxStats counted = c.stats();
            assertEquals(1, counted.punish().requests(), counted.toString());
            assertEquals(1, counted.punish().attempts(), counted.toString());
            assertEquals(fresh.recover(), counted.recover());
            assertNotEquals(fresh, counted);
            assertTrue(counted.toString().contains(", punish=EndpointStats[requests=1,"), counted.toString());

            // Re-entry: the same request again is the same control order.
            PunishAccepted again = c.punish(req.toBuilder().build());
            assertEquals(placed.wxpayPunishNo(), again.wxpayPunishNo());
            assertEquals(no, again.outRequestNo());

            // The same number with other content: refused by the journal, nothing sent.
            List<Long> before = sandboxCounts();
            WxRecoverException changed = assertThrows(WxRecoverException.class,
                    () -> c.punish(req.toBuilder().punishScene(6).build()));
            assertEquals(WxStatus.INVALID_ARGUMENT, changed.status(), changed.getMessage());
            assertEquals(0, changed.attempts());
            assertEquals(before, sandboxCounts());

            // What reached the platform: both plaintexts as the sandbox decrypts them, the scene
            // as a JSON integer, every optional field.
            Map<String, Object> at = punishRecord(no);
            assertEquals(BAL, at.get("bal_account_no"));
            assertEquals(CARD, at.get("card_no"));
            assertEquals(5L, at.get("punish_scene"));
            assertEquals("integer", at.get("punish_scene_type"));
            assertEquals(REASON, at.get("punish_reason"));
            assertEquals(END, at.get("punish_end_time"));
            assertEquals("SGN-JAVA-1", at.get("sgn_no"));
            assertEquals("SJT_MICRO_MERCHANT", at.get("req_scene"));
            assertEquals("ALL_FORBIDDEN", at.get("fund_repatriation_strategy"));

            PunishOrder active = until("SUCCESS", () -> {
                PunishOrder o = c.queryPunish(no, mchid);
                return o.punishState().isFinal() ? o : null;
            });
            assertEquals(PunishState.SUCCESS, active.punishState(), active.toString());
            assertEquals(EffectState.ACTIVE, active.effectState());
            assertEquals("SUCCESS", active.punishStateText());
            assertEquals("ACTIVE", active.effectStateText());
            assertEquals(placed.wxpayPunishNo(), active.wxpayPunishNo());
            assertEquals(no, active.outRequestNo());
            assertEquals(mchid, active.mchid());
            assertEquals(OptionalLong.of(5), active.punishScene());
            assertEquals(OptionalLong.of(1), active.punishRuleVersion());
            assertEquals(REASON, active.punishReason(), "UTF-8 round trip of punish_reason");
            assertEquals(END, active.punishEndTime());
            assertNotNull(active.punishStartTime());
            assertNotNull(active.punishAcceptTime());
            assertNotNull(active.punishFinishTime());
            assertNull(active.errorCode());
            assertNull(active.errorMessage());
            assertEquals(Arrays.asList("DISABLE_WITHDRAWAL", "DISABLE_PAY"), active.controlAction());
            assertNotNull(active.requestId());
            assertTrue(active.json().startsWith("{") && active.json().contains(placed.wxpayPunishNo()),
                    active.json());
            assertTrue(active.json().contains("😀"), "raw JSON is real UTF-8: " + active.json());
            assertThrows(UnsupportedOperationException.class, () -> active.controlAction().add("X"));

            // The lift: a recover naming the punish's numbers, with the card number (v2).
            RecoverRequest lift = RecoverRequest.builder()
                    .outRequestNo(Sandbox.newOutRequestNo())
                    .relatedWebankPunishNo(placed.outRequestNo())
                    .relatedWxpayPunishNo(placed.wxpayPunishNo())
                    .mchid(mchid)
                    .balAccountNo(BAL)
                    .recoverReason("核实无误")
                    .cardNo(CARD)
                    .build();
            RecoverAccepted lifted = c.submit(lift);
            assertEquals(CARD, recoverRecord(lift.outRequestNo()).get("card_no"),
                    "card_no went through wx_recover_submit_v2, encrypted");
            RecoverOrder done = Sandbox.awaitFinal(c, lift.outRequestNo(), mchid, 15_000);
            assertEquals(RecoverState.SUCCESS, done.state(), done.toString());
            assertEquals(placed.wxpayPunishNo(), done.relatedWxpayPunishNo());

            PunishOrder recovered = until("RECOVERED", () -> {
                PunishOrder o = c.queryPunish(no, mchid);
                return o.effectState() == EffectState.RECOVERED ? o : null;
            });
            assertEquals(PunishState.SUCCESS, recovered.punishState());
            assertEquals("RECOVERED", recovered.effectStateText());
            assertEquals(placed.wxpayPunishNo(), recovered.wxpayPunishNo());

            // The journal: one entry of each kind, found by kind.
            JournalEntry entry = c.journalEntry(no, JournalKind.PUNISH).get();
            assertEquals(JournalKind.PUNISH, entry.kind());
            assertEquals(placed.wxpayPunishNo(), entry.platformNo());
            assertEquals(no, entry.outRequestNo());
            assertEquals(mchid, entry.mchid());
            assertNull(entry.wxpayRecoverNo(), "a punish has no wxpay_recover_no");
            assertTrue(entry.state() == JournalState.ACCEPTED
                    || entry.state() == JournalState.SUCCEEDED, entry.toString());
            assertFalse(c.journalEntry(no).isPresent(), "no recover has the punish's number");
            assertFalse(c.journalEntry(no, JournalKind.RECOVER).isPresent());
            JournalEntry liftEntry = c.journalEntry(lift.outRequestNo()).get();
            assertEquals(JournalKind.RECOVER, liftEntry.kind());
            assertEquals(lifted.wxpayRecoverNo(), liftEntry.platformNo());
            assertEquals(lifted.wxpayRecoverNo(), liftEntry.wxpayRecoverNo());
            assertEquals(liftEntry, c.journalEntry(lift.outRequestNo(), JournalKind.RECOVER).get());
            assertFalse(c.journalEntry(lift.outRequestNo(), JournalKind.PUNISH).isPresent());
            WxRecoverException noKind = assertThrows(WxRecoverException.class,
                    () -> c.journalEntry(no, null));
            assertEquals(WxStatus.INVALID_ARGUMENT, noKind.status());
        }
        byte[] journal = filesUnder(dir);
        assertTrue(journal.length > 0);
        assertFalse(contains(journal, BAL), "the journal never holds bal_account_no");
        assertFalse(contains(journal, CARD), "the journal never holds card_no");
    }

    @Test
    void aPunishOfTheFailingSceneEndsFailedAndCannotBeLifted() throws Exception {
        WxRecoverClient c = sb.client();
        String mchid = sb.takeOrder(true).mchid();
        PunishRequest req = PunishRequest.builder().outRequestNo(newPunishNo()).mchid(mchid)
                .balAccountNo(BAL).punishScene(9999).build();
        PunishAccepted placed = c.punish(req);
        PunishOrder failed = until("FAILED", () -> {
            PunishOrder o = c.queryPunish(req.outRequestNo(), mchid);
            return o.punishState().isFinal() ? o : null;
        });
        assertEquals(PunishState.FAILED, failed.punishState());
        assertEquals(EffectState.UNKNOWN, failed.effectState());
        assertNull(failed.effectStateText());
        assertEquals("PUNISH_FAILED", failed.errorCode());
        assertNotNull(failed.errorMessage());
        assertNull(failed.punishReason());
        assertNull(failed.punishEndTime());
        assertEquals(OptionalLong.of(9999), failed.punishScene());

        // A recover naming it (no optional field: wx_recover_submit) is refused by the platform.
        RecoverRequest lift = RecoverRequest.builder().outRequestNo(Sandbox.newOutRequestNo())
                .relatedWebankPunishNo(req.outRequestNo())
                .relatedWxpayPunishNo(placed.wxpayPunishNo()).mchid(mchid).balAccountNo(BAL)
                .build();
        WxRecoverException e = assertThrows(WxRecoverException.class, () -> c.submit(lift));
        assertEquals(WxStatus.API, e.status());
        assertEquals(400, e.httpStatus());
        assertEquals("INVALID_REQUEST", e.code());
    }

    @Test
    void anUnknownControlOrderIsNotFound404() {
        WxRecoverException e = assertThrows(WxRecoverException.class,
                () -> sb.client().queryPunish(newPunishNo(), sb.takeOrder(true).mchid()));
        assertEquals(WxStatus.API, e.status());
        assertEquals(404, e.httpStatus());
        assertEquals("NOT_FOUND", e.code());
        assertNotNull(e.requestId());
    }

    @Test
    void punishCallsAfterCloseThrowIllegalState() throws Exception {
        WxRecoverClient c = sb.unlimitedClient();
        c.close();
        PunishRequest req = fullRequest(sb.takeOrder(true).mchid());
        assertThrows(IllegalStateException.class, () -> c.punish(req));
        assertThrows(IllegalStateException.class, () -> c.queryPunish(req.outRequestNo(), req.mchid()));
        assertThrows(IllegalStateException.class,
                () -> c.journalEntry(req.outRequestNo(), JournalKind.PUNISH));
    }

    @Test
    void aRecoverWithSgnNoAndReqSceneSendsThem() throws Exception {
        Sandbox.Order o = sb.takeOrder(true);
        RecoverRequest req = Sandbox.requestFor(o, null).toBuilder().sgnNo("SGN-JAVA-2")
                .reqScene(ReqScene.WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT).build();
        RecoverAccepted a = sb.client().submit(req);
        assertEquals(req.outRequestNo(), a.outRequestNo());
        Map<String, Object> at = recoverRecord(req.outRequestNo());
        assertEquals("SGN-JAVA-2", at.get("sgn_no"));
        assertEquals("WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT", at.get("req_scene"));
        assertNull(at.get("card_no"));
        // Re-entry through the same call is the same recover.
        assertEquals(a.wxpayRecoverNo(), sb.client().submit(req.toBuilder().build()).wxpayRecoverNo());
    }

    /** Refused with INVALID_ARGUMENT naming {@code field}, with nothing sent. */
    void refused(String field, PunishRequest req) throws Exception {
        List<Long> before = sandboxCounts();
        WxRecoverException e = assertThrows(WxRecoverException.class, () -> sb.client().punish(req),
                field);
        assertEquals(WxStatus.INVALID_ARGUMENT, e.status(), e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid argument: " + field + ": "), e.getMessage());
        assertFalse(e.getMessage().contains(BAL), e.getMessage());
        assertFalse(e.getMessage().contains(CARD), e.getMessage());
        assertEquals(0, e.attempts());
        assertFalse(e.isRetrySafe());
        assertEquals(before, sandboxCounts(), field + ": nothing reached the sandbox");
    }

    @Test
    void malformedInputIsRefusedNamingTheFieldBeforeAnythingIsSent() throws Exception {
        PunishRequest ok = fullRequest(sb.takeOrder(true).mchid());
        refused("out_request_no", ok.toBuilder().outRequestNo(Jdk8Support.repeat("P", 65)).build());
        refused("punish_end_time", ok.toBuilder().punishEndTime("2027-12-31 23:59:59").build());
        refused("punish_end_time", ok.toBuilder().punishEndTime("2027-02-30T00:00:00+08:00").build());
        refused("card_no", ok.toBuilder().cardNo("").build());
        refused("mchid", ok.toBuilder().mchid(null).build());
        refused("bal_account_no", ok.toBuilder().balAccountNo(null).build());
        // Refused by the binding: a C string cannot hold NUL, and a punish needs its scene.
        refused("card_no", ok.toBuilder().cardNo(CARD + "\0").build());
        PunishRequest.Builder noScene = PunishRequest.builder().outRequestNo(newPunishNo())
                .mchid(ok.mchid()).balAccountNo(BAL);
        assertNull(noScene.build().punishScene());
        refused("punish_scene", noScene.build());
        WxRecoverException nul = assertThrows(WxRecoverException.class, () -> sb.client().punish(null));
        assertEquals(WxStatus.INVALID_ARGUMENT, nul.status());
        // A value the header does not name passes through to the platform (which refuses it).
        WxRecoverException other = assertThrows(WxRecoverException.class,
                () -> sb.client().punish(ok.toBuilder().reqScene("A_SCENE_ADDED_LATER").build()));
        assertEquals(WxStatus.API, other.status(), other.getMessage());
        assertEquals("PARAM_ERROR", other.code());
    }

    @Test
    void requestsNeverShowEitherPlaintext() {
        PunishRequest p = fullRequest("1900000109");
        for (String s : Arrays.asList(p.toString(), p.toBuilder().toString())) {
            assertFalse(s.contains(BAL), s);
            assertFalse(s.contains(CARD), s);
        }
        assertTrue(p.toString().contains(p.outRequestNo()) && p.toString().contains("punishScene=5"),
                p.toString());
        assertEquals(p, p.toBuilder().build());
        assertEquals(p.hashCode(), p.toBuilder().build().hashCode());
        assertNotEquals(p, p.toBuilder().cardNo(CARD + "1").build());
        assertEquals(p.hashCode(), p.toBuilder().cardNo(CARD + "1").balAccountNo("x").build().hashCode(),
                "the hash does not depend on the plaintexts");

        RecoverRequest r = RecoverRequest.builder().outRequestNo("JAVA-R-1").balAccountNo(BAL)
                .cardNo(CARD).sgnNo("S1").reqScene(ReqScene.SJT_MICRO_MERCHANT).build();
        for (String s : Arrays.asList(r.toString(), r.toBuilder().toString())) {
            assertFalse(s.contains(BAL), s);
            assertFalse(s.contains(CARD), s);
        }
        assertEquals(r, r.toBuilder().build());
        assertEquals(CARD, r.toBuilder().build().cardNo());
        assertEquals("S1", r.toBuilder().build().sgnNo());
        assertNotEquals(r, r.toBuilder().cardNo(null).build());
    }

    @Test
    void statesMirrorTheCValues() {
        assertEquals(PunishState.FAILED, PunishState.fromCode(3));
        assertEquals(PunishState.UNKNOWN, PunishState.fromCode(42));
        assertTrue(PunishState.SUCCESS.isFinal() && !PunishState.EXECUTING.isFinal());
        assertEquals(EffectState.RECOVERED, EffectState.fromCode(2));
        assertEquals(EffectState.UNKNOWN, EffectState.fromCode(-1));
        assertEquals(1, JournalKind.PUNISH.code());
        assertEquals(JournalKind.RECOVER, JournalKind.fromCode(0));
    }
}
