/* What the C children of the multi-process tests share: tests/journal/child.c (the journal
 * crash storm) and tests/quota/child.c (the quota fleet). Both read an orders file, open one
 * client from a configuration file and submit every order once from several threads sharing
 * that client, keeping each order's outcome. The drivers (tests/journal/crash_storm.py,
 * tests/quota/fleet.py) compile child_common.c into both. */
#ifndef WX_TESTS_CHILD_COMMON_H
#define WX_TESTS_CHILD_COMMON_H

#include "wx_recover.h"

#define CHILD_MAX_ORDERS 4096
#define CHILD_MAX_THREADS 64
#define CHILD_MAX_MESSAGE 300

typedef struct {
    char out_request_no[65], wb[257], wx[257], mchid[257], bal[257];
    /* The outcome, filled by child_submit_all(): */
    int status;         /* the wx_status of the submit (0 = accepted) */
    unsigned attempts;  /* HTTP attempts it made */
    long elapsed_ms;    /* how long the call took */
    char message[CHILD_MAX_MESSAGE + 1]; /* "-" when accepted, else the error's message on one line */
} child_order;

extern child_order child_orders[CHILD_MAX_ORDERS];
extern int child_n_orders;

/* Reads ORDERS_FILE: one order per line, "out_request_no wb_no wx_no mchid bal_account_no".
 * Returns 0, or -1 after perror() when the file cannot be opened. */
int child_load_orders(const char *path);

/* THREADS as a number from 1 to CHILD_MAX_THREADS; 0 when it is not one. */
int child_threads(const char *arg);

/* A client from the configuration file at `path`, or NULL after printing
 * "PROG: client: MESSAGE" to stderr. */
wx_recover *child_open_client(const char *prog, const char *path);

/* Submits every loaded order once, from `threads` threads (as child_threads() gives them)
 * sharing `client`, with `reason` as recover_reason, and records each outcome in child_orders. */
void child_submit_all(wx_recover *client, int threads, const char *reason);

#endif
