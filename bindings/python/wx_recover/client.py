"""The client: conversions between Python values and the C ABI, and the handle's lifetime.

Every rule about recovers (field lengths, signing, encryption, HTTP, retries, verification)
lives in the Rust core; this module only converts arguments, calls, and converts results.
"""

from __future__ import annotations

import ctypes
import enum
import itertools
import json
import logging
import os
import threading
from contextlib import contextmanager
from ctypes import byref, c_char_p, c_void_p
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Union

from ._native import WX_LOG_FN, Native, load_library, wx_recover_request, wx_stats
from .journal import JournalEntry, JournalState, ReconcileReport, entry_from_handle, list_from_handle
from .stats import ClientStats, stats_from_c
from .errors import ClientClosed, InvalidArgument, Status, WxError, as_status, error_class, parse_detail

__all__ = [
    "Client",
    "Notification",
    "RecoverAccepted",
    "RecoverOrder",
    "RecoverState",
    "LOGGER_NAME",
    "TRACE",
    "pending_at",
    "validate_request",
    "version",
]

PathArg = Union[str, "os.PathLike[str]"]

# ----- logging bridge -----

#: Name of the standard-library logger that receives the library's lines by default.
LOGGER_NAME = "wx_recover"
#: Python level for the library's TRACE lines (below DEBUG); registered as "TRACE".
TRACE = 5
if logging.getLevelName(TRACE) == f"Level {TRACE}":
    logging.addLevelName(TRACE, "TRACE")
# As a library should: no output unless the application configures logging (otherwise
# logging.lastResort would print WARNING lines to stderr, e.g. into the CLI's JSON stderr).
logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())

# wx_log_level (1 = ERROR … 5 = TRACE) -> Python level, most severe first.
_C_TO_PY = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG, 5: TRACE}


def _max_c_level(py_level: int) -> int:
    """The most verbose wx_log_level at or above the Python threshold `py_level` (0: none)."""
    best = 0
    for c_level, py in _C_TO_PY.items():
        if py >= py_level:
            best = max(best, c_level)
    return best


def _logger_c_level(logger: logging.Logger) -> int:
    """The most verbose wx_log_level the logger would emit now (0: none, so logging off)."""
    for c_level in (5, 4, 3, 2, 1):
        if logger.isEnabledFor(_C_TO_PY[c_level]):
            return c_level
    return 0


def _py_level(level: Union[int, str]) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, str)):
        raise _invalid("level", f"must be a logging level (int or name), not {type(level).__name__}")
    if isinstance(level, str):
        value = logging.getLevelName(level.upper())
        if not isinstance(value, int):
            raise _invalid("level", f"unknown logging level name {level!r}")
        return value
    return level


# Every client shares ONE C callback that lives as long as the module (so the library can never
# call a freed trampoline, even during a logger swap). `user_data` is the client's token, fixed
# for the client's lifetime; the token maps to the logger in use now. A line for a token no
# longer registered (client closed) is dropped.
_loggers: Dict[int, logging.Logger] = {}
_tokens = itertools.count(1)


def _on_log(user_data: Optional[int], level: int, message: Optional[bytes]) -> None:
    # Runs on the thread making the library call. Must never raise into C: catch everything
    # (including during interpreter shutdown, when globals may already be gone).
    try:
        logger = _loggers.get(user_data or 0)
        if logger is None or message is None:
            return
        py = _C_TO_PY.get(level, logging.ERROR)
        if logger.isEnabledFor(py):
            logger.log(py, message.decode("utf-8", "replace"))
    except BaseException:  # noqa: BLE001 - nothing may propagate into the C library
        pass


_LOG_CALLBACK = WX_LOG_FN(_on_log)
_NO_CALLBACK = WX_LOG_FN()  # a NULL wx_log_fn (ctypes refuses None for a CFUNCTYPE argument)


class _Default:
    """Marker: no `logger` argument given (use logging.getLogger("wx_recover"))."""


_DEFAULT = _Default()
LoggerArg = Union[logging.Logger, None, _Default]


class RecoverState(enum.Enum):
    """Mirror of ``wx_recover_state``. UNKNOWN is a state this library version does not know
    (the raw value is still in :attr:`RecoverOrder.recover_state`)."""

    UNKNOWN = 0
    EXECUTING = 1
    SUCCESS = 2
    FAILED = 3

    @property
    def is_final(self) -> bool:
        return self in (RecoverState.SUCCESS, RecoverState.FAILED)


@dataclass(frozen=True)
class RecoverAccepted:
    """An accepted recover. Acceptance is not the outcome: query it until final."""

    wxpay_recover_no: str
    out_request_no: str
    request_id: Optional[str]
    attempts: int


# The documented fields of `recover_order`; anything else the platform sends goes to `extra`.
ORDER_FIELDS = (
    "wxpay_recover_no",
    "out_request_no",
    "related_wxpay_punish_no",
    "mchid",
    "punish_scene",
    "punish_rule_version",
    "recover_accept_time",
    "recover_finish_time",
    "recover_state",
    "recover_reason",
    "error_code",
    "error_message",
)


_ORDER_FIELD_SET = frozenset(ORDER_FIELDS)


@dataclass(frozen=True)
class RecoverOrder:
    """A queried recover order: the documented fields (None when absent), the parsed state,
    the answer's Request-ID and every undocumented field in ``extra`` (name → JSON text). The
    library reads the fields; this class only holds them."""

    wxpay_recover_no: Optional[str] = None
    out_request_no: Optional[str] = None
    related_wxpay_punish_no: Optional[str] = None
    mchid: Optional[str] = None
    punish_scene: Optional[str] = None
    punish_rule_version: Optional[str] = None
    recover_accept_time: Optional[str] = None
    recover_finish_time: Optional[str] = None
    recover_state: Optional[str] = None
    recover_reason: Optional[str] = None
    error_code: Optional[str] = None
    error_message: Optional[str] = None
    state: RecoverState = RecoverState.UNKNOWN
    request_id: Optional[str] = None
    extra: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Union[bytes, str], library: Optional[str] = None) -> "RecoverOrder":
        """A recover order from a ``recover_order`` JSON object that your own HTTP stack
        received (verify the answer first with :meth:`Client.verify`). The library applies
        the same rules as to a query's answer; undocumented fields come as JSON text."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        lib = load_library(library)
        out = c_void_p()
        err = c_void_p()
        try:
            status = lib.wx_order_parse(raw, len(raw), byref(out), byref(err))
            if status != Status.OK:
                raise _make_error(lib, status, err)
            return _order(lib, out)
        finally:
            lib.wx_order_free(out)
            lib.wx_error_free(err)

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready: the fields as the platform named them, plus state/request_id/extra."""
        d: Dict[str, Any] = {name: getattr(self, name) for name in ORDER_FIELDS}
        d["state"] = self.state.name
        d["request_id"] = self.request_id
        d["extra"] = dict(self.extra)
        return d


NOTIFICATION_FIELDS = (
    "id",
    "create_time",
    "event_type",
    "resource_type",
    "summary",
    "algorithm",
    "original_type",
    "associated_data",
)


@dataclass(frozen=True)
class Notification:
    """A verified, decrypted result notification: the envelope fields, the decrypted resource
    as JSON text (``plaintext``) and, read through the library, as a recover order (``order``;
    None when the resource is not one)."""

    id: str
    create_time: str
    event_type: str
    resource_type: str
    summary: str
    algorithm: str
    original_type: Optional[str]
    associated_data: str
    plaintext: str
    order: Optional["RecoverOrder"] = None


# ----- conversions -----


class _ReconcileOptions(ctypes.Structure):
    """Mirror of ``wx_reconcile_options`` (frozen layout)."""

    _fields_ = [("max_orders", ctypes.c_uint32), ("deadline_ms", ctypes.c_uint32)]


def _count(name: str, value: Optional[int]) -> int:
    """A non-negative 32-bit count; None is 0 (no limit)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFFFFFF:
        raise _invalid(name, "must be an integer from 0 to 4294967295")
    return value


def _order(lib: Native, o: Any) -> "RecoverOrder":
    """A RecoverOrder from a wx_order handle, through the library's one field list: the
    documented fields as text, the others as JSON text in ``extra``."""
    known: Dict[str, Optional[str]] = {}
    extra: Dict[str, str] = {}
    # Bound once: a query's answer has a dozen fields, each read through three calls.
    field_name, field_value, documented = lib.wx_order_field_name, lib.wx_order_field_value, lib.wx_order_field_documented
    for i in range(int(lib.wx_order_field_count(o))):
        raw_name, raw_value = field_name(o, i), field_value(o, i)
        name = "" if raw_name is None else raw_name.decode("utf-8", "replace")
        value = "" if raw_value is None else raw_value.decode("utf-8", "replace")
        if name in _ORDER_FIELD_SET and documented(o, i):
            known[name] = value
        else:
            extra[name] = value
    try:
        state = RecoverState(int(lib.wx_order_state(o)))
    except ValueError:
        state = RecoverState.UNKNOWN
    return RecoverOrder(**known, state=state, request_id=_text(lib.wx_order_request_id(o)), extra=extra)


def _invalid(name: str, why: str) -> InvalidArgument:
    return InvalidArgument(f"invalid argument: {name}: {why}", status=Status.INVALID_ARGUMENT)


def _cstr(name: str, value: Any, required: bool = True) -> Optional[bytes]:
    """A Python str as NUL-terminated UTF-8. Type conversion only: the core checks the rules."""
    if value is None:
        if required:
            raise _invalid(name, "is required (got None)")
        return None
    if not isinstance(value, str):
        raise _invalid(name, f"must be a str, not {type(value).__name__}")
    if "\x00" in value:
        raise _invalid(name, "must not contain NUL characters")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid(name, "cannot be encoded as UTF-8") from None


def _cbytes(name: str, value: Any) -> bytes:
    """Body bytes; None means no body."""
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise _invalid(name, f"must be bytes, not {type(value).__name__}")


def _text(raw: Optional[bytes]) -> Optional[str]:
    return None if raw is None else raw.decode("utf-8", "replace")


def _make_error(lib: Native, status: int, err: c_void_p) -> WxError:
    """Builds the exception from an owned ``wx_error`` (the caller frees it)."""
    st = as_status(status)
    cls = error_class(status)
    if not err.value:
        name = _text(lib.wx_status_str(status)) or "error"
        return cls(f"{name} (no error details)", status=st)
    return cls(
        _text(lib.wx_error_message(err)) or "",
        status=as_status(lib.wx_error_status(err)),
        http_status=int(lib.wx_error_http_status(err)),
        code=_text(lib.wx_error_code(err)),
        detail=parse_detail(_text(lib.wx_error_detail(err))),
        request_id=_text(lib.wx_error_request_id(err)),
        retry_safe=bool(lib.wx_error_retry_safe(err)),
        attempts=int(lib.wx_error_attempts(err)),
    )


def _request(
    out_request_no: str,
    related_webank_punish_no: str,
    related_wxpay_punish_no: str,
    mchid: str,
    bal_account_no: str,
    recover_reason: Optional[str],
) -> wx_recover_request:
    return wx_recover_request(
        out_request_no=_cstr("out_request_no", out_request_no),
        related_webank_punish_no=_cstr("related_webank_punish_no", related_webank_punish_no),
        related_wxpay_punish_no=_cstr("related_wxpay_punish_no", related_wxpay_punish_no),
        mchid=_cstr("mchid", mchid),
        bal_account_no=_cstr("bal_account_no", bal_account_no),
        recover_reason=_cstr("recover_reason", recover_reason, required=False),
    )


def validate_request(
    *,
    out_request_no: str,
    related_webank_punish_no: str,
    related_wxpay_punish_no: str,
    mchid: str,
    bal_account_no: str,
    recover_reason: Optional[str] = None,
    library: Optional[PathArg] = None,
) -> None:
    """Checks a request against the core's rules (the ones :meth:`Client.submit` applies
    before sending), with no client and no I/O. Raises :class:`InvalidArgument` naming the
    first field that breaks one (``"invalid argument: FIELD: REASON"``); returns None when the
    request would be sent."""
    req = _request(
        out_request_no, related_webank_punish_no, related_wxpay_punish_no, mchid, bal_account_no, recover_reason
    )
    lib = load_library(library)
    err = c_void_p()
    try:
        status = lib.wx_recover_request_validate(byref(req), byref(err))
        if status != Status.OK:
            raise _make_error(lib, status, err)
    finally:
        lib.wx_error_free(err)


def pending_at(journal: PathArg, library: Optional[PathArg] = None) -> List[JournalEntry]:
    """The pending entries (IN_DOUBT, ACCEPTED) of the journal file at ``journal``, oldest
    first, read by the library without a client: no configuration, no keys, nothing written.
    Raises :class:`ConfigError` when there is no journal there or its schema is newer."""
    lib = load_library(library)
    out = c_void_p()
    err = c_void_p()
    try:
        status = lib.wx_journal_pending_at(os.fsencode(journal), byref(out), byref(err))
        if status != Status.OK:
            raise _make_error(lib, status, err)
        return list_from_handle(lib, out)
    finally:
        lib.wx_journal_list_free(out)
        lib.wx_error_free(err)


def version(library: Optional[PathArg] = None) -> str:
    """The version of the loaded C library (e.g. ``"0.1.0"``)."""
    return load_library(library).version()


def build_info(library: Optional[PathArg] = None) -> Dict[str, Any]:
    """What the loaded C library carries (``wx_build_info``): ``version``, ``target``,
    ``openssl`` (the OpenSSL version string), ``openssl_vendored`` (built in, as in the wheel)
    and ``trust_roots`` (where the system's CA certificates were found)."""
    info: Dict[str, Any] = json.loads(load_library(library).build_info())
    return info


class Client:
    """A wx-recover client over one C handle.

    Thread-safe: share one client between threads (ctypes releases the GIL during each call).
    ``close()`` is idempotent; after it every call raises :class:`ClientClosed`. A close that
    races with calls in flight does not free the handle under them: the last of those calls
    frees it when it returns.
    """

    def __init__(
        self,
        config: Union[Mapping[str, Any], str],
        *,
        library: Optional[PathArg] = None,
        logger: LoggerArg = _DEFAULT,
    ) -> None:
        """`config` is the configuration as a dict or as JSON text (see docs/design.md).

        `library` is an explicit path to libwx_recover.so; by default it is found through
        ``$WX_RECOVER_LIB``, a copy bundled in the package, then the repo's target/ dir.

        `logger` receives the library's log lines (default: ``logging.getLogger("wx_recover")``;
        None: no logging). The library is told the logger's effective level NOW, so it does not
        even format lines the logger would drop; after changing the logger's level, call
        :meth:`set_logger` (or :meth:`set_log_level`) again.
        """
        self._init_state()
        if isinstance(config, Mapping):
            try:
                text = json.dumps(dict(config))
            except (TypeError, ValueError) as e:
                raise _invalid("config", f"is not JSON-serialisable ({e})") from None
        elif isinstance(config, str):
            text = config
        else:
            raise _invalid("config", f"must be a dict or a JSON str, not {type(config).__name__}")
        arg = _cstr("config", text)
        lib = load_library(library)
        self._open(lib, lambda out, err: lib.wx_recover_new(arg, out, err), logger)

    @classmethod
    def from_file(
        cls, path: PathArg, *, library: Optional[PathArg] = None, logger: LoggerArg = _DEFAULT
    ) -> "Client":
        """A client from a JSON configuration file; relative key paths are relative to it.
        `library` and `logger` as for :class:`Client`."""
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        arg = _cstr("path", path)
        self = cls.__new__(cls)
        self._init_state()
        lib = load_library(library)
        self._open(lib, lambda out, err: lib.wx_recover_new_from_file(arg, out, err), logger)
        return self

    def _init_state(self) -> None:
        self._lock = threading.Lock()
        self._handle: Optional[int] = None
        self._inflight = 0
        self._closed = True  # until a handle exists
        self._log_token = next(_tokens)
        self._logger: Optional[logging.Logger] = None
        self._log_level = 0  # the wx_log_level the library was given (0: off)

    def _open(self, lib: Native, new: Callable[[Any, Any], int], logger: LoggerArg) -> None:
        if isinstance(logger, _Default):
            logger = logging.getLogger(LOGGER_NAME)
        elif logger is not None and not isinstance(logger, logging.Logger):
            raise _invalid("logger", f"must be a logging.Logger or None, not {type(logger).__name__}")
        self._lib = lib
        out = c_void_p()
        err = c_void_p()
        try:
            status = new(byref(out), byref(err))
            if status != Status.OK:
                raise _make_error(lib, status, err)
        finally:
            lib.wx_error_free(err)
        self._handle = out.value
        self._closed = False
        try:
            self.set_logger(logger)
        except BaseException:
            self.close()
            raise

    # ----- lifetime -----

    @contextmanager
    def _use(self) -> Iterator[int]:
        """Holds the handle for one call; the matching release may perform a deferred free."""
        handle = self._acquire()
        try:
            yield handle
        finally:
            self._release()

    # submit() and query() call these two directly rather than through _use(): a generator-based
    # context manager costs more per call than the rest of their Python work.
    def _acquire(self) -> int:
        """Holds the handle for one call; every successful _acquire() is followed by _release()."""
        with self._lock:
            if self._closed or self._handle is None:
                raise ClientClosed()
            self._inflight += 1
            return self._handle

    def _release(self) -> None:
        """Ends one call; the last call after close() frees the handle."""
        free = None
        with self._lock:
            self._inflight -= 1
            if self._closed and self._inflight == 0 and self._handle is not None:
                free, self._handle = self._handle, None
        if free is not None:
            self._free(free)

    def _free(self, handle: int) -> None:
        """Unsets the log callback, frees the handle, then forgets the logger."""
        try:
            self._lib.wx_recover_set_logger(handle, _NO_CALLBACK, None, 0, None)
        finally:
            self._lib.wx_recover_free(handle)
            _loggers.pop(self._log_token, None)

    def close(self) -> None:
        """Frees the client (now, or when the last in-flight call returns). Idempotent."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        free = None
        with lock:
            if self._closed:
                return
            self._closed = True
            if self._inflight == 0 and self._handle is not None:
                free, self._handle = self._handle, None
        if free is not None:
            self._free(free)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<wx_recover.Client {'closed' if self._closed else 'open'}>"

    # ----- logging -----

    @property
    def logger(self) -> Optional[logging.Logger]:
        """The logger receiving the library's lines, or None when logging is off."""
        return self._logger if self._log_level else None

    @property
    def log_level(self) -> Optional[int]:
        """The Python level of the most verbose lines the library sends (None: off)."""
        return _C_TO_PY.get(self._log_level)

    def set_logger(self, logger: Optional[logging.Logger], level: Union[int, str, None] = None) -> None:
        """Sends the library's lines to `logger` (None turns logging off).

        `level` (a logging level, e.g. ``logging.DEBUG``, ``"TRACE"`` or 5) is the most verbose
        level the library produces; by default it is the logger's effective level now. The
        logger still applies its own level and handlers. TRACE lines have level 5 ("TRACE").
        """
        if logger is not None and not isinstance(logger, logging.Logger):
            raise _invalid("logger", f"must be a logging.Logger or None, not {type(logger).__name__}")
        if logger is None:
            c_level = 0
        elif level is None:
            c_level = _logger_c_level(logger)
        else:
            c_level = _max_c_level(_py_level(level))
        self._install(logger, c_level)

    def set_log_level(self, level: Union[int, str, None]) -> None:
        """Changes the most verbose level the library sends to the current logger (the
        ``"wx_recover"`` logger if logging was off); None turns logging off."""
        if level is None:
            self._install(self._logger, 0)
            return
        self._install(self._logger or logging.getLogger(LOGGER_NAME), _max_c_level(_py_level(level)))

    def _install(self, logger: Optional[logging.Logger], c_level: int) -> None:
        lib = self._lib
        err = c_void_p()
        with self._use() as h:
            # Register first: a line logged while the library switches finds the new logger.
            if logger is not None and c_level:
                _loggers[self._log_token] = logger
            try:
                if c_level:
                    status = lib.wx_recover_set_logger(h, _LOG_CALLBACK, self._log_token, c_level, byref(err))
                else:
                    status = lib.wx_recover_set_logger(h, _NO_CALLBACK, None, 0, byref(err))
                if status != Status.OK:
                    raise _make_error(lib, status, err)
            finally:
                lib.wx_error_free(err)
            if not c_level:
                _loggers.pop(self._log_token, None)
            self._logger = logger
            self._log_level = c_level

    # ----- calls -----

    @property
    def library_path(self) -> str:
        """The shared library this client uses."""
        return self._lib.path

    @property
    def wechatpay_serial(self) -> str:
        """The ``Wechatpay-Serial`` value this client sends."""
        lib = self._lib
        out = c_char_p()
        err = c_void_p()
        with self._use() as h:
            try:
                status = lib.wx_recover_get_wechatpay_serial(h, byref(out), byref(err))
                if status != Status.OK:
                    raise _make_error(lib, status, err)
                return (out.value or b"").decode("utf-8")
            finally:
                lib.wx_error_free(err)

    def submit(
        self,
        *,
        out_request_no: str,
        related_webank_punish_no: str,
        related_wxpay_punish_no: str,
        mchid: str,
        bal_account_no: str,
        recover_reason: Optional[str] = None,
    ) -> RecoverAccepted:
        """Submits a recover (解管). Blocks until accepted or failed (bounded by deadline_ms).

        On a failure with ``e.retry_safe``, re-submit the same ``out_request_no`` with the same
        content (re-entry gives the same ``wxpay_recover_no``) or query it.
        """
        req = _request(
            out_request_no, related_webank_punish_no, related_wxpay_punish_no, mchid, bal_account_no, recover_reason
        )
        lib = self._lib
        out = c_void_p()
        err = c_void_p()
        h = self._acquire()
        try:
            status = lib.wx_recover_submit(h, byref(req), byref(out), byref(err))
            if status != Status.OK:
                raise _make_error(lib, status, err)
            return RecoverAccepted(
                wxpay_recover_no=_text(lib.wx_accepted_wxpay_recover_no(out)) or "",
                out_request_no=_text(lib.wx_accepted_out_request_no(out)) or "",
                request_id=_text(lib.wx_accepted_request_id(out)),
                attempts=int(lib.wx_accepted_attempts(out)),
            )
        finally:
            lib.wx_accepted_free(out)
            lib.wx_error_free(err)
            self._release()

    def query(self, out_request_no: str, mchid: str) -> RecoverOrder:
        """Queries a recover by ``out_request_no`` for the target merchant ``mchid``.

        An unknown order raises :class:`ApiError` with ``http_status`` 404 and code NOT_FOUND.
        """
        no = _cstr("out_request_no", out_request_no)
        mch = _cstr("mchid", mchid)
        lib = self._lib
        out = c_void_p()
        err = c_void_p()
        h = self._acquire()
        try:
            status = lib.wx_recover_query(h, no, mch, byref(out), byref(err))
            if status != Status.OK:
                raise _make_error(lib, status, err)
            return _order(lib, out)
        finally:
            lib.wx_order_free(out)
            lib.wx_error_free(err)
            self._release()

    def _owned_string(self, fn: Any, *args: Any) -> str:
        """Calls ``fn(handle, *args, &out, &err)`` and returns the string the library handed
        out, releasing it (and any error) with the library's own free functions."""
        lib = self._lib
        out = c_void_p()
        err = c_void_p()
        with self._use() as h:
            try:
                status = fn(h, *args, byref(out), byref(err))
                if status != Status.OK:
                    raise _make_error(lib, status, err)
                return ctypes.string_at(out.value).decode("utf-8") if out.value else ""
            finally:
                lib.wx_free(out)
                lib.wx_error_free(err)

    def authorization(self, method: str, url: str, body: Optional[bytes] = b"") -> str:
        """An ``Authorization`` header value for a request sent by your own HTTP stack.

        `url` is the path and query exactly as sent; `body` the exact body bytes (None or b""
        for none). The value is a credential: never log it.
        """
        m = _cstr("method", method)
        u = _cstr("url", url)
        b = _cbytes("body", body)
        return self._owned_string(self._lib.wx_recover_authorization, m, u, b or None, len(b))

    def encrypt(self, plaintext: str) -> str:
        """Encrypts a sensitive field for the key named by :attr:`wechatpay_serial` (base64)."""
        p = _cstr("plaintext", plaintext)
        return self._owned_string(self._lib.wx_recover_encrypt, p)

    def verify(self, timestamp: str, nonce: str, signature: str, serial: str, body: Optional[bytes]) -> None:
        """Verifies a signed answer from your own HTTP stack (the four ``Wechatpay-*`` header
        values and the exact body bytes). Raises :class:`UnverifiedResponse` if it fails."""
        ts = _cstr("timestamp", timestamp)
        nn = _cstr("nonce", nonce)
        sg = _cstr("signature", signature)
        se = _cstr("serial", serial)
        b = _cbytes("body", body)
        lib = self._lib
        err = c_void_p()
        with self._use() as h:
            try:
                status = lib.wx_recover_verify(h, ts, nn, sg, se, b or None, len(b), byref(err))
                if status != Status.OK:
                    raise _make_error(lib, status, err)
            finally:
                lib.wx_error_free(err)

    # ----- the journal (docs/journal.md) -----

    def pending(self) -> List[JournalEntry]:
        """Every journal entry that is not final (IN_DOUBT, ACCEPTED), oldest first."""
        lib = self._lib
        out = c_void_p()
        err = c_void_p()
        with self._use() as h:
            try:
                status = lib.wx_recover_pending(h, byref(out), byref(err))
                if status != Status.OK:
                    raise _make_error(lib, status, err)
                return list_from_handle(lib, out)
            finally:
                lib.wx_journal_list_free(out)
                lib.wx_error_free(err)

    def journal_entry(self, out_request_no: str) -> Optional[JournalEntry]:
        """One journal entry, or None."""
        no = _cstr("out_request_no", out_request_no)
        lib = self._lib
        out = c_void_p()
        err = c_void_p()
        with self._use() as h:
            try:
                status = lib.wx_recover_journal_entry(h, no, byref(out), byref(err))
                if status != Status.OK:
                    raise _make_error(lib, status, err)
                return entry_from_handle(lib, out) if out.value else None
            finally:
                lib.wx_journal_entry_free(out)
                lib.wx_error_free(err)

    def reconcile(self, max_orders: Optional[int] = None, deadline_ms: Optional[int] = None) -> ReconcileReport:
        """Settles what is pending: re-enters IN_DOUBT entries, queries ACCEPTED ones."""
        opts = _ReconcileOptions(_count("max_orders", max_orders), _count("deadline_ms", deadline_ms))
        lib = self._lib
        out = c_void_p()
        err = c_void_p()
        with self._use() as h:
            try:
                status = lib.wx_recover_reconcile(h, ctypes.addressof(opts), byref(out), byref(err))
                if status != Status.OK:
                    raise _make_error(lib, status, err)
                counts = {s: int(lib.wx_reconcile_report_count(out, s.value)) for s in JournalState}
                return ReconcileReport(
                    counts={s: n for s, n in counts.items() if n},
                    pending=list_from_handle(lib, lib.wx_reconcile_report_pending(out)),
                    busy=int(lib.wx_reconcile_report_busy(out)),
                )
            finally:
                lib.wx_reconcile_report_free(out)
                lib.wx_error_free(err)

    def prune(self, older_than_days: int) -> int:
        """Deletes final entries that finished more than ``older_than_days`` ago; never a
        pending one. Returns how many were deleted."""
        days = _count("older_than_days", older_than_days)
        lib = self._lib
        deleted = ctypes.c_size_t()
        err = c_void_p()
        with self._use() as h:
            try:
                status = lib.wx_recover_journal_prune(h, days, byref(deleted), byref(err))
                if status != Status.OK:
                    raise _make_error(lib, status, err)
                return int(deleted.value)
            finally:
                lib.wx_error_free(err)

    # ----- stats for operators (docs/stats.md) -----

    def stats(self) -> ClientStats:
        """A snapshot of this client's counters (per endpoint: requests, attempts, retries,
        failovers, limiter waits and refusals, 429s received, verification failures) and of
        its breaker and quota store. Never touches the network; cheap enough to call on every
        scrape. :func:`wx_recover.prometheus_text` turns it into Prometheus text."""
        lib = self._lib
        out = wx_stats()
        err = c_void_p()
        with self._use() as h:
            try:
                status = lib.wx_recover_stats(h, byref(out), byref(err))
                if status != Status.OK:
                    raise _make_error(lib, status, err)
                return stats_from_c(out)
            finally:
                lib.wx_error_free(err)

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verifies and decrypts a result notification received by your HTTP server.

        ``headers``: the request headers (any mapping; names are matched case-insensitively),
        of which ``Wechatpay-Timestamp``, ``-Nonce``, ``-Signature`` and ``-Serial`` are used.
        ``body``: the exact bytes received. Raises :class:`UnverifiedResponse` (signature,
        serial, replay window, missing header), :class:`BadResponse` (envelope, decryption) or
        :class:`ConfigError` (no ``apiv3_key``). Answer the platform 2xx only on success."""
        # Any mapping, or anything with .items() such as http.server's HTTPMessage.
        if not isinstance(headers, Mapping) and not callable(getattr(headers, "items", None)):
            raise _invalid("headers", f"must be a mapping, not {type(headers).__name__}")
        pairs = [(k, v) for k, v in headers.items() if isinstance(k, str)]
        names = (c_char_p * max(len(pairs), 1))(*[_cstr("headers", k) for k, _ in pairs])
        values = (c_char_p * max(len(pairs), 1))(*[_cstr(k, "" if v is None else str(v)) for k, v in pairs])
        b = _cbytes("body", body)
        lib = self._lib
        err = c_void_p()
        out = c_void_p()
        with self._use() as h:
            try:
                status = lib.wx_recover_parse_notification_headers(
                    h, names, values, len(pairs), b or None, len(b), byref(out), byref(err)
                )
                if status != Status.OK:
                    raise _make_error(lib, status, err)
                get = lambda name: _text(lib.wx_notification_get(out, name.encode()))  # noqa: E731
                order = None
                o = c_void_p()
                oerr = c_void_p()
                try:
                    if lib.wx_notification_order(out, byref(o), byref(oerr)) == Status.OK:
                        order = _order(lib, o)
                finally:
                    lib.wx_order_free(o)
                    lib.wx_error_free(oerr)
                return Notification(
                    id=get("id") or "",
                    create_time=get("create_time") or "",
                    event_type=get("event_type") or "",
                    resource_type=get("resource_type") or "",
                    summary=get("summary") or "",
                    algorithm=get("algorithm") or "",
                    original_type=get("original_type"),
                    associated_data=get("associated_data") or "",
                    plaintext=_text(lib.wx_notification_plaintext(out)) or "",
                    order=order,
                )
            finally:
                lib.wx_notification_free(out)
                lib.wx_error_free(err)
