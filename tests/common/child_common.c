/* The orders file, the client and the submitter threads of the C test children (see
 * child_common.h). */
#define _POSIX_C_SOURCE 200809L
#include "child_common.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

child_order child_orders[CHILD_MAX_ORDERS];
int child_n_orders;

static wx_recover *client;
static int n_threads;
static const char *reason;

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void keep_message(child_order *o, const char *m) {
    snprintf(o->message, sizeof o->message, "%s", m && *m ? m : "(no message)");
    for (char *p = o->message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

static void *submitter(void *arg) {
    int t = (int)(size_t)arg;
    for (int i = t; i < child_n_orders; i += n_threads) {
        child_order *o = &child_orders[i];
        wx_recover_request r = {o->out_request_no, o->wb, o->wx, o->mchid, o->bal, reason};
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

int child_load_orders(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    while (child_n_orders < CHILD_MAX_ORDERS) {
        child_order *o = &child_orders[child_n_orders];
        if (fscanf(f, "%64s %256s %256s %256s %256s", o->out_request_no, o->wb, o->wx, o->mchid,
                   o->bal) != 5)
            break;
        child_n_orders++;
    }
    fclose(f);
    return 0;
}

int child_threads(const char *arg) {
    int n = atoi(arg);
    return n >= 1 && n <= CHILD_MAX_THREADS ? n : 0;
}

wx_recover *child_open_client(const char *prog, const char *path) {
    wx_recover *c = NULL;
    wx_error *e = NULL;
    if (wx_recover_new_from_file(path, &c, &e) != WX_OK) {
        fprintf(stderr, "%s: client: %s\n", prog, wx_error_message(e));
        wx_error_free(e);
        return NULL;
    }
    return c;
}

void child_submit_all(wx_recover *c, int threads, const char *why) {
    pthread_t th[CHILD_MAX_THREADS];
    if (threads < 1 || threads > CHILD_MAX_THREADS)
        return;
    client = c;
    n_threads = threads;
    reason = why;
    for (int t = 0; t < n_threads; t++)
        pthread_create(&th[t], NULL, submitter, (void *)(size_t)t);
    for (int t = 0; t < n_threads; t++)
        pthread_join(th[t], NULL);
}
