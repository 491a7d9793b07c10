/*
 * The PostgreSQL journal through the C ABI, by configuration alone (docs/journal.md, "a
 * journal for a fleet"): a client whose configuration names a postgresql:// URL records,
 * re-enters and lists its orders with the same functions as with a file, and
 * wx_journal_copy() and wx_journal_pending_at() take the URL. Run under valgrind by run.sh
 * against a real PostgreSQL (tests/journal/pg_server.py).
 *
 *   fleet_journal CONFIG URL OUT_REQUEST_NO WEBANK_PUNISH_NO WXPAY_PUNISH_NO MCHID BAL_ACCOUNT_NO
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: fleet_journal CONFIG URL OUT_REQUEST_NO WB_NO WX_NO MCHID BAL\n");
        return 2;
    }
    const char *url = argv[2];
    wx_recover *c = NULL;
    wx_error *err = NULL;
    if (wx_recover_new_from_file(argv[1], &c, &err) != WX_OK) {
        fprintf(stderr, "client: %s\n", wx_error_message(err));
        wx_error_free(err);
        return 1;
    }
    wx_recover_request req = {argv[3], argv[4], argv[5], argv[6], argv[7], "C fleet journal test"};
    wx_accepted *a = NULL;
    CHECK(wx_recover_submit(c, &req, &a, &err) == WX_OK);
    if (err) {
        fprintf(stderr, "submit: %s\n", wx_error_message(err));
        wx_error_free(err);
        err = NULL;
    }
    wx_journal_entry *e = NULL;
    CHECK(wx_recover_journal_entry(c, argv[3], &e, &err) == WX_OK);
    CHECK(e != NULL && wx_journal_entry_state(e) == WX_JOURNAL_ACCEPTED);
    CHECK(e != NULL && a != NULL &&
          strcmp(wx_journal_entry_get(e, "wxpay_recover_no"), wx_accepted_wxpay_recover_no(a)) == 0);
    wx_journal_entry_free(e);

    /* Re-entry of an accepted order answers from the journal. */
    wx_accepted *again = NULL;
    CHECK(wx_recover_submit(c, &req, &again, &err) == WX_OK);
    CHECK(again != NULL && a != NULL &&
          strcmp(wx_accepted_wxpay_recover_no(again), wx_accepted_wxpay_recover_no(a)) == 0);
    wx_accepted_free(again);
    wx_accepted_free(a);

    /* The operators' listing takes the URL. */
    wx_journal_list *list = NULL;
    CHECK(wx_journal_pending_at(url, &list, &err) == WX_OK);
    CHECK(list != NULL && wx_journal_list_len(list) >= 1);
    wx_journal_list_free(list);

    /* journal copy: a URL is no source; a missing file is a clear error. */
    uint64_t copied = 99;
    CHECK(wx_journal_copy(url, url, "1900000001", 2000, &copied, NULL, NULL, &err) == WX_INVALID_ARGUMENT);
    CHECK(err != NULL && strstr(wx_error_message(err), "from: ") != NULL);
    CHECK(err != NULL && strstr(wx_error_message(err), "***") == NULL);
    wx_error_free(err);
    err = NULL;
    CHECK(copied == 99);
    CHECK(wx_journal_copy("/nonexistent/j.sqlite", url, "1900000001", 2000, NULL, NULL, NULL, &err) == WX_CONFIG);
    wx_error_free(err);
    err = NULL;
    CHECK(wx_journal_copy(NULL, url, "1900000001", 0, NULL, NULL, NULL, &err) == WX_INVALID_ARGUMENT);
    wx_error_free(err);

    wx_recover_free(c);
    printf("c-fleet-journal: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
