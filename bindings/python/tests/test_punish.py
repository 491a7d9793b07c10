"""The control order's whole life through the Python binding: place it (punish), follow it to
SUCCESS/ACTIVE, lift it with a recover naming its numbers, see RECOVERED; input refused before
the network; the journal keyed by kind (docs/lifecycle.md)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import pytest

import wx_recover
from wx_recover import EffectState, JournalState, PunishState

T = TypeVar("T")


def until(what: str, f: Callable[[], Optional[T]], seconds: float = 20.0) -> T:
    give_up = time.monotonic() + seconds
    while True:
        v = f()
        if v is not None:
            return v
        assert time.monotonic() < give_up, f"{what} never happened"
        time.sleep(0.1)


def punish_args(sandbox: Any, no: str) -> dict:
    order = sandbox.take_order()
    return dict(out_request_no=no, mchid=order["mchid"], bal_account_no="6230000000000777001", punish_scene=5,
                punish_reason="可疑交易", punish_end_time="2027-12-31T23:59:59+08:00",
                card_no="6222020000000007777", req_scene=wx_recover.ReqScene.SJT_MICRO_MERCHANT,
                fund_repatriation_strategy=wx_recover.FundRepatriationStrategy.ALL_FORBIDDEN)


def test_a_control_is_placed_followed_lifted_and_seen_recovered(sandbox: Any, tmp_path: Path) -> None:
    no = f"PYP{uuid.uuid4().hex[:20].upper()}"
    args = punish_args(sandbox, no)
    with sandbox.client(journal=str(tmp_path / "j.sqlite")) as c:
        placed = c.punish(**args)
        assert isinstance(placed, wx_recover.PunishAccepted) and placed.out_request_no == no
        assert c.punish(**args).wxpay_punish_no == placed.wxpay_punish_no  # re-entry
        at = next(p for p in sandbox.punishes() if p["out_request_no"] == no)
        assert at["bal_account_no"] == args["bal_account_no"] and at["card_no"] == args["card_no"]
        assert at["punish_scene_type"] == "integer"
        active = until("ACTIVE", lambda: (lambda o: o if o.punish_state is PunishState.SUCCESS else None)(
            c.query_punish(no, args["mchid"])))
        assert active.effect_state is EffectState.ACTIVE and active.punish_scene == 5
        assert isinstance(active.punish_rule_version, int) and active.control_action
        lift = f"PYR{uuid.uuid4().hex[:20].upper()}"
        c.submit(out_request_no=lift, related_webank_punish_no=no, related_wxpay_punish_no=placed.wxpay_punish_no,
                 mchid=args["mchid"], bal_account_no=args["bal_account_no"], recover_reason="核实无误",
                 card_no=args["card_no"])
        recovered = until("RECOVERED", lambda: (lambda o: o if o.effect_state is EffectState.RECOVERED else None)(
            c.query_punish(no, args["mchid"])))
        assert recovered.wxpay_punish_no == placed.wxpay_punish_no
        entry = c.journal_entry(no, kind="PUNISH")
        assert entry is not None and entry.kind == "PUNISH" and entry.platform_no == placed.wxpay_punish_no
        assert entry.state in (JournalState.ACCEPTED, JournalState.SUCCEEDED)
        assert c.journal_entry(no) is None  # the recover of that number is another entry
        assert c.journal_entry(lift).kind == "RECOVER"
        with pytest.raises(wx_recover.InvalidArgument):
            c.journal_entry(no, kind="punish")
        stats = c.stats()
        assert stats.punish is not None and stats.punish.requests == 1  # its own counters (re-entry came from the journal)
        assert stats.recover.requests == 1
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert args["bal_account_no"].encode() not in blob and args["card_no"].encode() not in blob


@pytest.mark.parametrize("change,field", [
    ({"punish_scene": "5"}, "punish_scene"),
    ({"punish_scene": 5.0}, "punish_scene"),
    ({"punish_scene": True}, "punish_scene"),
    ({"punish_end_time": "2027-12-31 23:59:59"}, "punish_end_time"),
    ({"out_request_no": "P" * 65}, "out_request_no"),
    ({"card_no": ""}, "card_no"),
])
def test_malformed_input_is_refused_before_the_network(sandbox: Any, change: dict, field: str) -> None:
    args = punish_args(sandbox, "PY-BAD-1")
    args.update(change)
    before = sandbox.stats()["primary"]["requests"]
    with sandbox.client() as c:
        with pytest.raises(wx_recover.InvalidArgument) as info:
            c.punish(**args)
    assert f": {field}: " in f": {info.value.message}".replace("invalid argument: ", ""), info.value
    assert "6230000000000777001" not in str(info.value)
    assert sandbox.stats()["primary"]["requests"] == before
