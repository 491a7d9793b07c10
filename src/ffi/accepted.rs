//! An accepted recover and its accessors.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary::{self};
use super::*;
use crate::Accepted;

/// An accepted recover (opaque). Owned by the caller; free with wx_accepted_free().
pub struct wx_accepted {
    pub(crate) wxpay_recover_no: CString,
    pub(crate) out_request_no: CString,
    pub(crate) request_id: Option<CString>,
    pub(crate) attempts: u32,
}

pub(crate) fn accepted_handle(a: &Accepted) -> wx_accepted {
    wx_accepted {
        wxpay_recover_no: cstring(&a.wxpay_recover_no),
        out_request_no: cstring(&a.out_request_no),
        request_id: a.request_id.as_deref().map(cstring),
        attempts: a.attempts,
    }
}

/// The `wxpay_recover_no` the platform assigned. Borrowed: valid until wx_accepted_free().
/// NULL if `a` is NULL.
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_wxpay_recover_no(a: *const wx_accepted) -> *const c_char {
    boundary::getter(a, ptr::null(), |a| a.wxpay_recover_no.as_ptr())
}

/// The `out_request_no` that was accepted. Borrowed, like wx_accepted_wxpay_recover_no().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_out_request_no(a: *const wx_accepted) -> *const c_char {
    boundary::getter(a, ptr::null(), |a| a.out_request_no.as_ptr())
}

/// The `Request-ID` of the accepting answer (quote it to WeChat Pay support), or NULL.
/// Borrowed, like wx_accepted_wxpay_recover_no().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_request_id(a: *const wx_accepted) -> *const c_char {
    boundary::getter(a, ptr::null(), |a| opt_c(&a.request_id))
}

/// How many HTTP attempts the submit made (1 without retries). 0 if `a` is NULL.
///
/// Returns: the number.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_attempts(a: *const wx_accepted) -> u32 {
    boundary::getter(a, 0, |a| a.attempts)
}

/// Frees an accepted recover. NULL is a no-op.
///
/// Returns: nothing.
/// Thread: any thread, once no other thread uses the handle.
#[no_mangle]
pub unsafe extern "C" fn wx_accepted_free(a: *mut wx_accepted) {
    boundary::free_box(a);
}
