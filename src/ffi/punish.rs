//! The punish (管控), its acceptance, the PUNISH query's order, and the recover with the
//! family's optional fields (`wx_recover_request_v2`: `wx_recover_request`'s layout is frozen).

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};
use std::ptr;

use super::boundary::{self, call, opt_str, out_ptr, req_str};
use super::*;
use crate::{EffectState, PunishAccepted, PunishOrder, PunishRequest, PunishState};

/// A punish (管控) request. The layout is frozen: a future field means a new struct name.
///
/// Every string is NUL-terminated UTF-8; `out_request_no`, `mchid` and `bal_account_no` are
/// required, the others may be NULL (then they are not sent). `bal_account_no` and `card_no`
/// are plaintext: the library encrypts both with one key and never logs them. The library
/// copies what it needs; the caller keeps ownership.
#[repr(C)]
pub struct wx_punish_request {
    pub out_request_no: *const c_char,
    /// The target merchant.
    pub mchid: *const c_char,
    pub bal_account_no: *const c_char,
    /// The scene id agreed with the platform; sent as a JSON integer.
    pub punish_scene: i64,
    pub punish_reason: *const c_char,
    /// RFC 3339; the control does not lift itself when it passes. NULL: long-term.
    pub punish_end_time: *const c_char,
    pub card_no: *const c_char,
    pub sgn_no: *const c_char,
    /// WX_REQ_SCENE_* or any value the platform adds later.
    pub req_scene: *const c_char,
    /// WX_FUND_REPATRIATION_* or any value the platform adds later.
    pub fund_repatriation_strategy: *const c_char,
}

/// A recover request with the optional fields of the family's API description: the fields of
/// wx_recover_request, then `card_no` (plaintext; encrypted like `bal_account_no`), `sgn_no`
/// and `req_scene`, each NULL when not given (then the request is byte-for-byte what
/// wx_recover_submit() sends). The layout is frozen.
#[repr(C)]
pub struct wx_recover_request_v2 {
    pub out_request_no: *const c_char,
    pub related_webank_punish_no: *const c_char,
    pub related_wxpay_punish_no: *const c_char,
    pub mchid: *const c_char,
    pub bal_account_no: *const c_char,
    pub recover_reason: *const c_char,
    pub card_no: *const c_char,
    pub sgn_no: *const c_char,
    pub req_scene: *const c_char,
}

/// `punish_state` of a control order.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_punish_state {
    /// A value this version does not know (see wx_punish_order_get(o, "punish_state")).
    WX_PUNISH_UNKNOWN = 0,
    WX_PUNISH_EXECUTING = 1,
    WX_PUNISH_SUCCESS = 2,
    WX_PUNISH_FAILED = 3,
}

/// `effect_state` of a control order.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_effect_state {
    /// Absent, or a value this version does not know (see wx_punish_order_get()).
    WX_EFFECT_UNKNOWN = 0,
    /// The control is in force.
    WX_EFFECT_ACTIVE = 1,
    /// Lifted by a recover.
    WX_EFFECT_RECOVERED = 2,
}

fn opt(p: *const c_char, name: &str) -> crate::Result<Option<String>> {
    Ok(opt_str(p, name)?.map(str::to_string))
}

fn punish_from(r: &wx_punish_request) -> crate::Result<PunishRequest> {
    Ok(PunishRequest {
        out_request_no: req_str(r.out_request_no, "out_request_no")?.to_string(),
        mchid: req_str(r.mchid, "mchid")?.to_string(),
        bal_account_no: req_str(r.bal_account_no, "bal_account_no")?.to_string(),
        punish_scene: r.punish_scene,
        punish_reason: opt(r.punish_reason, "punish_reason")?,
        punish_end_time: opt(r.punish_end_time, "punish_end_time")?,
        card_no: opt(r.card_no, "card_no")?,
        sgn_no: opt(r.sgn_no, "sgn_no")?,
        req_scene: opt(r.req_scene, "req_scene")?,
        fund_repatriation_strategy: opt(
            r.fund_repatriation_strategy,
            "fund_repatriation_strategy",
        )?,
    })
}

/// The v2 request: its first six fields read as wx_recover_request's are, then the three
/// optional ones.
fn recover_v2_from(r: &wx_recover_request_v2) -> crate::Result<crate::RecoverRequest> {
    let base = wx_recover_request {
        out_request_no: r.out_request_no,
        related_webank_punish_no: r.related_webank_punish_no,
        related_wxpay_punish_no: r.related_wxpay_punish_no,
        mchid: r.mchid,
        bal_account_no: r.bal_account_no,
        recover_reason: r.recover_reason,
    };
    let mut request = super::request::request_from(&base)?;
    request.card_no = opt(r.card_no, "card_no")?;
    request.sgn_no = opt(r.sgn_no, "sgn_no")?;
    request.req_scene = opt(r.req_scene, "req_scene")?;
    Ok(request)
}

/// Submits a recover with the optional fields of wx_recover_request_v2; otherwise exactly
/// wx_recover_submit().
///
/// Returns: any wx_status.
/// Thread: any thread; many threads may use one client at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_submit_v2(
    client: *const wx_recover,
    request: *const wx_recover_request_v2,
    out: *mut *mut wx_accepted,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let request = recover_v2_from(boundary::handle(request, "request")?)?;
        let accepted = client.inner.submit(&request)?;
        out.write(Box::into_raw(Box::new(accepted_handle(&accepted))));
        Ok(())
    })
}

/// An accepted punish (opaque). Owned by the caller; free with wx_punish_accepted_free().
pub struct wx_punish_accepted {
    wxpay_punish_no: CString,
    out_request_no: CString,
    request_id: Option<CString>,
    attempts: u32,
}

fn punish_accepted_handle(a: &PunishAccepted) -> wx_punish_accepted {
    wx_punish_accepted {
        wxpay_punish_no: cstring(&a.wxpay_punish_no),
        out_request_no: cstring(&a.out_request_no),
        request_id: a.request_id.as_deref().map(cstring),
        attempts: a.attempts,
    }
}

/// Places a control order (管控): validates (errors name the field), encrypts
/// `bal_account_no` and `card_no`, signs, sends with retries and failover on its own quota
/// bucket, and verifies the answer, which must name this order. With a journal the order is
/// recorded before the first byte goes out, and the same number with other content is
/// WX_INVALID_ARGUMENT with nothing sent. On WX_OK, `*out` receives the acceptance (free with
/// wx_punish_accepted_free()): its wxpay_punish_no and out_request_no are what a later recover
/// names as related_wxpay_punish_no and related_webank_punish_no.
///
/// Returns: any wx_status.
/// Thread: any thread; many threads may use one client at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_punish(
    client: *const wx_recover,
    request: *const wx_punish_request,
    out: *mut *mut wx_punish_accepted,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let request = punish_from(boundary::handle(request, "request")?)?;
        let accepted = client.inner.punish(&request)?;
        out.write(Box::into_raw(Box::new(punish_accepted_handle(&accepted))));
        Ok(())
    })
}

/// The `wxpay_punish_no` the platform assigned. Borrowed: valid until
/// wx_punish_accepted_free(). NULL if `a` is NULL.
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_accepted_wxpay_punish_no(
    a: *const wx_punish_accepted,
) -> *const c_char {
    boundary::getter(a, ptr::null(), |a| a.wxpay_punish_no.as_ptr())
}

/// The `out_request_no` that was accepted. Borrowed, like wx_punish_accepted_wxpay_punish_no().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_accepted_out_request_no(
    a: *const wx_punish_accepted,
) -> *const c_char {
    boundary::getter(a, ptr::null(), |a| a.out_request_no.as_ptr())
}

/// The `Request-ID` of the accepting answer, or NULL (also when it came from the journal).
/// Borrowed, like wx_punish_accepted_wxpay_punish_no().
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_accepted_request_id(
    a: *const wx_punish_accepted,
) -> *const c_char {
    boundary::getter(a, ptr::null(), |a| opt_c(&a.request_id))
}

/// How many HTTP attempts the punish made (0 when the journal answered). 0 if `a` is NULL.
///
/// Returns: the number.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_accepted_attempts(a: *const wx_punish_accepted) -> u32 {
    boundary::getter(a, 0, |a| a.attempts)
}

/// Frees an accepted punish. NULL is a no-op.
///
/// Returns: nothing.
/// Thread: any thread, once no other thread uses the handle.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_accepted_free(a: *mut wx_punish_accepted) {
    boundary::free_box(a);
}

/// A control order as the PUNISH query gives it (opaque). Owned by the caller; free with
/// wx_punish_order_free().
pub struct wx_punish_order {
    order: PunishOrder,
    text: Vec<(&'static str, CString)>,
    actions: Vec<CString>,
    extra: Vec<(CString, CString)>,
    json: CString,
    request_id: Option<CString>,
}

/// Queries a control order (`control_type=PUNISH`) by `out_request_no` for the target
/// merchant `mchid`; the answer is verified and must be about that order. On WX_OK, `*out`
/// receives the order (free with wx_punish_order_free()). An unknown order is WX_API with HTTP
/// 404 and code "NOT_FOUND".
///
/// Returns: any wx_status.
/// Thread: any thread; many threads may use one client at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_query_punish(
    client: *const wx_recover,
    out_request_no: *const c_char,
    mchid: *const c_char,
    out: *mut *mut wx_punish_order,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let no = req_str(out_request_no, "out_request_no")?;
        let mchid = req_str(mchid, "mchid")?;
        let order = client.inner.query_punish(no, mchid)?;
        let handle = wx_punish_order {
            text: order.text.iter().map(|(n, v)| (*n, cstring(v))).collect(),
            actions: order.control_action.iter().map(|a| cstring(a)).collect(),
            extra: order
                .extra
                .iter()
                .map(|(n, v)| (cstring(n), cstring(v)))
                .collect(),
            json: cstring(&order.raw.to_string()),
            request_id: order.request_id.as_deref().map(cstring),
            order,
        };
        out.write(Box::into_raw(Box::new(handle)));
        Ok(())
    })
}

/// The parsed `punish_state`. WX_PUNISH_UNKNOWN if `o` is NULL.
///
/// Returns: the state.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_state(o: *const wx_punish_order) -> wx_punish_state {
    boundary::getter(o, wx_punish_state::WX_PUNISH_UNKNOWN, |o| {
        match o.order.punish_state {
            PunishState::Unknown => wx_punish_state::WX_PUNISH_UNKNOWN,
            PunishState::Executing => wx_punish_state::WX_PUNISH_EXECUTING,
            PunishState::Success => wx_punish_state::WX_PUNISH_SUCCESS,
            PunishState::Failed => wx_punish_state::WX_PUNISH_FAILED,
        }
    })
}

/// The parsed `effect_state`. WX_EFFECT_UNKNOWN if `o` is NULL or the field is absent.
///
/// Returns: the state.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_effect_state(
    o: *const wx_punish_order,
) -> wx_effect_state {
    boundary::getter(o, wx_effect_state::WX_EFFECT_UNKNOWN, |o| {
        match o.order.effect_state {
            EffectState::Unknown => wx_effect_state::WX_EFFECT_UNKNOWN,
            EffectState::Active => wx_effect_state::WX_EFFECT_ACTIVE,
            EffectState::Recovered => wx_effect_state::WX_EFFECT_RECOVERED,
        }
    })
}

/// A text field of the order by name: `wxpay_punish_no`, `out_request_no`, `mchid`,
/// `punish_reason`, `punish_start_time`, `punish_end_time`, `punish_accept_time`,
/// `punish_finish_time`, `punish_state`, `effect_state`, `error_code`, `error_message`, or
/// any undocumented field (as its JSON text). Borrowed: valid until wx_punish_order_free().
///
/// Returns: the value, or NULL when absent (or `o`/`field` is NULL).
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_get(
    o: *const wx_punish_order,
    field: *const c_char,
) -> *const c_char {
    let Ok(name) = req_str(field, "field") else {
        return ptr::null();
    };
    boundary::getter(o, ptr::null(), |o| {
        o.text
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_ptr())
            .or_else(|| {
                o.extra
                    .iter()
                    .find(|(n, _)| n.to_bytes() == name.as_bytes())
                    .map(|(_, v)| v.as_ptr())
            })
            .unwrap_or(ptr::null())
    })
}

/// `punish_scene`, an integer on the wire. On true, `*out` receives it.
///
/// Returns: false when absent or not an integer (or an argument is NULL).
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_punish_scene(
    o: *const wx_punish_order,
    out: *mut i64,
) -> bool {
    int_out(o, out, |o| o.order.punish_scene)
}

/// `punish_rule_version`, an integer on the wire. On true, `*out` receives it.
///
/// Returns: false when absent or not an integer (or an argument is NULL).
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_punish_rule_version(
    o: *const wx_punish_order,
    out: *mut i64,
) -> bool {
    int_out(o, out, |o| o.order.punish_rule_version)
}

unsafe fn int_out(
    o: *const wx_punish_order,
    out: *mut i64,
    f: impl Fn(&wx_punish_order) -> Option<i64>,
) -> bool {
    if out.is_null() {
        return false;
    }
    match boundary::getter(o, None, f) {
        Some(v) => {
            // SAFETY: `out` is not NULL and points to an int64_t (documented).
            out.write(v);
            true
        }
        None => false,
    }
}

/// How many `control_action` values the order has (`DISABLE_PAY`, …). 0 if `o` is NULL.
///
/// Returns: the count.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_control_action_len(o: *const wx_punish_order) -> usize {
    boundary::getter(o, 0, |o| o.actions.len())
}

/// The `i`th `control_action` value, as received (unknown values kept). Borrowed: valid until
/// wx_punish_order_free().
///
/// Returns: the value, or NULL when `i` is out of range or `o` is NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_control_action(
    o: *const wx_punish_order,
    i: usize,
) -> *const c_char {
    boundary::getter(o, ptr::null(), |o| {
        o.actions.get(i).map_or(ptr::null(), |a| a.as_ptr())
    })
}

/// The `punish_order` object exactly as received, as JSON text. Borrowed.
///
/// Returns: the JSON, or NULL if `o` is NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_json(o: *const wx_punish_order) -> *const c_char {
    boundary::getter(o, ptr::null(), |o| o.json.as_ptr())
}

/// The `Request-ID` of the query's answer, or NULL. Borrowed.
///
/// Returns: the value, or NULL.
/// Thread: any thread; the handle is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_request_id(o: *const wx_punish_order) -> *const c_char {
    boundary::getter(o, ptr::null(), |o| opt_c(&o.request_id))
}

/// Frees a control order. NULL is a no-op.
///
/// Returns: nothing.
/// Thread: any thread, once no other thread uses the handle.
#[no_mangle]
pub unsafe extern "C" fn wx_punish_order_free(o: *mut wx_punish_order) {
    boundary::free_box(o);
}
