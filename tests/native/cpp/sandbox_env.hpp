// A GoogleTest global environment that runs one wx-sandbox for the whole test binary: fresh
// temp state dir, `--orders 200 --rate-limit-per-minute 0`, killed with SIGTERM at the end.
// It hands out sandbox orders so that no two tests recover the same order by accident. The
// sandbox is read from its flat sandbox.env and driven with `wx-sandbox fault` / `reset`, so
// the tests parse no JSON; client configurations are written from the env values.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

/// A JSON value to write into a client configuration (strings escaped, numbers as is).
struct Value {
    std::string json;
    static Value str(const std::string& s) {
        std::string out = "\"";
        for (char c : s) {
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                out += buf;
            } else {
                out += c;
            }
        }
        return Value{out + "\""};
    }
    static Value num(long long n) { return Value{std::to_string(n)}; }
};

/// sandbox.env: KEY=VALUE lines. `s("client_config")` reads CLIENT_CONFIG.
struct SandboxInfo {
    std::map<std::string, std::string> values;
    std::string s(const std::string& key) const {
        std::string k;
        for (char c : key) k += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        const auto it = values.find(k);
        if (it == values.end()) throw std::runtime_error("sandbox.env has no " + k);
        return it->second;
    }
};

struct SandboxOrder {
    std::string related_webank_punish_no;
    std::string related_wxpay_punish_no;
    std::string mchid;
    std::string bal_account_no;
    std::string outcome;  // "SUCCESS" or "FAILED": the final state the sandbox will report
};

class SandboxEnv : public ::testing::Environment {
public:
    static SandboxEnv* instance;

    void SetUp() override {
        try {
            start();
        } catch (const std::exception& e) {
            FAIL() << "cannot start the sandbox: " << e.what();
        }
    }

    void start() {
        const char* bin_env = std::getenv("WX_SANDBOX_BIN");
        const std::string bin = bin_env && *bin_env ? bin_env : "/work/main/target/release/wx-sandbox";
        if (access(bin.c_str(), X_OK) != 0) {
            throw std::runtime_error("wx-sandbox binary not found at " + bin +
                                     " (set WX_SANDBOX_BIN or run cargo build --release -p wx-sandbox)");
        }
        char tmpl[] = "/tmp/wx-cpp-test-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        const std::string state = dir_ + "/state";
        const std::string out_path = dir_ + "/sandbox.out";

        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            // Child: stdout to a file we poll for the "ready" line (no pipe to keep drained).
            FILE* f = std::freopen(out_path.c_str(), "w", stdout);
            if (f == nullptr) _exit(126);
            execl(bin.c_str(), bin.c_str(), "--state-dir", state.c_str(), "--orders", "200",
                  "--rate-limit-per-minute", "0", static_cast<char*>(nullptr));
            _exit(127);
        }

        std::string json_path;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (json_path.empty()) {
            int st = 0;
            if (waitpid(pid_, &st, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("wx-sandbox exited before it was ready");
            }
            if (std::chrono::steady_clock::now() > until) throw std::runtime_error("wx-sandbox not ready in 120 s");
            std::ifstream in(out_path);
            std::string line;
            while (std::getline(in, line))
                if (line.rfind("ready ", 0) == 0 && !in.eof()) json_path = line.substr(6);
            if (json_path.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }

        bin_ = bin;
        env_path_ = std::filesystem::path(json_path).parent_path() / "sandbox.env";
        std::istringstream lines(read_file(env_path_));
        for (std::string line; std::getline(lines, line);) {
            const auto eq = line.find('=');
            if (eq != std::string::npos) sandbox.values[line.substr(0, eq)] = line.substr(eq + 1);
        }
        const int count = std::stoi(sandbox.s("order_count"));
        for (int i = 0; i < count; ++i) {
            const std::string p = "order_" + std::to_string(i) + "_";
            orders_.push_back(SandboxOrder{sandbox.s(p + "related_webank_punish_no"),
                                           sandbox.s(p + "related_wxpay_punish_no"), sandbox.s(p + "mchid"),
                                           sandbox.s(p + "bal_account_no"), sandbox.s(p + "outcome")});
        }
        if (orders_.size() < 40) throw std::runtime_error("sandbox.env has too few orders");
    }

    void TearDown() override {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            int st = 0;
            waitpid(pid_, &st, 0);
            pid_ = -1;
        }
        if (!dir_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
        }
    }

    /// A client config for this sandbox with the limiter off, plus `overrides`, as JSON text.
    std::string config(const std::vector<std::pair<std::string, Value>>& overrides = {}) const {
        std::vector<std::pair<std::string, Value>> c = {
            {"mchid", Value::str(sandbox.s("mchid"))},
            {"merchant_serial_no", Value::str(sandbox.s("merchant_serial_no"))},
            {"merchant_private_key", Value::str(sandbox.s("merchant_private_key"))},
            {"wechatpay_public_key_id", Value::str(sandbox.s("wechatpay_public_key_id"))},
            {"wechatpay_public_key", Value::str(sandbox.s("wechatpay_public_key"))},
            {"apiv3_key", Value::str(sandbox.s("apiv3_key"))},
            {"base_url", Value::str(sandbox.s("primary_url"))},
            {"backup_url", Value::str(sandbox.s("backup_url"))},
            {"ca_cert", Value::str(sandbox.s("ca_cert"))},
            {"rate_limit_per_minute", Value::num(0)},
        };
        for (const auto& kv : overrides) {
            bool replaced = false;
            for (auto& e : c)
                if (e.first == kv.first) {
                    e.second = kv.second;
                    replaced = true;
                }
            if (!replaced) c.push_back(kv);
        }
        std::string out = "{";
        for (const auto& e : c) out += (out.size() > 1 ? "," : "") + Value::str(e.first).json + ":" + e.second.json;
        return out + "}";
    }

    /// `wx-sandbox fault KIND COUNT --listener L [--path P]`; true when it was installed.
    bool fault(const std::string& kind, int count, const std::string& listener, const std::string& path = "") const {
        std::string cmd = "'" + bin_ + "' fault " + kind + " " + std::to_string(count) + " --listener " + listener;
        if (!path.empty()) cmd += " --path " + path;
        return std::system((cmd + " --env-file '" + env_path_.string() + "'").c_str()) == 0;
    }

    /// `wx-sandbox reset`: faults cleared, listeners back up.
    bool reset() const { return std::system(("'" + bin_ + "' reset --env-file '" + env_path_.string() + "'").c_str()) == 0; }

    /// An order no other test has used; `outcome` "" takes any.
    SandboxOrder take(const std::string& outcome = "") {
        std::lock_guard<std::mutex> lock(mu_);
        for (std::size_t i = 0; i < orders_.size(); ++i) {
            if (used_.size() < orders_.size()) used_.resize(orders_.size(), false);
            if (!used_[i] && (outcome.empty() || orders_[i].outcome == outcome)) {
                used_[i] = true;
                return orders_[i];
            }
        }
        throw std::runtime_error("no unused sandbox order left with outcome " + outcome);
    }

    /// A fresh out_request_no (at most 64 bytes).
    std::string fresh_no(const std::string& tag) {
        static std::atomic<unsigned> n{0};
        return "cpp-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(++n) + "-" +
               std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);
    }

    static std::string read_file(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw std::runtime_error("cannot read " + path);
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    SandboxInfo sandbox;

private:
    pid_t pid_ = -1;
    std::string dir_;
    std::string bin_;
    std::filesystem::path env_path_;
    std::vector<SandboxOrder> orders_;
    std::vector<bool> used_;
    std::mutex mu_;
};

inline SandboxEnv* SandboxEnv::instance = nullptr;
