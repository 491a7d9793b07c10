//! Result notifications: parse and read.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary::{self, call, out_ptr, req_bytes, req_str};
use super::*;
use crate::Notification;

/// A verified, decrypted result notification (opaque). Owned by the caller; free with
/// wx_notification_free().
pub struct wx_notification {
    pub(crate) notification: Notification,
    pub(crate) fields: Vec<(&'static str, CString)>,
    pub(crate) plaintext: CString,
}

fn notification_handle(n: Notification) -> wx_notification {
    wx_notification {
        fields: crate::NOTIFICATION_FIELDS
            .iter()
            .filter_map(|&k| n.field(k).map(|v| (k, cstring(v))))
            .collect(),
        plaintext: cstring(&n.plaintext),
        notification: n,
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
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_CONFIG, WX_UNVERIFIED, WX_BAD_RESPONSE, WX_INTERNAL.
/// Thread: any thread; many threads may use one client at once.
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
        let headers = boundary::signed_headers(timestamp, nonce, signature, serial)?;
        let body = req_bytes(body, body_len, "body")?;
        deliver(out, client.inner.parse_notification(&headers, body))
    })
}

/// The same as wx_recover_parse_notification(), but from the request's raw headers: `count`
/// header names and values as received, in any case. The `Wechatpay-*` headers are found by
/// the library (case-insensitively); two headers of one such name are WX_UNVERIFIED, never
/// "the first one wins".
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_CONFIG, WX_UNVERIFIED, WX_BAD_RESPONSE, WX_INTERNAL.
/// Thread: any thread; many threads may use one client at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_parse_notification_headers(
    client: *const wx_recover,
    names: *const *const c_char,
    values: *const *const c_char,
    count: usize,
    body: *const u8,
    body_len: usize,
    out: *mut *mut wx_notification,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let names = boundary::req_array(names, count, "names")?;
        let values = boundary::req_array(values, count, "values")?;
        let mut pairs = Vec::with_capacity(count);
        for (n, v) in names.iter().zip(values) {
            pairs.push((req_str(*n, "names")?, req_str(*v, "values")?.as_bytes()));
        }
        let body = req_bytes(body, body_len, "body")?;
        deliver(out, client.inner.parse_notification_pairs(pairs, body))
    })
}

/// A parsed notification handed out as a handle the caller frees with wx_notification_free().
fn deliver(
    out: boundary::Out<*mut wx_notification>,
    parsed: crate::Result<crate::Notification>,
) -> crate::Result<()> {
    out.write(Box::into_raw(Box::new(notification_handle(parsed?))));
    Ok(())
}

/// The notification's decrypted resource as a recover order (free with wx_order_free()),
/// with the same fields and rules as a query's recover_order.
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_BAD_RESPONSE, WX_INTERNAL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_notification_order(
    n: *const wx_notification,
    out: *mut *mut wx_order,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let n = boundary::handle(n, "n")?;
        let out = out_ptr(out, "out")?;
        let order = n.notification.order()?;
        out.write(Box::into_raw(Box::new(order_handle(order))));
        Ok(())
    })
}

/// An envelope field of the notification by name: "id", "create_time", "event_type",
/// "resource_type", "summary", "algorithm", "original_type", "associated_data". NULL when
/// absent or unknown. Borrowed: valid until wx_notification_free().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
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
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_notification_plaintext(n: *const wx_notification) -> *const c_char {
    boundary::getter(n, ptr::null(), |n| n.plaintext.as_ptr())
}

/// Frees a notification. NULL is a no-op.
///
/// Returns: nothing.
/// Thread: any thread, once no other thread uses the handle.
#[no_mangle]
pub unsafe extern "C" fn wx_notification_free(n: *mut wx_notification) {
    boundary::free_box(n);
}
