//! wx-recover: lift a WeChat Pay control order on a WeBank ledger (解管,
//! `POST /v3/aggracct-bc/wb-channel/control-orders/recover`) with every request signed, every
//! sensitive field encrypted and every answer verified.
//!
//! The safe Rust API is [`Client`]; the C ABI in [`ffi`] is a thin skin over it. The layers
//! and where each rule lives are described in `docs/architecture.md`.

// The layers, bottom to top; each may use only those below it (docs/architecture.md;
// scripts/check_layers.py fails the build on an upward or circular import).
mod api;
mod client;
mod core;
mod exchange;
mod infra;
mod journal;
mod protocol;

pub mod ffi;

pub use crate::api::percent_encode;
pub use crate::client::Client;
pub use crate::core::error::{Error, Result};
pub use crate::core::kinds::{BreakerState, Endpoint, ErrorKind, Host, StoreKind};
pub use crate::exchange::stats::{EndpointStats, Stats};
pub use crate::infra::build_info::{build_info, BuildInfo, TrustRoots};
pub use crate::infra::config::{Config, PlatformKey, StoreFallback};
pub use crate::infra::log::{Level, Sink};
pub use crate::journal::copy::{copy as journal_copy, CopyReport as JournalCopyReport};
pub use crate::journal::{
    pending_at as journal_pending_at, Entry as JournalEntry, JournalState, Kind as JournalKind,
    LastError, ReconcileOptions, ReconcileReport,
};
pub use crate::protocol::model::{
    Accepted, RecoverOrder, RecoverRequest, RecoverState, RECOVER_ORDER_FIELDS,
};
pub use crate::protocol::notify::{Notification, NOTIFICATION_FIELDS};
pub use crate::protocol::punish::{
    EffectState, PunishAccepted, PunishOrder, PunishRequest, PunishState,
    FUND_REPATRIATION_STRATEGIES, PUNISH_ORDER_FIELDS, REQ_SCENES,
};
pub use crate::protocol::signing::SignedHeaders;

/// Entry points for the fuzz targets only; not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::{Client, Result};

    pub use crate::infra::crypto::{response_message, sign};

    /// Runs one answer (status, raw header list, body) through what a query does with it:
    /// header matching, verification, strict JSON and the `recover_order` rules.
    pub fn answer(
        client: &Client,
        status: u16,
        headers: &[(&str, &[u8])],
        body: &[u8],
    ) -> Result<()> {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            if let (Ok(n), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_bytes(value),
            ) {
                map.append(n, v);
            }
        }
        let request_id = map
            .get("Request-ID")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let answer = crate::infra::transport::Answer {
            status,
            headers: map,
            body: body.to_vec(),
            request_id,
        };
        let ex = client.judge_for_fuzzing(answer)?;
        let parsed = crate::api::parse_object(&ex)?;
        crate::protocol::model::RecoverOrder::from_query_body(
            &parsed,
            ex.answer.request_id.clone(),
            1,
        )
        .map_err(|e| ex.fail(e))?;
        Ok(())
    }
}
