//! A queried recover order and its accessors.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary::{self};
use super::*;
use crate::model::{RecoverOrder, RecoverState};

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

/// A queried recover order (opaque). Owned by the caller; free with wx_order_free().
pub struct wx_order {
    pub(crate) order: RecoverOrder,
    pub(crate) json: CString,
    pub(crate) fields: Vec<(String, CString)>,
    pub(crate) request_id: Option<CString>,
}

/// The order's state. WX_STATE_UNKNOWN if `o` is NULL or the state is new to this version.
///
/// Returns: the state.
/// Thread: any thread; the handle is immutable.
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
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_order_get(o: *const wx_order, field: *const c_char) -> *const c_char {
    boundary::named_field(o, field, |o| &o.fields)
}

/// The whole `recover_order` object as JSON text, unknown fields included. Borrowed: valid
/// until wx_order_free(). NULL if `o` is NULL.
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_order_json(o: *const wx_order) -> *const c_char {
    boundary::getter(o, ptr::null(), |o| o.json.as_ptr())
}

/// The `Request-ID` of the query's answer, or NULL. Borrowed: valid until wx_order_free().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_order_request_id(o: *const wx_order) -> *const c_char {
    boundary::getter(o, ptr::null(), |o| opt_c(&o.request_id))
}

/// Frees a queried order. NULL is a no-op.
///
/// Returns: nothing.
/// Thread: any thread, once no other thread uses the handle.
#[no_mangle]
pub unsafe extern "C" fn wx_order_free(o: *mut wx_order) {
    boundary::free_box(o);
}
