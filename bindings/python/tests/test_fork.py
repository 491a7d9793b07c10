"""fork(): a client inherited by a child process refuses to work (InvalidArgument naming
fork, never a hang), a client created in the child works, and the child exits cleanly even
when the inherited client is garbage-collected or still alive at interpreter exit.

Every child is watched with a deadline: a child that hangs is killed and the test fails.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import weakref
from typing import Any, Callable, Dict, List, Tuple

import pytest

import wx_recover
from wx_recover import InvalidArgument, Status

CHILD_DEADLINE_S = 60.0

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _child_work(holder: List[wx_recover.Client], config: str, inherited_req: Dict[str, Any],
                fresh_req: Dict[str, Any]) -> Dict[str, Any]:
    """Runs in the child. `holder` has the only reference to the inherited client."""
    out: Dict[str, Any] = {"pid": os.getpid()}
    inherited = holder[0]
    try:
        inherited.submit(**inherited_req)
        out["inherited"] = "submitted (should have been refused)"
    except InvalidArgument as e:
        out["inherited"] = "InvalidArgument"
        out["inherited_message"] = str(e)
        out["inherited_status"] = e.status.name
        out["inherited_attempts"] = e.attempts
    except Exception as e:  # noqa: BLE001 - reported to the parent
        out["inherited"] = f"{type(e).__name__}: {e}"
    with wx_recover.Client(config) as fresh:
        out["fresh_wxpay_recover_no"] = fresh.submit(**fresh_req).wxpay_recover_no
    # Drop the inherited client by garbage collection: its __del__ frees the handle, and the
    # library must leak (not join) the I/O thread that does not exist in this process.
    ref = weakref.ref(inherited)
    del inherited
    holder.clear()
    gc.collect()
    out["inherited_collected"] = ref() is None
    return out


def _wait(pid: int, deadline_s: float = CHILD_DEADLINE_S) -> int:
    """waitpid with a deadline; a child still running then is killed and the test fails."""
    deadline = time.monotonic() + deadline_s
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"forked child {pid} still running after {deadline_s} s: it hung")
        time.sleep(0.02)


def _run_in_fork(work: Callable[[], Dict[str, Any]]) -> Tuple[int, Dict[str, Any]]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 3
        try:
            os.close(r)
            payload = json.dumps(work()).encode()
            code = 0
        except BaseException as e:  # noqa: BLE001
            payload = json.dumps({"child_error": f"{type(e).__name__}: {e}"}).encode()
        try:
            os.write(w, payload)
        finally:
            os._exit(code)
    os.close(w)
    try:
        code = _wait(pid)
        chunks = []
        while True:
            b = os.read(r, 65536)
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(r)
    raw = b"".join(chunks)
    return code, (json.loads(raw) if raw else {})


def _check_child(sandbox, code: int, report: Dict[str, Any], inherited_req: Dict[str, Any],
                 fresh_req: Dict[str, Any], parent: wx_recover.Client) -> None:
    assert code == 0, f"child exited {code}: {report}"
    assert report["pid"] != os.getpid()
    assert report["inherited"] == "InvalidArgument", report
    assert "fork" in report["inherited_message"], report
    assert report["inherited_status"] == Status.INVALID_ARGUMENT.name
    assert report["inherited_attempts"] == 0
    assert report["fresh_wxpay_recover_no"], report
    assert report["inherited_collected"] is True, report
    # The parent's client is untouched by the fork, and sees what the child did.
    order = parent.query(fresh_req["out_request_no"], fresh_req["mchid"])
    assert order.wxpay_recover_no == report["fresh_wxpay_recover_no"]
    # Nothing was sent for the refused request.
    with pytest.raises(wx_recover.ApiError) as ei:
        parent.query(inherited_req["out_request_no"], inherited_req["mchid"])
    assert ei.value.http_status == 404


def test_os_fork_child_refuses_inherited_client_and_uses_a_new_one(sandbox):
    holder = [sandbox.client()]
    holder[0].submit(**sandbox.request_for(sandbox.take_order()))  # pool and I/O thread alive
    inherited_req = sandbox.request_for(sandbox.take_order())
    fresh_req = sandbox.request_for(sandbox.take_order())
    config = json.dumps(sandbox.config())
    code, report = _run_in_fork(lambda: _child_work(holder, config, inherited_req, fresh_req))
    parent = holder[0]
    try:
        _check_child(sandbox, code, report, inherited_req, fresh_req, parent)
        parent.submit(**sandbox.request_for(sandbox.take_order()))  # still works after the fork
    finally:
        parent.close()


def _mp_child(holder: List[wx_recover.Client], config: str, inherited_req: Dict[str, Any],
              fresh_req: Dict[str, Any], conn: Any) -> None:
    try:
        conn.send(_child_work(holder, config, inherited_req, fresh_req))
    finally:
        conn.close()


def test_multiprocessing_fork_context(sandbox):
    ctx = multiprocessing.get_context("fork")
    holder = [sandbox.client()]
    holder[0].submit(**sandbox.request_for(sandbox.take_order()))
    inherited_req = sandbox.request_for(sandbox.take_order())
    fresh_req = sandbox.request_for(sandbox.take_order())
    config = json.dumps(sandbox.config())
    recv, send = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_mp_child, args=(holder, config, inherited_req, fresh_req, send))
    p.start()
    send.close()
    try:
        report = recv.recv() if recv.poll(CHILD_DEADLINE_S) else {}
        p.join(CHILD_DEADLINE_S if report else 1)
        if p.is_alive():
            p.kill()
            p.join()
            pytest.fail(f"multiprocessing child still running after {CHILD_DEADLINE_S} s: it hung ({report})")
        assert report, f"child sent nothing (exit code {p.exitcode})"
        _check_child(sandbox, p.exitcode, report, inherited_req, fresh_req, holder[0])
    finally:
        recv.close()
        holder[0].close()


CHILD_EXITS_NORMALLY = textwrap.dedent(
    """
    import json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    import wx_recover

    args = json.loads(sys.stdin.read())
    client = wx_recover.Client(args["config"])  # a module global: alive at interpreter exit
    client.submit(**args["warmup"])
    pid = os.fork()
    if pid == 0:
        try:
            client.submit(**args["inherited"])
            sys.exit(10)
        except wx_recover.InvalidArgument as e:
            if "fork" not in str(e):
                sys.exit(11)
        with wx_recover.Client(args["config"]) as fresh:
            fresh.submit(**args["fresh"])
        sys.exit(0)  # full interpreter shutdown with the inherited client still referenced
    deadline = time.monotonic() + float(args["deadline"])
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            print("child hung")
            sys.exit(12)
        time.sleep(0.02)
    print(json.dumps({"child_exit": os.waitstatus_to_exitcode(status)}))
    client.submit(**args["after"])
    """
)


def test_child_exits_normally_with_inherited_client_alive(sandbox):
    """The child returns through normal interpreter shutdown (sys.exit, atexit, module
    teardown, the library's own destructors) while the inherited client is still referenced."""
    args = {
        "config": json.dumps(sandbox.config()),
        "warmup": sandbox.request_for(sandbox.take_order()),
        "inherited": sandbox.request_for(sandbox.take_order()),
        "fresh": sandbox.request_for(sandbox.take_order()),
        "after": sandbox.request_for(sandbox.take_order()),
        "deadline": CHILD_DEADLINE_S,
    }
    py_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(
        [sys.executable, "-c", CHILD_EXITS_NORMALLY, py_dir],
        input=json.dumps(args),
        capture_output=True,
        text=True,
        timeout=CHILD_DEADLINE_S + 30,
    )
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"child_exit": 0}, proc.stdout
    with sandbox.client() as c:
        assert c.query(args["fresh"]["out_request_no"], args["fresh"]["mchid"]).wxpay_recover_no
        assert c.query(args["after"]["out_request_no"], args["after"]["mchid"]).wxpay_recover_no
