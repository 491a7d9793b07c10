"""The control order's whole life from Python: place it (管控, :meth:`Client.punish`), follow
it (:meth:`Client.query_punish`), lift it with a recover that names its numbers
(:meth:`Client.submit`). Every rule is the core's: the input checks (errors name the field), the
encryption of ``bal_account_no`` and ``card_no``, signing, retries, the punish's own quota
bucket, and the journal. This module holds the records and the calls (docs/lifecycle.md).
"""

from __future__ import annotations

import ctypes
import enum
import json
from ctypes import byref, c_void_p
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._native import wx_punish_request
from .conversions import call, cstr, invalid, text


class ReqScene:
    """``req_scene`` values the API description names. Any other non-empty str passes too."""

    SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT = "SJT_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT"
    SJT_MICRO_MERCHANT = "SJT_MICRO_MERCHANT"
    WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT = "WX_SHOP_CONVENIENT_SETTLEMENT_SERVICE_MERCHANT"


class FundRepatriationStrategy:
    """``fund_repatriation_strategy`` values (微众资金划回策略). Any other non-empty str passes."""

    ALL_FORBIDDEN = "ALL_FORBIDDEN"
    ALL_ALLOWED_WHEN_UNIQUE = "ALL_ALLOWED_WHEN_UNIQUE"


class PunishState(enum.Enum):
    """``punish_state``; UNKNOWN for a value this version does not know (see ``extra_text``)."""

    UNKNOWN = 0
    EXECUTING = 1
    SUCCESS = 2
    FAILED = 3


class EffectState(enum.Enum):
    """``effect_state``; UNKNOWN when absent or new."""

    UNKNOWN = 0
    ACTIVE = 1
    RECOVERED = 2


@dataclass(frozen=True)
class PunishAccepted:
    """The platform accepted the punish. ``wxpay_punish_no`` and ``out_request_no`` are what a
    later recover names as ``related_wxpay_punish_no`` and ``related_webank_punish_no``."""

    wxpay_punish_no: str
    out_request_no: str
    request_id: Optional[str]
    attempts: int


TEXT_FIELDS = ("wxpay_punish_no", "out_request_no", "mchid", "punish_reason", "punish_start_time",
               "punish_end_time", "punish_accept_time", "punish_finish_time", "error_code", "error_message")


@dataclass(frozen=True)
class PunishOrder:
    """A control order as the PUNISH query gives it: the documented fields as attributes, the
    two integers as int, ``control_action`` as a list, anything else in ``extra`` (JSON text)."""

    punish_state: PunishState
    effect_state: EffectState
    wxpay_punish_no: Optional[str]
    out_request_no: Optional[str]
    mchid: Optional[str]
    punish_scene: Optional[int]
    punish_rule_version: Optional[int]
    punish_reason: Optional[str]
    punish_start_time: Optional[str]
    punish_end_time: Optional[str]
    punish_accept_time: Optional[str]
    punish_finish_time: Optional[str]
    error_code: Optional[str]
    error_message: Optional[str]
    control_action: List[str] = field(default_factory=list)
    #: The raw ``punish_state`` / ``effect_state`` text (also for values this version does not know).
    punish_state_text: Optional[str] = None
    effect_state_text: Optional[str] = None
    extra: Dict[str, str] = field(default_factory=dict)
    request_id: Optional[str] = None
    json: str = ""


def scene(value: Any) -> int:
    """``punish_scene`` must be an int (a scene id agreed with the platform); a bool, float or
    str is refused here, before the network, naming the field."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("punish_scene", f"must be an int, not {type(value).__name__}")
    if not -(2 ** 63) <= value < 2 ** 63:
        raise invalid("punish_scene", "must fit in 64 bits")
    return value


def punish_struct(out_request_no: Any, mchid: Any, bal_account_no: Any, punish_scene: Any,
                  **optional: Any) -> wx_punish_request:
    """The ``wx_punish_request`` for a punish."""
    return wx_punish_request(
        out_request_no=cstr("out_request_no", out_request_no),
        mchid=cstr("mchid", mchid),
        bal_account_no=cstr("bal_account_no", bal_account_no),
        punish_scene=scene(punish_scene),
        **{k: cstr(k, v, required=False) for k, v in optional.items()},
    )


def accepted_from(lib: Any, out: Any) -> PunishAccepted:
    return PunishAccepted(
        wxpay_punish_no=text(lib.wx_punish_accepted_wxpay_punish_no(out)) or "",
        out_request_no=text(lib.wx_punish_accepted_out_request_no(out)) or "",
        request_id=text(lib.wx_punish_accepted_request_id(out)),
        attempts=int(lib.wx_punish_accepted_attempts(out)),
    )


def order_from(lib: Any, o: Any) -> PunishOrder:
    def get(name: str) -> Optional[str]:
        return text(lib.wx_punish_order_get(o, name.encode()))

    def integer(fn: Any) -> Optional[int]:
        v = ctypes.c_int64()
        return int(v.value) if fn(o, byref(v)) else None

    raw = text(lib.wx_punish_order_json(o)) or "{}"
    documented = set(TEXT_FIELDS) | {"punish_state", "effect_state", "punish_scene", "punish_rule_version",
                                     "control_action"}
    extra = {k: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
             for k, v in sorted(json.loads(raw).items()) if k not in documented}
    return PunishOrder(
        punish_state=PunishState(int(lib.wx_punish_order_state(o))),
        effect_state=EffectState(int(lib.wx_punish_order_effect_state(o))),
        punish_scene=integer(lib.wx_punish_order_punish_scene),
        punish_rule_version=integer(lib.wx_punish_order_punish_rule_version),
        control_action=[text(lib.wx_punish_order_control_action(o, i)) or ""
                        for i in range(int(lib.wx_punish_order_control_action_len(o)))],
        punish_state_text=get("punish_state"),
        effect_state_text=get("effect_state"),
        extra=extra,
        request_id=text(lib.wx_punish_order_request_id(o)),
        json=raw,
        **{name: get(name) for name in TEXT_FIELDS},
    )


class PunishCalls:
    """The punish calls of :class:`Client` (mixed in; the handle and the library are the
    client's)."""

    _lib: Any

    def _use(self) -> Any:  # provided by Client
        raise NotImplementedError

    def punish(self, out_request_no: str, mchid: str, bal_account_no: str, punish_scene: int, *,
               punish_reason: Optional[str] = None, punish_end_time: Optional[str] = None,
               card_no: Optional[str] = None, sgn_no: Optional[str] = None, req_scene: Optional[str] = None,
               fund_repatriation_strategy: Optional[str] = None) -> PunishAccepted:
        """Places a control order (管控). ``bal_account_no`` and ``card_no`` are plaintext: the
        library encrypts both. With a journal the order is recorded before the first byte goes
        out; re-entry returns the same ``wxpay_punish_no``; the same number with other content
        raises :class:`InvalidArgument` with nothing sent."""
        req = punish_struct(out_request_no, mchid, bal_account_no, punish_scene, punish_reason=punish_reason,
                            punish_end_time=punish_end_time, card_no=card_no, sgn_no=sgn_no, req_scene=req_scene,
                            fund_repatriation_strategy=fund_repatriation_strategy)
        lib = self._lib
        with self._use() as h:
            accepted: PunishAccepted = call(lib, lib.wx_recover_punish, h, byref(req), out=c_void_p(),
                                            free=lib.wx_punish_accepted_free, convert=lambda o: accepted_from(lib, o))
            return accepted

    def query_punish(self, out_request_no: str, mchid: str) -> PunishOrder:
        """Queries a control order (``control_type=PUNISH``) for the target merchant ``mchid``.
        An unknown order raises :class:`ApiError` with ``http_status`` 404 and code NOT_FOUND."""
        no, mch = cstr("out_request_no", out_request_no), cstr("mchid", mchid)
        lib = self._lib
        with self._use() as h:
            order: PunishOrder = call(lib, lib.wx_recover_query_punish, h, no, mch, out=c_void_p(),
                                      free=lib.wx_punish_order_free, convert=lambda o: order_from(lib, o))
            return order
