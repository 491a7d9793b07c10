/* The journal's cost per submit: N sequential submits on one client, timed in CPU (user +
 * system, getrusage) and wall clock around the loop only. Run once without and once with a
 * journal in the configuration (bench/journal.py does both, and counts fsyncs with strace).
 *
 *   journal_driver CONFIG ORDERS_FILE N      prints: {"n":N,"cpu_us":…,"wall_us":…,"failed":…} */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "wx_recover.h"

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double cpu_us(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: journal_driver CONFIG ORDERS_FILE N\n");
        return 2;
    }
    wx_recover *c = NULL;
    wx_error *e = NULL;
    if (wx_recover_new_from_file(argv[1], &c, &e) != WX_OK) {
        fprintf(stderr, "%s\n", wx_error_message(e));
        return 1;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) return 1;
    int n = atoi(argv[3]), failed = 0, done = 0;
    static char no[65], wb[257], wx[257], mch[257], bal[257];
    /* One warm-up call outside the timing: connection and key set-up. */
    double t0 = 0, c0 = 0;
    while (done <= n && fscanf(f, "%64s %256s %256s %256s %256s", no, wb, wx, mch, bal) == 5) {
        if (done == 1) {
            t0 = now_us();
            c0 = cpu_us();
        }
        wx_recover_request r = {no, wb, wx, mch, bal, "journal bench"};
        wx_accepted *a = NULL;
        if (wx_recover_submit(c, &r, &a, &e) == WX_OK) {
            wx_accepted_free(a);
        } else {
            failed++;
            wx_error_free(e);
            e = NULL;
        }
        done++;
    }
    double wall = now_us() - t0, cpu = cpu_us() - c0;
    fclose(f);
    wx_recover_free(c);
    printf("{\"n\":%d,\"cpu_us\":%.0f,\"wall_us\":%.0f,\"failed\":%d}\n", done - 1, cpu, wall, failed);
    return failed ? 1 : 0;
}
