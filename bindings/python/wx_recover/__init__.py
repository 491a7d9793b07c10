"""wx_recover: Python binding (ctypes) for the wx-recover C library.

Lifts a WeChat Pay control order on a WeBank ledger (recover, 解管). Signing, encryption of
``bal_account_no``, HTTP, retries and verification all happen in the C library; this package
only converts values. See README.md.

    with wx_recover.Client.from_file("client.json") as client:
        accepted = client.submit(out_request_no=..., related_webank_punish_no=...,
                                 related_wxpay_punish_no=..., mchid=..., bal_account_no=...)
        order = client.query(accepted.out_request_no, mchid)
"""

from ._native import LibraryError, library_candidates, load_library
from .client import (
    LOGGER_NAME,
    TRACE,
    Client,
    Notification,
    RecoverAccepted,
    RecoverOrder,
    RecoverState,
    pending_at,
    journal_copy,
    validate_request,
    version,
    build_info,
)
from .journal import JournalEntry, JournalState, LastError, ReconcileReport
from .punish import EffectState, FundRepatriationStrategy, PunishAccepted, PunishOrder, PunishState, ReqScene
from .stats import ClientStats, EndpointStats, prometheus_text, prometheus_text_many
from .errors import (
    ApiError,
    BadResponse,
    ClientClosed,
    ConfigError,
    InternalError,
    InvalidArgument,
    NetworkError,
    RateLimited,
    Status,
    Timeout,
    UnverifiedResponse,
    WxError,
)

# The binding's version (also the package's, read by pyproject.toml); the library's own is
# version(), and `wx-recover --version` prints both.
__version__ = "0.1.0"

__all__ = [
    "Client",
    "Notification",
    "RecoverAccepted",
    "RecoverOrder",
    "RecoverState",
    "JournalEntry",
    "JournalState",
    "LastError",
    "ReconcileReport",
    "ClientStats",
    "EndpointStats",
    "prometheus_text",
    "prometheus_text_many",
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
    "LibraryError",
    "load_library",
    "library_candidates",
    "pending_at",
    "EffectState",
    "FundRepatriationStrategy",
    "PunishAccepted",
    "PunishOrder",
    "PunishState",
    "ReqScene",
    "journal_copy",
    "validate_request",
    "version",
    "build_info",
    "LOGGER_NAME",
    "TRACE",
]
