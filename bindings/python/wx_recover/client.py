"""The client class and the calls that need no client (validation, a journal read, the library's version).

Every rule about recovers (field lengths, signing, encryption, HTTP, retries, verification)
lives in the Rust core; this module holds the handle's lifetime and calls it. The values it
returns are in :mod:`wx_recover.records`, the conversions in :mod:`wx_recover.conversions`
and the logging bridge in :mod:`wx_recover.logbridge`; their public names stay importable
from here.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import logging
import os
import threading
from contextlib import contextmanager
from ctypes import byref, c_char_p, c_void_p
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from ._native import (Native, load_library, wx_endpoint_stats, wx_reconcile_options, wx_recover_request,
                      wx_recover_request_v2, wx_stats)
from .conversions import call, cbytes, count, cstr, invalid, make_error, order_from_handle, request_struct, text
from .errors import ClientClosed, Status
from .journal import JournalEntry, JournalState, ReconcileReport, entry_from_handle, list_from_handle
from .logbridge import (
    C_TO_PY,
    DEFAULT,
    LOG_CALLBACK,
    LOGGER_NAME,
    NO_CALLBACK,
    TRACE,
    LoggerArg,
    _Default,
    logger_c_level,
    max_c_level,
    py_level,
    tokens,
)
from .logbridge import loggers as _loggers
from .records import NOTIFICATION_FIELDS, ORDER_FIELDS  # noqa: F401 - importable from here as before
from .punish import PunishCalls
from .records import Notification, RecoverAccepted, RecoverOrder, RecoverState
from .stats import ClientStats, EndpointStats, endpoint_from_c, stats_from_c

__all__ = [
    "Client",
    "Notification",
    "RecoverAccepted",
    "RecoverOrder",
    "RecoverState",
    "LOGGER_NAME",
    "TRACE",
    "pending_at",
    "journal_copy",
    "validate_request",
    "version",
]

PathArg = Union[str, "os.PathLike[str]"]


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
    req = request_struct(
        out_request_no, related_webank_punish_no, related_wxpay_punish_no, mchid, bal_account_no, recover_reason
    )
    lib = load_library(library)
    call(lib, lib.wx_recover_request_validate, byref(req))


def pending_at(journal: PathArg, library: Optional[PathArg] = None) -> List[JournalEntry]:
    """The pending entries (IN_DOUBT, ACCEPTED) of the journal ``journal``, oldest first, read
    by the library without a client or keys: a SQLite file (read-only, nothing written) or a
    PostgreSQL journal's ``postgresql://`` URL (every merchant's entries). Raises
    :class:`ConfigError` when there is no journal there or its schema is newer, and
    :class:`NetworkError` when the database cannot be reached."""
    lib = load_library(library)
    entries: List[JournalEntry] = call(lib, lib.wx_journal_pending_at, os.fsencode(journal), out=c_void_p(),
                                       free=lib.wx_journal_list_free, convert=lambda o: list_from_handle(lib, o))
    return entries


def journal_copy(source: PathArg, target: str, merchant: str, timeout_ms: int = 0,
                 library: Optional[PathArg] = None) -> Tuple[int, int, int]:
    """Copies the SQLite journal file ``source`` into the PostgreSQL journal ``target`` (a
    ``postgresql://`` URL), pending entries included, keyed by ``merchant`` (the ``mchid`` of the
    clients that wrote it). Returns ``(copied, skipped, pending)``: rows written, rows the
    database had already (a second run copies nothing twice), and the written rows still
    pending. ``timeout_ms`` (0: 10 s) bounds connecting and each statement."""
    lib = load_library(library)
    copied, skipped, pending = ctypes.c_uint64(), ctypes.c_uint64(), ctypes.c_uint64()
    call(lib, lib.wx_journal_copy, os.fsencode(source), target.encode(), merchant.encode(), timeout_ms,
         byref(copied), byref(skipped), byref(pending))
    return int(copied.value), int(skipped.value), int(pending.value)


def version(library: Optional[PathArg] = None) -> str:
    """The version of the loaded C library (e.g. ``"0.1.0"``)."""
    return load_library(library).version()


def build_info(library: Optional[PathArg] = None) -> Dict[str, Any]:
    """What the loaded C library carries (``wx_build_info``): ``version``, ``target``,
    ``openssl`` (the OpenSSL version string), ``openssl_vendored`` (built in, as in the wheel)
    and ``trust_roots`` (where the system's CA certificates were found)."""
    info: Dict[str, Any] = json.loads(load_library(library).build_info())
    return info


class Client(PunishCalls):
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
        logger: LoggerArg = DEFAULT,
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
                config_text = json.dumps(dict(config))
            except (TypeError, ValueError) as e:
                raise invalid("config", f"is not JSON-serialisable ({e})") from None
        elif isinstance(config, str):
            config_text = config
        else:
            raise invalid("config", f"must be a dict or a JSON str, not {type(config).__name__}")
        arg = cstr("config", config_text)
        lib = load_library(library)
        self._open(lib, lambda out, err: lib.wx_recover_new(arg, out, err), logger)

    @classmethod
    def from_file(
        cls, path: PathArg, *, library: Optional[PathArg] = None, logger: LoggerArg = DEFAULT
    ) -> "Client":
        """A client from a JSON configuration file; relative key paths are relative to it.
        `library` and `logger` as for :class:`Client`."""
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        arg = cstr("path", path)
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
        self._log_token = next(tokens)
        self._logger: Optional[logging.Logger] = None
        self._log_level = 0  # the wx_log_level the library was given (0: off)

    def _open(self, lib: Native, new: Callable[[Any, Any], int], logger: LoggerArg) -> None:
        if isinstance(logger, _Default):
            logger = logging.getLogger(LOGGER_NAME)
        elif logger is not None and not isinstance(logger, logging.Logger):
            raise invalid("logger", f"must be a logging.Logger or None, not {type(logger).__name__}")
        self._lib = lib
        self._handle = call(lib, new, out=c_void_p(), convert=lambda o: o.value)
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
            self._lib.wx_recover_set_logger(handle, NO_CALLBACK, None, 0, None)
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
        return C_TO_PY.get(self._log_level)

    def set_logger(self, logger: Optional[logging.Logger], level: Union[int, str, None] = None) -> None:
        """Sends the library's lines to `logger` (None turns logging off).

        `level` (a logging level, e.g. ``logging.DEBUG``, ``"TRACE"`` or 5) is the most verbose
        level the library produces; by default it is the logger's effective level now. The
        logger still applies its own level and handlers. TRACE lines have level 5 ("TRACE").
        """
        if logger is not None and not isinstance(logger, logging.Logger):
            raise invalid("logger", f"must be a logging.Logger or None, not {type(logger).__name__}")
        if logger is None:
            c_level = 0
        elif level is None:
            c_level = logger_c_level(logger)
        else:
            c_level = max_c_level(py_level(level))
        self._install(logger, c_level)

    def set_log_level(self, level: Union[int, str, None]) -> None:
        """Changes the most verbose level the library sends to the current logger (the
        ``"wx_recover"`` logger if logging was off); None turns logging off."""
        if level is None:
            self._install(self._logger, 0)
            return
        self._install(self._logger or logging.getLogger(LOGGER_NAME), max_c_level(py_level(level)))

    def _install(self, logger: Optional[logging.Logger], c_level: int) -> None:
        lib = self._lib
        with self._use() as h:
            # Register first: a line logged while the library switches finds the new logger.
            if logger is not None and c_level:
                _loggers[self._log_token] = logger
            if c_level:
                call(lib, lib.wx_recover_set_logger, h, LOG_CALLBACK, self._log_token, c_level)
            else:
                call(lib, lib.wx_recover_set_logger, h, NO_CALLBACK, None, 0)
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
        with self._use() as h:
            serial: str = call(lib, lib.wx_recover_get_wechatpay_serial, h, out=c_char_p(),
                               convert=lambda o: (o.value or b"").decode("utf-8"))
            return serial

    def submit(
        self,
        *,
        out_request_no: str,
        related_webank_punish_no: str,
        related_wxpay_punish_no: str,
        mchid: str,
        bal_account_no: str,
        recover_reason: Optional[str] = None,
        card_no: Optional[str] = None,
        sgn_no: Optional[str] = None,
        req_scene: Optional[str] = None,
    ) -> RecoverAccepted:
        """Submits a recover (解管). Blocks until accepted or failed (bounded by deadline_ms).

        On a failure with ``e.retry_safe``, re-submit the same ``out_request_no`` with the same
        content (re-entry gives the same ``wxpay_recover_no``) or query it. ``card_no``
        (plaintext; encrypted like the ledger id), ``sgn_no`` and ``req_scene`` are sent only
        when given.
        """
        req = request_struct(
            out_request_no, related_webank_punish_no, related_wxpay_punish_no, mchid, bal_account_no, recover_reason
        )
        lib = self._lib
        submit: Any = lib.wx_recover_submit
        if card_no is not None or sgn_no is not None or req_scene is not None:
            req = wx_recover_request_v2(*[getattr(req, f) for f, _ in wx_recover_request._fields_],
                                        cstr("card_no", card_no, required=False),
                                        cstr("sgn_no", sgn_no, required=False),
                                        cstr("req_scene", req_scene, required=False))
            submit = lib.wx_recover_submit_v2
        out = c_void_p()
        err = c_void_p()
        h = self._acquire()
        try:
            status = submit(h, byref(req), byref(out), byref(err))
            if status != Status.OK:
                raise make_error(lib, status, err)
            return RecoverAccepted(
                wxpay_recover_no=text(lib.wx_accepted_wxpay_recover_no(out)) or "",
                out_request_no=text(lib.wx_accepted_out_request_no(out)) or "",
                request_id=text(lib.wx_accepted_request_id(out)),
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
        no = cstr("out_request_no", out_request_no)
        mch = cstr("mchid", mchid)
        lib = self._lib
        out = c_void_p()
        err = c_void_p()
        h = self._acquire()
        try:
            status = lib.wx_recover_query(h, no, mch, byref(out), byref(err))
            if status != Status.OK:
                raise make_error(lib, status, err)
            return order_from_handle(lib, out)
        finally:
            lib.wx_order_free(out)
            lib.wx_error_free(err)
            self._release()

    def _owned_string(self, fn: Any, *args: Any) -> str:
        """Calls ``fn(handle, *args, &out, &err)`` and returns the string the library handed
        out, releasing it (and any error) with the library's own free functions."""
        lib = self._lib
        with self._use() as h:
            owned: str = call(lib, fn, h, *args, out=c_void_p(), free=lib.wx_free,
                              convert=lambda o: ctypes.string_at(o.value).decode("utf-8") if o.value else "")
            return owned

    def authorization(self, method: str, url: str, body: Optional[bytes] = b"") -> str:
        """An ``Authorization`` header value for a request sent by your own HTTP stack.

        `url` is the path and query exactly as sent; `body` the exact body bytes (None or b""
        for none). The value is a credential: never log it.
        """
        m = cstr("method", method)
        u = cstr("url", url)
        b = cbytes("body", body)
        return self._owned_string(self._lib.wx_recover_authorization, m, u, b or None, len(b))

    def encrypt(self, plaintext: str) -> str:
        """Encrypts a sensitive field for the key named by :attr:`wechatpay_serial` (base64)."""
        p = cstr("plaintext", plaintext)
        return self._owned_string(self._lib.wx_recover_encrypt, p)

    def verify(self, timestamp: str, nonce: str, signature: str, serial: str, body: Optional[bytes]) -> None:
        """Verifies a signed answer from your own HTTP stack (the four ``Wechatpay-*`` header
        values and the exact body bytes). Raises :class:`UnverifiedResponse` if it fails."""
        ts = cstr("timestamp", timestamp)
        nn = cstr("nonce", nonce)
        sg = cstr("signature", signature)
        se = cstr("serial", serial)
        b = cbytes("body", body)
        lib = self._lib
        with self._use() as h:
            call(lib, lib.wx_recover_verify, h, ts, nn, sg, se, b or None, len(b))

    # ----- the journal (docs/journal.md) -----

    def pending(self) -> List[JournalEntry]:
        """Every journal entry that is not final (IN_DOUBT, ACCEPTED), oldest first."""
        lib = self._lib
        with self._use() as h:
            entries: List[JournalEntry] = call(lib, lib.wx_recover_pending, h, out=c_void_p(),
                                               free=lib.wx_journal_list_free, convert=lambda o: list_from_handle(lib, o))
            return entries

    def journal_entry(self, out_request_no: str, kind: str = "RECOVER") -> Optional[JournalEntry]:
        """One journal entry, or None. ``kind="PUNISH"`` finds a punish: the platform numbers
        punishes and recovers separately."""
        no = cstr("out_request_no", out_request_no)
        kinds = {"RECOVER": 0, "PUNISH": 1}
        if kind not in kinds:
            raise invalid("kind", "must be \"RECOVER\" or \"PUNISH\"")
        lib = self._lib
        with self._use() as h:
            entry: Optional[JournalEntry] = call(
                lib, lib.wx_recover_journal_entry_of, h, no, kinds[kind], out=c_void_p(),
                free=lib.wx_journal_entry_free,
                convert=lambda o: entry_from_handle(lib, o) if o.value else None)
            return entry

    def reconcile(self, max_orders: Optional[int] = None, deadline_ms: Optional[int] = None) -> ReconcileReport:
        """Settles what is pending: re-enters IN_DOUBT entries, queries ACCEPTED ones."""
        opts = wx_reconcile_options(count("max_orders", max_orders), count("deadline_ms", deadline_ms))
        lib = self._lib

        def report(out: c_void_p) -> ReconcileReport:
            counts = {s: int(lib.wx_reconcile_report_count(out, s.value)) for s in JournalState}
            return ReconcileReport(
                counts={s: n for s, n in counts.items() if n},
                pending=list_from_handle(lib, lib.wx_reconcile_report_pending(out)),
                busy=int(lib.wx_reconcile_report_busy(out)),
            )

        with self._use() as h:
            done: ReconcileReport = call(lib, lib.wx_recover_reconcile, h, ctypes.addressof(opts), out=c_void_p(),
                                         free=lib.wx_reconcile_report_free, convert=report)
            return done

    def prune(self, older_than_days: int) -> int:
        """Deletes final entries that finished more than ``older_than_days`` ago; never a
        pending one. Returns how many were deleted."""
        days = count("older_than_days", older_than_days)
        lib = self._lib
        with self._use() as h:
            deleted: int = call(lib, lib.wx_recover_journal_prune, h, days, out=ctypes.c_size_t(),
                                convert=lambda d: int(d.value))
            return deleted

    # ----- stats for operators (docs/stats.md) -----

    def stats(self) -> ClientStats:
        """A snapshot of this client's counters (per endpoint: requests, attempts, retries,
        failovers, limiter waits and refusals, 429s received, verification failures) and of
        its breaker and quota store. Never touches the network; cheap enough to call on every
        scrape. :func:`wx_recover.prometheus_text` turns it into Prometheus text."""
        lib = self._lib
        with self._use() as h:
            snapshot: ClientStats = call(lib, lib.wx_recover_stats, h, out=wx_stats(), convert=stats_from_c)
            punish: EndpointStats = call(lib, lib.wx_recover_endpoint_stats, h, 3, out=wx_endpoint_stats(),
                                         convert=endpoint_from_c)
            return dataclasses.replace(snapshot, punish=punish)

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verifies and decrypts a result notification received by your HTTP server.

        ``headers``: the request headers (any mapping; names are matched case-insensitively),
        of which ``Wechatpay-Timestamp``, ``-Nonce``, ``-Signature`` and ``-Serial`` are used.
        ``body``: the exact bytes received. Raises :class:`UnverifiedResponse` (signature,
        serial, replay window, missing header), :class:`BadResponse` (envelope, decryption) or
        :class:`ConfigError` (no ``apiv3_key``). Answer the platform 2xx only on success."""
        # Any mapping, or anything with .items() such as http.server's HTTPMessage.
        if not isinstance(headers, Mapping) and not callable(getattr(headers, "items", None)):
            raise invalid("headers", f"must be a mapping, not {type(headers).__name__}")
        pairs = [(k, v) for k, v in headers.items() if isinstance(k, str)]
        names = (c_char_p * max(len(pairs), 1))(*[cstr("headers", k) for k, _ in pairs])
        values = (c_char_p * max(len(pairs), 1))(*[cstr(k, "" if v is None else str(v)) for k, v in pairs])
        b = cbytes("body", body)
        lib = self._lib

        def notification(out: c_void_p) -> Notification:
            get = lambda name: text(lib.wx_notification_get(out, name.encode()))  # noqa: E731
            order = None
            o = c_void_p()
            oerr = c_void_p()
            try:
                if lib.wx_notification_order(out, byref(o), byref(oerr)) == Status.OK:
                    order = order_from_handle(lib, o)
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
                plaintext=text(lib.wx_notification_plaintext(out)) or "",
                order=order,
            )

        with self._use() as h:
            n: Notification = call(lib, lib.wx_recover_parse_notification_headers, h, names, values, len(pairs),
                                   b or None, len(b), out=c_void_p(), free=lib.wx_notification_free,
                                   convert=notification)
            return n
