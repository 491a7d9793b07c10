/* Compiled by tests/portable/oldsys.sh with the old system's gcc:
 *   gcc -std=c99 -Wall -Wextra -Werror -pedantic (linked against the dist archive and run)
 * wx_recover.h must be clean C99: its types, enums and prototypes are used below. */
#include <stddef.h>

#include <wx_recover.h>

int main(void) {
    wx_recover_request req = {"OUT-1", "WB-1", "WX-1", "1900000001", "6200000000000000", NULL};
    wx_recover *client = NULL;
    wx_error *err = NULL;
    wx_status st = wx_recover_new_from_file("client.json", &client, &err);
    (void)req;
    if (st != WX_OK) {
        const char *name = wx_status_str(wx_error_status(err));
        wx_error_free(err);
        return name != NULL ? 1 : 2;
    }
    return wx_version() != NULL ? 0 : 1;
}
