/* A C process of the quota fleet test (fleet.py; the others are child.py and FleetChild.java):
 * submits its orders from several threads through one client and writes one result line per
 * order. The orders file, the client and the submitter threads are tests/common/child_common.c.
 *
 *   quota_child CONFIG ORDERS_FILE THREADS RESULTS_FILE
 *
 * ORDERS_FILE: one order per line, "out_request_no wb_no wx_no mchid bal_account_no".
 * RESULTS_FILE: one line per order, "out_request_no status attempts elapsed_ms message", where
 * status is the wx_status value (0 = accepted) and message the error's message with line breaks
 * replaced, at most 300 bytes ("-" when accepted). Exit status 0 once every order was tried. */
#include <stdio.h>

#include "child_common.h"

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: quota_child CONFIG ORDERS_FILE THREADS RESULTS_FILE\n");
        return 2;
    }
    int threads = child_threads(argv[3]);
    if (threads == 0 || child_load_orders(argv[2]) != 0)
        return 2;
    wx_recover *client = child_open_client("quota_child", argv[1]);
    if (!client)
        return 1;
    child_submit_all(client, threads, "quota fleet");
    wx_recover_free(client);
    FILE *out = fopen(argv[4], "w");
    if (!out) {
        perror(argv[4]);
        return 1;
    }
    for (int i = 0; i < child_n_orders; i++) {
        const child_order *o = &child_orders[i];
        fprintf(out, "%s %d %u %ld %s\n", o->out_request_no, o->status, o->attempts, o->elapsed_ms,
                o->message);
    }
    return fclose(out) == 0 ? 0 : 1;
}
