"""Finding and loading libwx_recover, and the one table of C signatures.

Nothing here knows about recovers: it only turns the C ABI of ``include/wx_recover.h`` into
callable ctypes functions with declared types. ``CDLL`` releases the GIL around every call,
so a blocking submit in one thread does not stall the others.
"""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_bool,
    c_char_p,
    c_int,
    c_size_t,
    c_uint16,
    c_uint8,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ._tables import ENDPOINT_STATS, ENUMS, STATS

__all__ = ["LibraryError", "Native", "WX_LOG_FN", "load_library", "library_candidates"]

LIB_NAME = "libwx_recover.so"
ENV_VAR = "WX_RECOVER_LIB"


class LibraryError(OSError):
    """The shared library could not be found or loaded, or lacks a symbol (version skew)."""


class wx_recover_request(Structure):
    """Mirror of ``wx_recover_request`` (frozen layout: six ``const char *``)."""

    _fields_ = [
        ("out_request_no", c_char_p),
        ("related_webank_punish_no", c_char_p),
        ("related_wxpay_punish_no", c_char_p),
        ("mchid", c_char_p),
        ("bal_account_no", c_char_p),
        ("recover_reason", c_char_p),
    ]


class wx_recover_request_v2(Structure):
    """Mirror of ``wx_recover_request_v2`` (frozen layout: nine ``const char *``)."""

    _fields_ = [
        ("out_request_no", c_char_p),
        ("related_webank_punish_no", c_char_p),
        ("related_wxpay_punish_no", c_char_p),
        ("mchid", c_char_p),
        ("bal_account_no", c_char_p),
        ("recover_reason", c_char_p),
        ("card_no", c_char_p),
        ("sgn_no", c_char_p),
        ("req_scene", c_char_p),
    ]


class wx_punish_request(Structure):
    """Mirror of ``wx_punish_request`` (frozen layout)."""

    _fields_ = [
        ("out_request_no", c_char_p),
        ("mchid", c_char_p),
        ("bal_account_no", c_char_p),
        ("punish_scene", ctypes.c_int64),
        ("punish_reason", c_char_p),
        ("punish_end_time", c_char_p),
        ("card_no", c_char_p),
        ("sgn_no", c_char_p),
        ("req_scene", c_char_p),
        ("fund_repatriation_strategy", c_char_p),
    ]


class wx_endpoint_stats(Structure):
    """Mirror of ``wx_endpoint_stats`` (frozen layout: ``uint64_t`` counters), field by field
    as the header lists them (_tables.ENDPOINT_STATS)."""

    _fields_ = [(name, getattr(ctypes, ctype)) for name, ctype, _, _ in ENDPOINT_STATS]


def _stats_field_type(ctype: str) -> Any:
    """The ctypes type of a wx_stats field's C type: its struct, an enum (a C int), a scalar."""
    if ctype == "wx_endpoint_stats":
        return wx_endpoint_stats
    if ctype in ENUMS:
        return c_int
    return {"uint8_t": c_uint8, "uint64_t": c_uint64}[ctype]


class wx_stats(Structure):
    """Mirror of ``wx_stats`` (frozen layout), field by field as the header lists them
    (_tables.STATS). The enums ``wx_host``, ``wx_breaker_state`` and ``wx_quota_store`` are C
    ints; ctypes inserts the same padding as the C compiler."""

    _fields_ = [(name, _stats_field_type(ctype)) for name, ctype, _, _ in STATS]


class wx_reconcile_options(Structure):
    """Mirror of ``wx_reconcile_options`` (frozen layout: two ``uint32_t``)."""

    _fields_ = [("max_orders", c_uint32), ("deadline_ms", c_uint32)]


# Opaque handles are plain pointers; `wx_status` and `wx_recover_state` are C enums (int).
_h = c_void_p
_out_h = POINTER(c_void_p)  # T **out for every handle and every owned string
_status = c_int

# `typedef void (*wx_log_fn)(void *user_data, wx_log_level level, const char *message)`.
# `message` arrives as bytes (copied at once: it is valid only during the call).
WX_LOG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p)

# The ONE table of C signatures: (name, argtypes, restype). Owned strings (the `char **out`
# of authorization/encrypt) come back as c_void_p so the pointer survives for wx_free();
# borrowed strings (accessors) are c_char_p, copied into bytes at once.
SIGNATURES: Sequence[Tuple[str, List[Any], Any]] = (
    ("wx_version", [], c_char_p),
    ("wx_build_info", [], c_char_p),
    ("wx_status_str", [_status], c_char_p),
    ("wx_recover_new", [c_char_p, _out_h, _out_h], _status),
    ("wx_recover_new_from_file", [c_char_p, _out_h, _out_h], _status),
    ("wx_recover_set_logger", [_h, WX_LOG_FN, c_void_p, c_int, _out_h], _status),
    ("wx_recover_free", [_h], None),
    ("wx_recover_submit", [_h, POINTER(wx_recover_request), _out_h, _out_h], _status),
    ("wx_recover_request_validate", [POINTER(wx_recover_request), _out_h], _status),
    ("wx_recover_query", [_h, c_char_p, c_char_p, _out_h, _out_h], _status),
    ("wx_recover_wechatpay_serial", [_h], c_char_p),
    ("wx_recover_authorization", [_h, c_char_p, c_char_p, c_char_p, c_size_t, _out_h, _out_h], _status),
    ("wx_recover_encrypt", [_h, c_char_p, _out_h, _out_h], _status),
    (
        "wx_recover_verify",
        [_h, c_char_p, c_char_p, c_char_p, c_char_p, c_char_p, c_size_t, _out_h],
        _status,
    ),
    ("wx_free", [c_void_p], None),
    ("wx_accepted_wxpay_recover_no", [_h], c_char_p),
    ("wx_accepted_out_request_no", [_h], c_char_p),
    ("wx_accepted_request_id", [_h], c_char_p),
    ("wx_accepted_attempts", [_h], c_uint32),
    ("wx_accepted_free", [_h], None),
    ("wx_order_state", [_h], c_int),
    ("wx_order_get", [_h, c_char_p], c_char_p),
    ("wx_order_json", [_h], c_char_p),
    ("wx_order_request_id", [_h], c_char_p),
    ("wx_order_free", [_h], None),
    ("wx_error_status", [_h], _status),
    ("wx_error_http_status", [_h], c_uint16),
    ("wx_error_code", [_h], c_char_p),
    ("wx_error_message", [_h], c_char_p),
    ("wx_error_detail", [_h], c_char_p),
    ("wx_error_request_id", [_h], c_char_p),
    ("wx_error_retry_safe", [_h], c_bool),
    ("wx_error_attempts", [_h], c_uint32),
    ("wx_error_free", [_h], None),
    (
        "wx_recover_parse_notification",
        [_h, c_char_p, c_char_p, c_char_p, c_char_p, c_char_p, c_size_t, _out_h, _out_h],
        _status,
    ),
    ("wx_notification_get", [_h, c_char_p], c_char_p),
    ("wx_notification_plaintext", [_h], c_char_p),
    ("wx_notification_free", [_h], None),
    (
        "wx_recover_parse_notification_headers",
        [_h, POINTER(c_char_p), POINTER(c_char_p), c_size_t, c_char_p, c_size_t, _out_h, _out_h],
        _status,
    ),
    ("wx_notification_order", [_h, _out_h, _out_h], _status),
    ("wx_recover_get_wechatpay_serial", [_h, POINTER(c_char_p), _out_h], _status),
    ("wx_order_parse", [c_char_p, c_size_t, _out_h, _out_h], _status),
    ("wx_order_field_count", [_h], c_size_t),
    ("wx_order_field_name", [_h, c_size_t], c_char_p),
    ("wx_order_field_value", [_h, c_size_t], c_char_p),
    ("wx_order_field_documented", [_h, c_size_t], c_bool),
    ("wx_recover_pending", [_h, _out_h, _out_h], _status),
    ("wx_journal_pending_at", [c_char_p, _out_h, _out_h], _status),
    ("wx_journal_copy", [c_char_p, c_char_p, c_char_p, c_uint32, POINTER(c_uint64), POINTER(c_uint64),
                         POINTER(c_uint64), _out_h], _status),
    ("wx_recover_journal_entry", [_h, c_char_p, _out_h, _out_h], _status),
    ("wx_recover_journal_entry_of", [_h, c_char_p, c_int, _out_h, _out_h], _status),
    ("wx_recover_endpoint_stats", [_h, c_int, POINTER(wx_endpoint_stats), _out_h], _status),
    ("wx_journal_entry_kind", [_h], c_int),
    ("wx_recover_submit_v2", [_h, POINTER(wx_recover_request_v2), _out_h, _out_h], _status),
    ("wx_recover_punish", [_h, POINTER(wx_punish_request), _out_h, _out_h], _status),
    ("wx_punish_accepted_wxpay_punish_no", [_h], c_char_p),
    ("wx_punish_accepted_out_request_no", [_h], c_char_p),
    ("wx_punish_accepted_request_id", [_h], c_char_p),
    ("wx_punish_accepted_attempts", [_h], c_uint32),
    ("wx_punish_accepted_free", [_h], None),
    ("wx_recover_query_punish", [_h, c_char_p, c_char_p, _out_h, _out_h], _status),
    ("wx_punish_order_state", [_h], c_int),
    ("wx_punish_order_effect_state", [_h], c_int),
    ("wx_punish_order_get", [_h, c_char_p], c_char_p),
    ("wx_punish_order_punish_scene", [_h, POINTER(ctypes.c_int64)], c_bool),
    ("wx_punish_order_punish_rule_version", [_h, POINTER(ctypes.c_int64)], c_bool),
    ("wx_punish_order_control_action_len", [_h], c_size_t),
    ("wx_punish_order_control_action", [_h, c_size_t], c_char_p),
    ("wx_punish_order_json", [_h], c_char_p),
    ("wx_punish_order_request_id", [_h], c_char_p),
    ("wx_punish_order_free", [_h], None),
    ("wx_recover_reconcile", [_h, c_void_p, _out_h, _out_h], _status),
    ("wx_recover_journal_prune", [_h, c_uint32, POINTER(c_size_t), _out_h], _status),
    ("wx_journal_list_len", [_h], c_size_t),
    ("wx_journal_list_get", [_h, c_size_t], c_void_p),
    ("wx_journal_list_free", [_h], None),
    ("wx_journal_entry_free", [_h], None),
    ("wx_journal_entry_state", [_h], c_int),
    ("wx_journal_entry_get", [_h, c_char_p], c_char_p),
    ("wx_journal_entry_attempts", [_h], c_uint32),
    ("wx_journal_entry_error_status", [_h], _status),
    ("wx_journal_entry_error_http_status", [_h], c_uint16),
    ("wx_journal_entry_created_at", [_h], ctypes.c_int64),
    ("wx_journal_entry_updated_at", [_h], ctypes.c_int64),
    ("wx_reconcile_report_count", [_h, c_int], c_size_t),
    ("wx_reconcile_report_busy", [_h], c_size_t),
    ("wx_reconcile_report_pending", [_h], c_void_p),
    ("wx_reconcile_report_free", [_h], None),
    ("wx_recover_stats", [_h, POINTER(wx_stats), _out_h], _status),
)


class Native:
    """The loaded library with every function of :data:`SIGNATURES` as an attribute."""

    # Attributes are set from SIGNATURES in __init__; declared for type checkers.
    path: str
    wx_version: Any
    wx_build_info: Any
    wx_status_str: Any
    wx_recover_new: Any
    wx_recover_new_from_file: Any
    wx_recover_set_logger: Any
    wx_recover_free: Any
    wx_recover_submit: Any
    wx_recover_request_validate: Any
    wx_recover_query: Any
    wx_recover_wechatpay_serial: Any
    wx_recover_authorization: Any
    wx_recover_encrypt: Any
    wx_recover_verify: Any
    wx_free: Any
    wx_accepted_wxpay_recover_no: Any
    wx_accepted_out_request_no: Any
    wx_accepted_request_id: Any
    wx_accepted_attempts: Any
    wx_accepted_free: Any
    wx_order_state: Any
    wx_order_get: Any
    wx_order_json: Any
    wx_order_request_id: Any
    wx_order_free: Any
    wx_error_status: Any
    wx_error_http_status: Any
    wx_error_code: Any
    wx_error_message: Any
    wx_error_detail: Any
    wx_error_request_id: Any
    wx_error_retry_safe: Any
    wx_error_attempts: Any
    wx_error_free: Any
    wx_recover_parse_notification: Any
    wx_notification_get: Any
    wx_notification_plaintext: Any
    wx_notification_free: Any
    wx_recover_parse_notification_headers: Any
    wx_notification_order: Any
    wx_recover_get_wechatpay_serial: Any
    wx_order_parse: Any
    wx_order_field_count: Any
    wx_order_field_name: Any
    wx_order_field_value: Any
    wx_order_field_documented: Any
    wx_recover_pending: Any
    wx_journal_pending_at: Any
    wx_journal_copy: Any
    wx_recover_journal_entry_of: Any
    wx_recover_endpoint_stats: Any
    wx_journal_entry_kind: Any
    wx_recover_submit_v2: Any
    wx_recover_punish: Any
    wx_punish_accepted_wxpay_punish_no: Any
    wx_punish_accepted_out_request_no: Any
    wx_punish_accepted_request_id: Any
    wx_punish_accepted_attempts: Any
    wx_punish_accepted_free: Any
    wx_recover_query_punish: Any
    wx_punish_order_state: Any
    wx_punish_order_effect_state: Any
    wx_punish_order_get: Any
    wx_punish_order_punish_scene: Any
    wx_punish_order_punish_rule_version: Any
    wx_punish_order_control_action_len: Any
    wx_punish_order_control_action: Any
    wx_punish_order_json: Any
    wx_punish_order_request_id: Any
    wx_punish_order_free: Any
    wx_recover_journal_entry: Any
    wx_recover_reconcile: Any
    wx_recover_journal_prune: Any
    wx_journal_list_len: Any
    wx_journal_list_get: Any
    wx_journal_list_free: Any
    wx_journal_entry_free: Any
    wx_journal_entry_state: Any
    wx_journal_entry_get: Any
    wx_journal_entry_attempts: Any
    wx_journal_entry_error_status: Any
    wx_journal_entry_error_http_status: Any
    wx_journal_entry_created_at: Any
    wx_journal_entry_updated_at: Any
    wx_reconcile_report_count: Any
    wx_reconcile_report_busy: Any
    wx_reconcile_report_pending: Any
    wx_reconcile_report_free: Any
    wx_recover_stats: Any

    def __init__(self, path: str) -> None:
        try:
            dll = ctypes.CDLL(path)
        except OSError as e:
            raise LibraryError(f"cannot load wx-recover library {path!r}: {e}") from e
        missing = []
        for name, argtypes, restype in SIGNATURES:
            try:
                fn = getattr(dll, name)
            except AttributeError:
                missing.append(name)
                continue
            fn.argtypes = argtypes
            fn.restype = restype
            setattr(self, name, fn)
        if missing:
            raise LibraryError(
                f"wx-recover library {path!r} lacks symbol(s) {', '.join(missing)}: "
                "it is older or newer than this Python binding (version skew)"
            )
        self.path = path
        self._dll = dll

    def version(self) -> str:
        raw = self.wx_version()
        return raw.decode("utf-8", "replace") if raw else ""

    def build_info(self) -> str:
        raw = self.wx_build_info()
        return raw.decode("utf-8", "replace") if raw else "{}"


def _repo_root() -> Optional[Path]:
    """The source checkout this package sits in, if any (looked up from this file upward)."""
    for d in Path(__file__).resolve().parents:
        if (d / "Cargo.toml").is_file() and (d / "include" / "wx_recover.h").is_file():
            return d
    return None


def library_candidates(path: Union[str, "os.PathLike[str]", None] = None) -> List[Tuple[str, str]]:
    """Where the library is looked for, in order, as (origin, path) pairs."""
    if path is not None:
        return [("explicit path", os.fspath(path))]
    out: List[Tuple[str, str]] = []
    env = os.environ.get(ENV_VAR)
    if env:
        out.append((f"${ENV_VAR}", env))
    out.append(("bundled copy", str(Path(__file__).resolve().parent / "_lib" / LIB_NAME)))
    root = _repo_root()
    if root is not None:
        for profile in ("release", "debug"):
            out.append((f"repo build ({profile})", str(root / "target" / profile / LIB_NAME)))
    return out


_cache: Dict[str, Native] = {}
_cache_lock = threading.Lock()


def load_library(path: Union[str, "os.PathLike[str]", None] = None) -> Native:
    """Loads (once per file) the library from `path`, or from the first candidate that exists.

    An explicit path or ``$WX_RECOVER_LIB`` that does not exist is an error rather than a
    reason to fall back silently to some other copy.
    """
    candidates = library_candidates(path)
    chosen: Optional[str] = None
    for origin, cand in candidates:
        if os.path.isfile(cand):
            chosen = cand
            break
        if origin == "explicit path" or origin.startswith("$"):
            raise LibraryError(f"wx-recover library not found at {cand!r} (from {origin})")
    if chosen is None:
        looked = "; ".join(f"{o}: {p}" for o, p in candidates)
        raise LibraryError(
            f"wx-recover library {LIB_NAME} not found (looked in {looked}). Either install this "
            "package with its library inside (`pip install ./bindings/python` from a checkout "
            "compiles it; needs cargo), or name a libwx_recover.so you have (`cargo build "
            f"--release` makes target/release/{LIB_NAME}): library=PATH, the CLI's "
            f"--library PATH, or {ENV_VAR}=PATH"
        )
    key = os.path.realpath(chosen)
    with _cache_lock:
        native = _cache.get(key)
        if native is None:
            native = Native(chosen)
            _cache[key] = native
        return native
