/*
 * Cold start through the C ABI: one process that loads libwx_recover with dlopen, reads the
 * configuration and keys, opens TLS, submits one recover and exits.
 *
 *   coldstart LIBRARY.so CONFIG.json OUT,WEBANK,WXPAY,MCHID,BAL
 *
 * Prints one JSON line with the time of each step, in microseconds: dlopen + dlsym of the
 * library ("load_us"), wx_recover_new_from_file ("new_us": config, keys, the HTTP client),
 * the submit ("submit_us": the TLS connection, the signed request, the verified answer) and
 * wx_recover_free ("free_us"). bench/coldstart.py times the whole process from outside.
 * The library is loaded with dlopen (not linked) so that its load time can be measured.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wx_recover.h"

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void *sym(void *lib, const char *name) {
    void *p = dlsym(lib, name);
    if (!p) {
        fprintf(stderr, "coldstart: %s missing: %s\n", name, dlerror());
        exit(1);
    }
    return p;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: coldstart LIBRARY.so CONFIG.json OUT,WEBANK,WXPAY,MCHID,BAL\n");
        return 64;
    }
    static char out[80], webank[80], wxpay[80], mchid[40], bal[80];
    if (sscanf(argv[3], "%79[^,],%79[^,],%79[^,],%39[^,],%79s", out, webank, wxpay, mchid, bal) != 5) {
        fprintf(stderr, "coldstart: bad order\n");
        return 64;
    }
    double t0 = now_us();
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "coldstart: %s\n", dlerror());
        return 1;
    }
    wx_status (*new_from_file)(const char *, wx_recover **, wx_error **) = sym(lib, "wx_recover_new_from_file");
    wx_status (*submit)(wx_recover *, const wx_recover_request *, wx_accepted **, wx_error **) =
        sym(lib, "wx_recover_submit");
    void (*accepted_free)(wx_accepted *) = sym(lib, "wx_accepted_free");
    void (*client_free)(wx_recover *) = sym(lib, "wx_recover_free");
    const char *(*error_message)(const wx_error *) = sym(lib, "wx_error_message");
    double t1 = now_us();
    wx_recover *c = NULL;
    wx_error *e = NULL;
    if (new_from_file(argv[2], &c, &e) != WX_OK) {
        fprintf(stderr, "coldstart: client: %s\n", e ? error_message(e) : "-");
        return 1;
    }
    double t2 = now_us();
    wx_recover_request r = {out, webank, wxpay, mchid, bal, "cold start"};
    wx_accepted *a = NULL;
    if (submit(c, &r, &a, &e) != WX_OK) {
        fprintf(stderr, "coldstart: submit: %s\n", e ? error_message(e) : "-");
        return 1;
    }
    double t3 = now_us();
    accepted_free(a);
    client_free(c);
    double t4 = now_us();
    printf("{\"load_us\":%.0f,\"new_us\":%.0f,\"submit_us\":%.0f,\"free_us\":%.0f}\n", t1 - t0, t2 - t1, t3 - t2,
           t4 - t3);
    return 0;
}
