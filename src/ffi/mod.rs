//! The C ABI. Only argument checks, conversions and the panic boundary live here; every
//! function body is a call into the safe core. See docs/c-api.md.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod accepted;
mod boundary;
mod client;
mod error;
mod journal;
mod log;
mod notification;
mod order;
mod primitives;
mod punish;
mod request;
mod stats;

pub use accepted::*;
pub use client::*;
pub use error::*;
pub use journal::*;
pub use log::*;
pub use notification::*;
pub use order::*;
pub use primitives::*;
pub use punish::*;
pub use request::*;
pub use stats::*;

use std::ffi::{c_char, c_int, CString};
use std::ptr;

use crate::ErrorKind;

/// Status of every fallible call. Values are stable and never reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_status {
    /// Success.
    WX_OK = 0,
    /// A NULL pointer, invalid UTF-8 or a value that breaks a rule. Nothing was sent.
    WX_INVALID_ARGUMENT = 1,
    /// The configuration or a key could not be used. Nothing was sent.
    WX_CONFIG = 2,
    /// Connection failed or broke; the request may have been received. Retry-safe.
    WX_NETWORK = 3,
    /// No answer in time; the request may have been received. Retry-safe.
    WX_TIMEOUT = 4,
    /// The platform answered non-2xx: see the error's HTTP status and code.
    WX_API = 5,
    /// A 2xx answer failed verification: the outcome is unknown. Re-submit the same
    /// out_request_no or query it.
    WX_UNVERIFIED = 6,
    /// The client-side rate limiter had no slot in time. Nothing was sent by that attempt.
    WX_RATE_LIMITED = 7,
    /// A verified answer whose body is not what the API documents. Retry-safe.
    WX_BAD_RESPONSE = 8,
    /// A bug in the library, including a caught panic.
    WX_INTERNAL = 9,
}

impl From<ErrorKind> for wx_status {
    fn from(k: ErrorKind) -> Self {
        match k {
            ErrorKind::InvalidArgument => wx_status::WX_INVALID_ARGUMENT,
            ErrorKind::Config => wx_status::WX_CONFIG,
            ErrorKind::Network => wx_status::WX_NETWORK,
            ErrorKind::Timeout => wx_status::WX_TIMEOUT,
            ErrorKind::Api => wx_status::WX_API,
            ErrorKind::Unverified => wx_status::WX_UNVERIFIED,
            ErrorKind::RateLimited => wx_status::WX_RATE_LIMITED,
            ErrorKind::BadResponse => wx_status::WX_BAD_RESPONSE,
            ErrorKind::Internal => wx_status::WX_INTERNAL,
        }
    }
}

/// Converts text to a C string, replacing interior NULs so no detail is lost silently.
fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

fn opt_c(p: &Option<CString>) -> *const c_char {
    p.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

/// The library version, e.g. "0.1.0". Static storage: never free it. Any thread.
///
/// Returns: a static string.
/// Thread: any thread.
#[no_mangle]
pub extern "C" fn wx_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// What this build carries, as one JSON object: `version`, `target`, `openssl` (the version
/// string of the OpenSSL in use), `openssl_vendored` (true when OpenSSL is built into this
/// library, as in the shipped artifacts; false when the system's libssl is used) and
/// `trust_roots` (`file`, `dirs`: where the system's CA certificates were found).
///
/// Returns: a static string, computed once; never free it.
/// Thread: any thread.
#[no_mangle]
pub extern "C" fn wx_build_info() -> *const c_char {
    static INFO: once_cell::sync::Lazy<CString> =
        once_cell::sync::Lazy::new(|| cstring(&crate::build_info().to_json()));
    INFO.as_ptr()
}

/// Every status's name, from the core's error kinds (`ErrorKind::as_str`): nothing retyped.
static STATUS_NAMES: once_cell::sync::Lazy<Vec<(c_int, CString)>> =
    once_cell::sync::Lazy::new(|| {
        std::iter::once((wx_status::WX_OK as c_int, cstring("ok")))
            .chain(
                ErrorKind::ALL
                    .into_iter()
                    .map(|k| (wx_status::from(k) as c_int, cstring(k.as_str()))),
            )
            .collect()
    });

/// A short English name for a status, e.g. "unverified response". Static storage: never free
/// it. Takes an `int` so that any value is safe to pass (a wx_status converts implicitly);
/// values this version does not define give "unknown status".
///
/// Returns: a static string.
/// Thread: any thread.
#[no_mangle]
pub extern "C" fn wx_status_str(status: c_int) -> *const c_char {
    boundary::guard(c"unknown status".as_ptr(), || {
        STATUS_NAMES
            .iter()
            .find(|(v, _)| *v == status)
            .map_or(c"unknown status".as_ptr(), |(_, name)| name.as_ptr())
    })
}
