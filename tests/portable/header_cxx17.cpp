// Compiled by tests/portable/oldsys.sh with the old system's g++:
//   g++ -std=c++17 -Wall -Wextra -Werror -pedantic (linked against the dist archive and run)
// The C++17 wrapper must compile cleanly with that compiler; its templates are instantiated by
// the calls below.
#include <wx_recover.hpp>

#include <string>

int main() {
    static_assert(static_cast<int>(wx::Status::ok) == WX_OK, "wx::Status mirrors wx_status");
    try {
        wx::Client client = wx::Client::from_file("client.json");
        static_cast<void>(client);
    } catch (const wx::Error &e) {
        return std::string(e.what()).empty() ? 2 : 1;
    }
    return 0;
}
