// GoogleTest tests of the control order's life through include/wx_recover.hpp, against the
// sandbox (one per binary, see sandbox_env.hpp): place it (Client::punish), follow it to
// SUCCESS/ACTIVE (Client::query_punish), lift it with a recover naming its numbers
// (Client::submit with card_no, through wx_recover_submit_v2), see it RECOVERED; the journal
// keyed by kind; input refused naming the field before anything is sent.
//
// What the sandbox received is read from its admin API (GET /punishes, GET /recovers: encrypted
// fields decrypted) by substring, as the other tests here parse no JSON.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// A temporary directory removed with everything in it at the end of the scope.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/wx-cpp-punish-XXXXXX";
        if (mkdtemp(tmpl) != nullptr) path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    // Every file in it, concatenated (a SQLite journal and its -wal/-shm companions).
    std::string all_bytes() const {
        std::string out;
        for (const auto& f : std::filesystem::directory_iterator(path))
            if (f.is_regular_file()) out += SandboxEnv::read_file(f.path().string());
        return out;
    }
};

// GET on the sandbox's admin API ("/punishes", "/recovers"): the body, "" when it failed.
std::string admin_get(const std::string& path) {
    const TempDir dir;
    const std::string body = dir.path + "/body";
    const std::string cmd = "curl -sS -f -o '" + body + "' '" + env().sandbox.s("admin_url") + path + "'";
    if (dir.path.empty() || std::system(cmd.c_str()) != 0) return "";
    return SandboxEnv::read_file(body);
}

// The record of `out_request_no` in a GET /punishes or /recovers answer: the JSON object (flat,
// scalar values only) holding `"out_request_no": "NO"`, as text; "" when there is none.
std::string record_of(const std::string& array, const std::string& out_request_no) {
    const std::size_t at = array.find("\"out_request_no\": \"" + out_request_no + "\"");
    if (at == std::string::npos) return "";
    const std::size_t from = array.rfind('{', at);
    const std::size_t to = array.find('}', at);
    if (from == std::string::npos || to == std::string::npos) return "";
    return array.substr(from, to - from + 1);
}

std::string field(const std::string& name, const std::string& value) {
    return "\"" + name + "\": \"" + value + "\"";
}

// Polls the PUNISH query until `done` holds (or 120 s pass: then the last answer is returned).
wx::PunishOrder until(const wx::Client& c, const std::string& no, const std::string& mchid,
                      const std::function<bool(const wx::PunishOrder&)>& done) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (true) {
        wx::PunishOrder o = c.query_punish(no, mchid);
        if (done(o) || std::chrono::steady_clock::now() > give_up) return o;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

const std::string kLedger = "6230000000000777001";
const std::string kCard = "6222020000000007777";
const std::string kEndTime = "2027-12-31T23:59:59+08:00";

// A punish with every optional field set. Any target mchid works (a merchant exists through
// its punishes); by default a seeded order's, which keeps it realistic.
wx::PunishRequest punish_request(const std::string& out_request_no, const std::string& mchid = "") {
    wx::PunishRequest r;
    r.out_request_no = out_request_no;
    r.mchid = mchid.empty() ? env().take().mchid : mchid;
    r.bal_account_no = kLedger;
    r.punish_scene = 5;
    r.punish_reason = std::string("可疑交易 (C++ test)");
    r.punish_end_time = kEndTime;
    r.card_no = kCard;
    r.sgn_no = std::string("SGN-CPP-1");
    r.req_scene = wx::req_scene::sjt_micro_merchant;
    r.fund_repatriation_strategy = wx::fund_repatriation_strategy::all_forbidden;
    return r;
}

// The recover that lifts the control order `placed` (of `p`), with card_no: wx_recover_submit_v2.
wx::RecoverRequest lift_request(const wx::PunishRequest& p, const wx::PunishAccepted& placed,
                                const std::string& out_request_no) {
    wx::RecoverRequest r;
    r.out_request_no = out_request_no;
    r.related_webank_punish_no = placed.out_request_no;
    r.related_wxpay_punish_no = placed.wxpay_punish_no;
    r.mchid = p.mchid;
    r.bal_account_no = p.bal_account_no;
    r.recover_reason = std::string("核实无误 (C++ test)");
    r.card_no = kCard;
    return r;
}

bool all_digits(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

static_assert(std::is_same_v<decltype(wx::PunishRequest::punish_scene), std::int64_t>);
static_assert(std::is_same_v<decltype(wx::PunishOrder::punish_scene), std::optional<std::int64_t>>);
static_assert(std::is_same_v<decltype(wx::PunishOrder::punish_rule_version), std::optional<std::int64_t>>);
static_assert(std::is_same_v<decltype(wx::PunishOrder::control_action), std::vector<std::string>>);
static_assert(std::is_same_v<decltype(std::declval<const wx::Client&>().punish(std::declval<wx::PunishRequest>())),
                             wx::PunishAccepted>);
static_assert(std::is_same_v<decltype(std::declval<const wx::Client&>().query_punish("", "")), wx::PunishOrder>);
static_assert(std::string_view(wx::req_scene::sjt_convenient_settlement_service_merchant) ==
              WX_REQ_SCENE_SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT);
static_assert(std::string_view(wx::req_scene::sjt_micro_merchant) == WX_REQ_SCENE_SJT_MICRO_MERCHANT);
static_assert(std::string_view(wx::req_scene::wx_shop_convenient_settlement_service_merchant) ==
              WX_REQ_SCENE_WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT);
static_assert(std::string_view(wx::fund_repatriation_strategy::all_forbidden) == WX_FUND_REPATRIATION_ALL_FORBIDDEN);
static_assert(std::string_view(wx::fund_repatriation_strategy::all_allowed_when_unique) ==
              WX_FUND_REPATRIATION_ALL_ALLOWED_WHEN_UNIQUE);

TEST(Punish, TheNamedValuesAreTheHeadersStrings) {
    EXPECT_STREQ(wx::req_scene::sjt_micro_merchant, "SJT_MICRO_MERCHANT");
    EXPECT_STREQ(wx::req_scene::sjt_convenient_settlement_service_merchant, "SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT");
    EXPECT_STREQ(wx::req_scene::wx_shop_convenient_settlement_service_merchant,
                 "WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT");
    EXPECT_STREQ(wx::fund_repatriation_strategy::all_forbidden, "ALL_FORBIDDEN");
    EXPECT_STREQ(wx::fund_repatriation_strategy::all_allowed_when_unique, "ALL_ALLOWED_WHEN_UNIQUE");
}

// The whole life, with a journal: placed, ACTIVE, lifted by a recover naming its numbers (with
// card_no), RECOVERED; each step in the journal under its kind; no plaintext secret on disk.
TEST(Punish, AControlIsPlacedFollowedLiftedAndSeenRecovered) {
    const TempDir dir;
    ASSERT_FALSE(dir.path.empty());
    const std::string no = env().fresh_no("punish");
    const wx::PunishRequest req = punish_request(no);
    const std::string lift_no = env().fresh_no("lift");
    {
        const wx::Client c = client({{"journal", Value::str(dir.path + "/j.sqlite")}});
        const wx::Stats fresh = c.stats();
        EXPECT_EQ(fresh.punish, wx::EndpointStats{});

        const wx::PunishAccepted placed = c.punish(req);
        // The punish counts on its own endpoint (wx_recover_endpoint_stats), not on recover's.
        const wx::Stats counted = c.stats();
        EXPECT_EQ(counted.punish.requests, 1u);
        EXPECT_EQ(counted.punish.attempts, static_cast<std::uint64_t>(placed.attempts));
        EXPECT_EQ(counted.recover, fresh.recover);
        EXPECT_EQ(placed.out_request_no, no);
        EXPECT_EQ(placed.wxpay_punish_no.size(), 25u) << placed.wxpay_punish_no;
        EXPECT_TRUE(all_digits(placed.wxpay_punish_no)) << placed.wxpay_punish_no;
        ASSERT_TRUE(placed.request_id.has_value());
        EXPECT_FALSE(placed.request_id->empty());
        EXPECT_GE(placed.attempts, 1u);
        // Re-entry: the same number, however it is answered (the platform or the journal).
        EXPECT_EQ(c.punish(req).wxpay_punish_no, placed.wxpay_punish_no);

        // What the sandbox received: every field, both secrets decrypted, the scene an integer.
        const std::string at = record_of(admin_get("/punishes"), no);
        ASSERT_FALSE(at.empty()) << "the sandbox has no punish " << no;
        EXPECT_TRUE(contains(at, field("wxpay_punish_no", placed.wxpay_punish_no))) << at;
        EXPECT_TRUE(contains(at, field("bal_account_no", kLedger))) << at;
        EXPECT_TRUE(contains(at, field("card_no", kCard))) << at;
        EXPECT_TRUE(contains(at, field("punish_scene_type", "integer"))) << at;
        EXPECT_TRUE(contains(at, "\"punish_scene\": 5,")) << at;
        EXPECT_TRUE(contains(at, field("sgn_no", "SGN-CPP-1"))) << at;
        EXPECT_TRUE(contains(at, field("req_scene", "SJT_MICRO_MERCHANT"))) << at;
        EXPECT_TRUE(contains(at, field("fund_repatriation_strategy", "ALL_FORBIDDEN"))) << at;
        EXPECT_TRUE(contains(at, field("punish_end_time", kEndTime))) << at;

        // The journal keys entries by kind: this number is a punish, not a recover.
        const std::optional<wx::JournalEntry> entry = c.journal_entry(no, wx::JournalKind::punish);
        ASSERT_TRUE(entry.has_value());
        EXPECT_EQ(entry->kind, wx::JournalKind::punish);
        EXPECT_EQ(entry->out_request_no, no);
        EXPECT_EQ(entry->platform_no, placed.wxpay_punish_no);
        EXPECT_FALSE(entry->wxpay_recover_no.has_value());
        EXPECT_EQ(entry->mchid, req.mchid);
        EXPECT_TRUE(entry->state == wx::JournalState::accepted || entry->state == wx::JournalState::succeeded)
            << static_cast<int>(entry->state);
        EXPECT_FALSE(c.journal_entry(no).has_value());
        EXPECT_FALSE(c.journal_entry(no, wx::JournalKind::recover).has_value());
        EXPECT_FALSE(c.journal_entry(env().fresh_no("nobody"), wx::JournalKind::punish).has_value());

        const wx::PunishOrder active =
            until(c, no, req.mchid, [](const wx::PunishOrder& o) { return o.state != wx::PunishState::executing; });
        ASSERT_EQ(active.state, wx::PunishState::success) << active.json;
        EXPECT_EQ(active.effect, wx::EffectState::active) << active.json;
        EXPECT_EQ(active.punish_state, std::string("SUCCESS"));
        EXPECT_EQ(active.effect_state, std::string("ACTIVE"));
        EXPECT_EQ(active.wxpay_punish_no, placed.wxpay_punish_no);
        EXPECT_EQ(active.out_request_no, no);
        EXPECT_EQ(active.mchid, req.mchid);
        EXPECT_EQ(active.punish_scene, std::optional<std::int64_t>(5));
        ASSERT_TRUE(active.punish_rule_version.has_value()) << active.json;
        EXPECT_EQ(active.punish_reason, req.punish_reason);
        EXPECT_EQ(active.punish_end_time, kEndTime);
        EXPECT_TRUE(active.punish_start_time.has_value());
        EXPECT_TRUE(active.punish_accept_time.has_value());
        EXPECT_TRUE(active.punish_finish_time.has_value());
        EXPECT_FALSE(active.error_code.has_value());
        EXPECT_FALSE(active.error_message.has_value());
        EXPECT_EQ(active.control_action, (std::vector<std::string>{"DISABLE_WITHDRAWAL", "DISABLE_PAY"}));
        EXPECT_TRUE(contains(active.json, placed.wxpay_punish_no)) << active.json;
        ASSERT_TRUE(active.request_id.has_value());
        EXPECT_FALSE(active.request_id->empty());
        EXPECT_FALSE(contains(active.json, kLedger));
        EXPECT_FALSE(contains(active.json, kCard));

        // The lift: a recover naming the punish's out_request_no and wxpay_punish_no, with card_no.
        const wx::Accepted lifted = c.submit(lift_request(req, placed, lift_no));
        EXPECT_EQ(lifted.out_request_no, lift_no);
        EXPECT_FALSE(lifted.wxpay_recover_no.empty());
        const std::string rec = record_of(admin_get("/recovers"), lift_no);
        ASSERT_FALSE(rec.empty()) << "the sandbox has no recover " << lift_no;
        EXPECT_TRUE(contains(rec, field("card_no", kCard))) << rec;  // went through submit_v2
        EXPECT_TRUE(contains(rec, field("related_webank_punish_no", no))) << rec;
        EXPECT_TRUE(contains(rec, field("related_wxpay_punish_no", placed.wxpay_punish_no))) << rec;

        const wx::PunishOrder recovered =
            until(c, no, req.mchid, [](const wx::PunishOrder& o) { return o.effect == wx::EffectState::recovered; });
        EXPECT_EQ(recovered.effect, wx::EffectState::recovered) << recovered.json;
        EXPECT_EQ(recovered.effect_state, std::string("RECOVERED"));
        EXPECT_EQ(recovered.state, wx::PunishState::success);
        EXPECT_EQ(recovered.wxpay_punish_no, placed.wxpay_punish_no);

        const wx::Order lift_order = c.query(lift_no, req.mchid);
        EXPECT_EQ(lift_order.state, wx::RecoverState::success) << lift_order.json;
        EXPECT_EQ(lift_order.related_wxpay_punish_no, placed.wxpay_punish_no);

        const std::optional<wx::JournalEntry> lift_entry = c.journal_entry(lift_no);
        ASSERT_TRUE(lift_entry.has_value());
        EXPECT_EQ(lift_entry->kind, wx::JournalKind::recover);
        EXPECT_EQ(lift_entry->platform_no, lifted.wxpay_recover_no);
        EXPECT_EQ(lift_entry->wxpay_recover_no, lifted.wxpay_recover_no);
        EXPECT_EQ(lift_entry->related_webank_punish_no, no);
        EXPECT_EQ(lift_entry->related_wxpay_punish_no, placed.wxpay_punish_no);
        const std::optional<wx::JournalEntry> as_recover = c.journal_entry(lift_no, wx::JournalKind::recover);
        ASSERT_TRUE(as_recover.has_value());
        EXPECT_EQ(as_recover->out_request_no, lift_no);
        EXPECT_EQ(as_recover->kind, wx::JournalKind::recover);
        EXPECT_FALSE(c.journal_entry(lift_no, wx::JournalKind::punish).has_value());

        // A kind the library does not know is refused by the library.
        const wx::Error e = expect_error([&] { c.journal_entry(no, static_cast<wx::JournalKind>(7)); });
        EXPECT_EQ(e.status(), wx::Status::invalid_argument) << e.what();

        // With a journal, the same number with other content is refused before anything is sent.
        wx::PunishRequest other = req;
        other.punish_scene = 6;
        const wx::Error changed = expect_error([&] { c.punish(other); });
        EXPECT_EQ(changed.status(), wx::Status::invalid_argument) << changed.what();
        EXPECT_EQ(changed.attempts(), 0u);
        EXPECT_FALSE(contains(changed.what(), kLedger));
    }
    const std::string on_disk = dir.all_bytes();
    EXPECT_FALSE(on_disk.empty());
    EXPECT_FALSE(contains(on_disk, kLedger));
    EXPECT_FALSE(contains(on_disk, kCard));
}

// Without a journal the platform answers a re-entry: the same number again; other content
// under that number is the platform's INVALID_REQUEST.
TEST(Punish, ReEntryReturnsTheSameWxpayPunishNo) {
    const wx::Client c = client();
    wx::PunishRequest req = punish_request(env().fresh_no("again"));
    req.card_no.reset();  // the minimal punish: required fields and a scene
    req.punish_reason.reset();
    req.punish_end_time.reset();
    req.sgn_no.reset();
    req.req_scene.reset();
    req.fund_repatriation_strategy.reset();
    const wx::PunishAccepted first = c.punish(req);
    const wx::PunishAccepted second = c.punish(req);
    EXPECT_EQ(second.wxpay_punish_no, first.wxpay_punish_no);
    EXPECT_EQ(second.out_request_no, first.out_request_no);
    EXPECT_GE(second.attempts, 1u);
    const std::string at = record_of(admin_get("/punishes"), req.out_request_no);
    EXPECT_TRUE(contains(at, "\"accept_count\": 2")) << at;
    EXPECT_FALSE(contains(at, "\"card_no\"")) << at;  // an optional field unset is not sent
    EXPECT_FALSE(contains(at, "\"punish_end_time\"")) << at;

    const wx::PunishOrder o = until(c, req.out_request_no, req.mchid,
                                    [](const wx::PunishOrder& p) { return p.state != wx::PunishState::executing; });
    EXPECT_EQ(o.state, wx::PunishState::success) << o.json;
    EXPECT_FALSE(o.punish_end_time.has_value());  // long-term
    EXPECT_FALSE(o.punish_reason.has_value());

    wx::PunishRequest other = req;
    other.punish_scene = 6;
    const wx::Error e = expect_error([&] { c.punish(other); });
    EXPECT_EQ(e.status(), wx::Status::api) << e.what();
    EXPECT_EQ(e.http_status(), 400) << e.what();
    EXPECT_EQ(e.code(), std::string("INVALID_REQUEST")) << e.what();
}

// punish_scene 9999 makes the sandbox fail the punish: FAILED with its error, no effect, and a
// recover naming it is refused.
TEST(Punish, AFailedPunishIsReportedAndCannotBeLifted) {
    const wx::Client c = client();
    wx::PunishRequest req = punish_request(env().fresh_no("fails"));
    req.punish_scene = 9999;
    const wx::PunishAccepted placed = c.punish(req);
    const wx::PunishOrder o = until(c, req.out_request_no, req.mchid,
                                    [](const wx::PunishOrder& p) { return p.state != wx::PunishState::executing; });
    EXPECT_EQ(o.state, wx::PunishState::failed) << o.json;
    EXPECT_EQ(o.punish_state, std::string("FAILED"));
    EXPECT_EQ(o.error_code, std::string("PUNISH_FAILED")) << o.json;
    EXPECT_TRUE(o.error_message.has_value());
    EXPECT_EQ(o.effect, wx::EffectState::unknown) << o.json;
    EXPECT_FALSE(o.effect_state.has_value());
    EXPECT_EQ(o.punish_scene, std::optional<std::int64_t>(9999));

    const wx::Error e = expect_error([&] { c.submit(lift_request(req, placed, env().fresh_no("nolift"))); });
    EXPECT_EQ(e.status(), wx::Status::api) << e.what();
    EXPECT_EQ(e.http_status(), 400) << e.what();
    EXPECT_EQ(e.code(), std::string("INVALID_REQUEST")) << e.what();
}

TEST(Punish, AnUnknownControlOrderIsNotFound) {
    const wx::Client c = client();
    const wx::Error e = expect_error([&] { c.query_punish(env().fresh_no("nobody"), env().sandbox.s("mchid")); });
    EXPECT_EQ(e.status(), wx::Status::api) << e.what();
    EXPECT_EQ(e.http_status(), 404) << e.what();
    EXPECT_EQ(e.code(), std::string("NOT_FOUND")) << e.what();
    EXPECT_TRUE(e.request_id().has_value());
}

// Each malformed punish throws wx::Error(invalid_argument) naming the field, with nothing sent
// (no attempt; the sandbox never saw the number) and neither secret in the message.
TEST(Punish, MalformedInputIsRefusedNamingTheField) {
    const wx::Client c = client();
    struct Row {
        const char* field;
        std::function<void(wx::PunishRequest&)> change;
    };
    const std::vector<Row> rows = {
        {"out_request_no", [](wx::PunishRequest& r) { r.out_request_no = "P" + std::string(64, '9'); }},
        {"punish_end_time", [](wx::PunishRequest& r) { r.punish_end_time = std::string("2027-12-31 23:59:59"); }},
        {"punish_end_time", [](wx::PunishRequest& r) { r.punish_end_time = std::string("2027-02-30T00:00:00+08:00"); }},
        {"mchid", [](wx::PunishRequest& r) { r.mchid.clear(); }},
        {"bal_account_no", [](wx::PunishRequest& r) { r.bal_account_no = std::string(215, '7'); }},
        {"card_no", [](wx::PunishRequest& r) { r.card_no = std::string(); }},
        {"req_scene", [](wx::PunishRequest& r) { r.req_scene = std::string(); }},
        {"punish_reason", [](wx::PunishRequest& r) { r.punish_reason = std::string("a\nb"); }},
        // Refused by the wrapper: an embedded NUL would cut the value short at the C boundary.
        {"card_no", [](wx::PunishRequest& r) { r.card_no = kCard + std::string("\0" "1", 2); }},
        {"sgn_no", [](wx::PunishRequest& r) { *r.sgn_no += std::string("\0x", 2); }},
        {"fund_repatriation_strategy",
         [](wx::PunishRequest& r) { *r.fund_repatriation_strategy += std::string("\0x", 2); }},
    };
    const std::string mchid = env().take().mchid;
    std::vector<std::string> numbers;
    for (const Row& row : rows) {
        SCOPED_TRACE(row.field);
        wx::PunishRequest r = punish_request(env().fresh_no("bad"), mchid);
        row.change(r);
        numbers.push_back(r.out_request_no);
        const wx::Error e = expect_error([&] { c.punish(r); });
        EXPECT_EQ(e.status(), wx::Status::invalid_argument) << e.what();
        EXPECT_EQ(static_cast<int>(e.status()), WX_INVALID_ARGUMENT);
        EXPECT_TRUE(contains(e.what(), std::string("invalid argument: ") + row.field + ": ")) << e.what();
        EXPECT_EQ(e.attempts(), 0u) << e.what();
        EXPECT_EQ(e.http_status(), 0) << e.what();
        EXPECT_FALSE(e.retry_safe()) << e.what();
        EXPECT_FALSE(contains(e.what(), kLedger)) << e.what();
        EXPECT_FALSE(contains(e.what(), kCard)) << e.what();
        EXPECT_FALSE(contains(e.what(), std::string(215, '7'))) << e.what();
    }
    const std::string punishes = admin_get("/punishes");
    for (const auto& no : numbers) EXPECT_FALSE(contains(punishes, no)) << no << " reached the sandbox";

    // The recover's optional fields are checked the same way, and named.
    wx::RecoverRequest lift;
    lift.out_request_no = env().fresh_no("badlift");
    lift.related_webank_punish_no = "WBP-CPP-1";
    lift.related_wxpay_punish_no = "1000000000000000000000001";
    lift.mchid = env().sandbox.s("mchid");
    lift.bal_account_no = kLedger;
    lift.card_no = std::string();
    wx::Error e = expect_error([&] { c.submit(lift); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument) << e.what();
    EXPECT_TRUE(contains(e.what(), "card_no")) << e.what();
    EXPECT_EQ(e.attempts(), 0u);
    lift.card_no.reset();
    lift.req_scene = std::string();
    e = expect_error([&] { c.submit(lift); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument) << e.what();
    EXPECT_TRUE(contains(e.what(), "req_scene")) << e.what();
    lift.req_scene.reset();
    lift.sgn_no = std::string("S\0x", 3);
    e = expect_error([&] { c.submit(lift); });
    EXPECT_EQ(e.status(), wx::Status::invalid_argument) << e.what();
    EXPECT_TRUE(contains(e.what(), "sgn_no")) << e.what();
}

// The recover's optional fields go out only when set: none set is the request as it always was.
TEST(Punish, TheRecoversOptionalFieldsAreSentOnlyWhenSet) {
    const wx::Client c = client();
    const SandboxOrder a = env().take();
    wx::RecoverRequest with;
    with.out_request_no = env().fresh_no("opt");
    with.related_webank_punish_no = a.related_webank_punish_no;
    with.related_wxpay_punish_no = a.related_wxpay_punish_no;
    with.mchid = a.mchid;
    with.bal_account_no = a.bal_account_no;
    with.sgn_no = std::string("SGN-CPP-2");
    with.req_scene = wx::req_scene::wx_shop_convenient_settlement_service_merchant;
    const wx::Accepted acc = c.submit(with);
    EXPECT_EQ(c.submit(with).wxpay_recover_no, acc.wxpay_recover_no);  // re-entry, same content

    const SandboxOrder b = env().take();
    wx::RecoverRequest plain;
    plain.out_request_no = env().fresh_no("plain");
    plain.related_webank_punish_no = b.related_webank_punish_no;
    plain.related_wxpay_punish_no = b.related_wxpay_punish_no;
    plain.mchid = b.mchid;
    plain.bal_account_no = b.bal_account_no;
    c.submit(plain);

    const std::string recovers = admin_get("/recovers");
    const std::string w = record_of(recovers, with.out_request_no);
    ASSERT_FALSE(w.empty()) << with.out_request_no;
    EXPECT_TRUE(contains(w, field("sgn_no", "SGN-CPP-2"))) << w;
    EXPECT_TRUE(contains(w, field("req_scene", "WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT"))) << w;
    EXPECT_FALSE(contains(w, "\"card_no\"")) << w;
    const std::string p = record_of(recovers, plain.out_request_no);
    ASSERT_FALSE(p.empty()) << plain.out_request_no;
    for (const char* name : {"\"card_no\"", "\"sgn_no\"", "\"req_scene\"", "\"recover_reason\""})
        EXPECT_FALSE(contains(p, name)) << name << " in " << p;
}

TEST(Punish, AMovedFromClientThrowsOnPunishCalls) {
    wx::Client a = client();
    const wx::Client b = std::move(a);
    EXPECT_TRUE(static_cast<bool>(b));
    const wx::PunishRequest r = punish_request(env().fresh_no("moved"));
    // NOLINTBEGIN(bugprone-use-after-move): the point of the test
    EXPECT_EQ(expect_error([&] { a.punish(r); }).status(), wx::Status::invalid_argument);
    EXPECT_EQ(expect_error([&] { a.query_punish(r.out_request_no, r.mchid); }).status(), wx::Status::invalid_argument);
    EXPECT_EQ(expect_error([&] { a.journal_entry(r.out_request_no, wx::JournalKind::punish); }).status(),
              wx::Status::invalid_argument);
    // NOLINTEND(bugprone-use-after-move)
}
