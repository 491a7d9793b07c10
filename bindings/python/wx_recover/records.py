"""The values the API returns: recover states, accepted recovers, orders and notifications.

These classes only hold what the C library read and checked; the conversions that fill them
are in :mod:`wx_recover.conversions`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Union

__all__ = [
    "NOTIFICATION_FIELDS",
    "ORDER_FIELDS",
    "Notification",
    "RecoverAccepted",
    "RecoverOrder",
    "RecoverState",
]


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
        from .conversions import order_from_json  # the conversions build this class

        return order_from_json(data, library)

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
