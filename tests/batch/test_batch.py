"""`wx-recover batch` against a real wx-sandbox: validation, resume after SIGKILL, SIGTERM and a
double Ctrl-C, conflicts, --wait, the report, pending/reconcile, and what the progress output
looks like with and without a terminal. The large run with faults and a per-minute limit is in
test_faults.py."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import (
    CLI, FIELDS, ROOT, Sandbox, assert_no_plaintext, cli_env, journal_states, one_recover_per_control_order,
    read_report, row_for, run_cli, seconds_of, start_cli, tmux_run, write_csv,
)


def tag() -> str:
    return uuid.uuid4().hex[:8].upper()


def out(p: subprocess.CompletedProcess) -> str:
    return p.stderr.decode("utf-8", "replace")


def wait_for_entries(journal: Path, n: int, proc: subprocess.Popen, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the batch ended (exit {proc.returncode}) before {n} journal entries existed")
        try:
            got = len(journal_states(journal))
        except Exception:  # the file may be being created
            got = 0
        if got >= n:
            return got
        time.sleep(0.05)
    pytest.fail(f"fewer than {n} journal entries after {seconds} s")


def check_against_sandbox(sandbox: Sandbox, report, rows, want_final: bool = False) -> None:
    """Every report row agrees with the sandbox's own record of that number."""
    records = {r["out_request_no"]: r for r in sandbox.recovers()}
    assert [int(r["line"]) for r in report] == list(range(2, len(rows) + 2))
    for rep, row in zip(report, rows):
        assert rep["out_request_no"] == row["out_request_no"]
        rec = records.get(row["out_request_no"])
        assert rec is not None, f"line {rep['line']}: {rep['state']} but the sandbox never accepted it"
        assert rep["wxpay_recover_no"] == rec["wxpay_recover_no"], rep
        if want_final:
            assert rep["state"] == {"SUCCESS": "SUCCEEDED", "FAILED": "FAILED"}[rec["state"]], (rep, rec)
        else:
            assert rep["state"] in ("ACCEPTED", "SUCCEEDED", "FAILED"), rep


# ----- validation -----


def test_invalid_rows_and_duplicates_send_nothing_and_name_every_bad_line(sandbox, tmp_path):
    o = sandbox.take(8)
    t = tag()
    good = row_for(o[0], f"V{t}-1")
    rows = [
        good,                                                                   # line 2: valid
        row_for(o[1], ""),                                                      # 3: empty number
        row_for(o[2], "X" * 65),                                                # 4: longer than 64 bytes
        row_for(o[3], o[3]["related_webank_punish_no"]),                        # 5: number = webank number
        row_for(o[4], f"V{t}-5", reason="bad\treason"),                         # 6: control character
        row_for(o[5], f"V{t}-1"),                                               # 7: the number of line 2
        row_for(o[0], f"V{t}-7"),                                               # 8: the control order of line 2
        {**row_for(o[6], f"V{t}-8"), "bal_account_no": ""},                     # 9: no ledger id
        row_for(o[7], f"V{t}-9"),                                               # 10: valid
    ]
    orders = write_csv(tmp_path / "orders.csv", rows)
    with open(orders, "a", encoding="utf-8") as f:
        f.write("\n")                                                           # 11: blank, ignored
        f.write(f"V{t}-12,only,three\n")                                        # 12: too few cells
    before = sandbox.requests()
    p = run_cli("batch", str(orders), "--config", sandbox.config_path)
    err = out(p)
    assert p.returncode == 12, err
    named = {int(m) for m in re.findall(r"^line (\d+): ", err, re.M)}
    assert named == {3, 4, 5, 6, 7, 8, 9, 12}, err
    assert re.search(r"^line 3: out_request_no: ", err, re.M)
    assert re.search(r"^line 4: out_request_no: must be at most 64 bytes", err, re.M)
    assert re.search(r"^line 5: out_request_no: must differ from related_webank_punish_no", err, re.M)
    assert re.search(r"^line 6: recover_reason: ", err, re.M)
    assert re.search(r"^line 7: out_request_no: the same number as line 2", err, re.M)
    assert re.search(r"^line 8: related_wxpay_punish_no: the same control order as line 2", err, re.M)
    assert re.search(r"^line 9: bal_account_no: ", err, re.M)
    assert "nothing was sent" in err
    assert sandbox.requests() == before, "an invalid file sent requests"
    assert not (tmp_path / "orders.csv.journal.sqlite").exists(), "an invalid file created a journal"
    assert_no_plaintext(err, sandbox.orders)
    # --dry-run says the same and sends nothing either.
    p = run_cli("batch", str(orders), "--dry-run")
    assert p.returncode == 12 and {int(m) for m in re.findall(r"^line (\d+): ", out(p), re.M)} == named
    assert sandbox.requests() == before


def test_dry_run_jsonl_from_stdin_with_bom(sandbox, tmp_path):
    o = sandbox.take(3)
    t = tag()
    lines = [json.dumps(row_for(x, f"J{t}-{i}")) for i, x in enumerate(o)]
    lines.insert(1, "")  # a blank line (line 2) is skipped; numbering follows the file
    lines.append(json.dumps({**row_for(o[0], f"J{t}-x"), "mchid": 1900000100}))  # line 5: not a string
    data = ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    before = sandbox.requests()
    p = run_cli("batch", "-", "--dry-run", stdin=data)
    err = out(p)
    assert p.returncode == 12, err
    assert re.findall(r"^line (\d+): (\w+)", err, re.M) == [("5", "mchid"), ("5", "related_wxpay_punish_no")], err
    p = run_cli("batch", "-", "--dry-run", stdin=("\ufeff" + "\n".join(lines[:4]) + "\n").encode())
    assert p.returncode == 0, out(p)
    assert "3 of 3 rows are valid" in out(p)
    assert sandbox.requests() == before
    # Not UTF-8: named by line, nothing sent.
    p = run_cli("batch", "-", "--dry-run", stdin=b"out_request_no\nA\n\xff\xfe\n")
    assert p.returncode == 12 and "line 3: not UTF-8" in out(p)


def test_rerun_resumes_and_a_changed_row_is_a_conflict(sandbox, tmp_path):
    o = sandbox.take(3)
    t = tag()
    rows = [row_for(x, f"C{t}-{i}") for i, x in enumerate(o)]
    orders = write_csv(tmp_path / "orders.csv", rows)
    report = tmp_path / "report.csv"
    p = run_cli("batch", str(orders), "--config", sandbox.config_path, "--report", str(report))
    assert p.returncode == 0, out(p)
    assert "resumed from the journal" not in out(p), "a first run said it resumed"
    journal = tmp_path / "orders.csv.journal.sqlite"
    assert journal.exists(), "the default journal is ORDERS.journal.sqlite beside the input"
    first = read_report(report)
    assert [r["state"] for r in first] == ["ACCEPTED"] * 3
    check_against_sandbox(sandbox, first, rows)
    requests = sandbox.requests()
    # The same file again: nothing is re-sent, the report is the same.
    p = run_cli("batch", str(orders), "--config", sandbox.config_path, "--report", str(report))
    assert p.returncode == 0, out(p)
    assert sandbox.requests() == requests, "accepted rows were sent again"
    assert ("resumed from the journal: 3 rows answered by the journal (not sent again), 0 re-entered "
            "(in doubt before), 0 sent for the first time") in out(p), out(p)
    assert [(r["state"], r["wxpay_recover_no"]) for r in read_report(report)] == \
        [(r["state"], r["wxpay_recover_no"]) for r in first]
    # Line 3 now asks for something else under the same number: a conflict, reported and skipped.
    rows[1]["recover_reason"] = "another reason"
    write_csv(orders, rows)
    p = run_cli("batch", str(orders), "--config", sandbox.config_path, "--report", str(report))
    err = out(p)
    assert p.returncode == 10, err
    rep = read_report(report)
    assert [r["state"] for r in rep] == ["ACCEPTED", "CONFLICT", "ACCEPTED"], rep
    assert rep[1]["error_status"] == "INVALID_ARGUMENT" and "different content" in rep[1]["error_message"]
    assert rep[1]["wxpay_recover_no"] == ""
    assert re.search(r"^CONFLICT\s+1$", err, re.M), err
    assert ("2 rows answered by the journal (not sent again), 0 re-entered (in doubt before), 0 sent for the "
            "first time, 1 in conflict with the journal (not sent)") in err, err
    assert sandbox.requests() == requests
    assert journal_states(journal) == {r["out_request_no"]: "ACCEPTED" for r in rows}


def test_skip_invalid_sends_the_valid_rows_and_a_json_report(sandbox, tmp_path):
    o = sandbox.take(3)
    t = tag()
    rows = [row_for(o[0], f"S{t}-1"), {**row_for(o[1], f"S{t}-2"), "mchid": ""}, row_for(o[2], f"S{t}-3")]
    orders = write_csv(tmp_path / "orders.csv", rows, bom=True)
    report = tmp_path / "report.json"
    p = run_cli("batch", str(orders), "--config", sandbox.config_path, "--skip-invalid", "--report", str(report))
    err = out(p)
    assert p.returncode == 12, err
    assert re.search(r"^line 3: mchid: is required", err, re.M) and "skipping 1 invalid rows" in err
    rep = json.loads(report.read_text(encoding="utf-8"))
    assert [(r["line"], r["state"]) for r in rep] == [(2, "ACCEPTED"), (3, "INVALID"), (4, "ACCEPTED")]
    assert rep[1]["error_status"] == "INVALID_ARGUMENT" and rep[1]["error_message"].startswith("mchid: ")
    records = {r["out_request_no"]: r for r in sandbox.recovers()}
    assert f"S{t}-2" not in records
    for r in (rep[0], rep[2]):
        assert records[r["out_request_no"]]["wxpay_recover_no"] == r["wxpay_recover_no"]
    assert_no_plaintext(report.read_text(encoding="utf-8") + err, sandbox.orders)


def test_a_run_without_wait_says_acceptance_is_not_the_outcome_and_prints_the_command_that_follows(sandbox, tmp_path):
    o = sandbox.take(4)
    t = tag()
    rows = [row_for(x, f"A{t}-{i}") for i, x in enumerate(o)]
    orders = write_csv(tmp_path / "orders.csv", rows)
    report = tmp_path / "report.csv"
    p = run_cli("batch", str(orders), "--config", sandbox.config_path, "--report", str(report))
    err = out(p)
    assert p.returncode == 0, err
    assert "4 rows are ACCEPTED: acceptance is not the outcome" in err, err
    m = re.search(r"^follow them to SUCCEEDED or FAILED with:\n  (.+)$", err, re.M)
    assert m, err
    command = shlex.split(m.group(1))
    assert command[:4] == ["python3", "-m", "wx_recover", "batch"] and "--wait" in command, command
    requests = sandbox.requests()
    r = subprocess.run([*CLI, *command[3:]], env=cli_env(), capture_output=True, timeout=120)
    err2 = out(r)
    failed = sum(1 for x in o if x["outcome"] == "FAILED")
    assert r.returncode == (10 if failed else 0), err2
    assert [x["state"] for x in read_report(report)] == \
        [{"SUCCESS": "SUCCEEDED", "FAILED": "FAILED"}[x["outcome"]] for x in o]
    # It followed the orders the first run sent; it sent no recover again.
    assert sandbox.requests() - requests == len(rows), "the follow-up did more than one query per order"
    assert "acceptance is not the outcome" not in err2
    check_against_sandbox(sandbox, read_report(report), rows, want_final=True)


def test_a_missing_or_unreadable_input_file_has_its_own_exit_status(sandbox, tmp_path):
    before = sandbox.requests()
    for path in (tmp_path / "no-such-orders.csv", tmp_path):  # missing; a directory
        for extra in ((), ("--dry-run",)):
            p = run_cli("batch", str(path), "--config", sandbox.config_path, *extra)
            err = out(p)
            assert p.returncode == 14, err
            assert f"cannot read {path}: " in err and "nothing was sent" in err, err
    assert sandbox.requests() == before
    assert not list(tmp_path.glob("*.journal.sqlite")), "an unreadable input created a journal"
    # A file that is there but not valid input is still status 12.
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,header\n")
    assert run_cli("batch", str(bad), "--dry-run").returncode == 12


def exit_rows(text: str):
    """(status, meaning) pairs of an exit-status table, in --help's or docs/operators.md's form."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\| (\d+) \| (.+) \|$", line) or re.match(r"^  +(\d+)    (.+)$", line)
        if m:
            rows.append([int(m.group(1)), m.group(2)])
        elif rows and re.match(r"^ {8}\S", line):
            rows[-1][1] += " " + line.strip()
    return [(code, meaning.replace("`", "")) for code, meaning in rows]


def test_batch_help_prints_the_exit_status_table_of_the_operators_guide():
    p = run_cli("batch", "--help")
    assert p.returncode == 0, out(p)
    helped = exit_rows(p.stdout.decode())
    doc = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    section = doc[doc.index("## 7. Exit status"):]
    section = section[:section.index("\n## ", 3)]
    documented = exit_rows(section)
    assert helped == documented, (helped, documented)
    codes = [code for code, _ in helped]
    assert len(codes) == len(set(codes)) and {0, 1, 2, 10, 11, 12, 13, 14} == set(codes), codes
    assert any(code == 14 and "cannot be read" in meaning for code, meaning in helped), helped
    assert "When several apply, the first of 13, 11, 10, 12 wins." in p.stdout.decode()
    assert "When several apply, the first of 13, 11, 10, 12 wins." in section


def test_the_operators_guide_example_file_is_real_sandbox_orders_that_pass_dry_run(sandbox, tmp_path):
    doc = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```csv\n(.*?)```", doc, re.S)
    example = next(b for b in blocks if b.startswith("out_request_no,"))
    orders = tmp_path / "orders.csv"
    orders.write_text(example, encoding="utf-8")
    p = run_cli("batch", str(orders), "--dry-run")
    assert p.returncode == 0, out(p)
    lines = example.strip("\n").split("\n")
    assert f"dry run: {len(lines) - 1} of {len(lines) - 1} rows are valid" in out(p), out(p)
    # The block is what `wx-sandbox orders --csv` prints for the first orders of a sandbox,
    # whose seeded orders are the same in every sandbox.
    listed = subprocess.run([os.environ.get("WX_SANDBOX_BIN") or str(ROOT / "target" / "release" / "wx-sandbox"),
                             "orders", "--csv", "--count", str(len(lines) - 1), "--env-file", sandbox.env_file],
                            capture_output=True, text=True, timeout=30)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == example, (listed.stdout, example)


# ----- interruption -----


def slow_batch(sandbox: Sandbox, tmp_path: Path, n: int, delay_ms: int, *extra: str):
    o = sandbox.take(n)
    t = tag()
    rows = [row_for(x, f"K{t}-{i}") for i, x in enumerate(o)]
    orders = write_csv(tmp_path / "orders.csv", rows)
    journal = tmp_path / "j.sqlite"
    report = tmp_path / "report.csv"
    sandbox.reset()
    sandbox.fault("delay", count=n, ms=delay_ms)  # every recover answered late: the run takes a while
    args = ["batch", str(orders), "--config", sandbox.config_path, "--journal", str(journal),
            "--report", str(report), *extra]
    return o, rows, orders, journal, report, args


def test_sigkill_then_the_same_command_completes_with_wait(sandbox, tmp_path):
    o, rows, orders, journal, report, args = slow_batch(sandbox, tmp_path, 80, 150, "--wait", "--wait-timeout", "60")
    p = start_cli(*args)
    wait_for_entries(journal, 15, p)
    p.send_signal(signal.SIGKILL)
    p.wait()
    sandbox.reset()
    states = journal_states(journal)
    assert 15 <= len(states) < len(rows), "the kill did not land partway"
    # pending lists what the killed run left unsettled, straight from the journal file.
    pend = run_cli("pending", "--journal", str(journal), "--json")
    assert pend.returncode == 0, out(pend)
    listed = {e["out_request_no"]: e["state"] for e in json.loads(pend.stdout)}
    assert listed == {k: v for k, v in states.items() if v in ("IN_DOUBT", "ACCEPTED")}
    started = time.monotonic()
    r = run_cli(*args)
    err = out(r)
    failed = sum(1 for x in o if x["outcome"] == "FAILED")
    assert r.returncode == (10 if failed else 0), err
    # What the resumed run did, row for row as the killed run left the journal.
    doubt = sum(1 for v in states.values() if v == "IN_DOUBT")
    assert (f"resumed from the journal: {len(states) - doubt} rows answered by the journal (not sent again), "
            f"{doubt} re-entered (in doubt before), {len(rows) - len(states)} sent for the first time") in err, err
    rep = read_report(report)
    assert len(rep) == len(rows), "the report is not complete"
    check_against_sandbox(sandbox, rep, rows, want_final=True)
    for x, line in zip(o, rep):
        if x["outcome"] == "FAILED":
            assert line["error_code"] == "LEDGER_STATE_ABNORMAL", line
    records = sandbox.recovers()
    one_recover_per_control_order(records)
    assert {r["out_request_no"] for r in records} >= {r["out_request_no"] for r in rows}
    assert_no_plaintext(err + r.stdout.decode() + report.read_text(), sandbox.orders)
    print(f"resume with --wait took {time.monotonic() - started:.1f} s")


def test_sigterm_stops_cleanly_and_the_printed_command_resumes(sandbox, tmp_path):
    o, rows, orders, journal, report, args = slow_batch(sandbox, tmp_path, 80, 250)
    p = start_cli(*args)
    wait_for_entries(journal, 8, p)
    p.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    _, stderr = p.communicate(timeout=60)
    took = time.monotonic() - t0
    err = stderr.decode()
    sandbox.reset()
    assert p.returncode == 13, err
    assert took < 15, f"in-flight calls took {took:.1f} s to finish"
    assert "SIGTERM: taking no new rows" in err
    states = journal_states(journal)
    assert 8 <= len(states) < len(rows)
    assert set(states.values()) == {"ACCEPTED"}, f"a clean stop left {states}"
    rep = read_report(report)
    assert len(rep) == len(rows)
    assert {r["state"] for r in rep} == {"ACCEPTED", "NOT_SENT"}
    assert sum(r["state"] == "ACCEPTED" for r in rep) == len(states)
    m = re.search(r"resume with:\n  (.+)\n", err)
    assert m, err
    command = shlex.split(m.group(1))
    assert command[:3] == ["python3", "-m", "wx_recover"] and "--journal" in command
    r = subprocess.run([*CLI, *command[3:]], env=cli_env(), capture_output=True, timeout=120)
    assert r.returncode == 0, out(r)
    rep = read_report(report)
    assert {r["state"] for r in rep} == {"ACCEPTED"}
    check_against_sandbox(sandbox, rep, rows)
    one_recover_per_control_order(sandbox.recovers())


def test_second_ctrl_c_leaves_at_once_and_is_safe(sandbox, tmp_path):
    o, rows, orders, journal, report, args = slow_batch(sandbox, tmp_path, 60, 3000)
    p = start_cli(*args)
    wait_for_entries(journal, 4, p)  # four calls in flight, each answered after 3 s
    p.send_signal(signal.SIGINT)
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    _, stderr = p.communicate(timeout=30)
    err = stderr.decode()
    assert p.returncode == 13, err
    assert time.monotonic() - t0 < 2.0, "the second Ctrl-C did not leave at once"
    assert "leaving at once" in err and "resume with:" in err
    sandbox.reset()
    r = run_cli(*args)
    assert r.returncode == 0, out(r)
    rep = read_report(report)
    check_against_sandbox(sandbox, rep, rows)
    one_recover_per_control_order(sandbox.recovers())


# ----- pending and reconcile -----


def test_reconcile_settles_what_a_batch_left_in_doubt(sandbox, tmp_path):
    o = sandbox.take(5)
    t = tag()
    rows = [row_for(x, f"R{t}-{i}") for i, x in enumerate(o)]
    orders = write_csv(tmp_path / "orders.csv", rows)
    config = sandbox.write_config(tmp_path / "client.json", max_attempts=1, rate_limit_per_minute=0)
    journal = tmp_path / "j.sqlite"
    sandbox.reset()
    sandbox.fault("reset_after_accept", count=5)  # accepted, but every answer is lost
    p = run_cli("batch", str(orders), "--config", config, "--journal", str(journal), "--workers", "1")
    sandbox.reset()
    assert p.returncode == 11, out(p)
    assert "run the same command again" in out(p)
    assert set(journal_states(journal).values()) == {"IN_DOUBT"}
    pend = run_cli("pending", "--journal", str(journal))
    assert pend.returncode == 0
    assert pend.stdout.decode().count("IN_DOUBT") == 5 and "5 pending: 5 IN_DOUBT" in out(pend)
    deadline = time.monotonic() + 30
    while True:
        r = run_cli("reconcile", "--journal", str(journal), "--config", config)
        if r.returncode == 0 or time.monotonic() > deadline:
            break
        assert r.returncode == 11, out(r)
        time.sleep(0.3)
    assert r.returncode == 0, r.stdout.decode() + out(r)
    want = {r["out_request_no"]: {"SUCCESS": "SUCCEEDED", "FAILED": "FAILED"}[x["outcome"]] for r, x in zip(rows, o)}
    assert journal_states(journal) == want
    records = [r for r in sandbox.recovers() if r["out_request_no"] in want]
    assert len(records) == 5 and all(r["accept_count"] >= 2 for r in records), "reconcile did not re-enter"
    one_recover_per_control_order(sandbox.recovers())


# ----- progress output -----

PLAIN = re.compile(r"^recover +\d+% · +\d+/\d+ · ETA +\S+ · accepted +\d+ · refused +\d+ · in doubt +\d+ · "
                   r"failed +\d+ · recover +\d+/min(, no limit| of \d+, slot in +\S+) · elapsed +\S+$")


def test_not_a_terminal_gives_plain_lines(sandbox, tmp_path):
    o, rows, orders, journal, report, args = slow_batch(sandbox, tmp_path, 24, 400)
    r = run_cli(*args, "--workers", "2", "--progress-interval", "1")
    err = out(r)
    sandbox.reset()
    assert r.returncode == 0, err
    lines = [line for line in err.splitlines() if line.startswith("recover ")]
    assert len(lines) >= 3, err
    for line in lines:
        assert PLAIN.match(line), line
        assert "--" not in line, line
    assert len({len(line) for line in lines}) == 1, "plain lines changed width:\n" + "\n".join(lines)
    assert lines[-1].startswith("recover 100% · 24/24 · ETA     0s · accepted 24 ·"), lines[-1]
    assert "\r" not in err and "\x1b" not in err, "terminal control characters in a log"
    assert_no_plaintext(err, sandbox.orders)


def test_progress_bar_in_a_real_terminal(sandbox, tmp_path):
    o, rows, orders, journal, report, args = slow_batch(sandbox, tmp_path, 30, 400)
    try:
        screens = tmux_run(tmp_path, [*args, "--workers", "2"])
    finally:
        sandbox.reset()
    final = screens[-1]
    assert "EXIT=0" in final, final
    bar = re.compile(r"recover +\d+%\|[█▏▎▍▌▋▊▉ ]{10}\| +(\d+)/30 · ETA +(\S+) · accepted +\d+ · refused +\d+ · "
                     r"in doubt +\d+ · failed +\d+ · recover +\d+/min, no limit · elapsed \d+:\d+")
    lines = [line.rstrip() for s in screens[:-1] for line in s.splitlines() if line.startswith("recover ")]
    live = [line for line in lines if bar.fullmatch(line) and "30/30" not in line]
    assert live, "no partly drawn progress bar was seen:\n" + "\n---\n".join(screens[-3:])
    for line in lines:
        assert bar.fullmatch(line), line
        assert "--" not in line, line
        seconds_of(bar.fullmatch(line).group(2))  # type: ignore[union-attr]
    assert len({len(line) for line in lines}) == 1, "the bar changed width:\n" + "\n".join(sorted(set(lines)))
    assert re.search(r"recover 100%\|█{10}\| 30/30 · ETA +0s · accepted 30 ", final), final
    # The bar redraws one line: one bar on the screen, not a line per update.
    assert len([line for line in final.splitlines() if bar.search(line)]) == 1, final
    out_dir = Path(os.environ.get("WX_BATCH_CAPTURE_DIR") or tmp_path)  # the frames, for docs/operators.md
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "progress-no-wait.txt").write_text(next(s for s in screens if live[len(live) // 2] in s))
    (out_dir / "progress-no-wait-final.txt").write_text(final)
    assert_no_plaintext("\n".join(screens), sandbox.orders)