//! Layer 1, the infrastructure: the configuration (`config`), the log sink (`log`), the one
//! HTTP client and a single attempt on the wire (`transport`), the cryptographic primitives
//! (`crypto`) and what this build carries (`build_info`). Uses only the core.

pub(crate) mod build_info;
pub(crate) mod config;
pub(crate) mod crypto;
pub(crate) mod log;
pub(crate) mod transport;
