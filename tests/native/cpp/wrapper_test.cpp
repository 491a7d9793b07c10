// GoogleTest tests of include/wx_recover.hpp against the sandbox (one sandbox per binary, see
// sandbox_env.hpp). Every assertion is about what the real library returns through the wrapper.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "sandbox_env.hpp"
#include "wx_recover.hpp"


namespace {

SandboxEnv& env() { return *SandboxEnv::instance; }

wx::Client client(const std::vector<std::pair<std::string, Value>>& overrides = {}) {
    return wx::Client::from_json(env().config(overrides));
}

wx::RecoverRequest request_for(const SandboxOrder& o, const std::string& out_request_no) {
    wx::RecoverRequest r;
    r.out_request_no = out_request_no;
    r.related_webank_punish_no = o.related_webank_punish_no;
    r.related_wxpay_punish_no = o.related_wxpay_punish_no;
    r.mchid = o.mchid;
    r.bal_account_no = o.bal_account_no;
    r.recover_reason = std::string("风控复核通过 (C++ test)");
    return r;
}

bool is_final(wx::RecoverState s) { return s == wx::RecoverState::success || s == wx::RecoverState::failed; }

wx::Order wait_final(const wx::Client& c, const std::string& no, const std::string& mchid) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (true) {
        wx::Order o = c.query(no, mchid);
        if (is_final(o.state) || std::chrono::steady_clock::now() > until) return o;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

wx::RecoverState expected_state(const SandboxOrder& o) {
    return o.outcome == "SUCCESS" ? wx::RecoverState::success : wx::RecoverState::failed;
}

// Runs `f`, which must throw wx::Error, and returns the error.
template <class F>
wx::Error expect_error(F&& f) {
    try {
        f();
    } catch (const wx::Error& e) {
        return e;
    }
    ADD_FAILURE() << "expected a wx::Error";
    return wx::Error(wx::Status::ok, 0, std::nullopt, "none", std::nullopt, std::nullopt, false, 0);
}

}  // namespace

static_assert(!std::is_copy_constructible_v<wx::Client>, "Client is move-only");
static_assert(!std::is_copy_assignable_v<wx::Client>, "Client is move-only");
static_assert(std::is_nothrow_move_constructible_v<wx::Client>, "Client moves without throwing");
static_assert(std::is_nothrow_move_assignable_v<wx::Client>, "Client moves without throwing");
static_assert(std::is_base_of_v<std::runtime_error, wx::Error>, "wx::Error is a runtime_error");

TEST(Wrapper, VersionAndStatusNames) {
    EXPECT_FALSE(wx::version().empty());
    EXPECT_EQ(wx::status_name(wx::Status::unverified), "unverified response");
    EXPECT_EQ(wx::status_name(wx::Status::api), "API error");
}

TEST(Wrapper, SubmitThenQueryUntilFinal) {
    const wx::Client c = client();
    ASSERT_TRUE(static_cast<bool>(c));
    for (const char* outcome : {"SUCCESS", "FAILED"}) {
        const SandboxOrder o = env().take(outcome);
        const std::string no = env().fresh_no("ok");
        const wx::Accepted a = c.submit(request_for(o, no));
        EXPECT_FALSE(a.wxpay_recover_no.empty());
        EXPECT_EQ(a.out_request_no, no);
        ASSERT_TRUE(a.request_id.has_value());
        EXPECT_FALSE(a.request_id->empty());
        EXPECT_GE(a.attempts, 1u);

        // Re-entry: same out_request_no and content is accepted again with the same number.
        const wx::Accepted again = c.submit(request_for(o, no));
        EXPECT_EQ(again.wxpay_recover_no, a.wxpay_recover_no);

        const wx::Order q = wait_final(c, no, o.mchid);
        EXPECT_EQ(q.state, expected_state(o)) << q.json;
        ASSERT_TRUE(q.recover_state.has_value());
        EXPECT_EQ(*q.recover_state, outcome);
        EXPECT_EQ(q.wxpay_recover_no, a.wxpay_recover_no);
        EXPECT_EQ(q.out_request_no, no);
        EXPECT_EQ(q.related_wxpay_punish_no, o.related_wxpay_punish_no);
        EXPECT_EQ(q.mchid, o.mchid);
        EXPECT_EQ(q.recover_reason, std::string("风控复核通过 (C++ test)"));
        EXPECT_TRUE(q.recover_accept_time.has_value());
        EXPECT_TRUE(q.recover_finish_time.has_value());
        EXPECT_NE(q.json.find(a.wxpay_recover_no), std::string::npos);
        EXPECT_TRUE(q.request_id.has_value());
        if (q.state == wx::RecoverState::failed) {
            EXPECT_TRUE(q.error_code.has_value());
            EXPECT_TRUE(q.error_message.has_value());
        } else {
            EXPECT_FALSE(q.error_code.has_value());
        }
        // The plaintext ledger id never comes back in the answer.
        EXPECT_EQ(q.json.find(o.bal_account_no), std::string::npos);
    }
}

// One table: every status the wrapper maps, caused for real, with every field of wx::Error.
TEST(Wrapper, EveryStatusMapsToWxErrorWithEveryField) {
    struct Row {
        const char* name;
        wx::Status status;
        std::vector<std::pair<std::string, Value>> config;
        const char* fault;  // kind, or nullptr
        const char* listener;
        const char* call;  // "query", "missing", "duplicate", "limited", "invalid"
        int http_status;
        std::optional<std::string> code;
        bool retry_safe;
        unsigned attempts;
    };
    const std::vector<std::pair<std::string, Value>> no_backup = {
        {"backup_url", Value::str("")}, {"max_attempts", Value::num(1)}, {"connect_timeout_ms", Value::num(1000)},
        {"deadline_ms", Value::num(5000)}};
    const std::vector<Row> rows = {
        {"invalid argument", wx::Status::invalid_argument, {}, nullptr, "", "invalid", 0, std::nullopt, false, 0},
        {"network", wx::Status::network, no_backup, "down", "primary", "query", 0, std::nullopt, true, 1},
        {"API 5xx", wx::Status::api, {{"max_attempts", Value::num(1)}}, "system_error", "both", "query", 500,
         std::string("SYSTEM_ERROR"), true, 1},
        {"API 404", wx::Status::api, {}, nullptr, "", "missing", 404, std::string("NOT_FOUND"), false, 1},
        {"API 400", wx::Status::api, {}, nullptr, "", "duplicate", 400, std::string("ALREADY_EXISTS"), false, 1},
        {"unverified", wx::Status::unverified, {{"max_attempts", Value::num(1)}}, "bad_signature", "both", "query",
         200, std::nullopt, true, 1},
        {"rate limited", wx::Status::rate_limited,
         {{"rate_limit_per_minute", Value::num(1)}, {"rate_limit_wait_ms", Value::num(0)}}, nullptr, "", "limited", 0,
         std::nullopt, true, 0},
        {"bad response", wx::Status::bad_response, {{"max_attempts", Value::num(1)}}, "non_json", "both", "query",
         200, std::nullopt, true, 1},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        const wx::Client c = client(row.config);
        const SandboxOrder o = env().take();
        const wx::RecoverRequest r = request_for(o, env().fresh_no("table"));
        c.submit(r);
        if (row.fault) {
            ASSERT_TRUE(env().fault(row.fault, 5, row.listener));
        }
        const std::string call = row.call;
        const wx::Error e = expect_error([&] {
            if (call == "invalid") c.query("", o.mchid);
            else if (call == "missing") c.query(env().fresh_no("nobody"), o.mchid);
            else if (call == "duplicate") c.submit(request_for(o, env().fresh_no("second")));
            else if (call == "limited") {
                c.query(r.out_request_no, o.mchid);
                c.query(r.out_request_no, o.mchid);
            } else c.query(r.out_request_no, o.mchid);
        });
        ASSERT_TRUE(env().reset());
        EXPECT_EQ(e.status(), row.status) << e.what();
        EXPECT_EQ(e.http_status(), row.http_status) << e.what();
        EXPECT_EQ(e.code(), row.code) << e.what();
        EXPECT_EQ(e.retry_safe(), row.retry_safe) << e.what();
        EXPECT_EQ(e.attempts(), row.attempts) << e.what();
        EXPECT_EQ(e.message(), std::string(e.what()));
        EXPECT_EQ(std::string(e.what()).find_first_of("\r\n"), std::string::npos) << e.what();
        EXPECT_FALSE(e.status_name().empty());
        if (row.http_status != 0) {
            ASSERT_TRUE(e.request_id().has_value()) << e.what();
            EXPECT_NE(std::string(e.what()).find(*e.request_id()), std::string::npos) << e.what();
        } else {
            EXPECT_FALSE(e.request_id().has_value()) << e.what();
        }
    }
}

TEST(Wrapper, ConfigErrors) {
    wx::Error e = expect_error([] { wx::Client::from_json("{}"); });
    EXPECT_EQ(e.status(), wx::Status::config) << e.what();
    EXPECT_EQ(e.http_status(), 0);
    EXPECT_FALSE(e.code().has_value());
    EXPECT_FALSE(e.request_id().has_value());
    EXPECT_EQ(e.attempts(), 0u);

    e = expect_error([] { wx::Client::from_file("/nonexistent/wx-recover-config.json"); });
    EXPECT_EQ(e.status(), wx::Status::config) << e.what();

    e = expect_error([] {
        client({{"merchant_private_key", Value::str("/nonexistent/apiclient_key.pem")}});
    });
    EXPECT_EQ(e.status(), wx::Status::config) << e.what();
    EXPECT_NE(std::string(e.what()).find("merchant_private_key"), std::string::npos) << e.what();

    // The sandbox's own config file loads.
    EXPECT_TRUE(static_cast<bool>(wx::Client::from_file(env().sandbox.s("client_config"))));
}

TEST(Wrapper, InvalidArgumentNamesTheField) {
    const wx::Client c = client();
    const SandboxOrder o = env().take();

    wx::RecoverRequest r = request_for(o, o.related_webank_punish_no);
    wx::Error e = expect_error([&] { c.submit(r); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("out_request_no"), std::string::npos) << e.what();
    EXPECT_EQ(e.attempts(), 0u);
    EXPECT_EQ(e.http_status(), 0);

    r = request_for(o, env().fresh_no("inv"));
    r.mchid.clear();
    e = expect_error([&] { c.submit(r); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("mchid"), std::string::npos) << e.what();

    // The library's error never echoes the plaintext ledger id.
    r = request_for(o, env().fresh_no("inv"));
    r.bal_account_no = std::string(215, '7');
    e = expect_error([&] { c.submit(r); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("bal_account_no"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(r.bal_account_no), std::string::npos);

    // An embedded NUL would cut the value short at the C boundary: the wrapper refuses it.
    r = request_for(o, env().fresh_no("inv"));
    r.related_wxpay_punish_no += std::string("\0x", 2);
    e = expect_error([&] { c.submit(r); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("related_wxpay_punish_no"), std::string::npos) << e.what();

    // string_view arguments that are not NUL-terminated reach the library intact.
    const std::string padded = "  " + env().fresh_no("sv") + "XYZ";
    const std::string_view view(padded.data() + 2, padded.size() - 5);
    e = expect_error([&] { c.query(view, o.mchid); });
    EXPECT_EQ(e.status(), wx::Status::api) << e.what();  // a clean 404, not a garbled id
    EXPECT_EQ(e.http_status(), 404);
}

TEST(Wrapper, MovedFromClientThrowsAndNeverCrashes) {
    wx::Client a = client();
    const std::string serial = a.wechatpay_serial();
    wx::Client b = std::move(a);
    EXPECT_FALSE(static_cast<bool>(a));  // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_TRUE(static_cast<bool>(b));
    EXPECT_EQ(b.wechatpay_serial(), serial);

    const SandboxOrder o = env().take();
    wx::Error e = expect_error([&] { a.submit(request_for(o, env().fresh_no("moved"))); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("moved"), std::string::npos) << e.what();
    e = expect_error([&] { a.query("x", o.mchid); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument);
    e = expect_error([&] { a.encrypt("x"); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument);

    // Move-assignment frees the target's old handle and takes the new one.
    wx::Client c = client();
    c = std::move(b);
    EXPECT_FALSE(static_cast<bool>(b));  // NOLINT(bugprone-use-after-move)
    const wx::Accepted acc = c.submit(request_for(o, env().fresh_no("moved")));
    EXPECT_FALSE(acc.wxpay_recover_no.empty());
    a = std::move(c);  // a moved-from client can be assigned again
    EXPECT_EQ(a.query(acc.out_request_no, o.mchid).wxpay_recover_no, acc.wxpay_recover_no);
}

TEST(Wrapper, EightThreadsShareOneClient) {
    const wx::Client c = client();
    constexpr int kThreads = 8;
    std::vector<SandboxOrder> orders;
    std::vector<wx::RecoverRequest> reqs;
    for (int i = 0; i < kThreads; ++i) {
        orders.push_back(env().take());
        reqs.push_back(request_for(orders.back(), env().fresh_no("mt" + std::to_string(i))));
    }
    std::vector<std::optional<wx::Accepted>> accepted(kThreads);
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            try {
                accepted[i] = c.submit(reqs[i]);
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    }
    for (auto& t : threads) t.join();

    std::set<std::string> numbers;
    for (int i = 0; i < kThreads; ++i) {
        ASSERT_TRUE(accepted[i].has_value()) << "thread " << i << ": " << errors[i];
        EXPECT_EQ(accepted[i]->out_request_no, reqs[i].out_request_no);
        numbers.insert(accepted[i]->wxpay_recover_no);
    }
    EXPECT_EQ(numbers.size(), static_cast<std::size_t>(kThreads));

    // Queries from 8 threads too, each until final.
    std::vector<std::optional<wx::Order>> finals(kThreads);
    threads.clear();
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            try {
                finals[i] = wait_final(c, reqs[i].out_request_no, reqs[i].mchid);
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < kThreads; ++i) {
        ASSERT_TRUE(finals[i].has_value()) << "thread " << i << ": " << errors[i];
        EXPECT_EQ(finals[i]->state, expected_state(orders[i])) << finals[i]->json;
        EXPECT_EQ(finals[i]->wxpay_recover_no, accepted[i]->wxpay_recover_no);
    }
}

TEST(Wrapper, PrimitivesSignEncryptVerify) {
    const wx::Client c = client();
    const std::string mchid = env().sandbox.s("mchid");

    const std::string auth = c.authorization("POST", "/v3/x?a=1", std::string_view("{\"k\":1}"));
    EXPECT_EQ(auth.rfind("WECHATPAY2-SHA256-RSA2048 ", 0), 0u);
    EXPECT_NE(auth.find("mchid=\"" + mchid + "\""), std::string::npos);
    EXPECT_NE(auth.find("serial_no=\"" + env().sandbox.s("merchant_serial_no") + "\""), std::string::npos);
    EXPECT_EQ(expect_error([&] { c.authorization("", "/v3/x"); }).status(), wx::Status::invalid_argument);

    const std::string ct1 = c.encrypt("6214830000001234");
    const std::string ct2 = c.encrypt("6214830000001234");
    EXPECT_GE(ct1.size(), 300u);  // base64 of a 256-byte RSA block
    EXPECT_NE(ct1, ct2);          // OAEP is randomised
    EXPECT_EQ(expect_error([&] { c.encrypt(std::string(215, 'x')); }).status(), wx::Status::invalid_argument);
    EXPECT_EQ(c.wechatpay_serial(), env().sandbox.s("wechatpay_public_key_id"));

    wx::Error e = expect_error([&] { c.verify("1700000000", "nonce", "c2ln", c.wechatpay_serial(), "{}"); });
    EXPECT_EQ(e.status(), wx::Status::unverified) << e.what();

    // A real answer fetched with curl, signed with the wrapper's authorization(), verifies.
    const SandboxOrder o = env().take();
    const wx::Accepted a = c.submit(request_for(o, env().fresh_no("prim")));
    const std::string url = "/v3/aggracct-bc/wb-channel/control-orders/" + a.out_request_no +
                            "?control_type=RECOVER&mchid=" + o.mchid;
    char tmpl[] = "/tmp/wx-cpp-curl-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    {
        std::ofstream h(dir + "/req_headers");  // keeps the credential off the command line
        h << "Authorization: " << c.authorization("GET", url) << "\nAccept: application/json\n"
          << "User-Agent: wx-recover-cpp-test\n";
    }
    const std::string cmd = "curl -sS -f --cacert '" + env().sandbox.s("ca_cert") + "' -H @'" + dir +
                            "/req_headers' -D '" + dir + "/resp_headers' -o '" + dir + "/body' '" +
                            env().sandbox.s("primary_url") + url + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::string ts, nonce, sig, serial;
    {
        std::ifstream h(dir + "/resp_headers");
        std::string line;
        while (std::getline(h, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            const auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string name = line.substr(0, colon);
            for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            const std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
            if (name == "wechatpay-timestamp") ts = value;
            if (name == "wechatpay-nonce") nonce = value;
            if (name == "wechatpay-signature") sig = value;
            if (name == "wechatpay-serial") serial = value;
        }
    }
    const std::string body = SandboxEnv::read_file(dir + "/body");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    ASSERT_FALSE(sig.empty());
    EXPECT_NO_THROW(c.verify(ts, nonce, sig, serial, body));
    EXPECT_NE(body.find(a.wxpay_recover_no), std::string::npos);
    // One changed byte and it no longer verifies.
    std::string tampered = body;
    tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
    EXPECT_EQ(expect_error([&] { c.verify(ts, nonce, sig, serial, tampered); }).status(), wx::Status::unverified);
}

// The shared vector: exactly the field list every binding must return for recover_order.json.
// The rows are tests/vectors/recover_order.expected.json's "fields", written out here because
// the tests parse no JSON themselves; the file is checked to name each of them.
TEST(Wrapper, TheSharedOrderVectorGivesExactlyTheCoresFieldList) {
    const std::string dir = std::string(WX_SOURCE_ROOT) + "/tests/vectors/";
    const std::vector<wx::OrderField> expected = {
        {"wxpay_recover_no", "3202612021234567890123456", true},
        {"out_request_no", "VECTOR-1", true},
        {"related_wxpay_punish_no", "WXP-VECTOR-1", true},
        {"mchid", "1900000101", true},
        {"punish_scene", "2", true},
        {"punish_rule_version", "v1", true},
        {"recover_accept_time", "2026-12-02T10:00:00+08:00", true},
        {"recover_finish_time", "2026-12-02T10:00:05+08:00", true},
        {"recover_state", "SUCCESS", true},
        {"recover_reason", "核实无误，解除管控", true},
        {"vendor_flag", "false", false},
        {"vendor_trace", "{\"hops\":[1,2],\"ok\":true}", false},
    };
    const std::string expected_file = SandboxEnv::read_file(dir + "recover_order.expected.json");
    for (const auto& f : expected)
        EXPECT_NE(expected_file.find("[\"" + f.name + "\", "), std::string::npos) << f.name;
    EXPECT_NE(expected_file.find("\"state\": \"SUCCESS\""), std::string::npos);

    const std::string json = SandboxEnv::read_file(dir + "recover_order.json");
    const wx::Order o = wx::parse_order(json);
    EXPECT_EQ(o.state, wx::RecoverState::success);
    EXPECT_EQ(o.fields(), expected);
    EXPECT_EQ(o.punish_scene, std::string("2"));  // documented as a string, sent as an integer
    ASSERT_EQ(o.extra.size(), 2u);
    EXPECT_EQ(o.extra[0], std::make_pair(std::string("vendor_flag"), std::string("false")));
    EXPECT_FALSE(o.error_code.has_value());
    EXPECT_FALSE(o.request_id.has_value());
    EXPECT_FALSE(o.json.empty());

    // The library's rules, not the wrapper's: a repeated key is refused.
    EXPECT_EQ(expect_error([] { wx::parse_order(R"({"recover_state":"SUCCESS","recover_state":"FAILED"})"); })
                  .status(),
              wx::Status::bad_response);
}

TEST(Wrapper, AJournaledSubmitIsRecordedAndSettlesByReconcile) {
    char tmpl[] = "/tmp/wx-cpp-journal-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    const std::string journal = dir + "/j.sqlite";
    {
        const wx::Client c = client({{"journal", Value::str(journal)}});
        const SandboxOrder o = env().take();
        const wx::RecoverRequest r = request_for(o, env().fresh_no("journal"));
        const wx::Accepted a = c.submit(r);

        const std::optional<wx::JournalEntry> e = c.journal_entry(r.out_request_no);
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(e->state, wx::JournalState::accepted);
        EXPECT_EQ(e->out_request_no, r.out_request_no);
        EXPECT_EQ(e->wxpay_recover_no, a.wxpay_recover_no);
        EXPECT_EQ(e->mchid, o.mchid);
        EXPECT_EQ(e->related_webank_punish_no, o.related_webank_punish_no);
        EXPECT_EQ(e->related_wxpay_punish_no, o.related_wxpay_punish_no);
        EXPECT_GE(e->attempts, 1u);
        EXPECT_FALSE(e->last_error.has_value());
        EXPECT_LE(e->created_at, e->updated_at);
        EXPECT_GT(e->created_at, 0);
        EXPECT_FALSE(c.journal_entry("cpp-no-such-entry").has_value());

        const std::vector<wx::JournalEntry> pending = c.pending();
        ASSERT_EQ(pending.size(), 1u);
        EXPECT_EQ(pending[0].out_request_no, r.out_request_no);

        wx::ReconcileReport rep;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        do {
            rep = c.reconcile();
            if (rep.pending.empty()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        } while (std::chrono::steady_clock::now() < until);
        EXPECT_TRUE(rep.pending.empty());
        EXPECT_TRUE(c.pending().empty());

        const wx::JournalState final_state =
            o.outcome == "SUCCESS" ? wx::JournalState::succeeded : wx::JournalState::failed;
        const std::optional<wx::JournalEntry> settled = c.journal_entry(r.out_request_no);
        ASSERT_TRUE(settled.has_value());
        EXPECT_EQ(settled->state, final_state);
        EXPECT_TRUE(wx::is_final(settled->state));
        EXPECT_EQ(settled->wxpay_recover_no, a.wxpay_recover_no);

        EXPECT_EQ(c.prune(0), 1u);
        EXPECT_FALSE(c.journal_entry(r.out_request_no).has_value());
        EXPECT_EQ(SandboxEnv::read_file(journal).find(o.bal_account_no), std::string::npos);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

TEST(Wrapper, AClientWithoutAJournalThrowsConfigOnJournalCalls) {
    const wx::Client c = client();
    const wx::Error e = expect_error([&] { c.pending(); });
    EXPECT_EQ(e.status(), wx::Status::config) << e.what();
    EXPECT_NE(std::string(e.what()).find("journal"), std::string::npos) << e.what();
    EXPECT_EQ(expect_error([&] { c.journal_entry("x"); }).status(), wx::Status::config);
    EXPECT_EQ(expect_error([&] { c.reconcile(); }).status(), wx::Status::config);
    EXPECT_EQ(expect_error([&] { c.prune(30); }).status(), wx::Status::config);
}

TEST(Wrapper, TwoSignatureHeadersInANotificationAreUnverified) {
    const wx::Client c = client();
    const std::string body = R"({"id":"n1","resource":{}})";
    const std::vector<std::pair<std::string, std::string>> headers = {
        {"Wechatpay-Timestamp", "1700000000"},
        {"Wechatpay-Nonce", "nonce"},
        {"Wechatpay-Signature", "c2ln"},
        {"Wechatpay-Serial", c.wechatpay_serial()},
        {"Wechatpay-Signature", "c2lnMg=="},
    };
    const wx::Error e = expect_error([&] { c.parse_notification(headers, body); });
    EXPECT_EQ(e.status(), wx::Status::unverified) << e.what();

    // Names match whatever their case, so a map with two spellings holds a duplicate too.
    const std::map<std::string, std::string> spelled = {
        {"WECHATPAY-TIMESTAMP", "1700000000"},
        {"wechatpay-nonce", "nonce"},
        {"Wechatpay-Signature", "c2ln"},
        {"wechatpay-signature", "c2lnMg=="},
        {"Wechatpay-Serial", c.wechatpay_serial()},
    };
    EXPECT_EQ(expect_error([&] { c.parse_notification(spelled, body); }).status(), wx::Status::unverified);

    // With the four values passed one by one it is the signature that fails, also unverified.
    EXPECT_EQ(expect_error([&] {
                  c.parse_notification("1700000000", "nonce", "c2ln", c.wechatpay_serial(), body);
              }).status(),
              wx::Status::unverified);
}

TEST(Wrapper, StatsCountCallsPerEndpointAndShowTheBreaker) {
    static_assert(std::is_same_v<decltype(std::declval<const wx::Client&>().stats()), wx::Stats>);
    EXPECT_EQ(wx::to_string(wx::Host::backup), "backup");
    EXPECT_EQ(wx::to_string(wx::BreakerState::half_open), "half_open");
    EXPECT_EQ(wx::to_string(wx::QuotaStore::redis), "redis");

    const SandboxOrder o = env().take();
    const std::string no = env().fresh_no("stats");
    const wx::EndpointStats zero;
    {
        const wx::Client c = client();
        const wx::Stats fresh = c.stats();
        EXPECT_EQ(fresh.recover, zero);
        EXPECT_EQ(fresh.query, zero);
        EXPECT_EQ(fresh.certificates, zero);
        EXPECT_EQ(fresh.active_host, wx::Host::primary);
        EXPECT_EQ(fresh.breaker, wx::BreakerState::closed);
        EXPECT_FALSE(fresh.backup_down);
        EXPECT_EQ(fresh.quota_store, wx::QuotaStore::local);
        EXPECT_TRUE(fresh.quota_store_healthy);
        EXPECT_EQ(fresh.quota_store_errors, 0u);

        c.submit(request_for(o, no));
        c.query(no, o.mchid);
        const wx::Stats s = c.stats();
        EXPECT_EQ(s.recover.requests, 1u);
        EXPECT_EQ(s.recover.attempts, 1u);
        EXPECT_EQ(s.query.requests, 1u);
        EXPECT_EQ(s.query.attempts, 1u);
        EXPECT_EQ(s.query.retries, 0u);
        EXPECT_EQ(s.certificates, zero);
    }
    {
        // A 500 on the primary: one retry, sent to the backup, and the breaker opens.
        const wx::Client c = client({{"max_attempts", Value::num(3)}});
        ASSERT_TRUE(env().fault("system_error", 1, "primary"));
        c.query(no, o.mchid);
        const wx::Stats s = c.stats();
        env().reset();
        EXPECT_EQ(s.query.attempts, 2u);
        EXPECT_EQ(s.query.retries, 1u);
        EXPECT_EQ(s.query.failovers, 1u);
        EXPECT_EQ(s.breaker, wx::BreakerState::open);
        EXPECT_EQ(s.active_host, wx::Host::backup);
    }
    {
        // A 429 is counted and retried on the same host.
        const wx::Client c = client({{"max_attempts", Value::num(3)}});
        ASSERT_TRUE(env().fault("rate_limited", 1, "both"));
        c.query(no, o.mchid);
        const wx::Stats s = c.stats();
        env().reset();
        EXPECT_EQ(s.query.throttled, 1u);
        EXPECT_EQ(s.query.failovers, 0u);
        EXPECT_EQ(s.breaker, wx::BreakerState::closed);
    }
    {
        // A client-side limit of one a minute refuses the second call before sending it.
        const wx::Client c = client({{"rate_limit_per_minute", Value::num(1)}, {"rate_limit_wait_ms", Value::num(0)}});
        c.query(no, o.mchid);
        EXPECT_EQ(expect_error([&] { c.query(no, o.mchid); }).status(), wx::Status::rate_limited);
        const wx::Stats s = c.stats();
        EXPECT_EQ(s.query.requests, 2u);
        EXPECT_EQ(s.query.attempts, 1u);
        EXPECT_EQ(s.query.limiter_refusals, 1u);
    }
    {
        wx::Client c = client();
        wx::Client moved = std::move(c);
        EXPECT_EQ(expect_error([&] { c.stats(); }).status(), wx::Status::invalid_argument);  // NOLINT(bugprone-use-after-move)
        EXPECT_EQ(moved.stats().query, zero);
    }
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    SandboxEnv::instance = new SandboxEnv;
    ::testing::AddGlobalTestEnvironment(SandboxEnv::instance);  // gtest owns and deletes it
    return RUN_ALL_TESTS();
}
