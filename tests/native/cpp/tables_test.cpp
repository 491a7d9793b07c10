// GoogleTest tests that include/wx_recover.hpp's tables agree with the C side: the enums (checked
// when header_tables.hpp compiles), the stats structs (their generated conversion) and the
// documented order fields of the core's table (src/protocol/model.rs), read through the library,
// and the punish order's text fields (src/protocol/punish.rs).

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "header_tables.hpp"
#include "wx_recover.hpp"

namespace {

std::string read_source(const std::string& relative) {
    std::ifstream in(std::string(WX_SOURCE_ROOT) + "/" + relative, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The names in the core's `recover_order_fields!(...)` list, in table order.
std::vector<std::string> core_order_fields(const std::string& model_rs) {
    std::vector<std::string> names;
    const std::string start = "\nrecover_order_fields!(";
    const std::size_t from = model_rs.find(start);
    if (from == std::string::npos) return names;
    const std::size_t body = from + start.size();
    std::istringstream lines(model_rs.substr(body, model_rs.find("\n);", body) - body));
    const std::regex name(R"(^\s*(\w+),?\s*$)");
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (std::regex_match(line, m, name)) names.push_back(m[1]);
    }
    return names;
}

// An order whose every field in `names` has the value "v-NAME", built by the library.
wx::Order order_with(const std::vector<std::string>& names) {
    std::string json = "{";
    for (const auto& n : names) json += (json.size() > 1 ? "," : "") + ("\"" + n + "\":\"v-" + n + "\"");
    return wx::parse_order(json + "}");
}

// Every core field wx::Order has no member for (it then lands in `extra`) or whose member does
// not hold the field's value, and every wx::Order member the core does not document.
std::vector<std::string> order_differences(const std::vector<std::string>& core) {
    const wx::Order o = order_with(core);
    std::vector<std::string> problems;
    for (const auto& e : o.extra)
        problems.push_back(e.first + ": documented by the core, no wx::Order member");
    for (const auto& m : wx::detail::order_members) {
        const bool documented = std::find(core.begin(), core.end(), m.name) != core.end();
        if (!documented)
            problems.push_back(std::string(m.name) + ": wx::Order member the core does not document");
        else if (o.*m.member != "v-" + std::string(m.name))
            problems.push_back(std::string(m.name) + ": wx::Order member does not hold the field's value");
    }
    return problems;
}

// The names in the core's `PUNISH_ORDER_TEXT_FIELDS` list (src/protocol/punish.rs), in order.
std::vector<std::string> core_punish_text_fields(const std::string& punish_rs) {
    std::vector<std::string> names;
    const std::string start = "PUNISH_ORDER_TEXT_FIELDS: &[&str] = &[";
    const std::size_t from = punish_rs.find(start);
    if (from == std::string::npos) return names;
    const std::size_t body = from + start.size();
    const std::string list = punish_rs.substr(body, punish_rs.find("];", body) - body);
    const std::regex name("\"(\\w+)\"");
    for (auto it = std::sregex_iterator(list.begin(), list.end(), name); it != std::sregex_iterator(); ++it)
        names.push_back((*it)[1]);
    return names;
}

}  // namespace

TEST(Tables, EveryHeaderEnumConstantHasItsCppEnumeratorWithTheSameValue) {
    // header_tables.hpp compiled: every constant has a case. The values, once more at run time:
    for (int v = WX_OK; v <= WX_INTERNAL; ++v)
        EXPECT_EQ(static_cast<int>(header_tables::cpp_of(static_cast<wx_status>(v))), v);
    for (int v = WX_JOURNAL_IN_DOUBT; v <= WX_JOURNAL_EXPIRED; ++v)
        EXPECT_EQ(static_cast<int>(header_tables::cpp_of(static_cast<wx_journal_state>(v))), v);
    for (int v = WX_PUNISH_UNKNOWN; v <= WX_PUNISH_FAILED; ++v)
        EXPECT_EQ(static_cast<int>(header_tables::cpp_of(static_cast<wx_punish_state>(v))), v);
    for (int v = WX_EFFECT_UNKNOWN; v <= WX_EFFECT_RECOVERED; ++v)
        EXPECT_EQ(static_cast<int>(header_tables::cpp_of(static_cast<wx_effect_state>(v))), v);
    EXPECT_EQ(header_tables::cpp_of(WX_KIND_PUNISH), wx::JournalKind::punish);
    EXPECT_EQ(header_tables::cpp_of(WX_BREAKER_HALF_OPEN), wx::BreakerState::half_open);
    EXPECT_EQ(wx::to_string(header_tables::cpp_of(WX_QUOTA_REDIS)), "redis");
}

TEST(Tables, TheStatsConversionCopiesEveryFieldByName) {
    wx_stats raw{};
    raw.query.requests = 1;
    raw.query.verification_failures = 9;
    raw.certificates.limiter_waiting = 7;
    raw.active_host = WX_HOST_BACKUP;
    raw.breaker = WX_BREAKER_HALF_OPEN;
    raw.backup_down = 1;
    raw.quota_store_healthy = 0;
    raw.quota_store = WX_QUOTA_FILE;
    raw.quota_store_errors = 3;
    const wx::Stats s = wx::detail::stats_from(raw);
    EXPECT_EQ(s.query.requests, 1u);
    EXPECT_EQ(s.query.verification_failures, 9u);
    EXPECT_EQ(s.certificates.limiter_waiting, 7u);
    EXPECT_EQ(s.recover, wx::EndpointStats{});
    EXPECT_EQ(s.active_host, wx::Host::backup);
    EXPECT_EQ(s.breaker, wx::BreakerState::half_open);
    EXPECT_TRUE(s.backup_down);
    EXPECT_FALSE(s.quota_store_healthy);
    EXPECT_EQ(s.quota_store, wx::QuotaStore::file);
    EXPECT_EQ(s.quota_store_errors, 3u);
    const wx::Stats fresh;  // a default Stats reads like a new client's
    EXPECT_TRUE(fresh.quota_store_healthy);
    EXPECT_FALSE(fresh.backup_down);
}

TEST(Tables, TheLibraryDocumentsExactlyTheCoresOrderFieldsInTableOrder) {
    const std::vector<std::string> core = core_order_fields(read_source("src/protocol/model.rs"));
    ASSERT_GE(core.size(), 12u);
    std::vector<std::string> with_extra = core;
    with_extra.push_back("vendor_trace");
    std::vector<std::string> documented;
    for (const auto& f : order_with(with_extra).fields())
        if (f.documented) documented.push_back(f.name);
    EXPECT_EQ(documented, core);
}

TEST(Tables, EveryDocumentedOrderFieldIsAnOrderMemberHoldingItsValue) {
    EXPECT_EQ(order_differences(core_order_fields(read_source("src/protocol/model.rs"))),
              std::vector<std::string>{});
}

TEST(Tables, AnOrderFieldTheCoreAddsOrDropsIsNamed) {
    std::vector<std::string> core = core_order_fields(read_source("src/protocol/model.rs"));
    core.erase(std::remove(core.begin(), core.end(), "punish_scene"), core.end());
    core.push_back("recover_channel");
    EXPECT_EQ(order_differences(core),
              (std::vector<std::string>{"recover_channel: documented by the core, no wx::Order member",
                                        "punish_scene: wx::Order member the core does not document"}));
}

TEST(Tables, TheReaderOfTheCoreTableSkipsDocCommentsAndAttributes) {
    EXPECT_EQ(core_order_fields("x\nrecover_order_fields!(\n    a_no,\n    /// RFC 3339.\n    #[allow(x)]\n"
                                "    b_time,\n);\n"),
              (std::vector<std::string>{"a_no", "b_time"}));
}

TEST(Tables, EveryTextFieldOfThePunishOrderIsAPunishOrderMemberInTheCoresOrder) {
    const std::vector<std::string> core = core_punish_text_fields(read_source("src/protocol/punish.rs"));
    ASSERT_GE(core.size(), 12u);
    std::vector<std::string> members;
    for (const auto& m : wx::detail::punish_order_members) members.push_back(m.name);
    EXPECT_EQ(members, core);
}
