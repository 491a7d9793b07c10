//! Log levels and the per-client log callback.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use super::boundary::{self, call};
use super::*;
use crate::Level;

/// Severity of a log line passed to a wx_log_fn.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_log_level {
    /// A call failed for good, or an answer failed verification.
    WX_LOG_ERROR = 1,
    /// An attempt failed and may be retried, or the platform refused a request.
    WX_LOG_WARN = 2,
    /// Rare events worth keeping: platform certificates downloaded or refreshed.
    WX_LOG_INFO = 3,
    /// One line per HTTP answer (method, path, status, Request-ID, attempt, time), plus
    /// attempts, hosts and retries.
    WX_LOG_DEBUG = 4,
    /// Header names and sizes (values of credentials are never logged).
    WX_LOG_TRACE = 5,
}

/// A log callback: `message` is a NUL-terminated UTF-8 line, valid only during the call. It is
/// called on the thread making the library call, never with a library lock held, and must be
/// thread-safe when the client is shared. Lines never contain keys, Authorization values,
/// request bodies or the plaintext bal_account_no.
pub type wx_log_fn = Option<
    unsafe extern "C" fn(user_data: *mut c_void, level: wx_log_level, message: *const c_char),
>;

/// The caller's `user_data`, handed back untouched to its own callback.
struct UserData(*mut c_void);
// SAFETY: the library never dereferences it; the caller promises (documented) that its
// callback and user_data may be used from any thread that calls the library.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    // A method, not a field access: closures must capture the whole Send + Sync wrapper.
    fn ptr(&self) -> *mut c_void {
        self.0
    }
}

/// Sends this client's log lines at `max_level` (1 = WX_LOG_ERROR … 5 = WX_LOG_TRACE) and more
/// severe to `callback`, with `user_data` passed back untouched. A NULL callback or a
/// `max_level` outside 1..5 turns the client's logging off. Replaces any earlier callback; a
/// call already logging may still use the old one until it returns, so keep `user_data` alive
/// until wx_recover_free(). Returns WX_OK or WX_INVALID_ARGUMENT (NULL client). Thread-safe.
///
/// Independently of callbacks, the environment variables WX_RECOVER_LOG=error|warn|info|debug|trace
/// and WX_RECOVER_LOG_FILE=PATH append every client's lines to PATH.
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_INTERNAL.
/// Thread: any thread; many threads may use one client at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_set_logger(
    client: *const wx_recover,
    callback: wx_log_fn,
    user_data: *mut c_void,
    max_level: c_int,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let sink = match (callback, Level::from_int(i64::from(max_level))) {
            (Some(cb), Some(max)) => {
                let data = UserData(user_data);
                let sink: Arc<crate::Sink> = Arc::new(move |level: Level, line: &str| {
                    let c_level = match level {
                        Level::Error => wx_log_level::WX_LOG_ERROR,
                        Level::Warn => wx_log_level::WX_LOG_WARN,
                        Level::Info => wx_log_level::WX_LOG_INFO,
                        Level::Debug => wx_log_level::WX_LOG_DEBUG,
                        Level::Trace => wx_log_level::WX_LOG_TRACE,
                    };
                    let text = cstring(line);
                    // SAFETY: the caller's callback, called as documented.
                    unsafe { cb(data.ptr(), c_level, text.as_ptr()) };
                });
                Some((max, sink))
            }
            _ => None,
        };
        client.inner.set_logger(sink);
        Ok(())
    })
}
