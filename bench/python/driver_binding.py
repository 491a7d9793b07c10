"""Benchmark driver for the Python binding (bindings/python, ctypes over the C ABI).

    python3 driver_binding.py config=CLIENT.json order=OUT,WEBANK,WXPAY,MCHID,BAL \
        warmup=N n=N admin=URL [library=PATH]

Needs bindings/python on PYTHONPATH. The same workload as bench/driver.c.
"""

import sys

import benchlib
import wx_recover


def main():
    args = benchlib.parse_args(sys.argv[1:])
    o = args["order"]
    client = wx_recover.Client.from_file(args["config"], library=args.get("library"))

    def submit():
        a = client.submit(recover_reason="bench", **o)
        if a.attempts != 1:
            raise SystemExit(f"a submit needed {a.attempts} attempts")

    def query():
        order = client.query(o["out_request_no"], o["mchid"])
        if order.state == wx_recover.RecoverState.UNKNOWN:
            raise SystemExit("query answered an unknown state")

    args.setdefault("impl", "python")
    benchlib.run(args, submit, query)
    client.close()


if __name__ == "__main__":
    main()
