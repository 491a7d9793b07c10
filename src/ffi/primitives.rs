//! Primitives for callers with their own HTTP stack, and wx_free for returned strings.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};

use super::boundary::{self, call, out_ptr, req_bytes, req_str};
use super::*;

/// Builds an `Authorization` header value for a request sent by the caller's own HTTP stack.
/// `url` is the path and query exactly as sent (e.g. "/v3/...?a=1"); `body`/`body_len` are the
/// exact body bytes (NULL/0 for none). On WX_OK `*out` receives a string the caller frees with
/// wx_free(). The value is a credential: do not log it. Returns WX_OK, WX_INVALID_ARGUMENT,
/// WX_INTERNAL. Thread-safe.
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_INTERNAL.
/// Thread: any thread; many threads may use one client at once.
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
        out.write_string(&client.inner.authorization(method, url, body)?);
        Ok(())
    })
}

/// Encrypts a sensitive field (RSA-OAEP-SHA1, base64) for the key named by
/// wx_recover_wechatpay_serial(). On WX_OK `*out` receives a string freed with wx_free().
/// Returns WX_OK, WX_INVALID_ARGUMENT (NULL, bad UTF-8, over 214 bytes), WX_INTERNAL.
///
/// Returns: any wx_status (in certificate-download mode the key may have to be downloaded first).
/// Thread: any thread; many threads may use one client at once.
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
        out.write_string(&client.inner.encrypt(plaintext)?);
        Ok(())
    })
}

/// Verifies a signed answer received by the caller's own HTTP stack: the values of the
/// `Wechatpay-Timestamp`, `-Nonce`, `-Signature` and `-Serial` headers and the exact body bytes.
/// Returns WX_OK when the serial is trusted, the signature verifies and the timestamp is within
/// 300 s; WX_UNVERIFIED otherwise; WX_INVALID_ARGUMENT for NULL or bad UTF-8. Thread-safe.
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_UNVERIFIED, WX_INTERNAL.
/// Thread: any thread; many threads may use one client at once.
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
        let headers = boundary::signed_headers(timestamp, nonce, signature, serial)?;
        let body = req_bytes(body, body_len, "body")?;
        client.inner.verify(&headers, body)
    })
}

/// Frees a string returned by this library (wx_recover_authorization(), wx_recover_encrypt()).
/// NULL is a no-op. Never pass a string you did not receive from an owning wx_ function, and
/// never free a borrowed one (accessors return borrowed strings).
///
/// Returns: nothing.
/// Thread: any thread.
#[no_mangle]
pub unsafe extern "C" fn wx_free(s: *mut c_char) {
    boundary::guard((), || {
        if !s.is_null() {
            drop(CString::from_raw(s));
        }
    })
}
