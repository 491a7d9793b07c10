"""The punish (管控) side of the operators' CLI against a real wx-sandbox: `punish` then `query --kind
punish`; a batch of both kinds (a `kind` column) whose punishes a later batch of recovers lifts;
`--kind punish --dry-run` naming every bad row by line and field with nothing sent; `--wait`
following punishes to SUCCEEDED; a resumed run answered by the journal, and a changed row a
conflict. The sandbox ends a punish SUCCESS after its recover delay, FAILED for scene 9999."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

from conftest import ROOT, read_report, row_for, run_cli, write_csv

PUNISH_COLUMNS = ["out_request_no", "mchid", "bal_account_no", "punish_scene", "punish_reason", "punish_end_time",
                  "card_no"]
MIXED_COLUMNS = ["kind", "out_request_no", "related_webank_punish_no", "related_wxpay_punish_no", "mchid",
                 "bal_account_no", "recover_reason", "punish_scene", "punish_reason", "punish_end_time"]
SCENE_FAILS = 9999
END = "2027-12-31T23:59:59+08:00"


def tag() -> str:
    return uuid.uuid4().hex[:8].upper()


def err(p: subprocess.CompletedProcess) -> str:
    return p.stderr.decode("utf-8", "replace")


def ledger() -> str:
    return "6230" + "".join(random.choice("0123456789") for _ in range(15))


def punish_row(mchid: str, no: str, scene: Any = 5, **more: Any) -> Dict[str, Any]:
    return {"kind": "punish", "out_request_no": no, "mchid": mchid, "bal_account_no": ledger(),
            "punish_scene": scene, "punish_reason": "可疑交易", "punish_end_time": END, **more}


def punishes_by_no(sandbox) -> Dict[str, Dict[str, Any]]:
    return {p["out_request_no"]: p for p in sandbox.punishes()}


def journal_kinds(path: Path) -> Dict[Tuple[str, str], str]:
    """(kind, out_request_no) -> state, read from the journal file."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return {(k, n): s for k, n, s in db.execute("SELECT kind, out_request_no, state FROM entries")}
    finally:
        db.close()


def query_punish(sandbox, no: str, mchid: str) -> Dict[str, Any]:
    p = run_cli("query", "--kind", "PUNISH", "--config", sandbox.config_path, "--out-request-no", no, "--mchid", mchid)
    assert p.returncode == 0, err(p)
    return json.loads(p.stdout)


def until(what: str, f, seconds: float = 30.0):
    give_up = time.monotonic() + seconds
    while True:
        v = f()
        if v:
            return v
        assert time.monotonic() < give_up, f"{what} never happened"
        time.sleep(0.2)


def secrets_absent(text: str, rows: List[Dict[str, Any]]) -> None:
    leaked = [k for r in rows for k in ("bal_account_no", "card_no") if r.get(k) and str(r[k]) in text]
    assert not leaked, f"{len(leaked)} plaintext {sorted(set(leaked))} values in the output"


# ----- punish and query --kind punish -----


def test_punish_then_query_kind_punish(sandbox, tmp_path):
    mchid = sandbox.take(1)[0]["mchid"]
    no, bal, card = f"CP{tag()}", ledger(), "6222020000000007777"
    before = sandbox.requests()
    # --punish-scene must be an integer: a usage error naming the option, nothing sent.
    for bad in ("five", "5.0", "", "99999999999999999999"):
        p = run_cli("punish", "--config", sandbox.config_path, "--out-request-no", no, "--mchid", mchid,
                    "--bal-account-no", bal, "--punish-scene", bad)
        assert p.returncode == 1 and p.stdout == b"", err(p)
        e = json.loads(err(p).strip().splitlines()[-1])
        assert e["error"] == "UsageError" and "--punish-scene" in e["message"] and "integer" in e["message"], e
    assert sandbox.requests() == before, "a usage error sent a request"
    # Both secrets from stdin: the ledger id on the first line, the card number on the next.
    p = run_cli("punish", "--config", sandbox.config_path, "--out-request-no", no, "--mchid", mchid,
                "--bal-account-no", "-", "--card-no", "-", "--punish-scene", "5", "--punish-reason", "可疑交易",
                "--punish-end-time", END, "--req-scene", "SJT_MICRO_MERCHANT",
                "--fund-repatriation-strategy", "ALL_FORBIDDEN", stdin=f"{bal}\n{card}\n".encode())
    assert p.returncode == 0, err(p)
    accepted = json.loads(p.stdout)
    assert accepted["out_request_no"] == no and accepted["wxpay_punish_no"] and accepted["attempts"] >= 1
    assert set(accepted) == {"wxpay_punish_no", "out_request_no", "request_id", "attempts"}
    secrets_absent(p.stdout.decode() + err(p), [{"bal_account_no": bal, "card_no": card}])
    at = punishes_by_no(sandbox)[no]
    assert at["bal_account_no"] == bal and at["card_no"] == card, "the secrets were not read from stdin"
    assert at["punish_scene"] == 5 and at["punish_scene_type"] == "integer"
    assert at["wxpay_punish_no"] == accepted["wxpay_punish_no"]
    # The same command again is re-entry: the same number from the platform.
    p = run_cli("punish", "--config", sandbox.config_path, "--out-request-no", no, "--mchid", mchid,
                "--bal-account-no", "-", "--card-no", "-", "--punish-scene", "5", "--punish-reason", "可疑交易",
                "--punish-end-time", END, "--req-scene", "SJT_MICRO_MERCHANT",
                "--fund-repatriation-strategy", "ALL_FORBIDDEN", stdin=f"{bal}\n{card}\n".encode())
    assert p.returncode == 0 and json.loads(p.stdout)["wxpay_punish_no"] == accepted["wxpay_punish_no"], err(p)

    order = until("SUCCESS", lambda: (lambda o: o if o["state"] == "SUCCESS" else None)(
        query_punish(sandbox, no, mchid)))
    assert order["out_request_no"] == no and order["wxpay_punish_no"] == accepted["wxpay_punish_no"]
    assert order["punish_state"] == "SUCCESS" and order["effect_state"] == "ACTIVE"
    assert order["punish_scene"] == 5 and isinstance(order["punish_rule_version"], int)
    assert isinstance(order["control_action"], list) and order["control_action"]
    assert order["punish_reason"] == "可疑交易" and order["punish_end_time"] == END
    assert order["punish_accept_time"] and order["punish_finish_time"] and order["punish_start_time"]
    assert order["error_code"] is None and order["mchid"] == mchid
    secrets_absent(json.dumps(order), [{"bal_account_no": bal, "card_no": card}])

    # The platform numbers recovers apart: the default kind finds no recover of that number.
    p = run_cli("query", "--config", sandbox.config_path, "--out-request-no", no, "--mchid", mchid)
    assert p.returncode != 0 and json.loads(err(p).strip().splitlines()[-1])["code"] == "NOT_FOUND", err(p)
    # A refusal by the core names the field and sends nothing.
    before = sandbox.requests()
    p = run_cli("punish", "--config", sandbox.config_path, "--out-request-no", f"CP{tag()}", "--mchid", mchid,
                "--bal-account-no", bal, "--punish-scene", "5", "--punish-end-time", "2027-12-31 23:59")
    assert p.returncode == 1, err(p)
    assert "punish_end_time" in json.loads(err(p).strip().splitlines()[-1])["message"]
    assert sandbox.requests() == before
    secrets_absent(err(p), [{"bal_account_no": bal}])


# ----- batch -----


def test_a_batch_of_both_kinds_then_a_batch_of_recovers_that_lifts_its_punishes(sandbox, tmp_path):
    t = tag()
    seeded = sandbox.take(2, outcome="SUCCESS")
    mchid = sandbox.take(1)[0]["mchid"]
    punishes = [punish_row(mchid, f"MP{t}-{i}") for i in range(3)]
    punishes[2]["punish_scene"] = SCENE_FAILS
    recovers = [{"kind": k, **row_for(o, f"MR{t}-{i}")} for i, (k, o) in enumerate(zip(["RECOVER", ""], seeded))]
    # A recover may take a punish's number: the platform numbers the two kinds apart.
    recovers[1]["out_request_no"] = punishes[0]["out_request_no"]
    rows = [punishes[0], recovers[0], punishes[1], recovers[1], punishes[2]]
    orders = write_csv(tmp_path / "first.csv", rows, fields=MIXED_COLUMNS)
    report = tmp_path / "first-report.csv"
    p = run_cli("batch", str(orders), "--config", sandbox.config_path, "--wait", "--report", str(report))
    text = err(p)
    assert p.returncode == 10, text  # the punish of scene 9999 FAILED
    assert "rows by kind: 2 recover, 3 punish" in text, text
    secrets_absent(text, rows)
    rep = read_report(report)
    assert [r["kind"] for r in rep] == ["punish", "recover", "punish", "recover", "punish"]
    assert [r["state"] for r in rep] == ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED"], rep
    at = punishes_by_no(sandbox)
    records = {r["out_request_no"]: r for r in sandbox.recovers()}
    for r, row in zip(rep, rows):
        assert r["out_request_no"] == row["out_request_no"] and r["bal_account_no_last4"] == row["bal_account_no"][-4:]
        if r["kind"] == "punish":
            assert r["platform_no"] == at[row["out_request_no"]]["wxpay_punish_no"] and r["wxpay_recover_no"] == ""
            assert at[row["out_request_no"]]["accept_count"] == 1
        else:
            assert r["platform_no"] == r["wxpay_recover_no"] == records[row["out_request_no"]]["wxpay_recover_no"]
    assert rep[4]["error_status"] == "API" and rep[4]["error_code"] == "PUNISH_FAILED", rep[4]
    kinds = journal_kinds(tmp_path / "first.csv.journal.sqlite")
    assert kinds[("PUNISH", punishes[0]["out_request_no"])] == "SUCCEEDED"
    assert kinds[("RECOVER", punishes[0]["out_request_no"])] == "SUCCEEDED"
    assert kinds[("PUNISH", punishes[2]["out_request_no"])] == "FAILED"
    secrets_absent(report.read_text(encoding="utf-8"), rows)

    # The later batch: recovers naming each placed control order by its two numbers lift them.
    lifts = [{"out_request_no": f"ML{t}-{i}", "related_webank_punish_no": r["out_request_no"],
              "related_wxpay_punish_no": r["platform_no"], "mchid": mchid, "bal_account_no": row["bal_account_no"],
              "recover_reason": "核实无误"} for i, (r, row) in enumerate(zip([rep[0], rep[2]], [rows[0], rows[2]]))]
    orders = write_csv(tmp_path / "lift.csv", lifts)
    report = tmp_path / "lift-report.csv"
    p = run_cli("batch", str(orders), "--config", sandbox.config_path, "--wait", "--report", str(report))
    assert p.returncode == 0, err(p)
    assert [(r["kind"], r["state"]) for r in read_report(report)] == [("recover", "SUCCEEDED")] * 2
    for row in (rows[0], rows[2]):
        assert query_punish(sandbox, row["out_request_no"], mchid)["effect_state"] == "RECOVERED"
    at = punishes_by_no(sandbox)
    assert [at[r["out_request_no"]]["effect_state"] for r in (rows[0], rows[2])] == ["RECOVERED"] * 2
    assert at[rows[4]["out_request_no"]]["state"] == "FAILED"


def test_kind_punish_dry_run_names_every_bad_row_by_line_and_field_and_sends_nothing(sandbox, tmp_path):
    t = tag()
    mchid = sandbox.take(1)[0]["mchid"]
    rows = [
        punish_row(mchid, f"DP{t}-1"),                                  # line 2: valid
        punish_row(mchid, f"DP{t}-2", scene="five"),                    # 3: a string scene
        punish_row(mchid, f"DP{t}-3", punish_end_time="2027-12-31 23:59:59"),  # 4: not RFC 3339
        punish_row(mchid, "P" * 65),                                    # 5: 65 bytes
        punish_row(mchid, f"DP{t}-1"),                                  # 6: the number of line 2
        {**punish_row(mchid, f"DP{t}-7"), "bal_account_no": ""},        # 7: no ledger id
        punish_row(mchid, f"DP{t}-8", scene="5.0", punish_end_time="2027-02-30T00:00:00+08:00"),  # 8: two fields
        punish_row(mchid, f"DP{t}-9", scene=-3),                        # 9: valid (an integer)
    ]
    orders = write_csv(tmp_path / "punish.csv", rows, fields=PUNISH_COLUMNS)
    before = sandbox.requests()
    p = run_cli("batch", str(orders), "--kind", "punish", "--dry-run")
    text = err(p)
    assert p.returncode == 12, text
    found = re.findall(r"^line (\d+): (\w+): ", text, re.M)
    assert found == [("3", "punish_scene"), ("4", "punish_end_time"), ("5", "out_request_no"),
                     ("6", "out_request_no"), ("7", "bal_account_no"), ("8", "punish_scene"),
                     ("8", "punish_end_time")], text
    assert re.search(r"^line 3: punish_scene: must be an integer", text, re.M)
    assert re.search(r"^line 4: punish_end_time: must be an RFC 3339 time", text, re.M)
    assert re.search(r"^line 5: out_request_no: must be at most 64 bytes", text, re.M)
    assert re.search(r"^line 6: out_request_no: the same number as line 2", text, re.M)
    assert "6 of 8 rows are invalid: nothing was sent" in text
    secrets_absent(text, rows)
    # Without --dry-run: the same, nothing sent and no journal.
    p = run_cli("batch", str(orders), "--kind", "punish", "--config", sandbox.config_path)
    assert p.returncode == 12 and re.findall(r"^line (\d+): (\w+): ", err(p), re.M) == found, err(p)
    assert sandbox.requests() == before, "an invalid file sent requests"
    assert not (tmp_path / "punish.csv.journal.sqlite").exists(), "an invalid file created a journal"
    # Without --kind punish the punish columns are not a recover's: named, nothing read further.
    p = run_cli("batch", str(orders), "--dry-run")
    assert p.returncode == 12 and "line 1: punish_scene: not a field of a recover row" in err(p), err(p)
    # Duplicates are per kind: a recover and a punish may share a number, two punishes may not.
    o = sandbox.take(1)[0]
    mixed = [punish_row(mchid, f"DK{t}"), {"kind": "Recover", **row_for(o, f"DK{t}")}, punish_row(mchid, f"DK{t}")]
    p = run_cli("batch", str(write_csv(tmp_path / "mixed.csv", mixed, fields=MIXED_COLUMNS)), "--dry-run")
    assert p.returncode == 12, err(p)
    assert re.findall(r"^line (\d+): (.*)$", err(p), re.M) == [("4", "out_request_no: the same number as line 2")]
    # JSON Lines: punish_scene as a JSON integer; a float is not one.
    lines = [json.dumps({**punish_row(mchid, f"DJ{t}-1"), "kind": "punish"}),
             json.dumps({**punish_row(mchid, f"DJ{t}-2", scene=5.5)})]
    p = run_cli("batch", "-", "--kind", "punish", "--dry-run", stdin=("\n".join(lines) + "\n").encode())
    assert p.returncode == 12 and re.findall(r"^line (\d+): (\w+): ", err(p), re.M) == [("2", "punish_scene")], err(p)
    assert sandbox.requests() == before


def test_wait_follows_punishes_to_succeeded(sandbox, tmp_path):
    t = tag()
    mchid = sandbox.take(1)[0]["mchid"]
    rows = [punish_row(mchid, f"WP{t}-{i}", card_no=f"62220200000{i:08d}") for i in range(4)]
    orders = write_csv(tmp_path / "punish.csv", rows, fields=PUNISH_COLUMNS)
    report = tmp_path / "report.json"
    p = run_cli("batch", str(orders), "--kind", "punish", "--config", sandbox.config_path, "--wait",
                "--report", str(report), "--workers", "2")
    text = err(p)
    assert p.returncode == 0, text
    assert re.search(r"^SUCCEEDED\s+4$", text, re.M), text
    secrets_absent(text, rows)
    got = json.loads(report.read_text(encoding="utf-8"))
    at = punishes_by_no(sandbox)
    assert [(r["kind"], r["state"]) for r in got] == [("punish", "SUCCEEDED")] * 4
    for r, row in zip(got, rows):
        rec = at[row["out_request_no"]]
        assert rec["state"] == "SUCCESS" and rec["accept_count"] == 1
        assert rec["card_no"] == row["card_no"] and rec["bal_account_no"] == row["bal_account_no"]
        assert r["platform_no"] == rec["wxpay_punish_no"]
    journal = tmp_path / "punish.csv.journal.sqlite"
    assert set(journal_kinds(journal).items()) == {(("PUNISH", r["out_request_no"]), "SUCCEEDED") for r in rows}
    secrets_absent(report.read_text(encoding="utf-8") + journal.read_bytes().decode("latin-1"), rows)


def test_a_resumed_run_is_answered_by_the_journal_and_a_changed_row_is_a_conflict(sandbox, tmp_path):
    t = tag()
    mchid = sandbox.take(1)[0]["mchid"]
    rows = [punish_row(mchid, f"RP{t}-{i}") for i in range(3)]
    orders = write_csv(tmp_path / "punish.csv", rows, fields=PUNISH_COLUMNS)
    report = tmp_path / "report.csv"
    args = ["batch", str(orders), "--kind", "punish", "--config", sandbox.config_path, "--report", str(report)]
    p = run_cli(*args)
    text = err(p)
    assert p.returncode == 0, text
    assert "resumed from the journal" not in text
    assert "the platform may still fail a recover or a punish" in text, text
    follow = re.search(r"follow them to SUCCEEDED or FAILED with:\n  (.*)$", text, re.M)
    assert follow and "--kind punish" in follow.group(1) and "--wait" in follow.group(1), text
    assert {r["state"] for r in read_report(report)} == {"ACCEPTED"}
    first = {r["out_request_no"]: r["platform_no"] for r in read_report(report)}

    # The same command again: every row answered by the journal, nothing sent again.
    p = run_cli(*args)
    text = err(p)
    assert p.returncode == 0, text
    assert "3 rows answered by the journal (not sent again), 0 re-entered (in doubt before), 0 sent for the first " \
           "time" in text, text
    assert {r["out_request_no"]: r["platform_no"] for r in read_report(report)} == first
    assert all(punishes_by_no(sandbox)[n]["accept_count"] == 1 for n in first)

    # The printed command follows them (queries only) to SUCCEEDED.
    p = run_cli(*args, "--wait")
    assert p.returncode == 0, err(p)
    assert {r["state"] for r in read_report(report)} == {"SUCCEEDED"}
    at = punishes_by_no(sandbox)
    assert all(at[n]["accept_count"] == 1 and at[n]["state"] == "SUCCESS" for n in first)

    # A row changed under a number the journal holds: CONFLICT, not sent.
    rows[1]["punish_scene"] = 6
    write_csv(orders, rows, fields=PUNISH_COLUMNS)
    before = sandbox.requests()
    p = run_cli(*args)
    text = err(p)
    assert p.returncode == 10, text
    states = [r["state"] for r in read_report(report)]
    assert states == ["SUCCEEDED", "CONFLICT", "SUCCEEDED"], states
    assert "in conflict with the journal (not sent)" in text
    assert sandbox.requests() == before
    assert punishes_by_no(sandbox)[rows[1]["out_request_no"]]["punish_scene"] == 5


def test_the_operators_guide_example_of_both_kinds_passes_dry_run(tmp_path):
    doc = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    example = next(b for b in re.findall(r"```csv\n(.*?)```", doc, re.S) if b.startswith("kind,"))
    orders = tmp_path / "both.csv"
    orders.write_text(example, encoding="utf-8")
    p = run_cli("batch", str(orders), "--dry-run")
    rows = example.strip("\n").split("\n")[1:]
    assert p.returncode == 0 and f"dry run: {len(rows)} of {len(rows)} rows are valid" in err(p), err(p)
