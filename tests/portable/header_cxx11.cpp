// Compiled by tests/portable/oldsys.sh with the old system's g++:
//   g++ -std=c++11 -Wall -Wextra -Werror -pedantic (linked against the dist archive and run)
// The C API header must also be usable from C++11 (the route for compilers without C++17).
#include <cstddef>

#include <wx_recover.h>

int main() {
    wx_recover_request req = {"OUT-1", "WB-1", "WX-1", "1900000001", "6200000000000000", nullptr};
    wx_recover *client = nullptr;
    wx_error *err = nullptr;
    const wx_status st = wx_recover_new_from_file("client.json", &client, &err);
    static_cast<void>(req);
    if (st != WX_OK) {
        const char *name = wx_status_str(wx_error_status(err));
        wx_error_free(err);
        return name != nullptr ? 1 : 2;
    }
    return wx_version() != nullptr ? 0 : 1;
}
