//! The client handle: create, free, and the serial it encrypts for.

#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, CString};
use std::ptr;
use std::sync::Mutex;

use super::boundary::{self, call, out_ptr, req_str};
use super::*;
use crate::Client;

/// A client (opaque). Thread-safe: share one across threads; free it once, after every call
/// using it has returned.
pub struct wx_recover {
    pub(crate) inner: Client,
    /// Every serial handed out, so each returned pointer stays valid until wx_recover_free()
    /// even after a certificate rotation changes the current one.
    pub(crate) serials: Mutex<Vec<CString>>,
}

/// Creates a client from a JSON configuration (see docs/c-api.md for the keys). Keys are
/// loaded and checked now, so a bad key fails here and not on the first submit.
///
/// On WX_OK, `*out` receives a client the caller owns (free with wx_recover_free()). On
/// failure `*out` is untouched and, if `err` is not NULL, `*err` receives an error the caller
/// owns. A PostgreSQL journal is reached, and its tables made, here.
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_CONFIG, WX_NETWORK (a PostgreSQL journal that cannot
/// be reached: retry-safe), WX_INTERNAL.
/// Thread: any thread.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_new(
    config_json: *const c_char,
    out: *mut *mut wx_recover,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let out = out_ptr(out, "out")?;
        let json = req_str(config_json, "config_json")?;
        let client = Client::from_json(json)?;
        out.write(new_handle(client));
        Ok(())
    })
}

/// Like wx_recover_new(), reading the JSON configuration from the file at `path`. Relative
/// key paths inside it are relative to the file's folder. Same ownership and statuses.
///
/// Returns: WX_OK, WX_INVALID_ARGUMENT, WX_CONFIG, WX_NETWORK (a PostgreSQL journal that cannot
/// be reached: retry-safe), WX_INTERNAL.
/// Thread: any thread.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_new_from_file(
    path: *const c_char,
    out: *mut *mut wx_recover,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let out = out_ptr(out, "out")?;
        let path = req_str(path, "path")?;
        let client = Client::from_file(std::path::Path::new(path))?;
        out.write(new_handle(client));
        Ok(())
    })
}

fn new_handle(inner: Client) -> *mut wx_recover {
    Box::into_raw(Box::new(wx_recover {
        inner,
        serials: Mutex::new(Vec::new()),
    }))
}

/// Frees a client and closes its connections. NULL is a no-op. Call it once, after every other
/// call on this client has returned.
///
/// Returns: nothing.
/// Thread: any thread, once every other call on the client has returned.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_free(client: *mut wx_recover) {
    boundary::free_box(client);
}

/// The `Wechatpay-Serial` value this client sends now (the WeChat Pay public key id, or the
/// platform certificate serial). Borrowed: valid until wx_recover_free(), even after a later
/// call returns another serial. In certificate-download mode this may download the platform
/// certificates (blocking, bounded by deadline_ms) and its value changes after a rotation;
/// NULL if `client` is NULL or no key is available (the download failed: a submit would say
/// why). Thread-safe.
///
/// Returns: the serial, or NULL (deprecated: wx_recover_get_wechatpay_serial() says why).
/// Thread: any thread; many threads may use one client at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_wechatpay_serial(client: *const wx_recover) -> *const c_char {
    boundary::getter(client, ptr::null(), |c| {
        c.inner
            .encryption_key()
            .map_or(ptr::null(), |(serial, _)| c.keep_serial(&serial))
    })
}

impl wx_recover {
    /// A pointer to `serial` that lives as long as the client.
    fn keep_serial(&self, serial: &str) -> *const c_char {
        let mut seen = self.serials.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = seen.iter().find(|s| s.as_bytes() == serial.as_bytes()) {
            return s.as_ptr();
        }
        seen.push(cstring(serial));
        seen.last().map_or(ptr::null(), |s| s.as_ptr())
    }
}

/// The value to send as `Wechatpay-Serial` (the key that encrypts sensitive fields), with a
/// status and error object when there is none. On WX_OK, `*out` receives the serial, borrowed:
/// valid until wx_recover_free(), even after a later call returns another serial. In
/// certificate-download mode this may download the platform certificates (blocking, bounded by
/// deadline_ms), so it can fail as a request does.
///
/// Returns: any wx_status.
/// Thread: any thread; many threads may use one client at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_get_wechatpay_serial(
    client: *const wx_recover,
    out: *mut *const c_char,
    err: *mut *mut wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let (serial, _) = client.inner.encryption_key()?;
        out.write(client.keep_serial(&serial));
        Ok(())
    })
}
