//! The one boundary every `extern "C"` function goes through: it catches panics, checks
//! pointers and UTF-8, and turns every failure into a status plus an owned error object.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{wx_error, wx_status};
use crate::{Error, Result};

/// Runs `f`; on failure (or panic) stores an owned error in `*err` when `err` is not NULL.
pub(super) fn call(err: *mut *mut wx_error, f: impl FnOnce() -> Result<()>) -> wx_status {
    let outcome = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::internal(
            "a panic was caught at the C boundary (this is a bug in wx-recover)",
        ))
    });
    match outcome {
        Ok(()) => wx_status::WX_OK,
        Err(e) => {
            if !err.is_null() {
                let boxed = Box::into_raw(Box::new(wx_error::from_error(&e)));
                // SAFETY: the caller passed a writable `wx_error **` (documented contract).
                unsafe { *err = boxed };
            }
            e.kind.into()
        }
    }
}

/// Runs an infallible body (free, accessors) without letting a panic cross into C.
pub(super) fn guard<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Reads a field of a handle; NULL gives `fallback`.
pub(super) fn getter<H, T>(handle: *const H, fallback: T, f: impl FnOnce(&H) -> T) -> T {
    if handle.is_null() {
        return fallback;
    }
    // SAFETY: non-NULL handles come from this library and live until their _free.
    let h = unsafe { &*handle };
    match catch_unwind(AssertUnwindSafe(|| f(h))) {
        Ok(v) => v,
        Err(_) => fallback,
    }
}

/// A string from a handle's list of named fields, borrowed from the handle. NULL for a NULL
/// handle, a NULL or non-UTF-8 name, or a name that is not there.
pub(super) fn named_field<H, K: AsRef<str>>(
    handle: *const H,
    name: *const c_char,
    fields: impl FnOnce(&H) -> &[(K, CString)],
) -> *const c_char {
    getter(handle, std::ptr::null(), |h| match req_str(name, "field") {
        Ok(name) => fields(h)
            .iter()
            .find(|(k, _)| k.as_ref() == name)
            .map_or(std::ptr::null(), |(_, v)| v.as_ptr()),
        Err(_) => std::ptr::null(),
    })
}

/// Frees a handle made by `Box::into_raw`; NULL is a no-op.
pub(super) fn free_box<T>(p: *mut T) {
    if p.is_null() {
        return;
    }
    guard((), || {
        // SAFETY: `p` came from Box::into_raw in this library and is freed once (documented).
        drop(unsafe { Box::from_raw(p) })
    })
}

/// An output parameter, written only when the call succeeds.
pub(super) struct Out<T>(*mut T);

impl<T> Out<T> {
    pub(super) fn write(self, value: T) {
        // SAFETY: checked non-NULL in out_ptr; the caller passed writable storage.
        unsafe { self.0.write(value) }
    }
}

impl Out<*mut c_char> {
    /// Hands out an owned copy of `s`, which the caller frees with wx_free().
    pub(super) fn write_string(self, s: &str) {
        self.write(super::cstring(s).into_raw())
    }
}

/// The four `Wechatpay-*` header values a caller passes as C strings, each required.
pub(super) fn signed_headers(
    timestamp: *const c_char,
    nonce: *const c_char,
    signature: *const c_char,
    serial: *const c_char,
) -> Result<crate::SignedHeaders> {
    Ok(crate::SignedHeaders {
        timestamp: req_str(timestamp, "timestamp")?.to_string(),
        nonce: req_str(nonce, "nonce")?.to_string(),
        signature: req_str(signature, "signature")?.to_string(),
        serial: req_str(serial, "serial")?.to_string(),
        signature_type: None,
    })
}

pub(super) fn out_ptr<T>(p: *mut T, name: &str) -> Result<Out<T>> {
    if p.is_null() {
        return Err(Error::invalid(name, "output pointer must not be NULL"));
    }
    Ok(Out(p))
}

pub(super) fn handle<'a, T>(p: *const T, name: &str) -> Result<&'a T> {
    if p.is_null() {
        return Err(Error::invalid(name, "must not be NULL"));
    }
    // SAFETY: non-NULL handles and structs are valid for the call (documented contract).
    Ok(unsafe { &*p })
}

pub(super) fn req_str<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    opt_str(p, name)?.ok_or_else(|| Error::invalid(name, "must not be NULL"))
}

pub(super) fn opt_str<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller passes a NUL-terminated string valid for the call.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str()
        .map(Some)
        .map_err(|_| Error::invalid(name, "is not valid UTF-8"))
}

/// `len` pointers at `p` (NULL allowed only when `len` is 0).
pub(super) fn req_array<'a, T>(
    p: *const *const T,
    len: usize,
    name: &str,
) -> Result<&'a [*const T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Error::invalid(name, "is NULL but the count is not 0"));
    }
    // SAFETY: the caller passes `len` readable pointers at `p`.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

pub(super) fn req_bytes<'a>(p: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Error::invalid(name, "is NULL but its length is not 0"));
    }
    // SAFETY: the caller passes `len` readable bytes at `p`.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}
