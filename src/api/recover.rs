//! 解管 (`POST /v3/aggracct-bc/wb-channel/control-orders/recover`): the request body with
//! `bal_account_no` encrypted, and what its verified answer must say. See the endpoint's page.

use serde_json::{json, Value};

use crate::api::call::Api;
use crate::api::{send_submit, RECOVER};
use crate::core::error::{Error, Result};
use crate::infra::crypto;
use crate::protocol::model::{Accepted, RecoverRequest};

/// The recover body with `bal_account_no` encrypted, and the `Wechatpay-Serial` of the key
/// that encrypted it: one key for the whole call, so the serial names the key used.
pub(crate) fn body(api: Api<'_>, request: &RecoverRequest) -> Result<(String, Vec<u8>)> {
    let (serial, key) = api.keys.encryption_key(api.exec)?;
    let encrypted = crypto::encrypt_oaep(&key, request.bal_account_no.as_bytes())?;
    let mut body = json!({
        "out_request_no": request.out_request_no,
        "related_webank_punish_no": request.related_webank_punish_no,
        "related_wxpay_punish_no": request.related_wxpay_punish_no,
        "mchid": request.mchid,
        "bal_account_no": encrypted,
    });
    if let Some(reason) = &request.recover_reason {
        body["recover_reason"] = Value::String(reason.clone());
    }
    // The family's optional fields, each only when given: without them the body is
    // byte-for-byte what it was.
    if let Some(card) = &request.card_no {
        body["card_no"] = Value::String(crypto::encrypt_oaep(&key, card.as_bytes())?);
    }
    for (name, value) in [
        ("sgn_no", &request.sgn_no),
        ("req_scene", &request.req_scene),
    ] {
        if let Some(v) = value {
            body[name] = Value::String(v.clone());
        }
    }
    let body = serde_json::to_vec(&body)
        .map_err(|e| Error::internal(format!("serialising the request: {e}")))?;
    Ok((serial, body))
}

/// Submits a recover without a journal. Every attempt sends the same body bytes (same
/// `out_request_no`), so a retry after an unknown outcome is re-entry, never a second recover.
pub(crate) fn submit(api: Api<'_>, request: &RecoverRequest) -> Result<Accepted> {
    let (serial, body) = body(api, request)?;
    send(api, &request.out_request_no, &body, &serial)
}

/// Sends a recover body (new or stored) and checks its acceptance: it must name the order
/// that was sent.
pub(crate) fn send(
    api: Api<'_>,
    out_request_no: &str,
    body: &[u8],
    serial: &str,
) -> Result<Accepted> {
    let (wxpay_recover_no, ex) = send_submit(
        api,
        &RECOVER,
        "wxpay_recover_no",
        out_request_no,
        body,
        serial,
    )?;
    Ok(Accepted {
        wxpay_recover_no,
        out_request_no: out_request_no.to_string(),
        request_id: ex.answer.request_id,
        attempts: ex.attempts,
    })
}
