/*
 * Stress: THREADS threads x CALLS calls on ONE client (default 16 x 500), mixing submits of each
 * thread's own orders, re-entry re-submits, queries, encryptions and submits that must fail
 * validation. Every result is checked. Run under ASan by tests/native/c/asan.sh (and scaled down
 * under valgrind).
 *
 *   stress CONFIG ORDERS_FILE [THREADS [CALLS]]
 *
 * ORDERS_FILE: one order a line, "webank_punish_no wxpay_punish_no mchid bal_account_no"; it
 * needs THREADS * ceil(CALLS / 5) orders, none recovered before.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wx_recover.h"

typedef struct {
    char wb[80], wx[80], mch[40], bal[80];
} order;

static const wx_recover *client;
static order *orders;
static int calls_per_thread;
static atomic_int passed, failed;
static long run_id;

static void fail(int t, const char *what, wx_status st, wx_error *err) {
    atomic_fetch_add(&failed, 1);
    fprintf(stderr, "stress: thread %d: %s: status %d (%s): %s\n", t, what, (int)st, wx_status_str((int)st),
            err ? wx_error_message(err) : "(no error)");
}

static void *worker(void *arg) {
    int t = (int)(long)arg;
    int per_thread_orders = (calls_per_thread + 4) / 5;
    char out_no[64], wxno[128] = "";
    int done = 0;
    for (int k = 0; done < calls_per_thread; k++) {
        const order *o = &orders[t * per_thread_orders + k];
        snprintf(out_no, sizeof out_no, "ST%ld-%d-%d", run_id, t, k);
        wx_recover_request req = {out_no, o->wb, o->wx, o->mch, o->bal, "stress test"};
        for (int step = 0; step < 5 && done < calls_per_thread; step++, done++) {
            wx_error *err = NULL;
            wx_status st;
            if (step == 0 || step == 1) { /* submit, then re-entry with the same out_request_no */
                wx_accepted *a = NULL;
                st = wx_recover_submit(client, &req, &a, &err);
                if (st != WX_OK) {
                    fail(t, step ? "re-submit" : "submit", st, err);
                } else if (strcmp(wx_accepted_out_request_no(a), out_no) != 0 ||
                           (step == 1 && strcmp(wx_accepted_wxpay_recover_no(a), wxno) != 0)) {
                    fail(t, "accepted fields (re-entry must give the same wxpay_recover_no)", st, NULL);
                } else {
                    if (step == 0) snprintf(wxno, sizeof wxno, "%s", wx_accepted_wxpay_recover_no(a));
                    atomic_fetch_add(&passed, 1);
                }
                wx_accepted_free(a);
            } else if (step == 2) { /* query */
                wx_order *q = NULL;
                st = wx_recover_query(client, out_no, o->mch, &q, &err);
                if (st != WX_OK) {
                    fail(t, "query", st, err);
                } else if (!wx_order_get(q, "wxpay_recover_no") || strcmp(wx_order_get(q, "wxpay_recover_no"), wxno) != 0 ||
                           wx_order_state(q) == WX_STATE_UNKNOWN) {
                    fail(t, "query fields", st, NULL);
                } else {
                    atomic_fetch_add(&passed, 1);
                }
                wx_order_free(q);
            } else if (step == 3) { /* encrypt */
                char *ct = NULL;
                st = wx_recover_encrypt(client, o->bal, &ct, &err);
                if (st != WX_OK) fail(t, "encrypt", st, err);
                else if (!ct || strlen(ct) < 300 || strstr(ct, o->bal)) fail(t, "encrypt output", st, NULL);
                else atomic_fetch_add(&passed, 1);
                wx_free(ct);
            } else { /* a submit that must fail validation and send nothing */
                wx_recover_request bad = req;
                bad.out_request_no = o->wb;
                wx_accepted *a = (wx_accepted *)&passed;
                st = wx_recover_submit(client, &bad, &a, &err);
                if (st != WX_INVALID_ARGUMENT || a != (wx_accepted *)&passed || !err ||
                    !strstr(wx_error_message(err), "out_request_no") || wx_error_attempts(err) != 0)
                    fail(t, "invalid submit", st, err);
                else
                    atomic_fetch_add(&passed, 1);
            }
            wx_error_free(err);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: %s CONFIG ORDERS_FILE [THREADS [CALLS]]\n", argv[0]);
        return 64;
    }
    int threads = argc > 3 ? atoi(argv[3]) : 16;
    calls_per_thread = argc > 4 ? atoi(argv[4]) : 500;
    if (threads < 1 || threads > 256 || calls_per_thread < 1) return 64;
    int need = threads * ((calls_per_thread + 4) / 5);
    orders = calloc((size_t)need, sizeof *orders);
    FILE *f = fopen(argv[2], "r");
    int n = 0;
    while (f && n < need && fscanf(f, "%79s %79s %39s %79s", orders[n].wb, orders[n].wx, orders[n].mch, orders[n].bal) == 4) n++;
    if (f) fclose(f);
    if (n < need) {
        fprintf(stderr, "stress: %s has %d orders, %d needed\n", argv[2], n, need);
        return 64;
    }
    run_id = (long)time(NULL) % 100000000L * 100 + (long)getpid() % 100;

    wx_recover *c = NULL;
    wx_error *err = NULL;
    if (wx_recover_new_from_file(argv[1], &c, &err) != WX_OK) {
        fprintf(stderr, "stress: cannot load %s: %s\n", argv[1], wx_error_message(err));
        wx_error_free(err);
        return 1;
    }
    client = c;
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int t = 0; t < threads; t++) pthread_create(&tid[t], NULL, worker, (void *)(long)t);
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    wx_recover_free(c);
    free(tid);
    free(orders);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    int p = atomic_load(&passed), fl = atomic_load(&failed);
    printf("stress: %d threads x %d calls on one client in %.1f s\n", threads, calls_per_thread, secs);
    printf("stress: %d passed, %d failed\n", p, fl);
    return (fl == 0 && p == threads * calls_per_thread) ? 0 : 1;
}
