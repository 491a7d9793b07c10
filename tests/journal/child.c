/* A process of the journal crash storm: submits orders from several threads into one
 * journal (mode "submit"), or reconciles the journal until nothing is pending ("reconcile").
 * The storm driver (crash_storm.py) kills submitters with SIGKILL at random moments. The
 * orders file, the client and the submitter threads are tests/common/child_common.c.
 *
 *   child submit CONFIG ORDERS_FILE THREADS
 *   child reconcile CONFIG ROUNDS
 *   child fleet CONFIG ORDERS_FILE THREADS [PACE_MS]
 *
 * ORDERS_FILE: one order per line, "out_request_no wb_no wx_no mchid bal_account_no".
 *
 * "fleet" is a replica of the fleet crash storm (fleet_storm.py, a PostgreSQL journal shared by
 * several processes): like "submit", but a submit that fails retry-safe because the journal
 * database is unavailable ("... journal URL unavailable: ...") is tried again every 100 ms
 * for up to 30 s, as an application would, and each thread pauses PACE_MS (default 0) between
 * orders.
 * When WX_CHILD_READY_FILE is set, that file is created once the client is open, just before
 * the first submit. At the end it prints one line per order:
 *   out_request_no status unavailable last_unavailable_unix_ms elapsed_ms message
 * (status: the final wx_status; unavailable: how many tries failed with the journal
 * unavailable; message "-" when accepted). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
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

/* ----- "fleet": submit with retries while the journal database is down ----- */

typedef struct {
    int unavailable;              /* tries that failed with the journal unavailable */
    long long last_unavailable_ms; /* wall clock of the last such failure, 0 if none */
} fleet_extra;

static fleet_extra fleet_extras[CHILD_MAX_ORDERS];
static wx_recover *fleet_client;
static int fleet_threads;
static long fleet_pace_ms;

static long long wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int journal_unavailable(const wx_error *e) {
    const char *m = wx_error_message(e);
    /* "network error: journal URL unavailable: ...; nothing was sent" */
    return wx_error_retry_safe(e) && m && strstr(m, "journal ") != NULL &&
           strstr(m, " unavailable") != NULL;
}

static void *fleet_submitter(void *arg) {
    int t = (int)(size_t)arg;
    for (int i = t; i < child_n_orders; i += fleet_threads) {
        if (i != t && fleet_pace_ms > 0)
            sleep_ms(fleet_pace_ms);
        child_order *o = &child_orders[i];
        fleet_extra *x = &fleet_extras[i];
        wx_recover_request r = {o->out_request_no, o->wb, o->wx, o->mchid, o->bal,
                                "journal crash storm"};
        long long started = wall_ms();
        for (;;) {
            wx_accepted *a = NULL;
            wx_error *e = NULL;
            wx_status s = wx_recover_submit(fleet_client, &r, &a, &e);
            o->status = (int)s;
            if (s == WX_OK) {
                o->attempts = wx_accepted_attempts(a);
                snprintf(o->message, sizeof o->message, "-");
                wx_accepted_free(a);
                break;
            }
            o->attempts = wx_error_attempts(e);
            const char *m = wx_error_message(e);
            snprintf(o->message, sizeof o->message, "%s", m && *m ? m : "(no message)");
            for (char *p = o->message; *p; p++)
                if (*p == '\n' || *p == '\r')
                    *p = ' ';
            int again = journal_unavailable(e);
            wx_error_free(e);
            if (!again)
                break;
            x->unavailable++;
            x->last_unavailable_ms = wall_ms();
            if (x->last_unavailable_ms - started > 30000)
                break;
            sleep_ms(100);
        }
        o->elapsed_ms = (long)(wall_ms() - started);
    }
    return NULL;
}

static int fleet(wx_recover *client, const char *orders, const char *threads, const char *pace) {
    fleet_threads = child_threads(threads);
    fleet_pace_ms = pace ? atol(pace) : 0;
    if (fleet_threads == 0 || fleet_pace_ms < 0 || child_load_orders(orders) != 0)
        return 2;
    const char *ready = getenv("WX_CHILD_READY_FILE");
    if (ready && *ready) {
        FILE *f = fopen(ready, "w");
        if (f)
            fclose(f);
    }
    fleet_client = client;
    pthread_t th[CHILD_MAX_THREADS];
    for (int t = 0; t < fleet_threads; t++)
        pthread_create(&th[t], NULL, fleet_submitter, (void *)(size_t)t);
    for (int t = 0; t < fleet_threads; t++)
        pthread_join(th[t], NULL);
    for (int i = 0; i < child_n_orders; i++) {
        const child_order *o = &child_orders[i];
        printf("%s %d %d %lld %ld %s\n", o->out_request_no, o->status, fleet_extras[i].unavailable,
               fleet_extras[i].last_unavailable_ms, o->elapsed_ms, o->message);
    }
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: child submit CONFIG ORDERS THREADS | child reconcile CONFIG ROUNDS"
                        " | child fleet CONFIG ORDERS THREADS [PACE_MS]\n");
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
    } else if (strcmp(argv[1], "fleet") == 0 && (argc == 5 || argc == 6)) {
        rc = fleet(client, argv[3], argv[4], argc == 6 ? argv[5] : NULL);
    } else if (strcmp(argv[1], "reconcile") == 0) {
        rc = reconcile(client, atoi(argv[3]));
    } else {
        rc = 2;
    }
    wx_recover_free(client);
    return rc;
}
