//! wx-recover: lift a WeChat Pay control order on a WeBank ledger (解管,
//! `POST /v3/aggracct-bc/wb-channel/control-orders/recover`) with every request signed, every
//! sensitive field encrypted and every answer verified.
//!
//! The safe Rust API is [`Client`]; the C ABI in [`ffi`] is a thin skin over it. The layers
//! and where each rule lives are described in `docs/architecture.md`.

mod api;
mod breaker;
mod build_info;
mod classify;
mod client;
mod config;
mod crypto;
mod error;
mod journal;
mod json;
mod log;
mod model;
mod notify;
mod platform_keys;
mod quota;
mod retry;
mod signing;
mod stats;
mod text;
mod transport;

pub mod ffi;

pub use api::percent_encode;
pub use build_info::{build_info, BuildInfo, TrustRoots};
pub use client::Client;
pub use config::{Config, PlatformKey, StoreFallback};
pub use error::{Error, ErrorKind, Result};
pub use journal::{
    pending_at as journal_pending_at, Entry as JournalEntry, JournalState, LastError,
    ReconcileOptions, ReconcileReport,
};
pub use log::{Level, Sink};
pub use model::{Accepted, RecoverOrder, RecoverRequest, RecoverState};
pub use notify::Notification;
pub use quota::StoreKind;
pub use signing::SignedHeaders;
pub use stats::{BreakerState, Endpoint, EndpointStats, Host, Stats};

/// Entry points for the fuzz targets only; not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    use crate::retry::Verification;
    use crate::transport::Answer;
    use crate::{Client, Result};

    pub use crate::crypto::{response_message, sign};

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
        let answer = Answer {
            status,
            headers: map,
            body: body.to_vec(),
            request_id,
        };
        let ex = client.judge(answer, 1, Verification::Here)?;
        let parsed = crate::api::parse_object(&ex)?;
        crate::model::RecoverOrder::from_query_body(&parsed, ex.answer.request_id.clone(), 1)
            .map_err(|e| ex.fail(e))?;
        Ok(())
    }
}
