"""The exception hierarchy: one class per ``wx_status``, each carrying the C error's fields."""

from __future__ import annotations

import enum
import json
from typing import Any, Dict, Optional, Type, Union

__all__ = [
    "Status",
    "WxError",
    "InvalidArgument",
    "ConfigError",
    "NetworkError",
    "Timeout",
    "ApiError",
    "UnverifiedResponse",
    "RateLimited",
    "BadResponse",
    "InternalError",
    "ClientClosed",
    "error_class",
]


class Status(enum.IntEnum):
    """Mirror of ``wx_status``; the values are the C values (and the CLI's exit codes)."""

    OK = 0
    INVALID_ARGUMENT = 1
    CONFIG = 2
    NETWORK = 3
    TIMEOUT = 4
    API = 5
    UNVERIFIED = 6
    RATE_LIMITED = 7
    BAD_RESPONSE = 8
    INTERNAL = 9


class WxError(Exception):
    """Base of every error the binding raises for a failed call.

    ``str(e)`` is the library's one-line message (it includes the Request-ID when there was
    an answer). ``retry_safe`` says whether re-submitting the same ``out_request_no`` (or
    querying it) is the right next step; re-entry never doubles a recover.
    """

    status: Union[Status, int]
    http_status: int
    code: Optional[str]
    message: str
    detail: Any
    request_id: Optional[str]
    retry_safe: bool
    attempts: int

    def __init__(
        self,
        message: str,
        *,
        status: Union[Status, int] = Status.INTERNAL,
        http_status: int = 0,
        code: Optional[str] = None,
        detail: Any = None,
        request_id: Optional[str] = None,
        retry_safe: bool = False,
        attempts: int = 0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.http_status = http_status
        self.code = code
        self.detail = detail
        self.request_id = request_id
        self.retry_safe = retry_safe
        self.attempts = attempts

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"

    def to_dict(self) -> Dict[str, Any]:
        """Every field, JSON-ready (used by the CLI)."""
        status = self.status
        return {
            "error": type(self).__name__,
            "status": status.name if isinstance(status, Status) else int(status),
            "status_code": int(status),
            "http_status": self.http_status,
            "code": self.code,
            "message": self.message,
            "detail": self.detail,
            "request_id": self.request_id,
            "retry_safe": self.retry_safe,
            "attempts": self.attempts,
        }


class InvalidArgument(WxError):
    """A value is missing or breaks a rule; the message names the field. Nothing was sent."""


class ConfigError(WxError):
    """The configuration or a key could not be used; the message names the key."""


class NetworkError(WxError):
    """Connection failed or broke; the request may have been received. Retry-safe."""


class Timeout(WxError):
    """No answer in time; the request may have been received. Retry-safe."""


class ApiError(WxError):
    """The platform answered non-2xx: see ``http_status``, ``code`` and ``detail``."""


class UnverifiedResponse(WxError):
    """A 2xx answer failed verification: the outcome is unknown. Re-submit or query."""


class RateLimited(WxError):
    """The client-side rate limiter had no slot in time. Nothing was sent by that attempt."""


class BadResponse(WxError):
    """A verified answer whose body is not what the API documents. Retry-safe."""


class InternalError(WxError):
    """A bug in the library (including a caught panic)."""


class ClientClosed(WxError):
    """The client was used after ``close()``. Nothing was sent.

    A :class:`WxError` (so one ``except WxError`` covers every failure of a call) with status
    ``INVALID_ARGUMENT`` -- what the C ABI reports for a NULL client -- but deliberately not an
    :class:`InvalidArgument`: no argument of the call was wrong, the program's flow was.
    """

    def __init__(self, message: str = "invalid argument: client: the client is closed") -> None:
        super().__init__(message, status=Status.INVALID_ARGUMENT)


_BY_STATUS: Dict[int, Type[WxError]] = {
    Status.INVALID_ARGUMENT: InvalidArgument,
    Status.CONFIG: ConfigError,
    Status.NETWORK: NetworkError,
    Status.TIMEOUT: Timeout,
    Status.API: ApiError,
    Status.UNVERIFIED: UnverifiedResponse,
    Status.RATE_LIMITED: RateLimited,
    Status.BAD_RESPONSE: BadResponse,
    Status.INTERNAL: InternalError,
}


def error_class(status: int) -> Type[WxError]:
    """The exception class for a status; a status newer than this binding gives WxError."""
    return _BY_STATUS.get(status, WxError)


def as_status(value: int) -> Union[Status, int]:
    try:
        return Status(value)
    except ValueError:
        return value


def parse_detail(text: Optional[str]) -> Any:
    """The platform's ``detail`` JSON as Python data; text that is not JSON is kept as is."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
