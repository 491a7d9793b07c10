/*
 * wx-recover: header-only C++17 RAII wrapper over the C ABI in wx_recover.h.
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

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

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

/// The library's version string, e.g. "0.1.0" (static storage).
inline std::string_view version() noexcept { return wx_version(); }

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
/// encrypts it and never logs it; do not log it either.
struct RecoverRequest {
    std::string out_request_no;
    std::string related_webank_punish_no;
    std::string related_wxpay_punish_no;
    std::string mchid;
    std::string bal_account_no;
    std::optional<std::string> recover_reason;
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

/// A queried recover order. Documented string fields are std::nullopt when absent; `json` is
/// the whole `recover_order` object, unknown fields included.
struct Order {
    RecoverState state = RecoverState::unknown;
    std::optional<std::string> wxpay_recover_no;
    std::optional<std::string> out_request_no;
    std::optional<std::string> related_wxpay_punish_no;
    std::optional<std::string> mchid;
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
    std::string json;
    /// Request-ID of the query's answer.
    std::optional<std::string> request_id;
};

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
    /// out_request_no.
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

        wx_recover_request req;
        req.out_request_no = out_request_no.c_str();
        req.related_webank_punish_no = webank.c_str();
        req.related_wxpay_punish_no = wxpay.c_str();
        req.mchid = mchid.c_str();
        req.bal_account_no = r.bal_account_no.c_str();
        req.recover_reason = reason ? reason->c_str() : nullptr;

        wx_accepted* out = nullptr;
        wx_error* err = nullptr;
        const wx_status st = wx_recover_submit(handle(), &req, &out, &err);
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
        const auto field = [&o](const char* name) {
            return detail::opt(wx_order_get(o.get(), name));
        };
        Order result;
        result.state = static_cast<RecoverState>(wx_order_state(o.get()));
        result.wxpay_recover_no = field("wxpay_recover_no");
        result.out_request_no = field("out_request_no");
        result.related_wxpay_punish_no = field("related_wxpay_punish_no");
        result.mchid = field("mchid");
        result.punish_scene = field("punish_scene");
        result.punish_rule_version = field("punish_rule_version");
        result.recover_accept_time = field("recover_accept_time");
        result.recover_finish_time = field("recover_finish_time");
        result.recover_state = field("recover_state");
        result.recover_reason = field("recover_reason");
        result.error_code = field("error_code");
        result.error_message = field("error_message");
        result.json = detail::str(wx_order_json(o.get()));
        result.request_id = detail::opt(wx_order_request_id(o.get()));
        return result;
    }

    /// The `Wechatpay-Serial` value this client sends.
    std::string wechatpay_serial() const {
        return detail::str(wx_recover_wechatpay_serial(handle()));
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

    /// The C handle, for calls this wrapper does not cover. Still owned by this Client.
    const wx_recover* get() const noexcept { return h_.get(); }

private:
    explicit Client(wx_recover* h) noexcept : h_(h) {}

    const wx_recover* handle() const {
        if (!h_) detail::invalid("client", "this wx::Client is empty (it was moved from)");
        return h_.get();
    }

    detail::Owned<wx_recover> h_;
};

}  // namespace wx

#endif /* WX_RECOVER_HPP */
