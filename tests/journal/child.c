/* A process of the journal crash storm: submits orders from several threads into one
 * journal (mode "submit"), or reconciles the journal until nothing is pending ("reconcile").
 * The storm driver (crash_storm.py) kills submitters with SIGKILL at random moments. The
 * orders file, the client and the submitter threads are tests/common/child_common.c.
 *
 *   child submit CONFIG ORDERS_FILE THREADS
 *   child reconcile CONFIG ROUNDS
 *
 * ORDERS_FILE: one order per line, "out_request_no wb_no wx_no mchid bal_account_no". */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "child_common.h"

/* Reconciles until nothing is pending or `rounds` runs are done; prints "pending N". */
static int reconcile(wx_recover *client, int rounds) {
    int rc = 0;
    size_t left = 1;
    for (int i = 0; i < rounds && left > 0; i++) {
        wx_reconcile_report *rep = NULL;
        wx_error *e = NULL;
        if (wx_recover_reconcile(client, NULL, &rep, &e) != WX_OK) {
            fprintf(stderr, "reconcile: %s\n", wx_error_message(e));
            wx_error_free(e);
            rc = 1;
            break;
        }
        left = wx_journal_list_len(wx_reconcile_report_pending(rep));
        wx_reconcile_report_free(rep);
        if (left > 0) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    printf("pending %zu\n", left);
    return rc ? rc : (left == 0 ? 0 : 3);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: child submit CONFIG ORDERS THREADS | child reconcile CONFIG ROUNDS\n");
        return 2;
    }
    wx_recover *client = child_open_client("child", argv[2]);
    if (!client)
        return 1;
    int rc = 0;
    if (strcmp(argv[1], "submit") == 0 && argc == 5) {
        int threads = child_threads(argv[4]);
        if (threads == 0 || child_load_orders(argv[3]) != 0)
            rc = 2;
        else
            child_submit_all(client, threads, "journal crash storm");
    } else if (strcmp(argv[1], "reconcile") == 0) {
        rc = reconcile(client, atoi(argv[3]));
    } else {
        rc = 2;
    }
    wx_recover_free(client);
    return rc;
}
