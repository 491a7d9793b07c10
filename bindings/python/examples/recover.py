#!/usr/bin/env python3
"""Submit one recover (解管) and poll it until it is final.

    recover.py CONFIG OUT_REQUEST_NO WEBANK_NO WXPAY_NO MCHID BAL_ACCOUNT_NO [REASON]

Exit codes: 0 recovered (SUCCESS); 1 the recover FAILED; 10 still not final after 30 s;
otherwise the wx_status value of the error (see wx_recover.Status).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

try:
    import wx_recover
except ImportError:  # run from a checkout without `pip install bindings/python`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import wx_recover

POLL_SECONDS = 30.0
RESUBMITS = 3


def main(argv: list) -> int:
    if len(argv) not in (7, 8):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 1
    config, out_request_no, webank_no, wxpay_no, mchid, bal_account_no = argv[1:7]
    reason = argv[7] if len(argv) == 8 else None

    try:
        with wx_recover.Client.from_file(config) as client:
            # The library already retries transient failures. If the outcome is still unknown
            # (retry_safe), re-submitting the SAME out_request_no is re-entry, never a second
            # recover.
            for attempt in range(1, RESUBMITS + 1):
                try:
                    accepted = client.submit(
                        out_request_no=out_request_no,
                        related_webank_punish_no=webank_no,
                        related_wxpay_punish_no=wxpay_no,
                        mchid=mchid,
                        bal_account_no=bal_account_no,
                        recover_reason=reason,
                    )
                    break
                except wx_recover.WxError as e:
                    if not e.retry_safe or attempt == RESUBMITS:
                        raise
                    print(f"submit not confirmed ({e}); re-submitting", file=sys.stderr)
                    time.sleep(1.0)
            print(f"accepted: wxpay_recover_no={accepted.wxpay_recover_no} Request-ID={accepted.request_id}")

            deadline = time.monotonic() + POLL_SECONDS
            delay = 0.2
            while True:
                order = client.query(out_request_no, mchid)
                print(f"state: {order.recover_state} (Request-ID {order.request_id})")
                if order.state is wx_recover.RecoverState.SUCCESS:
                    print(f"recovered: wxpay_recover_no={order.wxpay_recover_no} finished {order.recover_finish_time}")
                    return 0
                if order.state is wx_recover.RecoverState.FAILED:
                    print(f"recover FAILED: {order.error_code}: {order.error_message}")
                    return 1
                if time.monotonic() + delay > deadline:
                    print(f"still {order.recover_state} after {POLL_SECONDS:.0f} s; query again later", file=sys.stderr)
                    return 10
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
    except wx_recover.WxError as e:
        print(f"error: {e} (status {e.status.name if isinstance(e.status, wx_recover.Status) else e.status}, "
              f"retry_safe={e.retry_safe})", file=sys.stderr)
        return int(e.status)
    except wx_recover.LibraryError as e:
        print(f"error: {e}", file=sys.stderr)
        return int(wx_recover.Status.CONFIG)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
