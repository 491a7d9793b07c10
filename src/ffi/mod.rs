//! The C ABI. Only argument checks, conversions and the panic boundary live here; every
//! function body is a call into the safe core. See docs/c-api.md.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod journal;

pub use journal::*;

use std::ffi::{c_char, c_int, c_void, CString};
use std::ptr;
use std::sync::Arc;
use std::sync::Mutex;

use boundary::{call, opt_str, out_ptr, req_bytes, req_str};

use crate::client::{Client, SignedHeaders};
use crate::error::{Error, ErrorKind};
use crate::log::Level;
use crate::model::{Accepted, RecoverOrder, RecoverRequest, RecoverState};
use crate::notify::Notification;

/// Status of every fallible call. Values are stable and never reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_status {
    /// Success.
    WX_OK = 0,
    /// A NULL pointer, invalid UTF-8 or a value that breaks a rule. Nothing was sent.
    WX_INVALID_ARGUMENT = 1,
    /// The configuration or a key could not be used. Nothing was sent.
    WX_CONFIG = 2,
    /// Connection failed or broke; the request may have been received. Retry-safe.
    WX_NETWORK = 3,
    /// No answer in time; the request may have been received. Retry-safe.
    WX_TIMEOUT = 4,
    /// The platform answered non-2xx: see the error's HTTP status and code.
    WX_API = 5,
    /// A 2xx answer failed verification: the outcome is unknown. Re-submit the same
    /// out_request_no or query it.
    WX_UNVERIFIED = 6,
    /// The client-side rate limiter had no slot in time. Nothing was sent by that attempt.
    WX_RATE_LIMITED = 7,
    /// A verified answer whose body is not what the API documents. Retry-safe.
    WX_BAD_RESPONSE = 8,
    /// A bug in the library, including a caught panic.
    WX_INTERNAL = 9,
}

impl From<ErrorKind> for wx_status {
    fn from(k: ErrorKind) -> Self {
        match k {
            ErrorKind::InvalidArgument => wx_status::WX_INVALID_ARGUMENT,
            ErrorKind::Config => wx_status::WX_CONFIG,
            ErrorKind::Network => wx_status::WX_NETWORK,
            ErrorKind::Timeout => wx_status::WX_TIMEOUT,
            ErrorKind::Api => wx_status::WX_API,
            ErrorKind::Unverified => wx_status::WX_UNVERIFIED,
            ErrorKind::RateLimited => wx_status::WX_RATE_LIMITED,
            ErrorKind::BadResponse => wx_status::WX_BAD_RESPONSE,
            ErrorKind::Internal => wx_status::WX_INTERNAL,
        }
    }
}

/// Severity of a log line passed to a wx_log_fn.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_log_level {
    /// A call failed for good, or an answer failed verification.
    WX_LOG_ERROR = 1,
    /// An attempt failed and may be retried, or the platform refused a request.
    WX_LOG_WARN = 2,
    /// Rare events worth keeping: platform certificates downloaded or refreshed.
    WX_LOG_INFO = 3,
    /// One line per HTTP answer (method, path, status, Request-ID, attempt, time), plus
    /// attempts, hosts and retries.
    WX_LOG_DEBUG = 4,
    /// Header names and sizes (values of credentials are never logged).
    WX_LOG_TRACE = 5,
}

/// A log callback: `message` is a NUL-terminated UTF-8 line, valid only during the call. It is
/// called on the thread making the library call, never with a library lock held, and must be
/// thread-safe when the client is shared. Lines never contain keys, Authorization values,
/// request bodies or the plaintext bal_account_no.
pub type wx_log_fn = Option<
    unsafe extern "C" fn(user_data: *mut c_void, level: wx_log_level, message: *const c_char),
>;

/// State of a recover order as the query reports it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_recover_state {
    /// A state this version of the library does not know (see wx_order_get(o, "recover_state")).
    WX_STATE_UNKNOWN = 0,
    WX_STATE_EXECUTING = 1,
    WX_STATE_SUCCESS = 2,
    WX_STATE_FAILED = 3,
}

/// A recover request. The layout is frozen: a future field means a new struct name.
///
/// Every field is a NUL-terminated UTF-8 string. All are required except `recover_reason`,
/// which may be NULL. `bal_account_no` is the plaintext ledger id: the library encrypts it and
/// never logs it. The library copies what it needs; the caller keeps ownership.
#[repr(C)]
pub struct wx_recover_request {
    pub out_request_no: *const c_char,
    pub related_webank_punish_no: *const c_char,
    pub related_wxpay_punish_no: *const c_char,
    pub mchid: *const c_char,
    pub bal_account_no: *const c_char,
    pub recover_reason: *const c_char,
}

/// A client (opaque). Thread-safe: share one across threads; free it once, after every call
/// using it has returned.
pub struct wx_recover {
    inner: Client,
    /// Every serial handed out, so each returned pointer stays valid until wx_recover_free()
    /// even after a certificate rotation changes the current one.
    serials: Mutex<Vec<CString>>,
}

/// Details of a failed call (opaque). Owned by the caller; free with wx_error_free().
pub struct wx_error {
    status: wx_status,
    http_status: u16,
    code: Option<CString>,
    message: CString,
    detail: Option<CString>,
    request_id: Option<CString>,
    retry_safe: bool,
    attempts: u32,
}

/// An accepted recover (opaque). Owned by the caller; free with wx_accepted_free().
pub struct wx_accepted {
    wxpay_recover_no: CString,
    out_request_no: CString,
    request_id: Option<CString>,
    attempts: u32,
}

/// A queried recover order (opaque). Owned by the caller; free with wx_order_free().
pub struct wx_order {
    order: RecoverOrder,
    json: CString,
    fields: Vec<(String, CString)>,
    request_id: Option<CString>,
}

/// Converts text to a C string, replacing interior NULs so no detail is lost silently.
fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

fn opt_c(p: &Option<CString>) -> *const c_char {
    p.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

impl wx_error {
    fn from_error(e: &Error) -> wx_error {
        wx_error {
            status: e.kind.into(),
            http_status: e.http_status,
            code: e.code.as_deref().map(cstring),
            message: cstring(&e.to_string()),
            detail: e.detail.as_deref().map(cstring),
            request_id: e.request_id.as_deref().map(cstring),
            retry_safe: e.retry_safe,
            attempts: e.attempts,
        }
    }
}

/// The library version, e.g. "0.1.0". Static storage: never free it. Any thread.
#[no_mangle]
pub extern "C" fn wx_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// A short English name for a status, e.g. "unverified response". Static storage: never free
/// it. Takes an `int` so that any value is safe to pass (a wx_status converts implicitly);
/// values this version does not define give "unknown status". Any thread.
#[no_mangle]
pub extern "C" fn wx_status_str(status: std::ffi::c_int) -> *const c_char {
    let s: &'static str = match status {
        0 => "ok\0",
        1 => "invalid argument\0",
        2 => "configuration error\0",
        3 => "network error\0",
        4 => "timeout\0",
        5 => "API error\0",
        6 => "unverified response\0",
        7 => "rate limited\0",
        8 => "bad response\0",
        9 => "internal error\0",
        _ => "unknown status\0",
    };
    s.as_ptr().cast()
}

/// Creates a client from a JSON configuration (see docs/c-api.md for the keys). Keys are
/// loaded and checked now, so a bad key fails here and not on the first submit.
///
/// On WX_OK, `*out` receives a client the caller owns (free with wx_recover_free()). On
/// failure `*out` is untouched and, if `err` is not NULL, `*err` receives an error the caller
/// owns. Returns WX_OK, WX_INVALID_ARGUMENT, WX_CONFIG or WX_INTERNAL. Any thread.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_new(
    config_json: *const c_char,
    out: *mut *mut wx_recover,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let out = out_ptr(out, "out")?;
        let json = req_str(config_json, "config_json")?;
        let client = Client::from_json(json)?;
        out.write(new_handle(client));
        Ok(())
    })
}

/// Like wx_recover_new(), reading the JSON configuration from the file at `path`. Relative
/// key paths inside it are relative to the file's folder. Same ownership and statuses.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_new_from_file(
    path: *const c_char,
    out: *mut *mut wx_recover,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let out = out_ptr(out, "out")?;
        let path = req_str(path, "path")?;
        let client = Client::from_file(std::path::Path::new(path))?;
        out.write(new_handle(client));
        Ok(())
    })
}

fn new_handle(inner: Client) -> *mut wx_recover {
    Box::into_raw(Box::new(wx_recover {
        inner,
        serials: Mutex::new(Vec::new()),
    }))
}

/// The caller's `user_data`, handed back untouched to its own callback.
struct UserData(*mut c_void);
// SAFETY: the library never dereferences it; the caller promises (documented) that its
// callback and user_data may be used from any thread that calls the library.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    // A method, not a field access: closures must capture the whole Send + Sync wrapper.
    fn ptr(&self) -> *mut c_void {
        self.0
    }
}

/// Sends this client's log lines at `max_level` (1 = WX_LOG_ERROR … 5 = WX_LOG_TRACE) and more
/// severe to `callback`, with `user_data` passed back untouched. A NULL callback or a
/// `max_level` outside 1..5 turns the client's logging off. Replaces any earlier callback; a
/// call already logging may still use the old one until it returns, so keep `user_data` alive
/// until wx_recover_free(). Returns WX_OK or WX_INVALID_ARGUMENT (NULL client). Thread-safe.
///
/// Independently of callbacks, the environment variables WX_RECOVER_LOG=error|warn|info|debug|trace
/// and WX_RECOVER_LOG_FILE=PATH append every client's lines to PATH.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_set_logger(
    client: *const wx_recover,
    callback: wx_log_fn,
    user_data: *mut c_void,
    max_level: c_int,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let sink = match (callback, Level::from_int(i64::from(max_level))) {
            (Some(cb), Some(max)) => {
                let data = UserData(user_data);
                let sink: Arc<crate::log::Sink> = Arc::new(move |level: Level, line: &str| {
                    let c_level = match level {
                        Level::Error => wx_log_level::WX_LOG_ERROR,
                        Level::Warn => wx_log_level::WX_LOG_WARN,
                        Level::Info => wx_log_level::WX_LOG_INFO,
                        Level::Debug => wx_log_level::WX_LOG_DEBUG,
                        Level::Trace => wx_log_level::WX_LOG_TRACE,
                    };
                    let text = cstring(line);
                    // SAFETY: the caller's callback, called as documented.
                    unsafe { cb(data.ptr(), c_level, text.as_ptr()) };
                });
                Some((max, sink))
            }
            _ => None,
        };
        client.inner.set_logger(sink);
        Ok(())
    })
}

/// Frees a client and closes its connections. NULL is a no-op. Call it once, after every other
/// call on this client has returned.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_free(client: *mut wx_recover) {
    boundary::free_box(client);
}

/// Submits a recover (解管): validates, encrypts bal_account_no, signs, sends with retries and
/// failover, and verifies the answer. Blocks until done (bounded by deadline_ms).
///
/// On WX_OK, `*out` receives the accepted recover (free with wx_accepted_free()). Acceptance
/// is not the outcome: query it (wx_recover_query()) or wait for the notification. On failure,
/// `*err` (if not NULL) receives the details; wx_error_retry_safe() tells whether re-submitting
/// the same out_request_no is the right next step (it is re-entry, never a second recover).
/// Returns any wx_status. Thread-safe: many threads may submit on one client at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_submit(
    client: *const wx_recover,
    request: *const wx_recover_request,
    out: *mut *mut wx_accepted,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let r = boundary::handle(request, "request")?;
        let request = RecoverRequest {
            out_request_no: req_str(r.out_request_no, "out_request_no")?.to_string(),
            related_webank_punish_no: req_str(
                r.related_webank_punish_no,
                "related_webank_punish_no",
            )?
            .to_string(),
            related_wxpay_punish_no: req_str(r.related_wxpay_punish_no, "related_wxpay_punish_no")?
                .to_string(),
            mchid: req_str(r.mchid, "mchid")?.to_string(),
            bal_account_no: req_str(r.bal_account_no, "bal_account_no")?.to_string(),
            recover_reason: opt_str(r.recover_reason, "recover_reason")?.map(str::to_string),
        };
        let accepted = client.inner.submit(&request)?;
        out.write(Box::into_raw(Box::new(accepted_handle(&accepted))));
        Ok(())
    })
}

fn accepted_handle(a: &Accepted) -> wx_accepted {
    wx_accepted {
        wxpay_recover_no: cstring(&a.wxpay_recover_no),
        out_request_no: cstring(&a.out_request_no),
        request_id: a.request_id.as_deref().map(cstring),
        attempts: a.attempts,
    }
}

/// Queries a recover by `out_request_no` for the target merchant `mchid`; the answer is
/// verified. On WX_OK, `*out` receives the order (free with wx_order_free()). Returns any
/// wx_status; an unknown order is WX_API with HTTP 404 and code "NOT_FOUND". Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_query(
    client: *const wx_recover,
    out_request_no: *const c_char,
    mchid: *const c_char,
    out: *mut *mut wx_order,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let no = req_str(out_request_no, "out_request_no")?;
        let mchid = req_str(mchid, "mchid")?;
        let order = client.inner.query(no, mchid)?;
        let fields = order
            .raw
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), cstring(s))))
                    .collect()
            })
            .unwrap_or_default();
        let handle = wx_order {
            json: cstring(&order.raw.to_string()),
            request_id: order.request_id.as_deref().map(cstring),
            fields,
            order,
        };
        out.write(Box::into_raw(Box::new(handle)));
        Ok(())
    })
}

/// The `Wechatpay-Serial` value this client sends now (the WeChat Pay public key id, or the
/// platform certificate serial). Borrowed: valid until wx_recover_free(), even after a later
/// call returns another serial. In certificate-download mode this may download the platform
/// certificates (blocking, bounded by deadline_ms) and its value changes after a rotation;
/// NULL if `client` is NULL or no key is available (the download failed: a submit would say
/// why). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_wechatpay_serial(client: *const wx_recover) -> *const c_char {
    boundary::getter(client, ptr::null(), |c| {
        let Ok((serial, _)) = c.inner.encryption_key() else {
            return ptr::null();
        };
        let mut seen = c.serials.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = seen.iter().find(|s| s.as_bytes() == serial.as_bytes()) {
            return s.as_ptr();
        }
        seen.push(cstring(&serial));
        seen.last().map_or(ptr::null(), |s| s.as_ptr())
    })
}

/// Builds an `Authorization` header value for a request sent by the caller's own HTTP stack.
/// `url` is the path and query exactly as sent (e.g. "/v3/...?a=1"); `body`/`body_len` are the
/// exact body bytes (NULL/0 for none). On WX_OK `*out` receives a string the caller frees with
/// wx_free(). The value is a credential: do not log it. Returns WX_OK, WX_INVALID_ARGUMENT,
/// WX_INTERNAL. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_authorization(
    client: *const wx_recover,
    method: *const c_char,
    url: *const c_char,
    body: *const u8,
    body_len: usize,
    out: *mut *mut c_char,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let method = req_str(method, "method")?;
        let url = req_str(url, "url")?;
        let body = req_bytes(body, body_len, "body")?;
        let value = client.inner.authorization(method, url, body)?;
        out.write(cstring(&value).into_raw());
        Ok(())
    })
}

/// Encrypts a sensitive field (RSA-OAEP-SHA1, base64) for the key named by
/// wx_recover_wechatpay_serial(). On WX_OK `*out` receives a string freed with wx_free().
/// Returns WX_OK, WX_INVALID_ARGUMENT (NULL, bad UTF-8, over 214 bytes), WX_INTERNAL.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_encrypt(
    client: *const wx_recover,
    plaintext: *const c_char,
    out: *mut *mut c_char,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let plaintext = req_str(plaintext, "plaintext")?;
        let ct = client.inner.encrypt(plaintext)?;
        out.write(cstring(&ct).into_raw());
        Ok(())
    })
}

/// Verifies a signed answer received by the caller's own HTTP stack: the values of the
/// `Wechatpay-Timestamp`, `-Nonce`, `-Signature` and `-Serial` headers and the exact body bytes.
/// Returns WX_OK when the serial is trusted, the signature verifies and the timestamp is within
/// 300 s; WX_UNVERIFIED otherwise; WX_INVALID_ARGUMENT for NULL or bad UTF-8. Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_verify(
    client: *const wx_recover,
    timestamp: *const c_char,
    nonce: *const c_char,
    signature: *const c_char,
    serial: *const c_char,
    body: *const u8,
    body_len: usize,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let headers = SignedHeaders {
            timestamp: req_str(timestamp, "timestamp")?.to_string(),
            nonce: req_str(nonce, "nonce")?.to_string(),
            signature: req_str(signature, "signature")?.to_string(),
            serial: req_str(serial, "serial")?.to_string(),
            signature_type: None,
        };
        let body = req_bytes(body, body_len, "body")?;
        client.inner.verify(&headers, body)
    })
}

/// A verified, decrypted result notification (opaque). Owned by the caller; free with
/// wx_notification_free().
pub struct wx_notification {
    fields: Vec<(&'static str, CString)>,
    plaintext: CString,
}

const NOTIFICATION_FIELDS: [&str; 8] = [
    "id",
    "create_time",
    "event_type",
    "resource_type",
    "summary",
    "algorithm",
    "original_type",
    "associated_data",
];

fn notification_handle(n: &Notification) -> wx_notification {
    wx_notification {
        fields: NOTIFICATION_FIELDS
            .iter()
            .filter_map(|&k| n.field(k).map(|v| (k, cstring(v))))
            .collect(),
        plaintext: cstring(&n.plaintext),
    }
}

/// Verifies and decrypts a result notification received by the caller's HTTP server: the
/// values of its `Wechatpay-Timestamp`, `-Nonce`, `-Signature` and `-Serial` headers and the
/// exact body bytes as received (never a re-serialised copy). The signature is checked like an
/// answer's (trusted serial, 300 s replay window; in certificate-download mode an unknown
/// serial refreshes the certificates once), then `resource_type`/`algorithm` are checked and
/// the resource is decrypted with the APIv3 key.
///
/// On WX_OK `*out` receives the notification (free with wx_notification_free()); answer the
/// platform with a 2xx. Returns WX_INVALID_ARGUMENT (NULL, bad UTF-8), WX_CONFIG (no apiv3_key
/// configured), WX_UNVERIFIED (missing headers, unknown serial, stale timestamp, bad
/// signature: answer 4xx/5xx so the platform retries), WX_BAD_RESPONSE (malformed JSON,
/// missing or wrong fields, AES-GCM failure: wrong APIv3 key or tampered data) or
/// WX_INTERNAL; the error message names what failed and never contains the plaintext.
/// Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_parse_notification(
    client: *const wx_recover,
    timestamp: *const c_char,
    nonce: *const c_char,
    signature: *const c_char,
    serial: *const c_char,
    body: *const u8,
    body_len: usize,
    out: *mut *mut wx_notification,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let headers = SignedHeaders {
            timestamp: req_str(timestamp, "timestamp")?.to_string(),
            nonce: req_str(nonce, "nonce")?.to_string(),
            signature: req_str(signature, "signature")?.to_string(),
            serial: req_str(serial, "serial")?.to_string(),
            signature_type: None,
        };
        let body = req_bytes(body, body_len, "body")?;
        let n = client.inner.parse_notification(&headers, body)?;
        out.write(Box::into_raw(Box::new(notification_handle(&n))));
        Ok(())
    })
}

/// An envelope field of the notification by name: "id", "create_time", "event_type",
/// "resource_type", "summary", "algorithm", "original_type", "associated_data". NULL when
/// absent or unknown. Borrowed: valid until wx_notification_free().
#[no_mangle]
pub unsafe extern "C" fn wx_notification_get(
    n: *const wx_notification,
    field: *const c_char,
) -> *const c_char {
    boundary::named_field(n, field, |n| &n.fields)
}

/// The decrypted resource as JSON text (for a recover: the `recover_order` object). It is the
/// caller's data; treat it like a query result. Borrowed: valid until wx_notification_free().
/// NULL if `n` is NULL.
#[no_mangle]
pub unsafe extern "C" fn wx_notification_plaintext(n: *const wx_notification) -> *const c_char {
    boundary::getter(n, ptr::null(), |n| n.plaintext.as_ptr())
}

/// Frees a notification. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wx_notification_free(n: *mut wx_notification) {
    boundary::free_box(n);
}

/// Frees a string returned by this library (wx_recover_authorization(), wx_recover_encrypt()).
/// NULL is a no-op. Never pass a string you did not receive from an owning wx_ function, and
/// never free a borrowed one (accessors return borrowed strings).
#[no_mangle]
pub unsafe extern "C" fn wx_free(s: *mut c_char) {
    boundary::guard((), || {
        if !s.is_null() {
            drop(CString::from_raw(s));
        }
    })
}

/// The `wxpay_recover_no` the platform assigned. Borrowed: valid until wx_accepted_free().
/// NULL if `a` is NULL.
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_wxpay_recover_no(a: *const wx_accepted) -> *const c_char {
    boundary::getter(a, ptr::null(), |a| a.wxpay_recover_no.as_ptr())
}

/// The `out_request_no` that was accepted. Borrowed, like wx_accepted_wxpay_recover_no().
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_out_request_no(a: *const wx_accepted) -> *const c_char {
    boundary::getter(a, ptr::null(), |a| a.out_request_no.as_ptr())
}

/// The `Request-ID` of the accepting answer (quote it to WeChat Pay support), or NULL.
/// Borrowed, like wx_accepted_wxpay_recover_no().
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_request_id(a: *const wx_accepted) -> *const c_char {
    boundary::getter(a, ptr::null(), |a| opt_c(&a.request_id))
}

/// How many HTTP attempts the submit made (1 without retries). 0 if `a` is NULL.
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_attempts(a: *const wx_accepted) -> u32 {
    boundary::getter(a, 0, |a| a.attempts)
}

/// Frees an accepted recover. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_free(a: *mut wx_accepted) {
    boundary::free_box(a);
}

/// The order's state. WX_STATE_UNKNOWN if `o` is NULL or the state is new to this version.
#[no_mangle]
pub unsafe extern "C" fn wx_order_state(o: *const wx_order) -> wx_recover_state {
    boundary::getter(o, wx_recover_state::WX_STATE_UNKNOWN, |o| {
        match o.order.state {
            RecoverState::Executing => wx_recover_state::WX_STATE_EXECUTING,
            RecoverState::Success => wx_recover_state::WX_STATE_SUCCESS,
            RecoverState::Failed => wx_recover_state::WX_STATE_FAILED,
            RecoverState::Unknown => wx_recover_state::WX_STATE_UNKNOWN,
        }
    })
}

/// A string field of `recover_order` by name ("wxpay_recover_no", "recover_state",
/// "recover_accept_time", "error_code", …), or NULL when absent or not a string. Borrowed:
/// valid until wx_order_free().
#[no_mangle]
pub unsafe extern "C" fn wx_order_get(o: *const wx_order, field: *const c_char) -> *const c_char {
    boundary::named_field(o, field, |o| &o.fields)
}

/// The whole `recover_order` object as JSON text, unknown fields included. Borrowed: valid
/// until wx_order_free(). NULL if `o` is NULL.
#[no_mangle]
pub unsafe extern "C" fn wx_order_json(o: *const wx_order) -> *const c_char {
    boundary::getter(o, ptr::null(), |o| o.json.as_ptr())
}

/// The `Request-ID` of the query's answer, or NULL. Borrowed: valid until wx_order_free().
#[no_mangle]
pub unsafe extern "C" fn wx_order_request_id(o: *const wx_order) -> *const c_char {
    boundary::getter(o, ptr::null(), |o| opt_c(&o.request_id))
}

/// Frees a queried order. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wx_order_free(o: *mut wx_order) {
    boundary::free_box(o);
}

/// The error's status (never WX_OK). WX_INVALID_ARGUMENT if `e` is NULL.
#[no_mangle]
pub unsafe extern "C" fn wx_error_status(e: *const wx_error) -> wx_status {
    boundary::getter(e, wx_status::WX_INVALID_ARGUMENT, |e| e.status)
}

/// HTTP status of the answer behind the error, 0 when there was none.
#[no_mangle]
pub unsafe extern "C" fn wx_error_http_status(e: *const wx_error) -> u16 {
    boundary::getter(e, 0, |e| e.http_status)
}

/// Platform error code ("PARAM_ERROR", "SYSTEM_ERROR", …), or NULL. Borrowed: valid until
/// wx_error_free().
#[no_mangle]
pub unsafe extern "C" fn wx_error_code(e: *const wx_error) -> *const c_char {
    boundary::getter(e, ptr::null(), |e| opt_c(&e.code))
}

/// One-line English description including the Request-ID when there is one. Never NULL for a
/// non-NULL `e`; contains no secret. Borrowed: valid until wx_error_free().
#[no_mangle]
pub unsafe extern "C" fn wx_error_message(e: *const wx_error) -> *const c_char {
    boundary::getter(e, ptr::null(), |e| e.message.as_ptr())
}

/// The platform's `detail` object as JSON text, or NULL. Borrowed: valid until wx_error_free().
#[no_mangle]
pub unsafe extern "C" fn wx_error_detail(e: *const wx_error) -> *const c_char {
    boundary::getter(e, ptr::null(), |e| opt_c(&e.detail))
}

/// `Request-ID` of the answer behind the error, or NULL. Borrowed: valid until wx_error_free().
#[no_mangle]
pub unsafe extern "C" fn wx_error_request_id(e: *const wx_error) -> *const c_char {
    boundary::getter(e, ptr::null(), |e| opt_c(&e.request_id))
}

/// True when re-submitting the same out_request_no (or querying it) is the right next step:
/// the outcome is unknown or the failure was transient. Re-entry never doubles a recover.
#[no_mangle]
pub unsafe extern "C" fn wx_error_retry_safe(e: *const wx_error) -> bool {
    boundary::getter(e, false, |e| e.retry_safe)
}

/// How many HTTP attempts the failed call made (0: it failed before sending).
#[no_mangle]
pub unsafe extern "C" fn wx_error_attempts(e: *const wx_error) -> u32 {
    boundary::getter(e, 0, |e| e.attempts)
}

/// Frees an error. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wx_error_free(e: *mut wx_error) {
    boundary::free_box(e);
}
