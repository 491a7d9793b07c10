//! 管控 (`POST /v3/aggracct-bc/wb-channel/control-orders/punish`): the request body with
//! `bal_account_no` and `card_no` encrypted by one key, and what its verified answer must say.
//! The family's API description of 2025.09.09 gives the fields.

use serde_json::{json, Value};

use crate::api::call::Api;
use crate::api::{send_submit, PUNISH};
use crate::core::error::{Error, Result};
use crate::infra::crypto;
use crate::protocol::punish::{PunishAccepted, PunishRequest};

/// The punish body and the `Wechatpay-Serial` of the key that encrypted its sensitive fields.
/// `punish_scene` goes as a JSON integer; each optional field only when given.
pub(crate) fn body(api: Api<'_>, request: &PunishRequest) -> Result<(String, Vec<u8>)> {
    let (serial, key) = api.keys.encryption_key(api.exec)?;
    let mut body = json!({
        "out_request_no": request.out_request_no,
        "mchid": request.mchid,
        "bal_account_no": crypto::encrypt_oaep(&key, request.bal_account_no.as_bytes())?,
        "punish_scene": request.punish_scene,
    });
    let text = |v: &Option<String>| v.as_ref().map(|s| Value::String(s.clone()));
    for (name, value) in [
        ("punish_reason", text(&request.punish_reason)),
        ("punish_end_time", text(&request.punish_end_time)),
        ("sgn_no", text(&request.sgn_no)),
        ("req_scene", text(&request.req_scene)),
        (
            "fund_repatriation_strategy",
            text(&request.fund_repatriation_strategy),
        ),
    ] {
        if let Some(v) = value {
            body[name] = v;
        }
    }
    if let Some(card) = &request.card_no {
        body["card_no"] = Value::String(crypto::encrypt_oaep(&key, card.as_bytes())?);
    }
    let body = serde_json::to_vec(&body)
        .map_err(|e| Error::internal(format!("serialising the request: {e}")))?;
    Ok((serial, body))
}

/// Sends a punish body (new or stored) and checks its acceptance: it must name the order that
/// was sent. Every attempt sends the same bytes, so a retry is re-entry, never a second control.
pub(crate) fn send(
    api: Api<'_>,
    out_request_no: &str,
    body: &[u8],
    serial: &str,
) -> Result<PunishAccepted> {
    let (wxpay_punish_no, ex) = send_submit(
        api,
        &PUNISH,
        "wxpay_punish_no",
        out_request_no,
        body,
        serial,
    )?;
    Ok(PunishAccepted {
        wxpay_punish_no,
        out_request_no: out_request_no.to_string(),
        request_id: ex.answer.request_id,
        attempts: ex.attempts,
    })
}
