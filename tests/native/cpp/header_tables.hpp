// Compile-time check that include/wx_recover.hpp mirrors every constant of the header's enums.
//
// Each function below switches over a C enum of wx_recover.h with no default. Compiled with
// -Wall -Werror (the tests are, and so is run.sh's check that this can fail), the build stops
// when the header adds a constant and the compiler names it ("enumeration value 'WX_CONFLICT'
// not handled in switch"); each case also asserts that the C++ enumerator has the C value.
#ifndef WX_TESTS_HEADER_TABLES_HPP
#define WX_TESTS_HEADER_TABLES_HPP

#include "wx_recover.hpp"

namespace header_tables {

#define WX_SAME(c_value, cpp_value)                                  \
    case c_value:                                                    \
        static_assert(static_cast<int>(cpp_value) == (c_value),      \
                      #cpp_value " does not have the value of " #c_value); \
        return cpp_value

constexpr wx::Status cpp_of(wx_status s) noexcept {
    switch (s) {
        WX_SAME(WX_OK, wx::Status::ok);
        WX_SAME(WX_INVALID_ARGUMENT, wx::Status::invalid_argument);
        WX_SAME(WX_CONFIG, wx::Status::config);
        WX_SAME(WX_NETWORK, wx::Status::network);
        WX_SAME(WX_TIMEOUT, wx::Status::timeout);
        WX_SAME(WX_API, wx::Status::api);
        WX_SAME(WX_UNVERIFIED, wx::Status::unverified);
        WX_SAME(WX_RATE_LIMITED, wx::Status::rate_limited);
        WX_SAME(WX_BAD_RESPONSE, wx::Status::bad_response);
        WX_SAME(WX_INTERNAL, wx::Status::internal);
    }
    return wx::Status::internal;
}

constexpr wx::JournalState cpp_of(wx_journal_state s) noexcept {
    switch (s) {
        WX_SAME(WX_JOURNAL_IN_DOUBT, wx::JournalState::in_doubt);
        WX_SAME(WX_JOURNAL_ACCEPTED, wx::JournalState::accepted);
        WX_SAME(WX_JOURNAL_SUCCEEDED, wx::JournalState::succeeded);
        WX_SAME(WX_JOURNAL_FAILED, wx::JournalState::failed);
        WX_SAME(WX_JOURNAL_REFUSED, wx::JournalState::refused);
        WX_SAME(WX_JOURNAL_EXPIRED, wx::JournalState::expired);
    }
    return wx::JournalState::in_doubt;
}

constexpr wx::RecoverState cpp_of(wx_recover_state s) noexcept {
    switch (s) {
        WX_SAME(WX_STATE_UNKNOWN, wx::RecoverState::unknown);
        WX_SAME(WX_STATE_EXECUTING, wx::RecoverState::executing);
        WX_SAME(WX_STATE_SUCCESS, wx::RecoverState::success);
        WX_SAME(WX_STATE_FAILED, wx::RecoverState::failed);
    }
    return wx::RecoverState::unknown;
}

constexpr wx::Host cpp_of(wx_host h) noexcept {
    switch (h) {
        WX_SAME(WX_HOST_PRIMARY, wx::Host::primary);
        WX_SAME(WX_HOST_BACKUP, wx::Host::backup);
    }
    return wx::Host::primary;
}

constexpr wx::BreakerState cpp_of(wx_breaker_state s) noexcept {
    switch (s) {
        WX_SAME(WX_BREAKER_CLOSED, wx::BreakerState::closed);
        WX_SAME(WX_BREAKER_OPEN, wx::BreakerState::open);
        WX_SAME(WX_BREAKER_HALF_OPEN, wx::BreakerState::half_open);
        WX_SAME(WX_BREAKER_DISABLED, wx::BreakerState::disabled);
    }
    return wx::BreakerState::closed;
}

constexpr wx::QuotaStore cpp_of(wx_quota_store s) noexcept {
    switch (s) {
        WX_SAME(WX_QUOTA_LOCAL, wx::QuotaStore::local);
        WX_SAME(WX_QUOTA_FILE, wx::QuotaStore::file);
        WX_SAME(WX_QUOTA_REDIS, wx::QuotaStore::redis);
    }
    return wx::QuotaStore::local;
}

constexpr wx::PunishState cpp_of(wx_punish_state s) noexcept {
    switch (s) {
        WX_SAME(WX_PUNISH_UNKNOWN, wx::PunishState::unknown);
        WX_SAME(WX_PUNISH_EXECUTING, wx::PunishState::executing);
        WX_SAME(WX_PUNISH_SUCCESS, wx::PunishState::success);
        WX_SAME(WX_PUNISH_FAILED, wx::PunishState::failed);
    }
    return wx::PunishState::unknown;
}

constexpr wx::EffectState cpp_of(wx_effect_state s) noexcept {
    switch (s) {
        WX_SAME(WX_EFFECT_UNKNOWN, wx::EffectState::unknown);
        WX_SAME(WX_EFFECT_ACTIVE, wx::EffectState::active);
        WX_SAME(WX_EFFECT_RECOVERED, wx::EffectState::recovered);
    }
    return wx::EffectState::unknown;
}

constexpr wx::JournalKind cpp_of(wx_journal_kind k) noexcept {
    switch (k) {
        WX_SAME(WX_KIND_RECOVER, wx::JournalKind::recover);
        WX_SAME(WX_KIND_PUNISH, wx::JournalKind::punish);
    }
    return wx::JournalKind::recover;
}

#undef WX_SAME

}  // namespace header_tables

#endif  // WX_TESTS_HEADER_TABLES_HPP
