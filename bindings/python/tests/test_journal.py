"""The journal through the Python binding: entries, states, reconcile and prune, read through
the C library (docs/journal.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import wx_recover
from wx_recover import JournalState


def test_a_journaled_submit_is_recorded_and_settles_by_reconcile(sandbox: Any, tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    with sandbox.client(journal=str(journal)) as c:
        order = sandbox.take_order("SUCCESS")
        req = sandbox.request_for(order)
        accepted = c.submit(**req)
        entry = c.journal_entry(req["out_request_no"])
        assert isinstance(entry, wx_recover.JournalEntry)
        assert entry.state is JournalState.ACCEPTED
        assert entry.wxpay_recover_no == accepted.wxpay_recover_no
        assert entry.attempts == 1 and entry.last_error is None
        assert entry.created_at <= entry.updated_at
        assert [e.out_request_no for e in c.pending()] == [req["out_request_no"]]
        assert c.journal_entry("PY-NO-SUCH-ENTRY") is None
        with pytest.raises(dataclasses_frozen()):
            entry.state = JournalState.FAILED  # type: ignore[misc]
        for _ in range(100):
            report = c.reconcile()
            if not report.pending:
                break
            time.sleep(0.1)
        assert report.pending == []
        assert c.journal_entry(req["out_request_no"]).state is JournalState.SUCCEEDED
        assert c.prune(0) == 1
        assert c.journal_entry(req["out_request_no"]) is None
    assert order["bal_account_no"].encode() not in journal.read_bytes()


def test_a_refusal_is_kept_with_its_error_and_is_not_pending(sandbox: Any, tmp_path: Path) -> None:
    with sandbox.client(journal=str(tmp_path / "j.sqlite")) as c:
        req = sandbox.request_for(sandbox.take_order(), related_wxpay_punish_no="PY-NO-SUCH-CONTROL-ORDER")
        with pytest.raises(wx_recover.ApiError):
            c.submit(**req)
        entry = c.journal_entry(req["out_request_no"])
        assert entry.state is JournalState.REFUSED
        assert entry.last_error is not None and entry.last_error.status is wx_recover.Status.API
        assert entry.last_error.http_status == 404
        assert c.pending() == []


def test_pending_at_reads_a_journal_without_a_client_and_refuses_what_is_not_one(sandbox: Any, tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    with sandbox.client(journal=str(journal)) as c:
        req = sandbox.request_for(sandbox.take_order("SUCCESS"))
        c.submit(**req)
        listed = wx_recover.pending_at(journal)
        assert [(e.out_request_no, e.state) for e in listed] == [(req["out_request_no"], JournalState.ACCEPTED)]
        assert listed == c.pending()
    before = journal.read_bytes()
    wx_recover.pending_at(journal)
    assert journal.read_bytes() == before, "read-only: nothing written"
    with pytest.raises(wx_recover.ConfigError, match="no journal file"):
        wx_recover.pending_at(tmp_path / "absent.sqlite")
    (tmp_path / "empty.sqlite").write_bytes(b"")
    with pytest.raises(wx_recover.ConfigError, match="schema version 0"):
        wx_recover.pending_at(tmp_path / "empty.sqlite")
    (tmp_path / "text.sqlite").write_text("not a database")
    with pytest.raises(wx_recover.ConfigError, match="journal"):
        wx_recover.pending_at(tmp_path / "text.sqlite")


def test_a_client_without_a_journal_says_so(client: wx_recover.Client) -> None:
    with pytest.raises(wx_recover.ConfigError) as e:
        client.pending()
    assert "journal" in str(e.value)
    with pytest.raises(wx_recover.InvalidArgument):
        client.reconcile(max_orders=-1)


def dataclasses_frozen() -> type:
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_two_processes_of_eight_threads_share_one_journal(sandbox: Any, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    journal = tmp_path / "shared.sqlite"
    config = tmp_path / "client.json"
    config.write_text(json.dumps(sandbox.config(journal=str(journal))))
    orders = [sandbox.take_order() for _ in range(16)]
    nos = [sandbox.new_no("PYSHARE") for _ in orders]
    lines = [f"{no} {o['related_webank_punish_no']} {o['related_wxpay_punish_no']} {o['mchid']} {o['bal_account_no']}"
             for no, o in zip(nos, orders)]
    orders_file = tmp_path / "orders.txt"
    orders_file.write_text("\n".join(lines) + "\n")
    child = Path(__file__).resolve().parents[3] / "tests" / "journal" / "child.py"
    # Both processes submit the same 16 numbers at once: re-entry, never a second recover.
    procs = [subprocess.Popen([sys.executable, str(child), "submit", str(config), str(orders_file), "8"])
             for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with wx_recover.Client.from_file(str(config)) as c:
        entries = {e.out_request_no: e for e in c.pending()}
    assert set(entries) == set(nos)
    assert all(e.state is JournalState.ACCEPTED and e.wxpay_recover_no for e in entries.values())
    records = [r for r in sandbox.recovers() if r["out_request_no"] in set(nos)]
    assert sorted(r["out_request_no"] for r in records) == sorted(nos)
    assert {r["out_request_no"]: r["wxpay_recover_no"] for r in records} == {
        no: e.wxpay_recover_no for no, e in entries.items()}
