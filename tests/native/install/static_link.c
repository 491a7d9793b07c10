/* Links against libwx_recover.a with exactly the static link line documented in docs/cpp.md. */
#include <stdio.h>
#include <string.h>

#include <wx_recover.h>

int main(void) {
    wx_recover *client = NULL;
    wx_error *err = NULL;
    /* A real call through the core: a config error comes back with a message. */
    wx_status st = wx_recover_new("{}", &client, &err);
    if (st != WX_CONFIG || err == NULL || strlen(wx_error_message(err)) == 0) {
        fprintf(stderr, "unexpected status %d\n", (int)st);
        return 1;
    }
    printf("static wx-recover %s: %s\n", wx_version(), wx_status_str(st));
    wx_error_free(err);
    wx_recover_free(client);
    return 0;
}
