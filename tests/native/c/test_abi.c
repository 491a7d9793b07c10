/*
 * C ABI contract tests, run against a live sandbox (and under valgrind by `make test`).
 *
 *   test_abi CONFIG WEBANK_PUNISH_NO WXPAY_PUNISH_NO MCHID BAL_ACCOUNT_NO
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wx_recover.h"

static int passed, failed;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond) {                                                            \
            passed++;                                                          \
        } else {                                                               \
            failed++;                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                      \
    } while (0)

static bool contains(const char *hay, const char *needle) { return hay && needle && strstr(hay, needle) != NULL; }

/* Runs a failing call's error through every accessor, checks the message names `needle`. */
/* Takes `errp`, not the error: arguments are evaluated in no fixed order, so the error must be
 * read after the call that sets it has returned. */
static void expect_error(wx_status got, wx_status want, wx_error **errp, const char *needle) {
    wx_error *err = *errp;
    *errp = NULL;
    CHECK(got == want);
    CHECK(err != NULL);
    if (err) {
        CHECK(wx_error_status(err) == want);
        CHECK(wx_error_message(err) != NULL);
        if (needle && !contains(wx_error_message(err), needle))
            fprintf(stderr, "  message %s lacks %s\n", wx_error_message(err), needle);
        CHECK(!needle || contains(wx_error_message(err), needle));
        wx_error_free(err);
    }
}

static void test_statics(void) {
    CHECK(wx_version() != NULL && strlen(wx_version()) > 0);
    for (int s = 0; s <= 9; s++) CHECK(strcmp(wx_status_str((wx_status)s), "unknown status") != 0);
    CHECK(strcmp(wx_status_str(WX_UNVERIFIED), "unverified response") == 0);
    CHECK(strcmp(wx_status_str((wx_status)99), "unknown status") == 0);
}

static void test_null_everywhere(void) {
    wx_recover_free(NULL);
    wx_error_free(NULL);
    wx_accepted_free(NULL);
    wx_order_free(NULL);
    wx_free(NULL);
    CHECK(wx_error_status(NULL) == WX_INVALID_ARGUMENT);
    CHECK(wx_error_http_status(NULL) == 0);
    CHECK(wx_error_code(NULL) == NULL);
    CHECK(wx_error_message(NULL) == NULL);
    CHECK(wx_error_detail(NULL) == NULL);
    CHECK(wx_error_request_id(NULL) == NULL);
    CHECK(!wx_error_retry_safe(NULL));
    CHECK(wx_error_attempts(NULL) == 0);
    CHECK(wx_accepted_wxpay_recover_no(NULL) == NULL);
    CHECK(wx_accepted_out_request_no(NULL) == NULL);
    CHECK(wx_accepted_request_id(NULL) == NULL);
    CHECK(wx_accepted_attempts(NULL) == 0);
    CHECK(wx_order_state(NULL) == WX_STATE_UNKNOWN);
    CHECK(wx_order_get(NULL, "recover_state") == NULL);
    CHECK(wx_order_json(NULL) == NULL);
    CHECK(wx_order_request_id(NULL) == NULL);
    CHECK(wx_recover_wechatpay_serial(NULL) == NULL);

    wx_recover *sentinel = (wx_recover *)&passed;
    wx_recover *out = sentinel;
    wx_error *err = NULL;
    expect_error(wx_recover_new(NULL, &out, &err), WX_INVALID_ARGUMENT, &err, "config_json");
    CHECK(out == sentinel); /* outputs are written only on success */
    err = NULL;
    expect_error(wx_recover_new("{}", NULL, &err), WX_INVALID_ARGUMENT, &err, "out");
    CHECK(wx_recover_new(NULL, &out, NULL) == WX_INVALID_ARGUMENT); /* err may be NULL */
    err = NULL;
    expect_error(wx_recover_new("{}", &out, &err), WX_CONFIG, &err, "mchid");
    err = NULL;
    expect_error(wx_recover_new("{\"mchid\": \"\xff\"}", &out, &err), WX_INVALID_ARGUMENT, &err, "UTF-8");
    err = NULL;
    expect_error(wx_recover_new_from_file("/nonexistent/wx.json", &out, &err), WX_CONFIG, &err, "/nonexistent/wx.json");
    CHECK(out == sentinel);
    err = NULL;
    wx_accepted *acc = NULL;
    expect_error(wx_recover_submit(NULL, NULL, &acc, &err), WX_INVALID_ARGUMENT, &err, "client");
    CHECK(acc == NULL);
}

static void test_with_client(wx_recover *c, char **argv, const char *out_no) {
    wx_error *err = NULL;
    wx_accepted *acc = NULL;

    wx_recover_request req = {out_no, argv[2], argv[3], argv[4], argv[5], "C ABI test: 核实无误"};

    expect_error(wx_recover_submit(c, NULL, &acc, &err), WX_INVALID_ARGUMENT, &err, "request");
    err = NULL;
    expect_error(wx_recover_submit(c, &req, NULL, &err), WX_INVALID_ARGUMENT, &err, "out");

    wx_recover_request bad = req;
    bad.mchid = NULL;
    err = NULL;
    expect_error(wx_recover_submit(c, &bad, &acc, &err), WX_INVALID_ARGUMENT, &err, "mchid");
    bad = req;
    bad.bal_account_no = "\xc3\x28";
    err = NULL;
    expect_error(wx_recover_submit(c, &bad, &acc, &err), WX_INVALID_ARGUMENT, &err, "bal_account_no");
    bad = req;
    bad.out_request_no = req.related_webank_punish_no;
    err = NULL;
    expect_error(wx_recover_submit(c, &bad, &acc, &err), WX_INVALID_ARGUMENT, &err, "out_request_no");
    bad = req;
    bad.out_request_no = "12345678901234567890123456789012345678901234567890123456789012345";
    err = NULL;
    expect_error(wx_recover_submit(c, &bad, &acc, &err), WX_INVALID_ARGUMENT, &err, "out_request_no");
    CHECK(acc == NULL);

    err = NULL;
    wx_status st = wx_recover_submit(c, &req, &acc, &err);
    CHECK(st == WX_OK);
    if (st != WX_OK) {
        fprintf(stderr, "  submit: %s\n", wx_error_message(err));
        wx_error_free(err);
        return;
    }
    CHECK(strcmp(wx_accepted_out_request_no(acc), out_no) == 0);
    CHECK(wx_accepted_request_id(acc) != NULL);
    CHECK(wx_accepted_attempts(acc) == 1);
    char first[128];
    snprintf(first, sizeof first, "%s", wx_accepted_wxpay_recover_no(acc));
    wx_accepted_free(acc);

    /* Re-entry: same out_request_no, same wxpay_recover_no. */
    acc = NULL;
    CHECK(wx_recover_submit(c, &req, &acc, NULL) == WX_OK);
    CHECK(acc && strcmp(wx_accepted_wxpay_recover_no(acc), first) == 0);
    wx_accepted_free(acc);

    /* Another out_request_no for the same control order: ALREADY_EXISTS. */
    wx_recover_request again = req;
    char other[80];
    snprintf(other, sizeof other, "%s-2", out_no);
    again.out_request_no = other;
    err = NULL;
    acc = NULL;
    st = wx_recover_submit(c, &again, &acc, &err);
    CHECK(st == WX_API);
    if (err) {
        CHECK(wx_error_http_status(err) == 400);
        CHECK(contains(wx_error_code(err), "ALREADY_EXISTS"));
        CHECK(wx_error_request_id(err) != NULL);
        CHECK(!wx_error_retry_safe(err));
        CHECK(wx_error_attempts(err) == 1);
        wx_error_free(err);
    }

    wx_order *o = NULL;
    err = NULL;
    st = wx_recover_query(c, out_no, argv[4], &o, &err);
    CHECK(st == WX_OK);
    if (st == WX_OK) {
        CHECK(wx_order_state(o) != WX_STATE_UNKNOWN);
        CHECK(strcmp(wx_order_get(o, "wxpay_recover_no"), first) == 0);
        CHECK(wx_order_get(o, "no_such_field") == NULL);
        CHECK(wx_order_get(o, NULL) == NULL);
        CHECK(contains(wx_order_json(o), first));
        CHECK(wx_order_request_id(o) != NULL);
        wx_order_free(o);
    } else {
        fprintf(stderr, "  query: %s\n", wx_error_message(err));
        wx_error_free(err);
    }
    err = NULL;
    o = NULL;
    expect_error(wx_recover_query(c, "no such order/?", argv[4], &o, &err), WX_API, &err, "NOT_FOUND");
    CHECK(o == NULL);

    /* Primitives. */
    char *s = NULL;
    CHECK(wx_recover_encrypt(c, "6222000011112222", &s, NULL) == WX_OK);
    CHECK(s && strlen(s) > 300 && !contains(s, "6222000011112222"));
    wx_free(s);
    s = NULL;
    CHECK(wx_recover_authorization(c, "GET", "/v3/certificates", NULL, 0, &s, NULL) == WX_OK);
    CHECK(s && strncmp(s, "WECHATPAY2-SHA256-RSA2048 mchid=\"", 33) == 0);
    wx_free(s);
    err = NULL;
    expect_error(wx_recover_authorization(c, "GET", "/v3/x", NULL, 5, &s, &err), WX_INVALID_ARGUMENT, &err, "body");
    err = NULL;
    expect_error(wx_recover_verify(c, "1", "n", "WECHATPAY/SIGNTEST/x", wx_recover_wechatpay_serial(c),
                                   (const uint8_t *)"{}", 2, &err),
                 WX_UNVERIFIED, &err, NULL);
    err = NULL;
    expect_error(wx_recover_verify(c, "1", "n", "s", NULL, NULL, 0, &err), WX_INVALID_ARGUMENT, &err, "serial");
    CHECK(strncmp(wx_recover_wechatpay_serial(c), "PUB_KEY_ID_", 11) == 0);
}

static void test_stats_arguments(void) {
    wx_stats st;
    wx_error *err = NULL;
    memset(&st, 0xAB, sizeof st);
    expect_error(wx_recover_stats(NULL, &st, &err), WX_INVALID_ARGUMENT, &err, "client");
    CHECK(st.recover.requests == 0xABABABABABABABABull); /* outputs are written only on success */
    CHECK(wx_recover_stats(NULL, &st, NULL) == WX_INVALID_ARGUMENT); /* err may be NULL */
}

/* wx_recover_stats on a client of its own: zero when new, then one request and one attempt per
 * call on the endpoint it used, nothing on the others. `out_no` was recovered by
 * test_with_client, so the submit here is a re-entry. */
static void test_stats(const char *config_path, char **argv, const char *out_no) {
    wx_recover *c = NULL;
    wx_error *err = NULL;
    wx_stats st;
    if (wx_recover_new_from_file(config_path, &c, &err) != WX_OK) {
        fprintf(stderr, "  stats: cannot load %s: %s\n", config_path, wx_error_message(err));
        wx_error_free(err);
        failed++;
        return;
    }
    err = NULL;
    expect_error(wx_recover_stats(c, NULL, &err), WX_INVALID_ARGUMENT, &err, "out");

    memset(&st, 0xAB, sizeof st);
    CHECK(wx_recover_stats(c, &st, NULL) == WX_OK);
    CHECK(st.recover.requests == 0 && st.recover.attempts == 0);
    CHECK(st.query.requests == 0 && st.query.attempts == 0);
    CHECK(st.certificates.requests == 0);
    CHECK(st.active_host == WX_HOST_PRIMARY);
    CHECK(st.breaker == WX_BREAKER_CLOSED); /* the sandbox config names a backup */
    CHECK(st.backup_down == 0);
    CHECK(st.quota_store == WX_QUOTA_LOCAL);
    CHECK(st.quota_store_healthy != 0);
    CHECK(st.quota_store_errors == 0);

    wx_recover_request req = {out_no, argv[2], argv[3], argv[4], argv[5], "C ABI test: 核实无误"};
    wx_accepted *acc = NULL;
    CHECK(wx_recover_submit(c, &req, &acc, NULL) == WX_OK);
    wx_accepted_free(acc);
    wx_order *o = NULL;
    CHECK(wx_recover_query(c, out_no, argv[4], &o, NULL) == WX_OK);
    wx_order_free(o);
    o = NULL;
    CHECK(wx_recover_query(c, out_no, argv[4], &o, NULL) == WX_OK);
    wx_order_free(o);

    CHECK(wx_recover_stats(c, &st, NULL) == WX_OK);
    CHECK(st.recover.requests == 1);
    CHECK(st.recover.attempts == 1);
    CHECK(st.recover.retries == 0 && st.recover.failovers == 0);
    CHECK(st.query.requests == 2);
    CHECK(st.query.attempts == 2);
    CHECK(st.query.throttled == 0 && st.query.verification_failures == 0);
    CHECK(st.query.limiter_refusals == 0 && st.query.limiter_waiting == 0);
    CHECK(st.certificates.requests == 0 && st.certificates.attempts == 0);
    CHECK(st.breaker == WX_BREAKER_CLOSED && st.active_host == WX_HOST_PRIMARY);
    wx_recover_free(c);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s CONFIG WEBANK_PUNISH_NO WXPAY_PUNISH_NO MCHID BAL_ACCOUNT_NO\n", argv[0]);
        return 64;
    }
    test_statics();
    test_null_everywhere();
    test_stats_arguments();
    char out_no[64];
    snprintf(out_no, sizeof out_no, "CABI%ld", (long)time(NULL));
    wx_recover *c = NULL;
    wx_error *err = NULL;
    if (wx_recover_new_from_file(argv[1], &c, &err) != WX_OK) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], wx_error_message(err));
        wx_error_free(err);
        failed++;
    } else {
        test_with_client(c, argv, out_no);
        wx_recover_free(c);
    }
    test_stats(argv[1], argv, out_no);
    printf("c-abi: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
