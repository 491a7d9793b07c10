//! `GET /v3/aggracct-bc/wb-channel/control-orders/{out_request_no}?control_type=RECOVER|PUNISH&mchid=`:
//! the control-order query, answered from the recover records (RECOVER) or the punish records
//! (PUNISH). Either way an unknown `out_request_no`, or a `mchid` that is not the order's
//! target merchant, is `404 NOT_FOUND`.

use std::sync::Arc;

use serde_json::json;

use super::answer::Answer;
use super::routes::{Call, QUERY_PREFIX};
use super::state::Shared;
use crate::util::{parse_query, percent_decode};

/// The route's handler.
pub fn answer(sh: &Arc<Shared>, call: &Call<'_>) -> Answer {
    let seg = call.path.strip_prefix(QUERY_PREFIX).unwrap_or_default();
    let Some(out) = percent_decode(seg) else {
        return Answer::param_field(
            "out_request_no",
            "out_request_no in the path is not valid percent-encoded UTF-8",
        );
    };
    let Some(params) = parse_query(call.query) else {
        return Answer::param("query string is not valid percent-encoded UTF-8");
    };
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let punish = match get("control_type") {
        None | Some("") => {
            return Answer::param_field("control_type", "missing query parameter control_type")
        }
        Some("RECOVER") => false,
        Some("PUNISH") => true,
        Some(_) => {
            return Answer::param_field("control_type", "control_type must be RECOVER or PUNISH")
        }
    };
    let mchid = match get("mchid") {
        None | Some("") => return Answer::param_field("mchid", "missing query parameter mchid"),
        Some(m) => m,
    };
    let st = sh.lock();
    if punish {
        return match st.punish_by_out.get(&out).map(|&pi| &st.punishes[pi]) {
            Some(p) if p.req.mchid == mchid => Answer::ok(
                json!({"control_scene": "PUNISH", "punish_order": sh.punish_order_json(p)}),
                call.serial,
            ),
            _ => Answer::err(404, "NOT_FOUND", "control order not found"),
        };
    }
    let Some(&ri) = st.by_out.get(&out) else {
        return Answer::err(404, "NOT_FOUND", "control order not found");
    };
    let r = &st.recovers[ri];
    if r.mchid != mchid {
        return Answer::err(404, "NOT_FOUND", "control order not found");
    }
    Answer::ok(
        json!({"control_scene": "RECOVER", "recover_order": sh.recover_order_json(r)}),
        call.serial,
    )
}
