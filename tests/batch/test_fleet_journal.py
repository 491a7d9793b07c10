"""The operators' commands on a PostgreSQL journal (docs/journal.md, "a journal for a fleet"),
against a real PostgreSQL (tests/journal/pg_server.py) and a real wx-sandbox: ``batch``,
``pending`` and ``reconcile`` take the URL, ``journal copy`` moves a 0.2 SQLite journal in once,
and no output line shows the URL's password."""

from __future__ import annotations

import json
import shutil
import sys
import uuid

import pytest

from conftest import ROOT, read_report, row_for, run_cli, write_csv

sys.path.insert(0, str(ROOT / "tests" / "journal"))

from pg_server import PgServer  # noqa: E402

FIXTURE = ROOT / "tests" / "vectors" / "journal-0.2.sqlite"


@pytest.fixture(scope="module")
def pg():
    with PgServer(tag="batch-fleet") as server:
        yield server


def text(p) -> str:
    return p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


def test_batch_pending_and_reconcile_take_the_url_and_never_print_its_password(sandbox, pg, tmp_path):
    t = uuid.uuid4().hex[:8].upper()
    orders = sandbox.take(3, outcome="SUCCESS")
    csv_path = write_csv(tmp_path / "orders.csv", [row_for(o, f"PG{t}-{i}") for i, o in enumerate(orders)])
    report = tmp_path / "report.csv"
    p = run_cli("batch", str(csv_path), "--config", sandbox.config_path, "--journal", pg.url, "--wait",
                "--report", str(report))
    assert p.returncode == 0, text(p)
    assert pg.password not in text(p)
    assert "postgresql://wx:***@127.0.0.1" in text(p), text(p)
    assert {r["state"] for r in read_report(report)} == {"SUCCEEDED"}
    rows = pg.psql(f"SELECT out_request_no, state FROM wx_recover_entries WHERE out_request_no LIKE 'PG{t}-%' "
                   "ORDER BY 1").split()
    assert rows == [f"PG{t}-{i}|SUCCEEDED" for i in range(3)]

    # Leave one in doubt: the sandbox drops the connection after accepting it.
    o = sandbox.take(1, outcome="SUCCESS")[0]
    sandbox.fault("reset_after_accept", 20)
    one = write_csv(tmp_path / "one.csv", [row_for(o, f"PG{t}-D")])
    p = run_cli("batch", str(one), "--config", sandbox.config_path, "--journal", pg.url)
    sandbox.reset()
    assert p.returncode == 11, text(p)
    assert pg.password not in text(p)

    p = run_cli("pending", "--journal", pg.url, "--json")
    assert p.returncode == 0, text(p)
    pending = {e["out_request_no"]: e["state"] for e in json.loads(p.stdout)}
    assert pending.get(f"PG{t}-D") == "IN_DOUBT", pending
    assert pg.password not in text(p)

    p = run_cli("reconcile", "--journal", pg.url, "--config", sandbox.config_path)
    assert pg.password not in text(p)
    assert "ACCEPTED: 1" in p.stdout.decode() or "SUCCEEDED: 1" in p.stdout.decode(), text(p)
    assert pg.psql(f"SELECT state FROM wx_recover_entries WHERE out_request_no = 'PG{t}-D'").strip() in (
        "ACCEPTED", "SUCCEEDED")
    recs = [r for r in sandbox.recovers() if r["out_request_no"] == f"PG{t}-D"]
    assert len(recs) == 1, recs


def test_journal_copy_moves_a_0_2_file_in_once(pg, tmp_path):
    source = tmp_path / "old.sqlite"
    shutil.copy(FIXTURE, source)
    merchant = "1900000777"
    p = run_cli("journal", "copy", "--from", str(source), "--to", pg.url, "--merchant", merchant)
    assert p.returncode == 0, text(p)
    assert "copied 3 entries (2 pending)" in p.stdout.decode(), text(p)
    assert pg.password not in text(p)
    p = run_cli("journal", "copy", "--from", str(source), "--to", pg.url, "--merchant", merchant)
    assert p.returncode == 0, text(p)
    assert "copied 0 entries (0 pending)" in p.stdout.decode() and "3 were there already" in p.stdout.decode()
    assert pg.psql(f"SELECT count(*) FROM wx_recover_entries WHERE merchant = '{merchant}'").strip() == "3"
    # A wrong password is a clear error that does not echo it.
    bad = pg.url.replace(pg.password, "wrong-password-123")
    p = run_cli("journal", "copy", "--from", str(source), "--to", bad, "--merchant", merchant)
    assert p.returncode == 2 and "wrong-password-123" not in text(p), text(p)
    assert "postgresql://wx:***@" in text(p), text(p)
    # The arguments are checked: a URL as the source, a file as the target.
    assert run_cli("journal", "copy", "--from", pg.url, "--to", pg.url, "--merchant", merchant).returncode == 2
    assert run_cli("journal", "copy", "--from", str(source), "--to", str(source), "--merchant", merchant
                   ).returncode == 1
