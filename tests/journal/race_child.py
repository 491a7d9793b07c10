#!/usr/bin/env python3
"""A process of the journal race (race.py): opens one client, says it is ready, then for each
round waits for the round's start signal, submits its order at the signalled instant and
writes down what came of it.

    race_child.py CONFIG DIR INDEX ROUNDS

It creates DIR/ready-INDEX once its client is open. Round R starts when DIR/go-R.json exists:
``{"at": UNIX_TIME, "orders": [[out_request_no, wb_no, wx_no, mchid, bal_account_no], ...]}``;
at ``at`` this process submits ``orders[INDEX]`` and writes DIR/result-R-INDEX.json:
``{"ok": true, "wxpay_recover_no": ..., "attempts": N, "started": T, "elapsed_ms": N}`` or
``{"ok": false, "error": CLASS, "status": NAME, "message": ..., "retry_safe": B, ...}``.
It exits 0 after ROUNDS rounds, 1 when its client cannot be opened, 2 on a usage error and 3
when a start signal does not come within 120 s.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from child_common import open_client  # noqa: E402
import wx_recover  # noqa: E402  (child_common put the checkout's binding on the path)

SIGNAL_WAIT = 120.0


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def wait_for(path):
    give_up = time.monotonic() + SIGNAL_WAIT
    while not os.path.exists(path):
        if time.monotonic() > give_up:
            return None
        time.sleep(0.002)
    with open(path) as f:
        return json.load(f)


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    config, folder, index, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    client = open_client("race_child.py", config)
    if client is None:
        return 1
    open(os.path.join(folder, f"ready-{index}"), "w").close()
    for r in range(rounds):
        go = wait_for(os.path.join(folder, f"go-{r}.json"))
        if go is None:
            print(f"race_child.py {index}: no start signal for round {r}", file=sys.stderr)
            return 3
        no, wb, wx, mchid, bal = go["orders"][index]
        # Sleep to just before the instant, then spin on the clock: the six start together.
        left = go["at"] - time.time()
        if left > 0.005:
            time.sleep(left - 0.005)
        while time.time() < go["at"]:
            pass
        started = time.time()
        try:
            a = client.submit(out_request_no=no, related_webank_punish_no=wb, related_wxpay_punish_no=wx,
                              mchid=mchid, bal_account_no=bal, recover_reason="journal race")
            result = {"ok": True, "wxpay_recover_no": a.wxpay_recover_no, "attempts": a.attempts}
        except wx_recover.WxError as e:
            status = e.status.name if isinstance(e.status, wx_recover.Status) else str(e.status)
            result = {"ok": False, "error": type(e).__name__, "status": status, "message": str(e.message),
                      "retry_safe": bool(e.retry_safe), "attempts": e.attempts}
        result.update(started=started, elapsed_ms=int((time.time() - started) * 1000))
        write_json(os.path.join(folder, f"result-{r}-{index}.json"), result)
    client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
