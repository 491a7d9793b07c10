/*
 * The control order's whole life through the C ABI, under valgrind: a punish placed with both
 * encrypted fields (wx_recover_punish), followed to SUCCESS/ACTIVE (wx_recover_query_punish),
 * lifted by a recover that names its numbers (wx_recover_submit_v2 with card_no), and seen
 * RECOVERED; re-entry; a journaled punish found by kind; input refused before the network.
 *
 *   punish CONFIG MCHID OUT_REQUEST_NO_PREFIX
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wx_recover.h"

static int passed, failed;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (cond) {                                                                      \
            passed++;                                                                    \
        } else {                                                                         \
            failed++;                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
        }                                                                                \
    } while (0)

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Queries until `done` says so (at most 20 s); returns the last order (caller frees) or NULL. */
static wx_punish_order *follow(const wx_recover *c, const char *no, const char *mchid,
                               int (*done)(const wx_punish_order *)) {
    for (int i = 0; i < 200; i++) {
        wx_punish_order *o = NULL;
        wx_error *e = NULL;
        if (wx_recover_query_punish(c, no, mchid, &o, &e) != WX_OK) {
            fprintf(stderr, "query_punish: %s\n", wx_error_message(e));
            wx_error_free(e);
            return NULL;
        }
        if (done(o))
            return o;
        wx_punish_order_free(o);
        pause_ms(100);
    }
    return NULL;
}

static int is_active(const wx_punish_order *o) {
    return wx_punish_order_state(o) == WX_PUNISH_SUCCESS;
}
static int is_recovered(const wx_punish_order *o) {
    return wx_punish_order_effect_state(o) == WX_EFFECT_RECOVERED;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: punish CONFIG MCHID PREFIX\n");
        return 2;
    }
    const char *mchid = argv[2];
    char no[65], lift[65];
    snprintf(no, sizeof no, "%s-P", argv[3]);
    snprintf(lift, sizeof lift, "%s-R", argv[3]);
    wx_recover *c = NULL;
    wx_error *err = NULL;
    if (wx_recover_new_from_file(argv[1], &c, &err) != WX_OK) {
        fprintf(stderr, "client: %s\n", wx_error_message(err));
        wx_error_free(err);
        return 1;
    }
    const char *bal = "6230000000000555001", *card = "6222020000000005555";
    wx_punish_request p = {no, mchid, bal, 7, "可疑交易", "2027-12-31T23:59:59+08:00", card, NULL,
                           WX_REQ_SCENE_SJT_MICRO_MERCHANT, WX_FUND_REPATRIATION_ALL_FORBIDDEN};
    wx_punish_accepted *a = NULL;
    CHECK(wx_recover_punish(c, &p, &a, &err) == WX_OK);
    if (!a) {
        fprintf(stderr, "punish: %s\n", wx_error_message(err));
        wx_error_free(err);
        wx_recover_free(c);
        return 1;
    }
    CHECK(strcmp(wx_punish_accepted_out_request_no(a), no) == 0);
    CHECK(wx_punish_accepted_attempts(a) >= 1);

    /* Re-entry: the same number comes back, from the journal, with no attempt. */
    wx_punish_accepted *again = NULL;
    CHECK(wx_recover_punish(c, &p, &again, &err) == WX_OK);
    CHECK(again && strcmp(wx_punish_accepted_wxpay_punish_no(again), wx_punish_accepted_wxpay_punish_no(a)) == 0);
    CHECK(again && wx_punish_accepted_attempts(again) == 0);
    wx_punish_accepted_free(again);
    wx_journal_entry *je = NULL;
    CHECK(wx_recover_journal_entry_of(c, no, WX_KIND_PUNISH, &je, &err) == WX_OK);
    CHECK(je && wx_journal_entry_kind(je) == WX_KIND_PUNISH);
    CHECK(je && strcmp(wx_journal_entry_get(je, "platform_no"), wx_punish_accepted_wxpay_punish_no(a)) == 0);
    CHECK(je && wx_journal_entry_get(je, "wxpay_recover_no") == NULL);
    wx_journal_entry_free(je);

    wx_punish_order *o = follow(c, no, mchid, is_active);
    CHECK(o != NULL);
    if (o) {
        int64_t scene = 0, version = 0;
        CHECK(wx_punish_order_effect_state(o) == WX_EFFECT_ACTIVE);
        CHECK(wx_punish_order_punish_scene(o, &scene) && scene == 7);
        CHECK(wx_punish_order_punish_rule_version(o, &version));
        CHECK(wx_punish_order_control_action_len(o) >= 1);
        CHECK(wx_punish_order_control_action(o, 0) != NULL);
        CHECK(wx_punish_order_control_action(o, 99) == NULL);
        CHECK(strcmp(wx_punish_order_get(o, "wxpay_punish_no"), wx_punish_accepted_wxpay_punish_no(a)) == 0);
        CHECK(strstr(wx_punish_order_json(o), "\"punish_order\"") == NULL);
        wx_punish_order_free(o);
    }

    /* Lift it: a recover naming its numbers, with the card number as well. */
    wx_recover_request_v2 r = {lift, no, wx_punish_accepted_wxpay_punish_no(a), mchid, bal, "核实无误",
                               card, NULL, NULL};
    wx_accepted *ra = NULL;
    CHECK(wx_recover_submit_v2(c, &r, &ra, &err) == WX_OK);
    wx_accepted_free(ra);
    o = follow(c, no, mchid, is_recovered);
    CHECK(o != NULL);
    wx_punish_order_free(o);

    /* Input refused before the network, naming the field. */
    wx_punish_request bad = p;
    bad.punish_end_time = "2027-12-31 23:59:59";
    CHECK(wx_recover_punish(c, &bad, &again, &err) == WX_INVALID_ARGUMENT);
    CHECK(err && strstr(wx_error_message(err), "punish_end_time") != NULL);
    CHECK(err && strstr(wx_error_message(err), bal) == NULL);
    wx_error_free(err);
    err = NULL;
    bad = p;
    bad.card_no = "";
    CHECK(wx_recover_punish(c, &bad, &again, &err) == WX_INVALID_ARGUMENT);
    CHECK(err && strstr(wx_error_message(err), "card_no") != NULL);
    wx_error_free(err);
    err = NULL;
    CHECK(wx_recover_punish(c, NULL, &again, &err) == WX_INVALID_ARGUMENT);
    wx_error_free(err);
    err = NULL;
    CHECK(wx_recover_journal_entry_of(c, no, 7, &je, &err) == WX_INVALID_ARGUMENT);
    wx_error_free(err);

    wx_punish_accepted_free(a);
    wx_recover_free(c);
    printf("c-punish: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
