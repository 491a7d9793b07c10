/*
 * Queries one recover (解管) by out_request_no and prints its state, using only what
 * `pkg-config wx_recover` gives.
 *
 *   query_order CONFIG.json OUT_REQUEST_NO MCHID
 *
 * Exit status: 0 when the order was found (any state), 3 when it does not exist (HTTP 404
 * NOT_FOUND), 1 on any other error.
 */
#include <stdio.h>
#include <string.h>

#include <wx_recover.h>

int main(int argc, char **argv) {
    wx_recover *client = NULL;
    wx_order *order = NULL;
    wx_error *err = NULL;
    wx_status st;
    int rc = 1;

    if (argc != 4) {
        fprintf(stderr, "usage: %s CONFIG.json OUT_REQUEST_NO MCHID\n", argv[0]);
        return 2;
    }
    printf("wx-recover %s\n", wx_version());

    st = wx_recover_new_from_file(argv[1], &client, &err);
    if (st != WX_OK) goto fail;

    st = wx_recover_query(client, argv[2], argv[3], &order, &err);
    if (st != WX_OK) goto fail;

    {
        const char *state = wx_order_get(order, "recover_state");
        const char *no = wx_order_get(order, "wxpay_recover_no");
        printf("%s: %s (wxpay_recover_no %s)\n", argv[2], state ? state : "?", no ? no : "?");
    }
    rc = 0;
    goto done;

fail: {
        const char *code = wx_error_code(err);
        const char *rid = wx_error_request_id(err);
        fprintf(stderr, "%s: %s\n", wx_status_str(st), wx_error_message(err));
        if (rid != NULL) fprintf(stderr, "Request-ID (quote it to support): %s\n", rid);
        if (st == WX_API && wx_error_http_status(err) == 404 && code != NULL &&
            strcmp(code, "NOT_FOUND") == 0)
            rc = 3;
    }
done:
    wx_order_free(order);
    wx_error_free(err);
    wx_recover_free(client);
    return rc;
}
