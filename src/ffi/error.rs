//! The caller-owned error object and its accessors.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary::{self};
use super::*;
use crate::Error;

/// Details of a failed call (opaque). Owned by the caller; free with wx_error_free().
pub struct wx_error {
    pub(crate) status: wx_status,
    pub(crate) http_status: u16,
    pub(crate) code: Option<CString>,
    pub(crate) message: CString,
    pub(crate) detail: Option<CString>,
    pub(crate) request_id: Option<CString>,
    pub(crate) retry_safe: bool,
    pub(crate) attempts: u32,
}

impl wx_error {
    pub(crate) fn from_error(e: &Error) -> wx_error {
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

/// The error's status (never WX_OK). WX_INVALID_ARGUMENT if `e` is NULL.
///
/// Returns: a wx_status value.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_error_status(e: *const wx_error) -> wx_status {
    boundary::getter(e, wx_status::WX_INVALID_ARGUMENT, |e| e.status)
}

/// HTTP status of the answer behind the error, 0 when there was none.
///
/// Returns: the HTTP status.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_error_http_status(e: *const wx_error) -> u16 {
    boundary::getter(e, 0, |e| e.http_status)
}

/// Platform error code ("PARAM_ERROR", "SYSTEM_ERROR", …), or NULL. Borrowed: valid until
/// wx_error_free().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_error_code(e: *const wx_error) -> *const c_char {
    boundary::getter(e, ptr::null(), |e| opt_c(&e.code))
}

/// One-line English description including the Request-ID when there is one. Never NULL for a
/// non-NULL `e`; contains no secret. Borrowed: valid until wx_error_free().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_error_message(e: *const wx_error) -> *const c_char {
    boundary::getter(e, ptr::null(), |e| e.message.as_ptr())
}

/// The platform's `detail` object as JSON text, or NULL. Borrowed: valid until wx_error_free().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_error_detail(e: *const wx_error) -> *const c_char {
    boundary::getter(e, ptr::null(), |e| opt_c(&e.detail))
}

/// `Request-ID` of the answer behind the error, or NULL. Borrowed: valid until wx_error_free().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_error_request_id(e: *const wx_error) -> *const c_char {
    boundary::getter(e, ptr::null(), |e| opt_c(&e.request_id))
}

/// True when re-submitting the same out_request_no (or querying it) is the right next step:
/// the outcome is unknown or the failure was transient. Re-entry never doubles a recover.
///
/// Returns: true or false.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_error_retry_safe(e: *const wx_error) -> bool {
    boundary::getter(e, false, |e| e.retry_safe)
}

/// How many HTTP attempts the failed call made (0: it failed before sending).
///
/// Returns: the number.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_error_attempts(e: *const wx_error) -> u32 {
    boundary::getter(e, 0, |e| e.attempts)
}

/// Frees an error. NULL is a no-op.
///
/// Returns: nothing.
/// Thread: any thread, once no other thread uses the handle.
#[no_mangle]
pub unsafe extern "C" fn wx_error_free(e: *mut wx_error) {
    boundary::free_box(e);
}
