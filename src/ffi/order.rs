//! A queried recover order and its accessors.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary::{self, call, out_ptr, req_bytes};
use super::*;
use crate::{RecoverOrder, RecoverState};

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

/// A recover order (opaque): from a query, a notification or wx_order_parse(). Owned by the
/// caller; free with wx_order_free().
pub struct wx_order {
    pub(crate) order: RecoverOrder,
    pub(crate) json: CString,
    /// The core's field list (`RecoverOrder::field_list`): name, text, documented.
    pub(crate) fields: Vec<(String, CString)>,
    pub(crate) documented: Vec<bool>,
    pub(crate) names: Vec<CString>,
    pub(crate) request_id: Option<CString>,
}

/// The C handle of a core order.
pub(crate) fn order_handle(order: RecoverOrder) -> wx_order {
    let list = order.field_list();
    wx_order {
        json: cstring(&order.raw.to_string()),
        request_id: order.request_id.as_deref().map(cstring),
        names: list.iter().map(|(n, _, _)| cstring(n)).collect(),
        documented: list.iter().map(|(_, _, d)| *d).collect(),
        fields: list.into_iter().map(|(n, v, _)| (n, cstring(&v))).collect(),
        order,
    }
}

/// Builds an order from a `recover_order` JSON object that the caller obtained with its own
/// HTTP stack (after verifying the answer with wx_recover_verify()). The same rules as a
/// query's answer apply: strict JSON, a recover_state, documented fields as text. On WX_OK,
/// `*out` receives the order (free with wx_order_free()).
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_BAD_RESPONSE, WX_INTERNAL.
/// Thread: any thread.
#[no_mangle]
pub unsafe extern "C" fn wx_order_parse(
    json: *const u8,
    json_len: usize,
    out: *mut *mut wx_order,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let out = out_ptr(out, "out")?;
        let bytes = req_bytes(json, json_len, "json")?;
        let order = RecoverOrder::parse(bytes)?;
        out.write(Box::into_raw(Box::new(order_handle(order))));
        Ok(())
    })
}

/// How many fields the order has: the documented ones present, in the core's table order,
/// then the undocumented ones sorted by name. 0 if `o` is NULL.
///
/// Returns: the count.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_order_field_count(o: *const wx_order) -> usize {
    boundary::getter(o, 0, |o| o.fields.len())
}

/// The name of field `index`, borrowed until wx_order_free(); NULL when out of range or `o`
/// is NULL.
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_order_field_name(o: *const wx_order, index: usize) -> *const c_char {
    boundary::getter(o, ptr::null(), |o| {
        o.names.get(index).map_or(ptr::null(), |n| n.as_ptr())
    })
}

/// The text of field `index`, borrowed until wx_order_free(): a documented field as text (a
/// number or boolean where the API documents a string as its JSON text), an undocumented one
/// as the JSON text of its value. NULL when out of range or `o` is NULL.
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_order_field_value(o: *const wx_order, index: usize) -> *const c_char {
    boundary::getter(o, ptr::null(), |o| {
        o.fields.get(index).map_or(ptr::null(), |(_, v)| v.as_ptr())
    })
}

/// Whether field `index` is one the API documents; false when out of range or `o` is NULL.
///
/// Returns: true or false.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_order_field_documented(o: *const wx_order, index: usize) -> bool {
    boundary::getter(o, false, |o| {
        o.documented.get(index).copied().unwrap_or(false)
    })
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

/// A field of `recover_order` by name ("wxpay_recover_no", "recover_state",
/// "recover_accept_time", "error_code", …, or an undocumented one), as wx_order_field_value()
/// gives it; NULL when absent. Borrowed: valid until wx_order_free().
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
