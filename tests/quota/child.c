/* A C process of the quota fleet test (fleet.py; the others are child.py and FleetChild.java):
 * submits its orders from several threads through one client and writes one result line per
 * order.
 *
 *   quota_child CONFIG ORDERS_FILE THREADS RESULTS_FILE
 *
 * ORDERS_FILE: one order per line, "out_request_no wb_no wx_no mchid bal_account_no".
 * RESULTS_FILE: one line per order, "out_request_no status attempts elapsed_ms message", where
 * status is the wx_status value (0 = accepted) and message the error's message with line breaks
 * replaced, at most 300 bytes ("-" when accepted). Exit status 0 once every order was tried. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wx_recover.h"

#define MAX_ORDERS 4096
#define MAX_MESSAGE 300

typedef struct {
    char out_request_no[65], wb[257], wx[257], mchid[257], bal[257];
    int status;
    unsigned attempts;
    long elapsed_ms;
    char message[MAX_MESSAGE + 1];
} order;

static order orders[MAX_ORDERS];
static int n_orders;
static int n_threads;
static wx_recover *client;

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void keep_message(order *o, const char *m) {
    snprintf(o->message, sizeof o->message, "%s", m && *m ? m : "(no message)");
    for (char *p = o->message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

static void *submitter(void *arg) {
    int t = (int)(size_t)arg;
    for (int i = t; i < n_orders; i += n_threads) {
        order *o = &orders[i];
        wx_recover_request r = {o->out_request_no, o->wb, o->wx, o->mchid, o->bal, "quota fleet"};
        wx_accepted *a = NULL;
        wx_error *e = NULL;
        long started = now_ms();
        wx_status s = wx_recover_submit(client, &r, &a, &e);
        o->elapsed_ms = now_ms() - started;
        o->status = (int)s;
        if (s == WX_OK) {
            o->attempts = wx_accepted_attempts(a);
            snprintf(o->message, sizeof o->message, "-");
            wx_accepted_free(a);
        } else {
            o->attempts = wx_error_attempts(e);
            keep_message(o, wx_error_message(e));
            wx_error_free(e);
        }
    }
    return NULL;
}

static int load(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    while (n_orders < MAX_ORDERS) {
        order *o = &orders[n_orders];
        if (fscanf(f, "%64s %256s %256s %256s %256s", o->out_request_no, o->wb, o->wx, o->mchid,
                   o->bal) != 5)
            break;
        n_orders++;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: quota_child CONFIG ORDERS_FILE THREADS RESULTS_FILE\n");
        return 2;
    }
    n_threads = atoi(argv[3]);
    if (n_threads < 1 || n_threads > 64 || load(argv[2]) != 0)
        return 2;
    wx_error *e = NULL;
    if (wx_recover_new_from_file(argv[1], &client, &e) != WX_OK) {
        fprintf(stderr, "quota_child: client: %s\n", wx_error_message(e));
        wx_error_free(e);
        return 1;
    }
    pthread_t th[64];
    for (int t = 0; t < n_threads; t++)
        pthread_create(&th[t], NULL, submitter, (void *)(size_t)t);
    for (int t = 0; t < n_threads; t++)
        pthread_join(th[t], NULL);
    wx_recover_free(client);
    FILE *out = fopen(argv[4], "w");
    if (!out) {
        perror(argv[4]);
        return 1;
    }
    for (int i = 0; i < n_orders; i++)
        fprintf(out, "%s %d %u %ld %s\n", orders[i].out_request_no, orders[i].status,
                orders[i].attempts, orders[i].elapsed_ms, orders[i].message);
    return fclose(out) == 0 ? 0 : 1;
}
