"""Conversions between Python values and the C ABI: arguments to C strings, bytes, counts and structs; results to records; failures to exceptions.

Type conversion only: every rule about the values themselves (field lengths, formats) is the
core's, which reports a broken one as ``WX_INVALID_ARGUMENT``.
"""

from __future__ import annotations

from ctypes import byref, c_void_p
from typing import Any, Callable, Dict, Optional, Union

from ._native import Native, load_library, wx_recover_request
from .errors import InvalidArgument, Status, WxError, as_status, error_class, parse_detail
from .records import ORDER_FIELDS, RecoverOrder, RecoverState

_ORDER_FIELD_SET = frozenset(ORDER_FIELDS)


def invalid(name: str, why: str) -> InvalidArgument:
    """The error for an argument this binding cannot hand to C at all (wrong type, NUL)."""
    return InvalidArgument(f"invalid argument: {name}: {why}", status=Status.INVALID_ARGUMENT)


def cstr(name: str, value: Any, required: bool = True) -> Optional[bytes]:
    """A Python str as NUL-terminated UTF-8. Type conversion only: the core checks the rules."""
    if value is None:
        if required:
            raise invalid(name, "is required (got None)")
        return None
    if not isinstance(value, str):
        raise invalid(name, f"must be a str, not {type(value).__name__}")
    if "\x00" in value:
        raise invalid(name, "must not contain NUL characters")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise invalid(name, "cannot be encoded as UTF-8") from None


def cbytes(name: str, value: Any) -> bytes:
    """Body bytes; None means no body."""
    if value is None:
        return b""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise invalid(name, f"must be bytes, not {type(value).__name__}")


def count(name: str, value: Optional[int]) -> int:
    """A non-negative 32-bit count; None is 0 (no limit)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFFFFFF:
        raise invalid(name, "must be an integer from 0 to 4294967295")
    return value


def text(raw: Optional[bytes]) -> Optional[str]:
    """A borrowed C string, copied into a str at once (None stays None)."""
    return None if raw is None else raw.decode("utf-8", "replace")


def request_struct(
    out_request_no: str,
    related_webank_punish_no: str,
    related_wxpay_punish_no: str,
    mchid: str,
    bal_account_no: str,
    recover_reason: Optional[str],
) -> wx_recover_request:
    """The ``wx_recover_request`` for a submit or a validation."""
    return wx_recover_request(
        out_request_no=cstr("out_request_no", out_request_no),
        related_webank_punish_no=cstr("related_webank_punish_no", related_webank_punish_no),
        related_wxpay_punish_no=cstr("related_wxpay_punish_no", related_wxpay_punish_no),
        mchid=cstr("mchid", mchid),
        bal_account_no=cstr("bal_account_no", bal_account_no),
        recover_reason=cstr("recover_reason", recover_reason, required=False),
    )


def make_error(lib: Native, status: int, err: c_void_p) -> WxError:
    """Builds the exception from an owned ``wx_error`` (the caller frees it)."""
    st = as_status(status)
    cls = error_class(status)
    if not err.value:
        name = text(lib.wx_status_str(status)) or "error"
        return cls(f"{name} (no error details)", status=st)
    return cls(
        text(lib.wx_error_message(err)) or "",
        status=as_status(lib.wx_error_status(err)),
        http_status=int(lib.wx_error_http_status(err)),
        code=text(lib.wx_error_code(err)),
        detail=parse_detail(text(lib.wx_error_detail(err))),
        request_id=text(lib.wx_error_request_id(err)),
        retry_safe=bool(lib.wx_error_retry_safe(err)),
        attempts=int(lib.wx_error_attempts(err)),
    )


def call(
    lib: Native,
    fn: Any,
    *args: Any,
    out: Any = None,
    free: Optional[Callable[[Any], Any]] = None,
    convert: Optional[Callable[[Any], Any]] = None,
) -> Any:
    """Calls ``fn(*args, &out, &err)`` (``fn(*args, &err)`` when `out` is None) and returns
    ``convert(out)``, raising the library's error on a status other than WX_OK. ``free(out)``
    (when given) and ``wx_error_free(err)`` run whatever happens."""
    err = c_void_p()
    try:
        if out is None:
            status = fn(*args, byref(err))
        else:
            status = fn(*args, byref(out), byref(err))
        if status != Status.OK:
            raise make_error(lib, status, err)
        return None if convert is None else convert(out)
    finally:
        if free is not None:
            free(out)
        lib.wx_error_free(err)


def order_from_handle(lib: Native, o: Any) -> RecoverOrder:
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
    return RecoverOrder(**known, state=state, request_id=text(lib.wx_order_request_id(o)), extra=extra)


def order_from_json(data: Union[bytes, str], library: Optional[str] = None) -> RecoverOrder:
    """:meth:`RecoverOrder.from_json`: the library parses a ``recover_order`` object."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    lib = load_library(library)
    return call(lib, lib.wx_order_parse, raw, len(raw), out=c_void_p(), free=lib.wx_order_free,
                convert=lambda o: order_from_handle(lib, o))
