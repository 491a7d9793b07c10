/* A process of the journal crash storm: submits orders from several threads into one
 * journal (mode "submit"), or reconciles the journal until nothing is pending ("reconcile").
 * The storm driver (crash_storm.py) kills submitters with SIGKILL at random moments.
 *
 *   child submit CONFIG ORDERS_FILE THREADS
 *   child reconcile CONFIG ROUNDS
 *
 * ORDERS_FILE: one order per line, "out_request_no wb_no wx_no mchid bal_account_no". */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wx_recover.h"

#define MAX_ORDERS 4096

typedef struct {
    char out_request_no[65], wb[257], wx[257], mchid[257], bal[257];
} order;

static order orders[MAX_ORDERS];
static int n_orders;
static int n_threads;
static wx_recover *client;

static void *submitter(void *arg) {
    int t = (int)(size_t)arg;
    for (int i = t; i < n_orders; i += n_threads) {
        wx_recover_request r = {orders[i].out_request_no, orders[i].wb, orders[i].wx,
                                orders[i].mchid, orders[i].bal, "journal crash storm"};
        wx_accepted *a = NULL;
        wx_error *e = NULL;
        wx_status s = wx_recover_submit(client, &r, &a, &e);
        if (s == WX_OK) {
            wx_accepted_free(a);
        } else {
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
    if (argc < 4) {
        fprintf(stderr, "usage: child submit CONFIG ORDERS THREADS | child reconcile CONFIG ROUNDS\n");
        return 2;
    }
    wx_error *e = NULL;
    if (wx_recover_new_from_file(argv[2], &client, &e) != WX_OK) {
        fprintf(stderr, "client: %s\n", wx_error_message(e));
        wx_error_free(e);
        return 1;
    }
    int rc = 0;
    if (strcmp(argv[1], "submit") == 0 && argc == 5) {
        n_threads = atoi(argv[4]);
        if (n_threads < 1 || n_threads > 64 || load(argv[3]) != 0) {
            rc = 2;
        } else {
            pthread_t th[64];
            for (int t = 0; t < n_threads; t++)
                pthread_create(&th[t], NULL, submitter, (void *)(size_t)t);
            for (int t = 0; t < n_threads; t++)
                pthread_join(th[t], NULL);
        }
    } else if (strcmp(argv[1], "reconcile") == 0) {
        int rounds = atoi(argv[3]);
        size_t left = 1;
        for (int i = 0; i < rounds && left > 0; i++) {
            wx_reconcile_report *rep = NULL;
            if (wx_recover_reconcile(client, NULL, &rep, &e) != WX_OK) {
                fprintf(stderr, "reconcile: %s\n", wx_error_message(e));
                wx_error_free(e);
                e = NULL;
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
        rc = rc ? rc : (left == 0 ? 0 : 3);
    } else {
        rc = 2;
    }
    wx_recover_free(client);
    return rc;
}
