//! 查询管控单 (`GET /v3/aggracct-bc/wb-channel/control-orders/{out_request_no}`) for a
//! recover (`control_type=RECOVER`) or a punish (`control_type=PUNISH`): the URL exactly as
//! signed, and an answer that must be about the order asked for.

use crate::api::call::Api;
use crate::api::{parse_object, percent_encode, QUERY};
use crate::core::error::{Error, ErrorKind, Result};
use crate::exchange::executor::Exchange;
use crate::protocol::model::{check_identifier, RecoverOrder, OUT_REQUEST_NO_MAX_BYTES};
use crate::protocol::punish::PunishOrder;

/// Sends the query of one kind and returns the verified answer's object.
fn ask(
    api: Api<'_>,
    control_type: &str,
    out_request_no: &str,
    mchid: &str,
) -> Result<(Exchange, serde_json::Value)> {
    check_identifier("out_request_no", out_request_no)?;
    if out_request_no.len() > OUT_REQUEST_NO_MAX_BYTES {
        return Err(Error::invalid("out_request_no", "must be at most 64 bytes"));
    }
    check_identifier("mchid", mchid)?;
    let path = format!(
        "{}?control_type={control_type}&mchid={}",
        QUERY.path.replace("{}", &percent_encode(out_request_no)),
        percent_encode(mchid)
    );
    let (serial, _) = api.keys.encryption_key(api.exec)?;
    let ex = api.send(&QUERY, &path, None, Some(&serial))?;
    let parsed = parse_object(&ex)?;
    Ok((ex, parsed))
}

/// The answer's order (`object`, read through `field`) must be the one asked for: another
/// order's state is never returned as this one's.
fn about_the_order<'a>(
    ex: &Exchange,
    object: &str,
    field: impl Fn(&str) -> Option<&'a str>,
    out_request_no: &str,
    mchid: &str,
) -> Result<()> {
    for (name, wanted) in [("out_request_no", out_request_no), ("mchid", mchid)] {
        if field(name) != Some(wanted) {
            return Err(ex.fail(Error::new(
                ErrorKind::BadResponse,
                format!("query answer's {object}.{name} does not match the request"),
            )));
        }
    }
    Ok(())
}

/// Queries a punish by its `out_request_no` for the target merchant `mchid`. Another order's
/// state is never returned as this one's.
pub(crate) fn punish(api: Api<'_>, out_request_no: &str, mchid: &str) -> Result<PunishOrder> {
    let (ex, parsed) = ask(api, "PUNISH", out_request_no, mchid)?;
    let order = PunishOrder::from_query_body(&parsed, ex.answer.request_id.clone(), ex.attempts)
        .map_err(|e| ex.fail(e))?;
    about_the_order(
        &ex,
        "punish_order",
        |n| order.field(n),
        out_request_no,
        mchid,
    )?;
    Ok(order)
}

/// Queries a recover by its `out_request_no` for the target merchant `mchid`. Another order's
/// state is never returned as this one's.
pub(crate) fn recover(api: Api<'_>, out_request_no: &str, mchid: &str) -> Result<RecoverOrder> {
    let (ex, parsed) = ask(api, "RECOVER", out_request_no, mchid)?;
    let order = RecoverOrder::from_query_body(&parsed, ex.answer.request_id.clone(), ex.attempts)
        .map_err(|e| ex.fail(e))?;
    about_the_order(
        &ex,
        "recover_order",
        |n| order.field(n),
        out_request_no,
        mchid,
    )?;
    Ok(order)
}
