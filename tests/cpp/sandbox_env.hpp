// A GoogleTest global environment that runs one wx-sandbox for the whole test binary: fresh
// temp state dir, `--orders 200 --rate-limit-per-minute 0`, killed with SIGTERM at the end.
// It hands out sandbox orders so that no two tests recover the same order by accident.
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
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "json_lite.hpp"

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

        sandbox = json_lite::parse(read_file(json_path));
        client_config = json_lite::parse(read_file(sandbox.s("client_config")));
        for (const auto& o : sandbox["orders"].items) {
            orders_.push_back(SandboxOrder{o.s("related_webank_punish_no"), o.s("related_wxpay_punish_no"),
                                           o.s("mchid"), o.s("bal_account_no"), o.s("outcome")});
        }
        if (orders_.size() < 40) throw std::runtime_error("sandbox.json has too few orders");
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

    /// The sandbox's client config with the limiter off, plus `overrides`, as JSON text.
    std::string config(const std::vector<std::pair<std::string, json_lite::Value>>& overrides = {}) const {
        json_lite::Value c = client_config;
        c.set("rate_limit_per_minute", json_lite::Value::num(0));
        for (const auto& kv : overrides) c.set(kv.first, kv.second);
        return json_lite::dump(c);
    }

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

    /// POSTs JSON to the sandbox admin API (plain HTTP on loopback) with curl; true on 2xx.
    bool admin_post(const std::string& path, const std::string& body = "{}") const {
        const std::string cmd = "curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' --data '" +
                                body + "' '" + sandbox.s("admin_url") + path + "'";
        return std::system(cmd.c_str()) == 0;
    }

    static std::string read_file(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw std::runtime_error("cannot read " + path);
        std::ostringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    json_lite::Value sandbox;
    json_lite::Value client_config;

private:
    pid_t pid_ = -1;
    std::string dir_;
    std::vector<SandboxOrder> orders_;
    std::vector<bool> used_;
    std::mutex mu_;
};

inline SandboxEnv* SandboxEnv::instance = nullptr;
