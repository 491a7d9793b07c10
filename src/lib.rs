//! wx-recover: lift a WeChat Pay control order on a WeBank ledger (解管,
//! `POST /v3/aggracct-bc/wb-channel/control-orders/recover`) with every request signed, every
//! sensitive field encrypted and every answer verified.
//!
//! The safe Rust API is [`Client`]; the C ABI in [`ffi`] is a thin skin over it.

pub mod certificates;
pub mod client;
pub mod config;
pub mod crypto;
pub mod error;
pub mod ffi;
pub mod limiter;
pub mod log;
pub mod model;
pub mod notify;

pub use client::{Client, SignedHeaders};
pub use config::Config;
pub use error::{Error, ErrorKind, Result};
pub use model::{Accepted, RecoverOrder, RecoverRequest, RecoverState};
pub use notify::Notification;
