"""The PostgreSQL journal through the Python binding, by configuration alone: the same
``Client`` with ``journal`` set to a ``postgresql://`` URL records, re-enters, reconciles and
prunes as with a file (docs/journal.md, "a journal for a fleet"). A real PostgreSQL is started
by tests/journal/pg_server.py."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

import wx_recover
from wx_recover import JournalState

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests" / "journal"))

from pg_server import PgServer  # noqa: E402


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    with PgServer(tag="py-binding") as server:
        yield server


def test_a_postgresql_journal_is_configuration_alone(sandbox: Any, pg: PgServer) -> None:
    with sandbox.client(journal=pg.url, journal_timeout_ms=2000) as c:
        req = sandbox.request_for(sandbox.take_order("SUCCESS"))
        accepted = c.submit(**req)
        entry = c.journal_entry(req["out_request_no"])
        assert entry is not None and entry.state is JournalState.ACCEPTED
        assert entry.wxpay_recover_no == accepted.wxpay_recover_no
        assert c.submit(**req).wxpay_recover_no == accepted.wxpay_recover_no  # from the journal
        for _ in range(100):
            report = c.reconcile()
            if not report.pending:
                break
            time.sleep(0.1)
        assert c.journal_entry(req["out_request_no"]).state is JournalState.SUCCEEDED
        assert c.prune(0) == 1
    found = pg.psql("SELECT count(*) FROM wx_recover_entries").strip()
    assert found == "0"


def test_a_database_that_is_down_is_a_retry_safe_error_without_the_password(sandbox: Any) -> None:
    with PgServer(tag="py-down") as server:
        with sandbox.client(journal=server.url, journal_timeout_ms=1000) as c:
            server.crash()
            req = sandbox.request_for(sandbox.take_order())
            with pytest.raises(wx_recover.NetworkError) as info:
                c.submit(**req)
            assert info.value.retry_safe
            assert server.password not in str(info.value)
            assert "postgresql://wx:***@" in str(info.value)
            server.start()
            assert c.submit(**req).out_request_no == req["out_request_no"]
