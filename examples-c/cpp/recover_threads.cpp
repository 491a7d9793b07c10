// Recovers (解管) 8 control orders at once from 8 threads sharing one wx::Client, then queries
// each one until its outcome is final.
//
//   recover_threads CONFIG.json ORDERS.json [FIRST]
//
// CONFIG.json is a client configuration (docs/design.md). ORDERS.json is a sandbox.json (or any
// JSON file with an "orders" array of {related_webank_punish_no, related_wxpay_punish_no, mchid,
// bal_account_no}); orders FIRST..FIRST+7 are used (FIRST defaults to 0). Prints one line per
// order, "thread I: OUT_REQUEST_NO (mchid MCHID) -> WXPAY_RECOVER_NO STATE". Exit status 0 when all 8 reach
// a final state (SUCCESS or FAILED), 1 otherwise.

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <wx_recover.hpp>

namespace {

struct OrderRef {
    std::string webank_no, wxpay_no, mchid, bal_account_no;
};

// Just enough JSON for a machine-written file: the string value of "key" in one object's text.
// A real program would use its own JSON library here.
std::string string_field(const std::string& obj, const std::string& key) {
    const std::string needle = "\"" + key + "\"";
    std::size_t p = obj.find(needle);
    if (p == std::string::npos) throw std::runtime_error("orders: missing " + key);
    p = obj.find('"', obj.find(':', p + needle.size()) + 1);
    std::string out;
    for (++p; p < obj.size() && obj[p] != '"'; ++p) {
        if (obj[p] == '\\' && p + 1 < obj.size()) ++p;  // ids carry no escapes but be safe
        out += obj[p];
    }
    return out;
}

std::vector<OrderRef> read_orders(const std::string& path, std::size_t first, std::size_t n) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    std::size_t p = text.find("\"orders\"");
    if (p == std::string::npos) throw std::runtime_error(path + ": no \"orders\" array");
    p = text.find('[', p);
    std::vector<OrderRef> orders;
    for (std::size_t i = 0; orders.size() < n; ++i) {
        const std::size_t open = text.find('{', p), close = text.find('}', open);
        if (open == std::string::npos || close == std::string::npos) break;
        const std::string obj = text.substr(open, close - open + 1);
        p = close + 1;
        if (i < first) continue;
        orders.push_back({string_field(obj, "related_webank_punish_no"),
                          string_field(obj, "related_wxpay_punish_no"), string_field(obj, "mchid"),
                          string_field(obj, "bal_account_no")});
    }
    if (orders.size() < n) throw std::runtime_error(path + ": not enough orders");
    return orders;
}

const char* state_name(wx::RecoverState s) {
    switch (s) {
        case wx::RecoverState::executing: return "EXECUTING";
        case wx::RecoverState::success: return "SUCCESS";
        case wx::RecoverState::failed: return "FAILED";
        default: return "UNKNOWN";
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 4) {
        std::cerr << "usage: " << argv[0] << " CONFIG.json ORDERS.json [FIRST]\n";
        return 2;
    }
    constexpr std::size_t kThreads = 8;
    try {
        const std::size_t first = argc == 4 ? std::stoul(argv[3]) : 0;
        const wx::Client client = wx::Client::from_file(argv[1]);
        const std::vector<OrderRef> orders = read_orders(argv[2], first, kThreads);
        const std::string run = std::to_string(
            std::chrono::system_clock::now().time_since_epoch() / std::chrono::milliseconds(1));

        std::mutex out_mu;  // keeps lines whole; the client itself needs no lock
        std::vector<int> ok(kThreads, 0);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                const OrderRef& o = orders[i];
                wx::RecoverRequest req;
                req.out_request_no = "cppex-" + run + "-" + std::to_string(i);
                req.related_webank_punish_no = o.webank_no;
                req.related_wxpay_punish_no = o.wxpay_no;
                req.mchid = o.mchid;
                req.bal_account_no = o.bal_account_no;  // plaintext: the library encrypts it
                req.recover_reason = "risk review passed";
                try {
                    wx::Accepted a;
                    for (int attempt = 1;; ++attempt) {
                        try {
                            a = client.submit(req);
                            break;
                        } catch (const wx::Error& e) {
                            // Outcome unknown or transient: re-submit the same number (re-entry).
                            if (!e.retry_safe() || attempt == 3) throw;
                        }
                    }
                    wx::Order order = client.query(req.out_request_no, req.mchid);
                    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
                    while (order.state == wx::RecoverState::executing &&
                           std::chrono::steady_clock::now() < give_up) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(200));
                        order = client.query(req.out_request_no, req.mchid);
                    }
                    std::lock_guard<std::mutex> lock(out_mu);
                    std::cout << "thread " << i << ": " << req.out_request_no << " (mchid " << req.mchid << ") -> "
                              << a.wxpay_recover_no << " " << state_name(order.state);
                    if (order.error_code) std::cout << " (" << *order.error_code << ")";
                    std::cout << "\n";
                    ok[i] = order.state == wx::RecoverState::success ||
                            order.state == wx::RecoverState::failed;
                } catch (const wx::Error& e) {
                    std::lock_guard<std::mutex> lock(out_mu);
                    std::cerr << "thread " << i << ": " << e.status_name() << ": " << e.what()
                              << (e.retry_safe() ? " (retry-safe)" : "") << "\n";
                }
            });
        }
        for (auto& t : threads) t.join();
        for (int v : ok)
            if (!v) return 1;
        std::cout << "all " << kThreads << " recovers final\n";
        return 0;
    } catch (const wx::Error& e) {
        std::cerr << e.status_name() << ": " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}
