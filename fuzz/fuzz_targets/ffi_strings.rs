//! The `extern "C"` entry points, called through the rlib with arbitrary bytes as
//! NUL-terminated strings (invalid UTF-8 included), any pointer argument NULL, and bodies with
//! embedded NULs. Contract checked on every call: no crash, a failing call leaves `*out`
//! untouched and hands back an error whose status matches and whose message is not NULL.
#![no_main]
use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::OnceLock;

use ::wx_recover::ffi::*;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wx_recover_fuzz as fx;

#[derive(Arbitrary, Debug)]
struct Input {
    strings: [Vec<u8>; 8],
    body: Vec<u8>,
    /// Bit i set: argument i is passed as NULL (strings 0-7, then body, out, err).
    nulls: u16,
    status: i32,
    calls: u16,
}

struct Handle(*mut wx_recover);
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

fn client() -> *const wx_recover {
    static C: OnceLock<Handle> = OnceLock::new();
    C.get_or_init(|| {
        let cfg = CString::new(fx::config_json()).unwrap();
        let mut c = ptr::null_mut();
        let st = unsafe { wx_recover_new(cfg.as_ptr(), &mut c, ptr::null_mut()) };
        assert_eq!(st, wx_status::WX_OK);
        Handle(c)
    })
    .0
}

fn cstr(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap()
}

/// Checks the error contract of one call and frees what it returned.
unsafe fn settle<T>(
    st: wx_status,
    out: *mut T,
    sentinel: *mut T,
    err: *mut wx_error,
    want_err: bool,
) {
    if st == wx_status::WX_OK {
        assert!(err.is_null(), "error set on success");
        return;
    }
    assert!(out == sentinel, "output written on failure ({st:?})");
    if want_err {
        assert!(!err.is_null(), "no error object for {st:?}");
        assert_eq!(wx_error_status(err), st);
        let m = wx_error_message(err);
        assert!(!m.is_null());
        assert!(!CStr::from_ptr(m).to_bytes().is_empty());
        wx_error_free(err);
    } else {
        assert!(err.is_null());
    }
}

fuzz_target!(|inp: Input| unsafe {
    let owned: Vec<CString> = inp.strings.iter().map(|b| cstr(b)).collect();
    let null = |i: usize| inp.nulls & (1 << i) != 0;
    let s = |i: usize| -> *const c_char {
        if null(i) {
            ptr::null()
        } else {
            owned[i].as_ptr()
        }
    };
    let body: *const u8 = if null(8) {
        ptr::null()
    } else {
        inp.body.as_ptr()
    };
    let len = inp.body.len();
    let want_out = !null(9);
    let want_err = !null(10);
    let mut err: *mut wx_error = ptr::null_mut();
    let errp = if want_err {
        &mut err as *mut _
    } else {
        ptr::null_mut()
    };
    let c = client();

    let name = wx_status_str(inp.status);
    assert!(!name.is_null() && !CStr::from_ptr(name).to_bytes().is_empty());

    let calls = if inp.calls == 0 { u16::MAX } else { inp.calls };
    if calls & 1 != 0 {
        // A config: placeholders expanded when the text is UTF-8, device paths skipped.
        let text = String::from_utf8_lossy(owned[0].as_bytes()).into_owned();
        if !["/dev", "/proc", "/sys"].iter().any(|p| text.contains(p)) {
            let cfg = match std::str::from_utf8(owned[0].as_bytes()) {
                Ok(t) => CString::new(fx::expand_placeholders(t)).unwrap_or_default(),
                Err(_) => owned[0].clone(),
            };
            let sentinel = 8usize as *mut wx_recover;
            let mut out = sentinel;
            let outp = if want_out {
                &mut out as *mut _
            } else {
                ptr::null_mut()
            };
            let p = if null(0) { ptr::null() } else { cfg.as_ptr() };
            err = ptr::null_mut();
            let st = wx_recover_new(p, outp, errp);
            if st == wx_status::WX_OK {
                wx_recover_free(out);
            }
            settle(st, out, sentinel, err, want_err);
        }
    }
    if calls & 2 != 0 {
        let mut path = b"/nonexistent-wx-fuzz/".to_vec();
        path.extend_from_slice(owned[1].as_bytes());
        let path = CString::new(path).unwrap();
        let sentinel = 8usize as *mut wx_recover;
        let mut out = sentinel;
        let outp = if want_out {
            &mut out as *mut _
        } else {
            ptr::null_mut()
        };
        err = ptr::null_mut();
        let st = wx_recover_new_from_file(
            if null(1) { ptr::null() } else { path.as_ptr() },
            outp,
            errp,
        );
        assert_ne!(st, wx_status::WX_OK);
        settle(st, out, sentinel, err, want_err);
    }
    if calls & 4 != 0 {
        let req = wx_recover_request {
            out_request_no: s(2),
            related_webank_punish_no: s(3),
            related_wxpay_punish_no: s(4),
            mchid: s(5),
            bal_account_no: s(6),
            recover_reason: s(7),
        };
        let sentinel = 8usize as *mut wx_accepted;
        let mut out = sentinel;
        let outp = if want_out {
            &mut out as *mut _
        } else {
            ptr::null_mut()
        };
        err = ptr::null_mut();
        let reqp = if null(0) {
            ptr::null()
        } else {
            &req as *const _
        };
        let st = wx_recover_submit(c, reqp, outp, errp);
        assert_ne!(st, wx_status::WX_OK, "nothing listens at the fixture's URL");
        settle(st, out, sentinel, err, want_err);
    }
    if calls & 8 != 0 {
        let sentinel = 8usize as *mut wx_order;
        let mut out = sentinel;
        let outp = if want_out {
            &mut out as *mut _
        } else {
            ptr::null_mut()
        };
        err = ptr::null_mut();
        let st = wx_recover_query(c, s(2), s(5), outp, errp);
        assert_ne!(st, wx_status::WX_OK);
        settle(st, out, sentinel, err, want_err);
    }
    if calls & 16 != 0 {
        let sentinel = 8usize as *mut c_char;
        let mut out = sentinel;
        let outp = if want_out {
            &mut out as *mut _
        } else {
            ptr::null_mut()
        };
        err = ptr::null_mut();
        let st = wx_recover_encrypt(c, s(6), outp, errp);
        if st == wx_status::WX_OK {
            wx_free(out);
        }
        settle(st, out, sentinel, err, want_err);
    }
    if calls & 32 != 0 {
        let sentinel = 8usize as *mut c_char;
        let mut out = sentinel;
        let outp = if want_out {
            &mut out as *mut _
        } else {
            ptr::null_mut()
        };
        err = ptr::null_mut();
        let st = wx_recover_authorization(c, s(0), s(1), body, len, outp, errp);
        if st == wx_status::WX_OK {
            let v = CStr::from_ptr(out).to_str().unwrap();
            assert!(v.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\""));
            wx_free(out);
        }
        settle(st, out, sentinel, err, want_err);
    }
    if calls & 64 != 0 {
        err = ptr::null_mut();
        let st = wx_recover_verify(c, s(0), s(1), s(2), s(3), body, len, errp);
        assert_ne!(st, wx_status::WX_OK, "an unsigned answer verified");
        let mut unused = 8usize as *mut u8;
        settle(
            st,
            &mut unused as *mut _,
            &mut unused as *mut _,
            err,
            want_err,
        );
    }
    if calls & 128 != 0 {
        let sentinel = 8usize as *mut wx_notification;
        let mut out = sentinel;
        let outp = if want_out {
            &mut out as *mut _
        } else {
            ptr::null_mut()
        };
        err = ptr::null_mut();
        let st = wx_recover_parse_notification(c, s(0), s(1), s(2), s(3), body, len, outp, errp);
        assert_ne!(st, wx_status::WX_OK, "an unsigned notification verified");
        settle(st, out, sentinel, err, want_err);
    }
    if calls & 256 != 0 {
        assert!(wx_order_get(ptr::null(), s(1)).is_null());
        assert!(wx_notification_get(ptr::null(), s(1)).is_null());
        assert!(wx_error_code(ptr::null()).is_null());
        let serial = wx_recover_wechatpay_serial(c);
        assert_eq!(CStr::from_ptr(serial).to_str().unwrap(), fx::PUBLIC_KEY_ID);
    }
});
