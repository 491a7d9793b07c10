"""The journal's Python face: entries, states and the reconcile report (docs/journal.md).
The journal itself lives in the C library; these classes only hold what it returns."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .errors import Status


class JournalState(enum.Enum):
    """Where a journaled order stands. Values mirror ``wx_journal_state``."""

    IN_DOUBT = 1
    ACCEPTED = 2
    SUCCEEDED = 3
    FAILED = 4
    REFUSED = 5
    EXPIRED = 6

    @property
    def is_final(self) -> bool:
        return self not in (JournalState.IN_DOUBT, JournalState.ACCEPTED)


@dataclass(frozen=True)
class LastError:
    """The last error a journaled order met."""

    status: Status
    http_status: int
    code: Optional[str]
    message: str


@dataclass(frozen=True)
class JournalEntry:
    """One journaled order. Never holds the plaintext ``bal_account_no``. Times are Unix
    seconds."""

    out_request_no: str
    state: JournalState
    wxpay_recover_no: Optional[str]
    attempts: int
    last_error: Optional[LastError]
    request_id: Optional[str]
    created_at: int
    updated_at: int
    mchid: str = ""
    related_webank_punish_no: str = ""
    related_wxpay_punish_no: str = ""
    #: ``"RECOVER"`` or ``"PUNISH"``: the platform numbers the two kinds separately.
    kind: str = "RECOVER"
    #: The platform's number for either kind (``wxpay_recover_no`` or ``wxpay_punish_no``).
    platform_no: Optional[str] = None


@dataclass(frozen=True)
class ReconcileReport:
    """What :meth:`Client.reconcile` did: how many worked entries ended in each state, the
    entries still pending, and how many were skipped because another caller held them."""

    counts: Dict[JournalState, int] = field(default_factory=dict)
    pending: List[JournalEntry] = field(default_factory=list)
    busy: int = 0


def entry_from_handle(lib: Any, e: Any) -> JournalEntry:
    def text(name: str) -> Optional[str]:
        v = lib.wx_journal_entry_get(e, name.encode())
        return None if v is None else v.decode("utf-8", "replace")

    status = int(lib.wx_journal_entry_error_status(e))
    last = None
    if status != Status.OK:
        last = LastError(
            status=Status(status),
            http_status=int(lib.wx_journal_entry_error_http_status(e)),
            code=text("error_code"),
            message=text("error_message") or "",
        )
    return JournalEntry(
        out_request_no=text("out_request_no") or "",
        state=JournalState(int(lib.wx_journal_entry_state(e))),
        wxpay_recover_no=text("wxpay_recover_no"),
        kind=("RECOVER", "PUNISH")[int(lib.wx_journal_entry_kind(e))],
        platform_no=text("platform_no"),
        attempts=int(lib.wx_journal_entry_attempts(e)),
        last_error=last,
        request_id=text("request_id"),
        created_at=int(lib.wx_journal_entry_created_at(e)),
        updated_at=int(lib.wx_journal_entry_updated_at(e)),
        mchid=text("mchid") or "",
        related_webank_punish_no=text("related_webank_punish_no") or "",
        related_wxpay_punish_no=text("related_wxpay_punish_no") or "",
    )


def list_from_handle(lib: Any, lst: Any) -> List[JournalEntry]:
    return [entry_from_handle(lib, lib.wx_journal_list_get(lst, i)) for i in range(int(lib.wx_journal_list_len(lst)))]
