/*
 * Submit one recover (解管), then poll its outcome.
 *
 *   recover CONFIG OUT_REQUEST_NO WEBANK_PUNISH_NO WXPAY_PUNISH_NO MCHID BAL_ACCOUNT_NO [REASON]
 *
 * CONFIG is a wx-recover JSON configuration file. Exit status: 0 when the recover reached
 * SUCCESS, 2 when it reached FAILED, otherwise the wx_status of the failing call.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wx_recover.h"

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static const char *or_dash(const char *s) { return s ? s : "-"; }

/* Prints every detail of an error; the message never contains a secret. */
static void report(const char *what, const wx_error *err) {
    fprintf(stderr, "%s failed: %s\n", what, wx_status_str(wx_error_status(err)));
    fprintf(stderr, "  message:     %s\n", wx_error_message(err));
    fprintf(stderr, "  http status: %u\n", (unsigned)wx_error_http_status(err));
    fprintf(stderr, "  code:        %s\n", or_dash(wx_error_code(err)));
    fprintf(stderr, "  detail:      %s\n", or_dash(wx_error_detail(err)));
    fprintf(stderr, "  request id:  %s\n", or_dash(wx_error_request_id(err)));
    fprintf(stderr, "  attempts:    %u\n", (unsigned)wx_error_attempts(err));
    fprintf(stderr, "  retry safe:  %s\n", wx_error_retry_safe(err) ? "yes" : "no");
}

/* What an operator should do next, for each status. */
static const char *advice(wx_status st, bool retry_safe) {
    switch (st) {
    case WX_OK: return "nothing";
    case WX_INVALID_ARGUMENT: return "fix the named field; nothing was sent";
    case WX_CONFIG: return "fix the configuration or key file named in the message";
    case WX_NETWORK:
    case WX_TIMEOUT: return "re-submit the same out_request_no later (re-entry is safe)";
    case WX_API:
        return retry_safe ? "re-submit the same out_request_no later"
                          : "the platform refused it: see code and message; do not retry unchanged";
    case WX_UNVERIFIED: return "outcome unknown: re-submit the same out_request_no or query it";
    case WX_RATE_LIMITED: return "wait and re-submit the same out_request_no";
    case WX_BAD_RESPONSE: return "re-submit the same out_request_no or query it";
    case WX_INTERNAL: return "report a bug in wx-recover";
    }
    return "unknown status";
}

int main(int argc, char **argv) {
    if (argc < 7 || argc > 8) {
        fprintf(stderr,
                "usage: %s CONFIG OUT_REQUEST_NO WEBANK_PUNISH_NO WXPAY_PUNISH_NO MCHID BAL_ACCOUNT_NO [REASON]\n",
                argv[0]);
        return 64;
    }
    printf("wx-recover %s\n", wx_version());

    wx_recover *client = NULL;
    wx_error *err = NULL;
    wx_status st = wx_recover_new_from_file(argv[1], &client, &err);
    if (st != WX_OK) {
        report("loading the configuration", err);
        wx_error_free(err);
        return (int)st;
    }

    wx_recover_request req;
    req.out_request_no = argv[2];
    req.related_webank_punish_no = argv[3];
    req.related_wxpay_punish_no = argv[4];
    req.mchid = argv[5];
    req.bal_account_no = argv[6];
    req.recover_reason = argc == 8 ? argv[7] : NULL;

    wx_accepted *accepted = NULL;
    st = wx_recover_submit(client, &req, &accepted, &err);
    if (st != WX_OK) {
        bool again = wx_error_retry_safe(err);
        report("submit", err);
        fprintf(stderr, "  next step:   %s\n", advice(st, again));
        wx_error_free(err);
        err = NULL;
        if (!again) {
            wx_recover_free(client);
            return (int)st;
        }
        /* Same out_request_no: re-entry answers with the same wxpay_recover_no. */
        st = wx_recover_submit(client, &req, &accepted, &err);
        if (st != WX_OK) {
            report("re-submit", err);
            wx_error_free(err);
            wx_recover_free(client);
            return (int)st;
        }
    }
    printf("accepted: wxpay_recover_no=%s out_request_no=%s request_id=%s attempts=%u\n",
           wx_accepted_wxpay_recover_no(accepted), wx_accepted_out_request_no(accepted),
           or_dash(wx_accepted_request_id(accepted)), (unsigned)wx_accepted_attempts(accepted));
    wx_accepted_free(accepted);

    int rc = 1;
    for (int i = 0; i < 150; i++) {
        wx_order *order = NULL;
        st = wx_recover_query(client, req.out_request_no, req.mchid, &order, &err);
        if (st != WX_OK) {
            report("query", err);
            bool again = wx_error_retry_safe(err);
            wx_error_free(err);
            err = NULL;
            if (!again) {
                rc = (int)st;
                break;
            }
            sleep_ms(200);
            continue;
        }
        wx_recover_state state = wx_order_state(order);
        printf("query: recover_state=%s request_id=%s\n", or_dash(wx_order_get(order, "recover_state")),
               or_dash(wx_order_request_id(order)));
        if (state == WX_STATE_SUCCESS || state == WX_STATE_FAILED) {
            printf("outcome: %s finished at %s", state == WX_STATE_SUCCESS ? "SUCCESS" : "FAILED",
                   or_dash(wx_order_get(order, "recover_finish_time")));
            if (state == WX_STATE_FAILED)
                printf(" (%s: %s)", or_dash(wx_order_get(order, "error_code")),
                       or_dash(wx_order_get(order, "error_message")));
            printf("\n");
            rc = state == WX_STATE_SUCCESS ? 0 : 2;
            wx_order_free(order);
            break;
        }
        wx_order_free(order);
        sleep_ms(200);
    }
    wx_recover_free(client);
    return rc;
}
