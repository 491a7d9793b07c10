//! The journal's C face: pending lists, one entry, reconcile and prune. Conversions only; the
//! journal itself is `src/journal/`.

use std::ffi::{c_char, c_int, CString};
use std::ptr;
use std::time::Duration;

use super::boundary::{self, call, out_ptr, req_str};
use super::{cstring, opt_c, wx_recover, wx_status};
use crate::{JournalEntry as Entry, JournalState, ReconcileOptions, ReconcileReport};

/// What a journal entry is: the platform numbers punishes and recovers separately.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_journal_kind {
    /// 解管.
    WX_KIND_RECOVER = 0,
    /// 管控.
    WX_KIND_PUNISH = 1,
}

impl From<crate::JournalKind> for wx_journal_kind {
    fn from(k: crate::JournalKind) -> Self {
        match k {
            crate::JournalKind::Recover => wx_journal_kind::WX_KIND_RECOVER,
            crate::JournalKind::Punish => wx_journal_kind::WX_KIND_PUNISH,
        }
    }
}

/// Where a journaled order stands (docs/journal.md). Values are stable and never reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum wx_journal_state {
    /// Recorded; it may have reached the platform; the outcome is unknown.
    WX_JOURNAL_IN_DOUBT = 1,
    /// A verified acceptance; wxpay_recover_no is known; the final result is not.
    WX_JOURNAL_ACCEPTED = 2,
    /// The final recover_state was SUCCESS.
    WX_JOURNAL_SUCCEEDED = 3,
    /// The final recover_state was FAILED.
    WX_JOURNAL_FAILED = 4,
    /// A definitive platform refusal, with its code and message.
    WX_JOURNAL_REFUSED = 5,
    /// Unsettled past the one-year re-entry window: it needs a person; never re-sent.
    WX_JOURNAL_EXPIRED = 6,
}

impl From<JournalState> for wx_journal_state {
    fn from(s: JournalState) -> Self {
        match s {
            JournalState::InDoubt => wx_journal_state::WX_JOURNAL_IN_DOUBT,
            JournalState::Accepted => wx_journal_state::WX_JOURNAL_ACCEPTED,
            JournalState::Succeeded => wx_journal_state::WX_JOURNAL_SUCCEEDED,
            JournalState::Failed => wx_journal_state::WX_JOURNAL_FAILED,
            JournalState::Refused => wx_journal_state::WX_JOURNAL_REFUSED,
            JournalState::Expired => wx_journal_state::WX_JOURNAL_EXPIRED,
        }
    }
}

/// Limits for wx_recover_reconcile(). The layout is frozen: a future field means a new name.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wx_reconcile_options {
    /// Work at most this many pending entries; 0: all.
    pub max_orders: u32,
    /// Start no new entry after this many milliseconds; 0: no limit beyond each call's own.
    pub deadline_ms: u32,
}

/// One journal entry (opaque). Owned by the caller when returned by
/// wx_recover_journal_entry() (free with wx_journal_entry_free()); borrowed from its list when
/// returned by wx_journal_list_get().
pub struct wx_journal_entry {
    entry: Entry,
    out_request_no: CString,
    related_webank_punish_no: CString,
    related_wxpay_punish_no: CString,
    mchid: CString,
    wxpay_recover_no: Option<CString>,
    request_id: Option<CString>,
    error_code: Option<CString>,
    error_message: Option<CString>,
}

/// A list of journal entries, oldest first (opaque). Free with wx_journal_list_free().
pub struct wx_journal_list {
    entries: Vec<wx_journal_entry>,
}

/// What wx_recover_reconcile() did (opaque). Free with wx_reconcile_report_free().
pub struct wx_reconcile_report {
    report: ReconcileReport,
    pending: wx_journal_list,
}

fn entry_handle(e: Entry) -> wx_journal_entry {
    let last = e.last_error.as_ref();
    wx_journal_entry {
        out_request_no: cstring(&e.out_request_no),
        related_webank_punish_no: cstring(&e.related_webank_punish_no),
        related_wxpay_punish_no: cstring(&e.related_wxpay_punish_no),
        mchid: cstring(&e.mchid),
        wxpay_recover_no: e.wxpay_recover_no.as_deref().map(cstring),
        request_id: e.request_id.as_deref().map(cstring),
        error_code: last.and_then(|l| l.code.as_deref()).map(cstring),
        error_message: last.map(|l| cstring(&l.message)),
        entry: e,
    }
}

fn list_handle(entries: Vec<Entry>) -> wx_journal_list {
    wx_journal_list {
        entries: entries.into_iter().map(entry_handle).collect(),
    }
}

/// Every journal entry that is not final (IN_DOUBT, ACCEPTED), oldest first.
///
/// On WX_OK, `*out` receives the list (free with wx_journal_list_free()).
///
/// Returns: WX_OK; WX_INVALID_ARGUMENT for a NULL `client` or `out`; WX_CONFIG when the client
/// has no journal; WX_NETWORK when a PostgreSQL journal cannot be reached; WX_INTERNAL when the
/// journal cannot be read.
///
/// Thread: any thread; many threads and processes may read and write one journal at once.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_pending(
    client: *const wx_recover,
    out: *mut *mut wx_journal_list,
    err: *mut *mut super::wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let pending = client.inner.pending()?;
        out.write(Box::into_raw(Box::new(list_handle(pending))));
        Ok(())
    })
}

/// The pending entries (IN_DOUBT, ACCEPTED) of the journal at `path`, oldest first, read
/// without a client: no configuration, no keys. `path` is a SQLite journal file (read-only,
/// nothing written) or a PostgreSQL journal's `postgresql://` URL (every merchant's entries;
/// its tables are created if missing). What an operator lists before deciding to reconcile.
///
/// On WX_OK, `*out` receives the list (free with wx_journal_list_free()).
///
/// Returns: WX_OK; WX_INVALID_ARGUMENT for a NULL or non-UTF-8 argument; WX_CONFIG when there
/// is no journal at `path`, it cannot be opened, or its schema is newer than this library's;
/// WX_NETWORK when a PostgreSQL journal cannot be reached; WX_INTERNAL when it cannot be read.
/// Messages never show a URL's password.
///
/// Thread: any thread; other processes may write the journal meanwhile.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_pending_at(
    path: *const c_char,
    out: *mut *mut wx_journal_list,
    err: *mut *mut super::wx_error,
) -> wx_status {
    call(err, || {
        let out = out_ptr(out, "out")?;
        let path = req_str(path, "path")?;
        let pending = crate::journal_pending_at(path)?;
        out.write(Box::into_raw(Box::new(list_handle(pending))));
        Ok(())
    })
}

/// Copies the SQLite journal file `from` into the PostgreSQL journal `to` (a `postgresql://`
/// URL), pending entries included, keyed by `merchant`: the `mchid` of the configuration of the
/// clients that wrote `from`. An `out_request_no` the database already has for that merchant is
/// left alone, so copying twice copies nothing twice. `from` is opened read-only. Any of
/// `copied`, `skipped`, `pending` may be NULL; on WX_OK they receive the rows written, the rows
/// the database had already, and how many of the written rows are pending. `timeout_ms` (0:
/// 10 000) bounds connecting and each statement.
///
/// Returns: WX_OK; WX_INVALID_ARGUMENT for a NULL or malformed argument; WX_CONFIG when `from`
/// is no journal or `to` refuses the login; WX_NETWORK when `to` cannot be reached (run it
/// again: nothing is copied twice); WX_INTERNAL when a row cannot be written.
///
/// Thread: any thread; clients may use both journals meanwhile.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_copy(
    from: *const c_char,
    to: *const c_char,
    merchant: *const c_char,
    timeout_ms: u32,
    copied: *mut u64,
    skipped: *mut u64,
    pending: *mut u64,
    err: *mut *mut super::wx_error,
) -> wx_status {
    call(err, || {
        let from = req_str(from, "from")?;
        let to = req_str(to, "to")?;
        let merchant = req_str(merchant, "merchant")?;
        let timeout = Duration::from_millis(if timeout_ms == 0 {
            10_000
        } else {
            timeout_ms.into()
        });
        let r = crate::journal_copy(from, to, merchant, timeout)?;
        for (p, v) in [
            (copied, r.copied),
            (skipped, r.skipped),
            (pending, r.pending),
        ] {
            if !p.is_null() {
                // SAFETY: a non-NULL out-parameter points to a writable uint64_t (documented).
                p.write(v as u64);
            }
        }
        Ok(())
    })
}

/// One journal entry by its out_request_no. On WX_OK, `*out` receives the entry (free with
/// wx_journal_entry_free()), or NULL when the journal has no such entry.
///
/// Returns: WX_OK; WX_INVALID_ARGUMENT for a NULL or malformed argument; WX_CONFIG when the
/// client has no journal; WX_NETWORK when a PostgreSQL journal cannot be reached; WX_INTERNAL
/// when the journal cannot be read.
///
/// Thread: any thread.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_journal_entry(
    client: *const wx_recover,
    out_request_no: *const c_char,
    out: *mut *mut wx_journal_entry,
    err: *mut *mut super::wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let no = req_str(out_request_no, "out_request_no")?;
        let entry = client.inner.journal_entry(no)?;
        out.write(entry.map_or(ptr::null_mut(), |e| {
            Box::into_raw(Box::new(entry_handle(e)))
        }));
        Ok(())
    })
}

/// One journal entry of `kind` by its out_request_no: wx_recover_journal_entry() for either
/// kind. On WX_OK, `*out` receives the entry (free with wx_journal_entry_free()), or NULL.
///
/// Returns: WX_OK; WX_INVALID_ARGUMENT for a NULL or malformed argument or an unknown kind;
/// WX_CONFIG when the client has no journal; WX_NETWORK when a PostgreSQL journal cannot be
/// reached; WX_INTERNAL when the journal cannot be read.
///
/// Thread: any thread.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_journal_entry_of(
    client: *const wx_recover,
    out_request_no: *const c_char,
    kind: c_int,
    out: *mut *mut wx_journal_entry,
    err: *mut *mut super::wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let no = req_str(out_request_no, "out_request_no")?;
        let kind = match kind {
            0 => crate::JournalKind::Recover,
            1 => crate::JournalKind::Punish,
            _ => {
                return Err(crate::Error::invalid(
                    "kind",
                    "must be WX_KIND_RECOVER or WX_KIND_PUNISH",
                ))
            }
        };
        let entry = client.inner.journal_entry_of(no, kind)?;
        out.write(entry.map_or(ptr::null_mut(), |e| {
            Box::into_raw(Box::new(entry_handle(e)))
        }));
        Ok(())
    })
}

/// The entry's kind; WX_KIND_RECOVER if `entry` is NULL.
///
/// Returns: the kind. Thread: any thread; entries are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_entry_kind(entry: *const wx_journal_entry) -> wx_journal_kind {
    boundary::getter(entry, wx_journal_kind::WX_KIND_RECOVER, |e| {
        e.entry.kind.into()
    })
}

/// Settles what is pending: re-enters each IN_DOUBT entry and queries each ACCEPTED one,
/// through the client's rate limiter and deadlines. Blocks until done. `options` may be NULL
/// (all entries, no overall deadline). On WX_OK, `*out` receives the report (free with
/// wx_reconcile_report_free()); failures of single orders are in the report, not the status.
///
/// Returns: WX_OK; WX_INVALID_ARGUMENT for a NULL `client` or `out`; WX_CONFIG when the client
/// has no journal; WX_NETWORK when a PostgreSQL journal cannot be reached; WX_INTERNAL when the
/// journal cannot be read or written.
///
/// Thread: any thread; several threads or processes may reconcile one journal at once, each
/// entry being worked by one caller at a time.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_reconcile(
    client: *const wx_recover,
    options: *const wx_reconcile_options,
    out: *mut *mut wx_reconcile_report,
    err: *mut *mut super::wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let out = out_ptr(out, "out")?;
        let o = if options.is_null() {
            wx_reconcile_options::default()
        } else {
            *boundary::handle(options, "options")?
        };
        let report = client.inner.reconcile(ReconcileOptions {
            max_orders: (o.max_orders > 0).then_some(o.max_orders as usize),
            deadline: (o.deadline_ms > 0).then(|| Duration::from_millis(o.deadline_ms.into())),
        })?;
        let pending = list_handle(report.pending.clone());
        out.write(Box::into_raw(Box::new(wx_reconcile_report {
            report,
            pending,
        })));
        Ok(())
    })
}

/// Deletes final entries that finished more than `older_than_days` days ago; never a pending
/// one. On WX_OK, `*deleted` (if not NULL) receives how many were deleted.
///
/// Returns: WX_OK; WX_INVALID_ARGUMENT for a NULL `client`; WX_CONFIG when the client has no
/// journal; WX_NETWORK when a PostgreSQL journal cannot be reached; WX_INTERNAL when the journal
/// cannot be written.
///
/// Thread: any thread.
#[no_mangle]
pub unsafe extern "C" fn wx_recover_journal_prune(
    client: *const wx_recover,
    older_than_days: u32,
    deleted: *mut usize,
    err: *mut *mut super::wx_error,
) -> wx_status {
    call(err, || {
        let client = boundary::handle(client, "client")?;
        let n = client.inner.prune(older_than_days)?;
        if !deleted.is_null() {
            // SAFETY: the caller passed writable storage or NULL (documented contract).
            unsafe { deleted.write(n) };
        }
        Ok(())
    })
}

/// The number of entries in `list`; 0 if `list` is NULL.
///
/// Returns: the count. Thread: any thread; the list is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_list_len(list: *const wx_journal_list) -> usize {
    boundary::getter(list, 0, |l| l.entries.len())
}

/// Entry `index` of `list`, borrowed: valid until the list is freed. NULL if `list` is NULL or
/// `index` is out of range. Do not free it.
///
/// Returns: the entry or NULL. Thread: any thread; the list is immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_list_get(
    list: *const wx_journal_list,
    index: usize,
) -> *const wx_journal_entry {
    boundary::getter(list, ptr::null(), |l| {
        l.entries.get(index).map_or(ptr::null(), |e| e as *const _)
    })
}

/// Frees a list and every entry borrowed from it. NULL is a no-op.
///
/// Returns: nothing. Thread: any thread, once no other thread uses the list.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_list_free(list: *mut wx_journal_list) {
    boundary::free_box(list);
}

/// Frees an entry returned by wx_recover_journal_entry(). NULL is a no-op. Never pass an entry
/// borrowed from a list.
///
/// Returns: nothing. Thread: any thread, once no other thread uses the entry.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_entry_free(entry: *mut wx_journal_entry) {
    boundary::free_box(entry);
}

/// The entry's state; WX_JOURNAL_IN_DOUBT if `entry` is NULL.
///
/// Returns: the state. Thread: any thread; entries are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_entry_state(
    entry: *const wx_journal_entry,
) -> wx_journal_state {
    boundary::getter(entry, wx_journal_state::WX_JOURNAL_IN_DOUBT, |e| {
        e.entry.state.into()
    })
}

/// A text field of the entry, borrowed until the entry (or its list) is freed:
/// "out_request_no", "related_webank_punish_no", "related_wxpay_punish_no", "mchid",
/// "wxpay_recover_no", "request_id", "error_code", "error_message", and "platform_no" (the
/// platform's number for either kind: wxpay_recover_no or wxpay_punish_no; a punish's is also
/// "wxpay_punish_no"). NULL when the entry has no such value, the name is unknown, or an
/// argument is NULL.
///
/// Returns: the value or NULL. Thread: any thread; entries are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_entry_get(
    entry: *const wx_journal_entry,
    field: *const c_char,
) -> *const c_char {
    boundary::getter(entry, ptr::null(), |e| {
        let Ok(name) = req_str(field, "field") else {
            return ptr::null();
        };
        match name {
            "out_request_no" => e.out_request_no.as_ptr(),
            "related_webank_punish_no" => e.related_webank_punish_no.as_ptr(),
            "related_wxpay_punish_no" => e.related_wxpay_punish_no.as_ptr(),
            "mchid" => e.mchid.as_ptr(),
            "wxpay_recover_no" if e.entry.kind == crate::JournalKind::Recover => {
                opt_c(&e.wxpay_recover_no)
            }
            "wxpay_punish_no" if e.entry.kind == crate::JournalKind::Punish => {
                opt_c(&e.wxpay_recover_no)
            }
            "platform_no" => opt_c(&e.wxpay_recover_no),
            "request_id" => opt_c(&e.request_id),
            "error_code" => opt_c(&e.error_code),
            "error_message" => opt_c(&e.error_message),
            _ => ptr::null(),
        }
    })
}

/// HTTP attempts made for this order by every process; 0 if `entry` is NULL.
///
/// Returns: the count. Thread: any thread; entries are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_entry_attempts(entry: *const wx_journal_entry) -> u32 {
    boundary::getter(entry, 0, |e| e.entry.attempts)
}

/// The status of the last error this order met, or WX_OK when it met none (or `entry` is NULL).
///
/// Returns: a wx_status value. Thread: any thread; entries are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_entry_error_status(
    entry: *const wx_journal_entry,
) -> wx_status {
    boundary::getter(entry, wx_status::WX_OK, |e| {
        e.entry
            .last_error
            .as_ref()
            .map_or(wx_status::WX_OK, |l| l.status.into())
    })
}

/// The HTTP status of the last error's answer; 0 when there was none (or `entry` is NULL).
///
/// Returns: the HTTP status. Thread: any thread; entries are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_entry_error_http_status(entry: *const wx_journal_entry) -> u16 {
    boundary::getter(entry, 0, |e| {
        e.entry.last_error.as_ref().map_or(0, |l| l.http_status)
    })
}

/// When the entry was created (Unix seconds); 0 if `entry` is NULL.
///
/// Returns: the time. Thread: any thread; entries are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_entry_created_at(entry: *const wx_journal_entry) -> i64 {
    boundary::getter(entry, 0, |e| e.entry.created_at)
}

/// When the entry last changed (Unix seconds); 0 if `entry` is NULL.
///
/// Returns: the time. Thread: any thread; entries are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_journal_entry_updated_at(entry: *const wx_journal_entry) -> i64 {
    boundary::getter(entry, 0, |e| e.entry.updated_at)
}

/// How many worked entries ended in `state`; 0 if `report` is NULL.
///
/// Returns: the count. Thread: any thread; reports are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_reconcile_report_count(
    report: *const wx_reconcile_report,
    state: wx_journal_state,
) -> usize {
    boundary::getter(report, 0, |r| {
        r.report
            .counts
            .iter()
            .find(|(s, _)| wx_journal_state::from(**s) == state)
            .map_or(0, |(_, n)| *n)
    })
}

/// How many entries were skipped because another caller held their lease; 0 if `report` is NULL.
///
/// Returns: the count. Thread: any thread; reports are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_reconcile_report_busy(report: *const wx_reconcile_report) -> usize {
    boundary::getter(report, 0, |r| r.report.busy)
}

/// The entries still pending after the run, oldest first, borrowed until the report is
/// freed (do not free the list). NULL if `report` is NULL.
///
/// Returns: the list or NULL. Thread: any thread; reports are immutable.
#[no_mangle]
pub unsafe extern "C" fn wx_reconcile_report_pending(
    report: *const wx_reconcile_report,
) -> *const wx_journal_list {
    boundary::getter(report, ptr::null(), |r| &r.pending as *const _)
}

/// Frees a report and the list borrowed from it. NULL is a no-op.
///
/// Returns: nothing. Thread: any thread, once no other thread uses the report.
#[no_mangle]
pub unsafe extern "C" fn wx_reconcile_report_free(report: *mut wx_reconcile_report) {
    boundary::free_box(report);
}
