/*
 * Benchmark driver for the C ABI (include/wx_recover.h).
 *
 *   driver config=PATH order=OUT,WEBANK,WXPAY,MCHID,BAL [order=...] [warmup=N] [n=N]
 *          [admin=http://127.0.0.1:PORT] [impl=c] [memory=1000,100000 [threads=N]]
 *
 * Every order= gives one recover; thread i uses order i modulo their number. Before anything
 * is timed, each order is submitted once under its fresh out_request_no (a new recover), then
 * `warmup` submits and `warmup` queries are made; the driver then prints {"ready":true}.
 *
 * Then it reads commands, one a line, on stdin (so that the orchestrator can interleave the
 * repetitions of several drivers, each seeing the same machine conditions):
 *   submit [T] | query [T]   one repetition: 10 untimed calls, then `n` timed calls spread over
 *                            T threads (default 1) on ONE client. A submit re-submits the same
 *                            out_request_no (re-entry: a full signed + encrypted + verified
 *                            round trip answered 200, signed); a query asks for it.
 *   quit
 * Each repetition prints one JSON line: client CPU per request (getrusage RUSAGE_SELF,
 * user + sys, all threads, around the timed loop only) with its user / sys split and the
 * voluntary / involuntary context switches per request, wall per request, p50/p99 latency,
 * requests per second, the sandbox's new TLS connections and requests during the loop (admin
 * GET /stats, read outside the timed window), VmRSS.
 *
 * memory=C1,C2,...: instead, submits (re-entry) on `threads` threads until the total number of
 * submits reaches each checkpoint, printing VmRSS at each, then exits. With budget_s=S it stops
 * early (printing {"stopped_before":C}) when, at the rate so far, the next checkpoint would end
 * after S seconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wx_recover.h"

#define MAX_ORDERS 64
#define MAX_CHECKPOINTS 32

typedef struct {
    char out[80], webank[80], wxpay[80], mchid[40], bal[80];
} order_t;

static const char *impl = "c";
static const char *op = "submit";
static const char *admin = NULL;
static order_t orders[MAX_ORDERS];
static int n_orders = 0;
static wx_recover *client = NULL;

static void fail(const char *what, wx_status st, wx_error *err) {
    fprintf(stderr, "driver: %s failed: %s: %s\n", what, wx_status_str(st), err ? wx_error_message(err) : "-");
    exit(1);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + tv.tv_usec / 1e6; }

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
    fclose(f);
    return kb;
}

/* --- the sandbox's admin counters (plain HTTP on loopback) --- */

typedef struct {
    long conns, requests;
} stats_t;

static long field_after(const char *body, const char *section, const char *key) {
    const char *s = strstr(body, section);
    if (!s) return -1;
    const char *k = strstr(s, key);
    return k ? atol(k + strlen(key)) : -1;
}

static stats_t admin_stats(void) {
    stats_t st = {0, 0};
    if (!admin) return st;
    int port = 0;
    if (sscanf(admin, "http://127.0.0.1:%d", &port) != 1) {
        fprintf(stderr, "driver: admin URL must be http://127.0.0.1:PORT\n");
        exit(1);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("driver: admin connect");
        exit(1);
    }
    const char req[] = "GET /stats HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
        perror("driver: admin write");
        exit(1);
    }
    static char buf[65536];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)r;
    buf[len] = 0;
    close(fd);
    long pc = field_after(buf, "\"primary\"", "\"connections\":"), pr = field_after(buf, "\"primary\"", "\"requests\":");
    long bc = field_after(buf, "\"backup\"", "\"connections\":"), br = field_after(buf, "\"backup\"", "\"requests\":");
    if (pc < 0 || pr < 0 || bc < 0 || br < 0) {
        fprintf(stderr, "driver: unexpected /stats answer: %s\n", buf);
        exit(1);
    }
    st.conns = pc + bc;
    st.requests = pr + br;
    return st;
}

/* --- one call --- */

static void request_of(const order_t *o, wx_recover_request *req) {
    req->out_request_no = o->out;
    req->related_webank_punish_no = o->webank;
    req->related_wxpay_punish_no = o->wxpay;
    req->mchid = o->mchid;
    req->bal_account_no = o->bal;
    req->recover_reason = "bench";
}

static void submit_once(const order_t *o) {
    wx_recover_request req;
    request_of(o, &req);
    wx_accepted *acc = NULL;
    wx_error *err = NULL;
    wx_status st = wx_recover_submit(client, &req, &acc, &err);
    if (st != WX_OK) fail("submit", st, err);
    if (wx_accepted_attempts(acc) != 1) {
        fprintf(stderr, "driver: a submit needed %u attempts\n", wx_accepted_attempts(acc));
        exit(1);
    }
    wx_accepted_free(acc);
}

static void query_once(const order_t *o) {
    wx_order *ord = NULL;
    wx_error *err = NULL;
    wx_status st = wx_recover_query(client, o->out, o->mchid, &ord, &err);
    if (st != WX_OK) fail("query", st, err);
    if (wx_order_state(ord) == WX_STATE_UNKNOWN) {
        fprintf(stderr, "driver: query answered an unknown state\n");
        exit(1);
    }
    wx_order_free(ord);
}

static void call_once(const order_t *o) {
    if (strcmp(op, "query") == 0)
        query_once(o);
    else
        submit_once(o);
}

/* --- threads --- */

typedef struct {
    const order_t *order;
    long count;
    double *lat; /* count latencies, microseconds; NULL: not recorded */
} work_t;

static void *worker(void *arg) {
    work_t *w = arg;
    for (long i = 0; i < w->count; i++) {
        double t0 = now_s();
        call_once(w->order);
        if (w->lat) w->lat[i] = (now_s() - t0) * 1e6;
    }
    return NULL;
}

/* Runs `total` calls over `threads` threads; latencies go to lat[0..total) when not NULL. */
static void run_calls(long total, int threads, double *lat) {
    pthread_t tid[MAX_ORDERS];
    work_t w[MAX_ORDERS];
    long done = 0;
    for (int t = 0; t < threads; t++) {
        w[t].order = &orders[t % n_orders];
        w[t].count = total / threads + (t < total % threads ? 1 : 0);
        w[t].lat = lat ? lat + done : NULL;
        done += w[t].count;
    }
    if (threads == 1) {
        worker(&w[0]);
        return;
    }
    for (int t = 0; t < threads; t++)
        if (pthread_create(&tid[t], NULL, worker, &w[t]) != 0) {
            perror("driver: pthread_create");
            exit(1);
        }
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *sorted, long n, double p) {
    long i = (long)(p * (double)(n - 1) + 0.5);
    return sorted[i < 0 ? 0 : (i >= n ? n - 1 : i)];
}

static void parse_order(const char *v) {
    if (n_orders == MAX_ORDERS) {
        fprintf(stderr, "driver: too many orders\n");
        exit(64);
    }
    order_t *o = &orders[n_orders++];
    if (sscanf(v, "%79[^,],%79[^,],%79[^,],%39[^,],%79s", o->out, o->webank, o->wxpay, o->mchid, o->bal) != 5) {
        fprintf(stderr, "driver: bad order= value\n");
        exit(64);
    }
}

static void run_rep(const char *what, int threads, long n, double *lat) {
    op = what;
    run_calls(10L * threads, threads, NULL); /* re-warm after idling between repetitions */
    stats_t s0 = admin_stats();
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    double w0 = now_s();
    run_calls(n, threads, lat);
    double w1 = now_s();
    getrusage(RUSAGE_SELF, &r1);
    stats_t s1 = admin_stats();
    qsort(lat, (size_t)n, sizeof(double), cmp_double);
    double user = tv_s(r1.ru_utime) - tv_s(r0.ru_utime), sys = tv_s(r1.ru_stime) - tv_s(r0.ru_stime);
    printf("{\"impl\":\"%s\",\"op\":\"%s\",\"threads\":%d,\"n\":%ld,\"cpu_us\":%.3f,\"user_us\":%.3f,"
           "\"sys_us\":%.3f,\"vcsw\":%.3f,\"ivcsw\":%.3f,"
           "\"wall_us\":%.3f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"rps\":%.2f,\"new_conns\":%ld,"
           "\"requests\":%ld,\"rss_kb\":%ld}\n",
           impl, op, threads, n, (user + sys) / n * 1e6, user / n * 1e6, sys / n * 1e6,
           (double)(r1.ru_nvcsw - r0.ru_nvcsw) / n, (double)(r1.ru_nivcsw - r0.ru_nivcsw) / n, (w1 - w0) / n * 1e6,
           pct(lat, n, 0.50), pct(lat, n, 0.99), n / (w1 - w0), s1.conns - s0.conns, s1.requests - s0.requests,
           rss_kb());
    fflush(stdout);
}

int main(int argc, char **argv) {
    const char *config = NULL, *memory = NULL;
    double budget_s = 0;
    long warmup = 50, n = 200;
    int threads = 1;
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "driver: arguments are key=value (got %s)\n", argv[i]);
            return 64;
        }
        *eq = 0;
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "config")) config = v;
        else if (!strcmp(k, "order")) parse_order(v);
        else if (!strcmp(k, "warmup")) warmup = atol(v);
        else if (!strcmp(k, "n")) n = atol(v);
        else if (!strcmp(k, "threads")) threads = atoi(v);
        else if (!strcmp(k, "admin")) admin = v;
        else if (!strcmp(k, "memory")) memory = v;
        else if (!strcmp(k, "budget_s")) budget_s = atof(v);
        else if (!strcmp(k, "impl")) impl = v;
        else {
            fprintf(stderr, "driver: unknown argument %s\n", k);
            return 64;
        }
    }
    if (!config || n_orders == 0 || n <= 0 || threads < 1 || threads > MAX_ORDERS) {
        fprintf(stderr, "driver: need config=, order=, n>0, 1<=threads<=%d\n", MAX_ORDERS);
        return 64;
    }

    wx_error *err = NULL;
    wx_status st = wx_recover_new_from_file(config, &client, &err);
    if (st != WX_OK) fail("client", st, err);

    /* The first submit of each order is a new recover under a fresh out_request_no. */
    for (int i = 0; i < n_orders; i++) submit_once(&orders[i]);

    if (memory) {
        op = "submit";
        long total = n_orders;
        double t0 = now_s(), c0 = cpu_s();
        const char *p = memory;
        while (*p) {
            long cp = strtol(p, (char **)&p, 10);
            if (*p == ',') p++;
            double elapsed = now_s() - t0;
            if (budget_s > 0 && total > n_orders && elapsed / (double)total * (double)cp > budget_s) {
                printf("{\"stopped_before\":%ld,\"elapsed_s\":%.3f}\n", cp, elapsed);
                break;
            }
            if (cp > total) {
                run_calls(cp - total, threads, NULL);
                total = cp;
            }
            printf("{\"impl\":\"%s\",\"op\":\"memory\",\"threads\":%d,\"submits\":%ld,\"rss_kb\":%ld,"
                   "\"elapsed_s\":%.3f,\"cpu_s\":%.3f}\n",
                   impl, threads, total, rss_kb(), now_s() - t0, cpu_s() - c0);
            fflush(stdout);
        }
        wx_recover_free(client);
        return 0;
    }

    op = "submit";
    run_calls(warmup, 1, NULL);
    op = "query";
    run_calls(warmup, 1, NULL);
    printf("{\"ready\":true}\n");
    fflush(stdout);

    double *lat = malloc(sizeof(double) * (size_t)n);
    if (!lat) return 1;
    char line[128];
    while (fgets(line, sizeof line, stdin)) {
        char what[32] = "";
        int t = 1;
        if (sscanf(line, "%31s %d", what, &t) < 1) continue;
        if (!strcmp(what, "quit")) break;
        if ((strcmp(what, "submit") && strcmp(what, "query")) || t < 1 || t > MAX_ORDERS) {
            fprintf(stderr, "driver: unknown command %s", line);
            return 64;
        }
        run_rep(!strcmp(what, "submit") ? "submit" : "query", t, n, lat);
    }
    free(lat);
    wx_recover_free(client);
    return 0;
}
