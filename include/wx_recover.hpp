/*
 * wx-recover: header-only C++17 RAII wrapper over the C ABI in wx_recover.h.
 *
 * Needs C++17 (std::optional, std::string_view): gcc >= 7 (on RHEL 7, devtoolset-7 or later),
 * clang >= 5. A compiler limited to C++11, such as RHEL 7's own gcc 4.8, uses the C API in
 * wx_recover.h directly: it compiles as C99 and as C++11.
 *
 * Conversions only: every check, signature, encryption, retry and verification happens in the
 * library behind wx_recover.h. Handles are owned by std::unique_ptr with the matching
 * wx_*_free() as deleter; failures become wx::Error exceptions carrying every field of the C
 * error. See docs/cpp.md.
 *
 * Threading: a wx::Client may be shared by any number of threads calling its const member
 * functions at once (the C client is thread-safe). Moving, assigning or destroying a Client
 * must not race with calls on it, exactly as for any C++ object.
 */

#ifndef WX_RECOVER_HPP
#define WX_RECOVER_HPP

#if !defined(__cplusplus) || (__cplusplus < 201703L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 201703L))
#error "wx_recover.hpp needs C++17 (gcc >= 7, clang >= 5); with an older compiler include wx_recover.h, the C API"
#endif

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wx_recover.h"

namespace wx {

/// Mirrors wx_status; the values are the C values and are never renumbered.
enum class Status : int {
    ok = WX_OK,
    invalid_argument = WX_INVALID_ARGUMENT,
    config = WX_CONFIG,
    network = WX_NETWORK,
    timeout = WX_TIMEOUT,
    api = WX_API,
    unverified = WX_UNVERIFIED,
    rate_limited = WX_RATE_LIMITED,
    bad_response = WX_BAD_RESPONSE,
    internal = WX_INTERNAL,
};

/// Mirrors wx_recover_state. `unknown` is a state this version does not know: read
/// Order::recover_state for the raw value.
enum class RecoverState : int {
    unknown = WX_STATE_UNKNOWN,
    executing = WX_STATE_EXECUTING,
    success = WX_STATE_SUCCESS,
    failed = WX_STATE_FAILED,
};

/// Mirrors wx_journal_state: where a journaled order stands (docs/journal.md).
enum class JournalState : int {
    in_doubt = WX_JOURNAL_IN_DOUBT,
    accepted = WX_JOURNAL_ACCEPTED,
    succeeded = WX_JOURNAL_SUCCEEDED,
    failed = WX_JOURNAL_FAILED,
    refused = WX_JOURNAL_REFUSED,
    expired = WX_JOURNAL_EXPIRED,
};

/// Mirrors wx_host: where a client's next call goes.
enum class Host : int {
    primary = WX_HOST_PRIMARY,
    backup = WX_HOST_BACKUP,
};

/// Mirrors wx_breaker_state: the circuit breaker over the primary host.
enum class BreakerState : int {
    closed = WX_BREAKER_CLOSED,        ///< the primary answers; calls go to it
    open = WX_BREAKER_OPEN,            ///< the primary failed; calls go to the backup
    half_open = WX_BREAKER_HALF_OPEN,  ///< a probe call to the primary is in flight
    disabled = WX_BREAKER_DISABLED,    ///< no backup host, or breaker_enabled is false
};

/// Mirrors wx_quota_store: where the rate-limit buckets live (rate_limit_store).
enum class QuotaStore : int {
    local = WX_QUOTA_LOCAL,
    file = WX_QUOTA_FILE,
    redis = WX_QUOTA_REDIS,
};

/// Mirrors wx_punish_state: `punish_state` of a control order. `unknown` is a value this
/// version does not know: read PunishOrder::punish_state for the raw text.
enum class PunishState : int {
    unknown = WX_PUNISH_UNKNOWN,
    executing = WX_PUNISH_EXECUTING,
    success = WX_PUNISH_SUCCESS,
    failed = WX_PUNISH_FAILED,
};

/// Mirrors wx_effect_state: `effect_state` of a control order. `unknown` when it is absent (the
/// punish is not SUCCESS yet) or new to this version: read PunishOrder::effect_state.
enum class EffectState : int {
    unknown = WX_EFFECT_UNKNOWN,
    active = WX_EFFECT_ACTIVE,        ///< the control is in force
    recovered = WX_EFFECT_RECOVERED,  ///< lifted by a recover
};

/// Mirrors wx_journal_kind: what a journal entry is. The platform numbers punishes and recovers
/// separately, so one out_request_no may have an entry of each kind.
enum class JournalKind : int {
    recover = WX_KIND_RECOVER,  ///< 解管
    punish = WX_KIND_PUNISH,    ///< 管控
};

/// `req_scene` values the API description names (WX_REQ_SCENE_*). Any other non-empty value
/// passes through, so a value the platform adds later needs no new release.
namespace req_scene {
inline constexpr const char* sjt_convenient_settlement_service_merchant =
    WX_REQ_SCENE_SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT;
inline constexpr const char* sjt_micro_merchant = WX_REQ_SCENE_SJT_MICRO_MERCHANT;
inline constexpr const char* wx_shop_convenient_settlement_service_merchant =
    WX_REQ_SCENE_WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT;
}  // namespace req_scene

/// `fund_repatriation_strategy` values (微众资金划回策略, WX_FUND_REPATRIATION_*). Any other
/// non-empty value passes through too.
namespace fund_repatriation_strategy {
inline constexpr const char* all_forbidden = WX_FUND_REPATRIATION_ALL_FORBIDDEN;
inline constexpr const char* all_allowed_when_unique = WX_FUND_REPATRIATION_ALL_ALLOWED_WHEN_UNIQUE;
}  // namespace fund_repatriation_strategy

/// "primary" or "backup"; "unknown" for a value this header does not know.
constexpr std::string_view to_string(Host h) noexcept {
    switch (h) {
        case Host::primary: return "primary";
        case Host::backup: return "backup";
    }
    return "unknown";
}

/// "closed", "open", "half_open" or "disabled"; "unknown" for a value this header does not know.
constexpr std::string_view to_string(BreakerState s) noexcept {
    switch (s) {
        case BreakerState::closed: return "closed";
        case BreakerState::open: return "open";
        case BreakerState::half_open: return "half_open";
        case BreakerState::disabled: return "disabled";
    }
    return "unknown";
}

/// "local", "file" or "redis"; "unknown" for a value this header does not know.
constexpr std::string_view to_string(QuotaStore s) noexcept {
    switch (s) {
        case QuotaStore::local: return "local";
        case QuotaStore::file: return "file";
        case QuotaStore::redis: return "redis";
    }
    return "unknown";
}

/// True for the states reconcile no longer works on.
constexpr bool is_final(JournalState s) noexcept {
    return s != JournalState::in_doubt && s != JournalState::accepted;
}

/// The library's version string, e.g. "0.1.0" (static storage).
inline std::string_view version() noexcept { return wx_version(); }

/// What the library carries, as one JSON object (static storage): its version and target, the
/// OpenSSL in use, whether OpenSSL is built in, and where the system's CA certificates were found.
inline std::string_view build_info() noexcept { return wx_build_info(); }

/// A short English name for a status, e.g. "unverified response" (static storage).
inline std::string_view status_name(Status s) noexcept {
    return wx_status_str(static_cast<int>(s));
}

namespace detail {

/// One deleter for every owning handle type: the matching wx_*_free().
struct Deleter {
    void operator()(wx_recover* p) const noexcept { wx_recover_free(p); }
    void operator()(wx_accepted* p) const noexcept { wx_accepted_free(p); }
    void operator()(wx_order* p) const noexcept { wx_order_free(p); }
    void operator()(wx_error* p) const noexcept { wx_error_free(p); }
    void operator()(wx_notification* p) const noexcept { wx_notification_free(p); }
    void operator()(wx_journal_entry* p) const noexcept { wx_journal_entry_free(p); }
    void operator()(wx_journal_list* p) const noexcept { wx_journal_list_free(p); }
    void operator()(wx_reconcile_report* p) const noexcept { wx_reconcile_report_free(p); }
    void operator()(wx_punish_accepted* p) const noexcept { wx_punish_accepted_free(p); }
    void operator()(wx_punish_order* p) const noexcept { wx_punish_order_free(p); }
    void operator()(char* p) const noexcept { wx_free(p); }
};

template <class T>
using Owned = std::unique_ptr<T, Deleter>;

inline std::optional<std::string> opt(const char* s) {
    if (s == nullptr) return std::nullopt;
    return std::string(s);
}

inline std::string str(const char* s) { return s == nullptr ? std::string() : std::string(s); }

}  // namespace detail

/// A failed call: every field of the C wx_error, copied out before it is freed. what() is the
/// library's one-line message (it includes the Request-ID when there is one, never a secret).
class Error : public std::runtime_error {
public:
    Error(Status status, std::uint16_t http_status, std::optional<std::string> code,
          const std::string& message, std::optional<std::string> detail,
          std::optional<std::string> request_id, bool retry_safe, std::uint32_t attempts)
        : std::runtime_error(message),
          status_(status),
          http_status_(http_status),
          code_(std::move(code)),
          detail_(std::move(detail)),
          request_id_(std::move(request_id)),
          retry_safe_(retry_safe),
          attempts_(attempts) {}

    /// Copies every field of a C error (which stays owned by the caller).
    static Error from_c(const wx_error* e) {
        return Error(static_cast<Status>(wx_error_status(e)), wx_error_http_status(e),
                     detail::opt(wx_error_code(e)), detail::str(wx_error_message(e)),
                     detail::opt(wx_error_detail(e)), detail::opt(wx_error_request_id(e)),
                     wx_error_retry_safe(e), wx_error_attempts(e));
    }

    Status status() const noexcept { return status_; }
    std::string_view status_name() const noexcept { return wx::status_name(status_); }
    /// HTTP status of the answer behind the error, 0 when there was none.
    std::uint16_t http_status() const noexcept { return http_status_; }
    /// Platform error code ("NOT_FOUND", "ALREADY_EXISTS", …) when the platform sent one.
    const std::optional<std::string>& code() const noexcept { return code_; }
    /// The library's message (same text as what()).
    std::string message() const { return what(); }
    /// The platform's `detail` object as JSON text, when it sent one.
    const std::optional<std::string>& detail() const noexcept { return detail_; }
    /// Request-ID of the answer behind the error: quote it to WeChat Pay support.
    const std::optional<std::string>& request_id() const noexcept { return request_id_; }
    /// True when re-submitting the same out_request_no (or querying it) is the right next step.
    bool retry_safe() const noexcept { return retry_safe_; }
    /// HTTP attempts the failed call made (0: it failed before sending).
    std::uint32_t attempts() const noexcept { return attempts_; }

private:
    Status status_;
    std::uint16_t http_status_;
    std::optional<std::string> code_;
    std::optional<std::string> detail_;
    std::optional<std::string> request_id_;
    bool retry_safe_;
    std::uint32_t attempts_;
};

namespace detail {

/// Turns a C status plus its owned error into an exception (freeing the C error). Call it with
/// the status already stored: `check(wx_f(..., &err), err)` would read `err` unsequenced.
inline void check(wx_status st, wx_error* raw) {
    Owned<wx_error> e(raw);
    if (st == WX_OK) return;
    if (e) throw Error::from_c(e.get());
    throw Error(static_cast<Status>(st), 0, std::nullopt,
                std::string(wx_status_str(st)), std::nullopt, std::nullopt, false, 0);
}

/// A wrapper-side argument failure (nothing reached the library).
[[noreturn]] inline void invalid(const std::string& field, const std::string& why) {
    throw Error(Status::invalid_argument, 0, std::nullopt,
                "invalid argument: " + field + ": " + why, std::nullopt, std::nullopt, false, 0);
}

/// std::string_view is not NUL-terminated: copy it. An embedded NUL would silently cut the
/// value short on the C side, so it is refused instead.
inline void no_nul(std::string_view v, const char* field) {
    if (v.find('\0') != std::string_view::npos) invalid(field, "must not contain NUL bytes");
}

inline std::string cstr(std::string_view v, const char* field) {
    no_nul(v, field);
    return std::string(v);
}

inline const std::uint8_t* bytes(std::string_view v) noexcept {
    return v.empty() ? nullptr : reinterpret_cast<const std::uint8_t*>(v.data());
}

}  // namespace detail

/// A recover (解管) request. `bal_account_no` is the plaintext ledger id: the library
/// encrypts it and never logs it; do not log it either. To lift a control order a punish
/// placed, name its PunishAccepted::out_request_no as `related_webank_punish_no` and its
/// PunishAccepted::wxpay_punish_no as `related_wxpay_punish_no`.
struct RecoverRequest {
    std::string out_request_no;
    std::string related_webank_punish_no;
    std::string related_wxpay_punish_no;
    std::string mchid;
    std::string bal_account_no;
    std::optional<std::string> recover_reason;
    /// The optional fields of the API description, sent only when set (with none set the
    /// request is exactly what it was before they existed). `card_no` is plaintext, a secret
    /// like `bal_account_no`: the library encrypts it with the same key and never logs it.
    std::optional<std::string> card_no;
    std::optional<std::string> sgn_no;
    /// One of wx::req_scene, or any value the platform adds later.
    std::optional<std::string> req_scene;
};

/// A punish (管控) request: places a control order on the target merchant `mchid`.
/// `bal_account_no` and `card_no` are plaintext secrets: the library encrypts both with one key
/// and never logs them; do not log them either. The optional fields are sent only when set.
struct PunishRequest {
    std::string out_request_no;
    /// The target merchant.
    std::string mchid;
    std::string bal_account_no;
    /// The scene id agreed with the platform; sent as a JSON integer.
    std::int64_t punish_scene = 0;
    std::optional<std::string> punish_reason;
    /// RFC 3339 (e.g. "2030-01-02T03:04:05+08:00"). The control does not lift itself when it
    /// passes; std::nullopt: long-term.
    std::optional<std::string> punish_end_time;
    std::optional<std::string> card_no;
    std::optional<std::string> sgn_no;
    /// One of wx::req_scene, or any value the platform adds later.
    std::optional<std::string> req_scene;
    /// One of wx::fund_repatriation_strategy, or any value the platform adds later.
    std::optional<std::string> fund_repatriation_strategy;
};

/// The platform accepted the punish. Acceptance is not the outcome: follow it with
/// Client::query_punish(). A later recover names `out_request_no` as related_webank_punish_no
/// and `wxpay_punish_no` as related_wxpay_punish_no.
struct PunishAccepted {
    std::string wxpay_punish_no;
    std::string out_request_no;
    /// Request-ID of the accepting answer (none when the journal answered a re-entry).
    std::optional<std::string> request_id;
    /// HTTP attempts the punish made (0 when the journal answered).
    std::uint32_t attempts = 0;
};

/// A control order as the PUNISH query gives it, copied out of the library's handle. `state`
/// and `effect` are the parsed `punish_state` and `effect_state`; every documented text field
/// is std::nullopt when absent; undocumented fields are only in `json`.
struct PunishOrder {
    PunishState state = PunishState::unknown;
    EffectState effect = EffectState::unknown;
    std::optional<std::string> wxpay_punish_no;
    std::optional<std::string> out_request_no;
    std::optional<std::string> mchid;
    /// Integers on the wire; std::nullopt when absent or not an integer.
    std::optional<std::int64_t> punish_scene;
    std::optional<std::int64_t> punish_rule_version;
    std::optional<std::string> punish_reason;
    std::optional<std::string> punish_start_time;
    std::optional<std::string> punish_end_time;
    std::optional<std::string> punish_accept_time;
    std::optional<std::string> punish_finish_time;
    /// The raw texts ("EXECUTING", "SUCCESS", "FAILED"; "ACTIVE", "RECOVERED"; or new ones).
    std::optional<std::string> punish_state;
    std::optional<std::string> effect_state;
    /// Present when the punish failed.
    std::optional<std::string> error_code;
    std::optional<std::string> error_message;
    /// `DISABLE_PAY`, … as received (values new to this version kept).
    std::vector<std::string> control_action;
    /// The whole `punish_order` object as received.
    std::string json;
    /// Request-ID of the query's answer.
    std::optional<std::string> request_id;
};

/// The platform accepted the recover. Acceptance is not the outcome: query it.
struct Accepted {
    std::string wxpay_recover_no;
    std::string out_request_no;
    /// Request-ID of the accepting answer.
    std::optional<std::string> request_id;
    /// HTTP attempts the submit made (1 without retries).
    std::uint32_t attempts = 0;
};

/// One field of an order as the library lists it: a documented field as text, an
/// undocumented one as the JSON text of its value.
struct OrderField {
    std::string name;
    std::string value;
    bool documented = false;

    bool operator==(const OrderField& o) const {
        return name == o.name && value == o.value && documented == o.documented;
    }
    bool operator!=(const OrderField& o) const { return !(*this == o); }
};

/// A recover order (from a query, a notification or parse_order()). The library reads the
/// fields; this type only holds them. Documented fields are std::nullopt when absent; every
/// other field the platform sent is in `extra` as (name, JSON text), sorted by name; `json`
/// is the whole `recover_order` object.
struct Order {
    RecoverState state = RecoverState::unknown;
    std::optional<std::string> wxpay_recover_no;
    std::optional<std::string> out_request_no;
    std::optional<std::string> related_wxpay_punish_no;
    std::optional<std::string> mchid;
    /// Text even when the platform sends a number.
    std::optional<std::string> punish_scene;
    std::optional<std::string> punish_rule_version;
    std::optional<std::string> recover_accept_time;
    std::optional<std::string> recover_finish_time;
    /// The raw state text ("EXECUTING", "SUCCESS", "FAILED", or one new to this version).
    std::optional<std::string> recover_state;
    std::optional<std::string> recover_reason;
    /// Present when the recover failed.
    std::optional<std::string> error_code;
    std::optional<std::string> error_message;
    /// Undocumented fields as (name, JSON text of the value), sorted by name.
    std::vector<std::pair<std::string, std::string>> extra;
    std::string json;
    /// Request-ID of the answer the order came in (none for parse_order() or a notification).
    std::optional<std::string> request_id;

    /// The field list as the library gave it: the documented fields present, then `extra`.
    std::vector<OrderField> fields() const;
};

namespace detail {

using OrderMember = std::optional<std::string> Order::*;

struct OrderMemberName {
    const char* name;
    OrderMember member;
};

/// The typed members by field name, in the library's documented order.
inline constexpr OrderMemberName order_members[] = {
    {"wxpay_recover_no", &Order::wxpay_recover_no},
    {"out_request_no", &Order::out_request_no},
    {"related_wxpay_punish_no", &Order::related_wxpay_punish_no},
    {"mchid", &Order::mchid},
    {"punish_scene", &Order::punish_scene},
    {"punish_rule_version", &Order::punish_rule_version},
    {"recover_accept_time", &Order::recover_accept_time},
    {"recover_finish_time", &Order::recover_finish_time},
    {"recover_state", &Order::recover_state},
    {"recover_reason", &Order::recover_reason},
    {"error_code", &Order::error_code},
    {"error_message", &Order::error_message},
};

/// Copies an order out of its handle (which stays owned by the caller). A documented field
/// this version has no member for goes to `extra`, so nothing the library read is lost.
inline Order order_from(const wx_order* o) {
    Order r;
    r.state = static_cast<RecoverState>(wx_order_state(o));
    const std::size_t n = wx_order_field_count(o);
    for (std::size_t i = 0; i < n; ++i) {
        std::string name = str(wx_order_field_name(o, i));
        std::string value = str(wx_order_field_value(o, i));
        OrderMember member = nullptr;
        if (wx_order_field_documented(o, i)) {
            for (const auto& m : order_members)
                if (name == m.name) member = m.member;
        }
        if (member != nullptr)
            r.*member = std::move(value);
        else
            r.extra.emplace_back(std::move(name), std::move(value));
    }
    r.json = str(wx_order_json(o));
    r.request_id = opt(wx_order_request_id(o));
    return r;
}

}  // namespace detail

inline std::vector<OrderField> Order::fields() const {
    std::vector<OrderField> out;
    for (const auto& m : detail::order_members)
        if (this->*m.member) out.push_back(OrderField{m.name, *(this->*m.member), true});
    for (const auto& e : extra) out.push_back(OrderField{e.first, e.second, false});
    return out;
}

/// Builds an order from a `recover_order` JSON object your own HTTP stack received (verify the
/// answer first with Client::verify()). The library applies a query's rules: strict JSON, a
/// recover_state, documented fields as text. Throws wx::Error (Status::bad_response for JSON
/// that breaks them).
inline Order parse_order(std::string_view json) {
    wx_order* out = nullptr;
    wx_error* err = nullptr;
    const wx_status st = wx_order_parse(detail::bytes(json), json.size(), &out, &err);
    detail::check(st, err);
    detail::Owned<wx_order> o(out);
    return detail::order_from(o.get());
}

namespace detail {

using PunishOrderMember = std::optional<std::string> PunishOrder::*;

struct PunishOrderMemberName {
    const char* name;
    PunishOrderMember member;
};

/// The text members by field name, in the library's documented order (wx_punish_order_get()).
inline constexpr PunishOrderMemberName punish_order_members[] = {
    {"wxpay_punish_no", &PunishOrder::wxpay_punish_no},
    {"out_request_no", &PunishOrder::out_request_no},
    {"mchid", &PunishOrder::mchid},
    {"punish_reason", &PunishOrder::punish_reason},
    {"punish_start_time", &PunishOrder::punish_start_time},
    {"punish_end_time", &PunishOrder::punish_end_time},
    {"punish_accept_time", &PunishOrder::punish_accept_time},
    {"punish_finish_time", &PunishOrder::punish_finish_time},
    {"punish_state", &PunishOrder::punish_state},
    {"effect_state", &PunishOrder::effect_state},
    {"error_code", &PunishOrder::error_code},
    {"error_message", &PunishOrder::error_message},
};

/// Copies a control order out of its handle (which stays owned by the caller).
inline PunishOrder punish_order_from(const wx_punish_order* o) {
    PunishOrder r;
    r.state = static_cast<PunishState>(wx_punish_order_state(o));
    r.effect = static_cast<EffectState>(wx_punish_order_effect_state(o));
    for (const auto& m : punish_order_members) r.*m.member = opt(wx_punish_order_get(o, m.name));
    std::int64_t n = 0;
    if (wx_punish_order_punish_scene(o, &n)) r.punish_scene = n;
    if (wx_punish_order_punish_rule_version(o, &n)) r.punish_rule_version = n;
    const std::size_t actions = wx_punish_order_control_action_len(o);
    r.control_action.reserve(actions);
    for (std::size_t i = 0; i < actions; ++i)
        r.control_action.push_back(str(wx_punish_order_control_action(o, i)));
    r.json = str(wx_punish_order_json(o));
    r.request_id = opt(wx_punish_order_request_id(o));
    return r;
}

}  // namespace detail

/// A verified, decrypted result notification. Answer the platform with a 2xx once it is
/// handled.
struct Notification {
    /// Envelope fields; std::nullopt when absent.
    std::optional<std::string> id;
    std::optional<std::string> create_time;
    std::optional<std::string> event_type;
    std::optional<std::string> resource_type;
    std::optional<std::string> summary;
    std::optional<std::string> algorithm;
    std::optional<std::string> original_type;
    std::optional<std::string> associated_data;
    /// The decrypted resource as JSON text: the caller's data, treat it like a query result.
    std::string plaintext;
    /// The resource as a recover order; std::nullopt when it is not one.
    std::optional<Order> order;
};

/// The last error a journaled order met.
struct JournalError {
    Status status = Status::internal;
    /// HTTP status of that error's answer, 0 when there was none.
    std::uint16_t http_status = 0;
    std::optional<std::string> code;
    std::optional<std::string> message;
};

/// One journaled order: a recover or a punish (`kind`). Never holds the plaintext
/// bal_account_no or card_no. Times are Unix seconds.
struct JournalEntry {
    std::string out_request_no;
    JournalState state = JournalState::in_doubt;
    /// Known once the platform accepted the recover (a punish's number is in `platform_no`).
    std::optional<std::string> wxpay_recover_no;
    /// HTTP attempts made for this order by every process.
    std::uint32_t attempts = 0;
    /// std::nullopt when the order met no error.
    std::optional<JournalError> last_error;
    std::optional<std::string> request_id;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::string mchid;
    std::string related_webank_punish_no;
    std::string related_wxpay_punish_no;
    /// A recover or a punish (Client::journal_entry(no, JournalKind::punish) finds the latter).
    JournalKind kind = JournalKind::recover;
    /// The platform's number for either kind: wxpay_recover_no or wxpay_punish_no.
    std::optional<std::string> platform_no;
};

/// What Client::reconcile() did: how many worked entries ended in each state, the entries
/// still pending, and how many were skipped because another caller held them.
struct ReconcileReport {
    std::size_t in_doubt = 0;
    std::size_t accepted = 0;
    std::size_t succeeded = 0;
    std::size_t failed = 0;
    std::size_t refused = 0;
    std::size_t expired = 0;
    std::size_t busy = 0;
    std::vector<JournalEntry> pending;

    /// The count for one state.
    std::size_t count(JournalState s) const noexcept {
        switch (s) {
            case JournalState::in_doubt: return in_doubt;
            case JournalState::accepted: return accepted;
            case JournalState::succeeded: return succeeded;
            case JournalState::failed: return failed;
            case JournalState::refused: return refused;
            case JournalState::expired: return expired;
        }
        return 0;
    }
};

/// One endpoint's counters since the client was created (wx_endpoint_stats).
/// `limiter_waiting` is a gauge; every other field only grows.
struct EndpointStats {
    // generated by scripts/gen_tables.py from include/wx_recover.h (EndpointStats); do not edit
    /// Calls (one call may make several attempts).
    std::uint64_t requests = 0;
    /// Requests sent, retries included.
    std::uint64_t attempts = 0;
    /// Attempts after the first of a call.
    std::uint64_t retries = 0;
    /// Attempts that went to the other host than the call's previous attempt.
    std::uint64_t failovers = 0;
    /// Attempts that had to wait for a rate-limit slot.
    std::uint64_t limiter_waits = 0;
    /// Calls refused because no slot freed in time (WX_RATE_LIMITED; nothing sent).
    std::uint64_t limiter_refusals = 0;
    /// Calls waiting for a slot right now (a gauge).
    std::uint64_t limiter_waiting = 0;
    /// 429 answers (FREQUENCY_LIMITED) received from the platform.
    std::uint64_t throttled = 0;
    /// 2xx answers that failed verification.
    std::uint64_t verification_failures = 0;

    bool operator==(const EndpointStats& o) const noexcept {
        return requests == o.requests && attempts == o.attempts && retries == o.retries
               && failovers == o.failovers && limiter_waits == o.limiter_waits
               && limiter_refusals == o.limiter_refusals && limiter_waiting == o.limiter_waiting
               && throttled == o.throttled && verification_failures == o.verification_failures;
    }
    bool operator!=(const EndpointStats& o) const noexcept { return !(*this == o); }
    // end of generated EndpointStats
};

/// A snapshot of a client's counters and state (wx_stats), from Client::stats(). The counters
/// are read one by one, so a snapshot taken while calls run may be off by the calls in flight.
struct Stats {
    // generated by scripts/gen_tables.py from include/wx_recover.h (Stats); do not edit
    /// The recover endpoint's counters.
    EndpointStats recover;
    /// The query endpoint's counters.
    EndpointStats query;
    /// The certificates endpoint's counters.
    EndpointStats certificates;
    /// Where the next call goes.
    Host active_host = Host::primary;
    /// The circuit breaker over the primary host (docs/configuration.md, "Retries and failover").
    BreakerState breaker = BreakerState::closed;
    /// True when the backup host is marked failed too.
    bool backup_down = false;
    /// Where the rate-limit buckets live (rate_limit_store).
    QuotaStore quota_store = QuotaStore::local;
    /// True unless a shared store is unreachable and the client runs on its own buckets.
    bool quota_store_healthy = true;
    /// Failed calls to the shared store.
    std::uint64_t quota_store_errors = 0;
    // end of generated Stats
    /// The punish (管控) endpoint's counters. wx_stats' layout is frozen and has no member for
    /// them: Client::stats() reads them with wx_recover_endpoint_stats(WX_ENDPOINT_PUNISH).
    EndpointStats punish;
};

namespace detail {

// generated by scripts/gen_tables.py from include/wx_recover.h (stats conversions); do not edit
static_assert(sizeof(wx_endpoint_stats) == 9 * sizeof(std::uint64_t),
              "wx_recover.h has other stats counters than wx_recover.hpp: run make header");

inline EndpointStats endpoint_stats_from(const wx_endpoint_stats& e) noexcept {
    EndpointStats r;
    r.requests = e.requests;
    r.attempts = e.attempts;
    r.retries = e.retries;
    r.failovers = e.failovers;
    r.limiter_waits = e.limiter_waits;
    r.limiter_refusals = e.limiter_refusals;
    r.limiter_waiting = e.limiter_waiting;
    r.throttled = e.throttled;
    r.verification_failures = e.verification_failures;
    return r;
}

inline Stats stats_from(const wx_stats& s) noexcept {
    Stats r;
    r.recover = endpoint_stats_from(s.recover);
    r.query = endpoint_stats_from(s.query);
    r.certificates = endpoint_stats_from(s.certificates);
    r.active_host = static_cast<Host>(s.active_host);
    r.breaker = static_cast<BreakerState>(s.breaker);
    r.backup_down = s.backup_down != 0;
    r.quota_store_healthy = s.quota_store_healthy != 0;
    r.quota_store = static_cast<QuotaStore>(s.quota_store);
    r.quota_store_errors = s.quota_store_errors;
    return r;
}
// end of generated stats conversions

// wx_endpoint's WX_ENDPOINT_PUNISH: wx_recover.h does not declare the enum (the function takes
// an int), so the value is written here.
inline constexpr int kEndpointPunish = WX_ENDPOINT_PUNISH;

inline JournalEntry journal_entry_from(const wx_journal_entry* e) {
    const auto text = [e](const char* name) { return opt(wx_journal_entry_get(e, name)); };
    JournalEntry r;
    r.out_request_no = str(wx_journal_entry_get(e, "out_request_no"));
    r.state = static_cast<JournalState>(wx_journal_entry_state(e));
    r.wxpay_recover_no = text("wxpay_recover_no");
    r.attempts = wx_journal_entry_attempts(e);
    const wx_status st = wx_journal_entry_error_status(e);
    if (st != WX_OK) {
        r.last_error = JournalError{static_cast<Status>(st), wx_journal_entry_error_http_status(e),
                                    text("error_code"), text("error_message")};
    }
    r.request_id = text("request_id");
    r.created_at = wx_journal_entry_created_at(e);
    r.updated_at = wx_journal_entry_updated_at(e);
    r.mchid = str(wx_journal_entry_get(e, "mchid"));
    r.related_webank_punish_no = str(wx_journal_entry_get(e, "related_webank_punish_no"));
    r.related_wxpay_punish_no = str(wx_journal_entry_get(e, "related_wxpay_punish_no"));
    r.kind = static_cast<JournalKind>(wx_journal_entry_kind(e));
    r.platform_no = text("platform_no");
    return r;
}

/// Copies a list's entries (the list stays owned by the caller).
inline std::vector<JournalEntry> journal_list_from(const wx_journal_list* l) {
    std::vector<JournalEntry> out;
    const std::size_t n = wx_journal_list_len(l);
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(journal_entry_from(wx_journal_list_get(l, i)));
    return out;
}

inline Notification notification_from(const wx_notification* n) {
    const auto field = [n](const char* name) { return opt(wx_notification_get(n, name)); };
    Notification r;
    r.id = field("id");
    r.create_time = field("create_time");
    r.event_type = field("event_type");
    r.resource_type = field("resource_type");
    r.summary = field("summary");
    r.algorithm = field("algorithm");
    r.original_type = field("original_type");
    r.associated_data = field("associated_data");
    r.plaintext = str(wx_notification_plaintext(n));
    wx_order* o = nullptr;
    wx_error* err = nullptr;
    const wx_status st = wx_notification_order(n, &o, &err);
    if (st == WX_BAD_RESPONSE) {  // a verified resource that is not a recover order
        Owned<wx_error> ignored(err);
        return r;
    }
    check(st, err);
    Owned<wx_order> owned(o);
    r.order = order_from(owned.get());
    return r;
}

}  // namespace detail

/// A client: owns one wx_recover handle. Move-only. Share one instance across threads (its
/// const member functions are thread-safe); a moved-from Client is empty, and every call on it
/// throws wx::Error with Status::invalid_argument.
class Client {
public:
    /// Creates a client from a JSON configuration text (docs/design.md lists the keys).
    static Client from_json(std::string_view config_json) {
        const std::string json = detail::cstr(config_json, "config_json");
        wx_recover* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_new(json.c_str(), &out, &err);
        detail::check(st, err);
        return Client(out);
    }

    /// Creates a client from a JSON configuration file; relative key paths inside it are
    /// relative to the file's folder.
    static Client from_file(std::string_view path) {
        const std::string p = detail::cstr(path, "path");
        wx_recover* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_new_from_file(p.c_str(), &out, &err);
        detail::check(st, err);
        return Client(out);
    }

    Client(Client&&) noexcept = default;
    Client& operator=(Client&&) noexcept = default;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client() = default;

    /// False for a moved-from client.
    explicit operator bool() const noexcept { return static_cast<bool>(h_); }

    /// Submits a recover; blocks until accepted or failed (bounded by the configured
    /// deadline_ms). Throws wx::Error; Error::retry_safe() says whether to re-submit the same
    /// out_request_no. With card_no, sgn_no or req_scene set it goes through
    /// wx_recover_submit_v2(), otherwise through wx_recover_submit() exactly as before.
    Accepted submit(const RecoverRequest& r) const {
        const std::string out_request_no = detail::cstr(r.out_request_no, "out_request_no");
        const std::string webank = detail::cstr(r.related_webank_punish_no,
                                                "related_webank_punish_no");
        const std::string wxpay = detail::cstr(r.related_wxpay_punish_no,
                                               "related_wxpay_punish_no");
        const std::string mchid = detail::cstr(r.mchid, "mchid");
        detail::no_nul(r.bal_account_no, "bal_account_no");  // no copy of the secret
        std::optional<std::string> reason;
        if (r.recover_reason) reason = detail::cstr(*r.recover_reason, "recover_reason");
        if (r.card_no) detail::no_nul(*r.card_no, "card_no");  // no copy of the secret
        std::optional<std::string> sgn_no;
        if (r.sgn_no) sgn_no = detail::cstr(*r.sgn_no, "sgn_no");
        std::optional<std::string> req_scene;
        if (r.req_scene) req_scene = detail::cstr(*r.req_scene, "req_scene");

        wx_accepted* out = nullptr;
        wx_error* err = nullptr;
        wx_status st;
        if (!r.card_no && !sgn_no && !req_scene) {
            // None of the optional fields: exactly the request wx_recover_submit() always sent.
            wx_recover_request req;
            req.out_request_no = out_request_no.c_str();
            req.related_webank_punish_no = webank.c_str();
            req.related_wxpay_punish_no = wxpay.c_str();
            req.mchid = mchid.c_str();
            req.bal_account_no = r.bal_account_no.c_str();
            req.recover_reason = reason ? reason->c_str() : nullptr;
            st = wx_recover_submit(handle(), &req, &out, &err);
        } else {
            wx_recover_request_v2 req;
            req.out_request_no = out_request_no.c_str();
            req.related_webank_punish_no = webank.c_str();
            req.related_wxpay_punish_no = wxpay.c_str();
            req.mchid = mchid.c_str();
            req.bal_account_no = r.bal_account_no.c_str();
            req.recover_reason = reason ? reason->c_str() : nullptr;
            req.card_no = r.card_no ? r.card_no->c_str() : nullptr;
            req.sgn_no = sgn_no ? sgn_no->c_str() : nullptr;
            req.req_scene = req_scene ? req_scene->c_str() : nullptr;
            st = wx_recover_submit_v2(handle(), &req, &out, &err);
        }
        detail::check(st, err);
        detail::Owned<wx_accepted> a(out);
        Accepted result;
        result.wxpay_recover_no = detail::str(wx_accepted_wxpay_recover_no(a.get()));
        result.out_request_no = detail::str(wx_accepted_out_request_no(a.get()));
        result.request_id = detail::opt(wx_accepted_request_id(a.get()));
        result.attempts = wx_accepted_attempts(a.get());
        return result;
    }

    /// Queries a recover by out_request_no for the target merchant `mchid` (verified answer).
    /// An unknown order throws wx::Error with Status::api, HTTP 404, code "NOT_FOUND".
    Order query(std::string_view out_request_no, std::string_view mchid) const {
        const std::string no = detail::cstr(out_request_no, "out_request_no");
        const std::string m = detail::cstr(mchid, "mchid");
        wx_order* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_query(handle(), no.c_str(), m.c_str(), &out, &err);
        detail::check(st, err);
        detail::Owned<wx_order> o(out);
        return detail::order_from(o.get());
    }

    /// Places a control order (管控) on the target merchant: the library validates it (errors
    /// name the field, nothing sent), encrypts bal_account_no and card_no, signs, sends with
    /// retries and failover, and verifies the answer. With a journal the order is recorded
    /// before the first byte goes out. Re-entry (the same out_request_no and content) returns
    /// the same wxpay_punish_no; the same number with other content throws wx::Error. Throws
    /// wx::Error; Error::retry_safe() says whether to re-send the same request.
    PunishAccepted punish(const PunishRequest& r) const {
        const std::string out_request_no = detail::cstr(r.out_request_no, "out_request_no");
        const std::string mchid = detail::cstr(r.mchid, "mchid");
        detail::no_nul(r.bal_account_no, "bal_account_no");  // no copies of the secrets
        if (r.card_no) detail::no_nul(*r.card_no, "card_no");
        const auto opt_copy = [](const std::optional<std::string>& v, const char* field) {
            std::optional<std::string> c;
            if (v) c = detail::cstr(*v, field);
            return c;
        };
        const std::optional<std::string> reason = opt_copy(r.punish_reason, "punish_reason");
        const std::optional<std::string> end_time = opt_copy(r.punish_end_time, "punish_end_time");
        const std::optional<std::string> sgn_no = opt_copy(r.sgn_no, "sgn_no");
        const std::optional<std::string> scene = opt_copy(r.req_scene, "req_scene");
        const std::optional<std::string> strategy =
            opt_copy(r.fund_repatriation_strategy, "fund_repatriation_strategy");
        const auto c_str = [](const std::optional<std::string>& v) -> const char* {
            return v ? v->c_str() : nullptr;
        };

        wx_punish_request req;
        req.out_request_no = out_request_no.c_str();
        req.mchid = mchid.c_str();
        req.bal_account_no = r.bal_account_no.c_str();
        req.punish_scene = r.punish_scene;
        req.punish_reason = c_str(reason);
        req.punish_end_time = c_str(end_time);
        req.card_no = c_str(r.card_no);
        req.sgn_no = c_str(sgn_no);
        req.req_scene = c_str(scene);
        req.fund_repatriation_strategy = c_str(strategy);

        wx_punish_accepted* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_punish(handle(), &req, &out, &err);
        detail::check(st, err);
        detail::Owned<wx_punish_accepted> a(out);
        PunishAccepted result;
        result.wxpay_punish_no = detail::str(wx_punish_accepted_wxpay_punish_no(a.get()));
        result.out_request_no = detail::str(wx_punish_accepted_out_request_no(a.get()));
        result.request_id = detail::opt(wx_punish_accepted_request_id(a.get()));
        result.attempts = wx_punish_accepted_attempts(a.get());
        return result;
    }

    /// Queries a control order (control_type=PUNISH) by out_request_no for the target merchant
    /// `mchid` (verified answer, about that order). An unknown order throws wx::Error with
    /// Status::api, HTTP 404, code "NOT_FOUND".
    PunishOrder query_punish(std::string_view out_request_no, std::string_view mchid) const {
        const std::string no = detail::cstr(out_request_no, "out_request_no");
        const std::string m = detail::cstr(mchid, "mchid");
        wx_punish_order* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_query_punish(handle(), no.c_str(), m.c_str(), &out, &err);
        detail::check(st, err);
        detail::Owned<wx_punish_order> o(out);
        return detail::punish_order_from(o.get());
    }

    /// The `Wechatpay-Serial` value this client sends (the key that encrypts sensitive
    /// fields). In certificate-download mode this may download the platform certificates, so it
    /// throws wx::Error as a request does when there is no key.
    std::string wechatpay_serial() const {
        const char* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_get_wechatpay_serial(handle(), &out, &err);
        detail::check(st, err);
        return detail::str(out);
    }

    /// An `Authorization` header value for a request sent by your own HTTP stack. `url` is the
    /// path and query exactly as sent; `body` the exact body bytes. The value is a credential:
    /// never log it.
    std::string authorization(std::string_view method, std::string_view url,
                              std::string_view body = {}) const {
        const std::string m = detail::cstr(method, "method");
        const std::string u = detail::cstr(url, "url");
        char* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_authorization(handle(), m.c_str(), u.c_str(),
                                                      detail::bytes(body), body.size(), &out, &err);
        detail::check(st, err);
        detail::Owned<char> s(out);
        return detail::str(s.get());
    }

    /// Encrypts a sensitive field (RSA-OAEP-SHA1, base64) for wechatpay_serial()'s key.
    std::string encrypt(std::string_view plaintext) const {
        const std::string p = detail::cstr(plaintext, "plaintext");
        char* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_encrypt(handle(), p.c_str(), &out, &err);
        detail::check(st, err);
        detail::Owned<char> s(out);
        return detail::str(s.get());
    }

    /// Verifies an answer received by your own HTTP stack (the Wechatpay-Timestamp, -Nonce,
    /// -Signature, -Serial header values and the exact body bytes). Returns normally when it
    /// verifies; throws wx::Error with Status::unverified when it does not.
    void verify(std::string_view timestamp, std::string_view nonce, std::string_view signature,
                std::string_view serial, std::string_view body) const {
        const std::string t = detail::cstr(timestamp, "timestamp");
        const std::string n = detail::cstr(nonce, "nonce");
        const std::string sig = detail::cstr(signature, "signature");
        const std::string ser = detail::cstr(serial, "serial");
        wx_error* err = nullptr;
        const wx_status st = wx_recover_verify(handle(), t.c_str(), n.c_str(), sig.c_str(),
                                               ser.c_str(), detail::bytes(body), body.size(), &err);
        detail::check(st, err);
    }

    /// Verifies and decrypts a result notification from the values of its
    /// `Wechatpay-Timestamp`, `-Nonce`, `-Signature` and `-Serial` headers and the exact body
    /// bytes as received. Throws wx::Error: Status::unverified (answer 4xx/5xx so the platform
    /// retries), Status::bad_response, Status::config (no apiv3_key).
    Notification parse_notification(std::string_view timestamp, std::string_view nonce,
                                    std::string_view signature, std::string_view serial,
                                    std::string_view body) const {
        const std::string t = detail::cstr(timestamp, "timestamp");
        const std::string n = detail::cstr(nonce, "nonce");
        const std::string sig = detail::cstr(signature, "signature");
        const std::string ser = detail::cstr(serial, "serial");
        wx_notification* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_parse_notification(handle(), t.c_str(), n.c_str(),
                                                           sig.c_str(), ser.c_str(),
                                                           detail::bytes(body), body.size(), &out,
                                                           &err);
        detail::check(st, err);
        detail::Owned<wx_notification> owned(out);
        return detail::notification_from(owned.get());
    }

    /// The same from the request's raw headers as received (name, value), in any case: the
    /// library finds the `Wechatpay-*` ones and refuses two of one name (Status::unverified).
    Notification parse_notification(const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::string_view body) const {
        return parse_notification_from(headers, body);
    }

    /// The same from any container of (name, value) pairs: std::map, std::multimap, ….
    template <class Headers>
    Notification parse_notification(const Headers& headers, std::string_view body) const {
        return parse_notification_from(headers, body);
    }

    /// Every journal entry that is not final (in_doubt, accepted), oldest first. Throws
    /// wx::Error with Status::config when the client has no journal.
    std::vector<JournalEntry> pending() const {
        wx_journal_list* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_pending(handle(), &out, &err);
        detail::check(st, err);
        detail::Owned<wx_journal_list> l(out);
        return detail::journal_list_from(l.get());
    }

    /// One journal entry by its out_request_no; std::nullopt when the journal has none.
    std::optional<JournalEntry> journal_entry(std::string_view out_request_no) const {
        const std::string no = detail::cstr(out_request_no, "out_request_no");
        wx_journal_entry* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_journal_entry(handle(), no.c_str(), &out, &err);
        detail::check(st, err);
        detail::Owned<wx_journal_entry> e(out);
        if (!e) return std::nullopt;
        return detail::journal_entry_from(e.get());
    }

    /// One journal entry of `kind` by its out_request_no (journal_entry(no) is the recover's);
    /// std::nullopt when the journal has none. A value that is not a JournalKind enumerator
    /// throws wx::Error with Status::invalid_argument.
    std::optional<JournalEntry> journal_entry(std::string_view out_request_no, JournalKind kind) const {
        const std::string no = detail::cstr(out_request_no, "out_request_no");
        wx_journal_entry* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_journal_entry_of(handle(), no.c_str(),
                                                         static_cast<int>(kind), &out, &err);
        detail::check(st, err);
        detail::Owned<wx_journal_entry> e(out);
        if (!e) return std::nullopt;
        return detail::journal_entry_from(e.get());
    }

    /// Settles what is pending: re-enters each in_doubt entry and queries each accepted one,
    /// through the client's limiter and deadlines; blocks until done. `max_orders` 0: all;
    /// `deadline_ms` 0: no limit beyond each call's own. Failures of single orders are in the
    /// report; a journal that cannot be used throws wx::Error.
    ReconcileReport reconcile(std::uint32_t max_orders = 0, std::uint32_t deadline_ms = 0) const {
        wx_reconcile_options options;
        options.max_orders = max_orders;
        options.deadline_ms = deadline_ms;
        wx_reconcile_report* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_reconcile(handle(), &options, &out, &err);
        detail::check(st, err);
        detail::Owned<wx_reconcile_report> rep(out);
        ReconcileReport r;
        r.in_doubt = wx_reconcile_report_count(rep.get(), WX_JOURNAL_IN_DOUBT);
        r.accepted = wx_reconcile_report_count(rep.get(), WX_JOURNAL_ACCEPTED);
        r.succeeded = wx_reconcile_report_count(rep.get(), WX_JOURNAL_SUCCEEDED);
        r.failed = wx_reconcile_report_count(rep.get(), WX_JOURNAL_FAILED);
        r.refused = wx_reconcile_report_count(rep.get(), WX_JOURNAL_REFUSED);
        r.expired = wx_reconcile_report_count(rep.get(), WX_JOURNAL_EXPIRED);
        r.busy = wx_reconcile_report_busy(rep.get());
        r.pending = detail::journal_list_from(wx_reconcile_report_pending(rep.get()));
        return r;
    }

    /// Deletes final entries that finished more than `older_than_days` days ago (never a
    /// pending one); returns how many.
    std::size_t prune(std::uint32_t older_than_days) const {
        std::size_t deleted = 0;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_journal_prune(handle(), older_than_days, &deleted, &err);
        detail::check(st, err);
        return deleted;
    }

    /// A snapshot of this client's counters (per endpoint, the punish's in Stats::punish) and of
    /// its breaker and quota store (docs/stats.md). Never touches the network.
    Stats stats() const {
        wx_stats raw;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_stats(handle(), &raw, &err);
        detail::check(st, err);
        Stats r = detail::stats_from(raw);
        wx_endpoint_stats punish;
        const wx_status pst =
            wx_recover_endpoint_stats(handle(), detail::kEndpointPunish, &punish, &err);
        detail::check(pst, err);
        r.punish = detail::endpoint_stats_from(punish);
        return r;
    }

    /// The C handle, for calls this wrapper does not cover. Still owned by this Client.
    const wx_recover* get() const noexcept { return h_.get(); }

private:
    explicit Client(wx_recover* h) noexcept : h_(h) {}

    template <class Headers>
    Notification parse_notification_from(const Headers& headers, std::string_view body) const {
        std::vector<std::string> names;
        std::vector<std::string> values;
        for (const auto& h : headers) {
            names.push_back(detail::cstr(h.first, "header name"));
            values.push_back(detail::cstr(h.second, "header value"));
        }
        std::vector<const char*> n;
        std::vector<const char*> v;
        n.reserve(names.size());
        v.reserve(values.size());
        for (std::size_t i = 0; i < names.size(); ++i) {
            n.push_back(names[i].c_str());
            v.push_back(values[i].c_str());
        }
        wx_notification* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_parse_notification_headers(
            handle(), n.empty() ? nullptr : n.data(), v.empty() ? nullptr : v.data(), n.size(),
            detail::bytes(body), body.size(), &out, &err);
        detail::check(st, err);
        detail::Owned<wx_notification> owned(out);
        return detail::notification_from(owned.get());
    }

    const wx_recover* handle() const {
        if (!h_) detail::invalid("client", "this wx::Client is empty (it was moved from)");
        return h_.get();
    }

    detail::Owned<wx_recover> h_;
};

}  // namespace wx

#endif /* WX_RECOVER_HPP */
