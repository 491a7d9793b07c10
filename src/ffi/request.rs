//! The recover request and the two calls on an order: submit and query.

#![allow(clippy::missing_safety_doc)]

use std::ffi::c_char;

use super::boundary::{self, call, opt_str, out_ptr, req_str};
use super::*;
use crate::RecoverRequest;

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

/// The request's fields as the core's type: each required string present and UTF-8.
pub(super) fn request_from(r: &wx_recover_request) -> crate::Result<RecoverRequest> {
    Ok(RecoverRequest {
        out_request_no: req_str(r.out_request_no, "out_request_no")?.to_string(),
        related_webank_punish_no: req_str(r.related_webank_punish_no, "related_webank_punish_no")?
            .to_string(),
        related_wxpay_punish_no: req_str(r.related_wxpay_punish_no, "related_wxpay_punish_no")?
            .to_string(),
        mchid: req_str(r.mchid, "mchid")?.to_string(),
        bal_account_no: req_str(r.bal_account_no, "bal_account_no")?.to_string(),
        recover_reason: opt_str(r.recover_reason, "recover_reason")?.map(str::to_string),
        ..Default::default()
    })
}

/// Checks a request against the rules wx_recover_submit() applies before anything is
/// encrypted or sent, without a client and without any I/O, so a caller can check a whole
/// file of requests before sending the first. WX_OK means wx_recover_submit() would not
/// refuse it as WX_INVALID_ARGUMENT (the platform may still refuse it). On failure, `*err`
/// (if not NULL) names the first field that breaks a rule, as "invalid argument: FIELD:
/// REASON"; the message never quotes bal_account_no.
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_INTERNAL.
/// Thread: any thread.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_request_validate(
    request: *const wx_recover_request,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        request_from(boundary::handle(request, "request")?)?.validate()
    })
}

/// Submits a recover (解管): validates, encrypts bal_account_no, signs, sends with retries and
/// failover, and verifies the answer. Blocks until done (bounded by deadline_ms).
///
/// On WX_OK, `*out` receives the accepted recover (free with wx_accepted_free()). Acceptance
/// is not the outcome: query it (wx_recover_query()) or wait for the notification. On failure,
/// `*err` (if not NULL) receives the details; wx_error_retry_safe() tells whether re-submitting
/// the same out_request_no is the right next step (it is re-entry, never a second recover).
/// Returns any wx_status. Thread-safe: many threads may submit on one client at once.
///
/// Returns: any wx_status.
/// Thread: any thread; many threads may use one client at once.
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
        let request = request_from(boundary::handle(request, "request")?)?;
        let accepted = client.inner.submit(&request)?;
        out.write(Box::into_raw(Box::new(accepted_handle(&accepted))));
        Ok(())
    })
}

/// Queries a recover by `out_request_no` for the target merchant `mchid`; the answer is
/// verified. On WX_OK, `*out` receives the order (free with wx_order_free()). Returns any
/// wx_status; an unknown order is WX_API with HTTP 404 and code "NOT_FOUND". Thread-safe.
///
/// Returns: any wx_status.
/// Thread: any thread; many threads may use one client at once.
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
        let handle = order_handle(order);
        out.write(Box::into_raw(Box::new(handle)));
        Ok(())
    })
}
