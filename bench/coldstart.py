#!/usr/bin/env python3
"""Cold start: from nothing to one verified acceptance, per process. `bench/run.sh` runs it
after building the drivers into build/bench/; alone:

    python3 bench/coldstart.py [--rounds 5] [--out FILE]

Each variant is one process that starts, loads its library or SDK, reads the configuration
and keys, opens TLS to the sandbox, submits one NEW recover (a fresh out_request_no), and
exits. The variants run interleaved round by round against one sandbox:

- python-cli:  `python -m wx_recover submit --config ...` (the operator's command), with
               WX_RECOVER_LIB = a stripped copy of the library, as `pip install` bundles it;
- c:           build/bench/coldstart (dlopen of the stripped library, then the C ABI); it
               also prints the library's load time, and a second C variant loads the
               unstripped target/release library to show what stripping saves; a third
               (c-lazy-roots) sets SSL_CERT_FILE to a missing file and SSL_CERT_DIR to
               /etc/ssl/certs, so OpenSSL looks system CAs up lazily instead of parsing the
               whole bundle while the HTTP client is built: what that parse costs;
- java:        `java ColdStart` through the Java binding (JNI glue from build/bench);
- wechatpayv3: bench/python/coldstart_wechatpayv3.py;
- wechatpay-go: build/bench/peer-go once=1.

Wall = from spawn to exit (perf_counter in this process); CPU = the child's user + sys from
os.wait4 (all its threads). Prints a JSON report; --out FILE writes it too.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
B = ROOT / "build" / "bench"
REL = ROOT / "target" / "release"
sys.path.insert(0, str(ROOT / "sandbox" / "py"))
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402


def run_one(argv, env=None):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"coldstart: {argv[0]} ... failed ({p.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    return {"wall_ms": wall * 1000, "cpu_ms": (ru.ru_utime + ru.ru_stime) * 1000, "stdout": out.decode().strip()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out")
    args = ap.parse_args()
    py = str(B / "venv" / "bin" / "python") if (B / "venv" / "bin" / "python").exists() else sys.executable
    work = Path(tempfile.mkdtemp(prefix="wx-coldstart-"))
    stripped = work / "libwx_recover.so"
    subprocess.run(["strip", "--strip-unneeded", "-o", str(stripped), str(REL / "libwx_recover.so")], check=True)
    variants = ["python-cli", "c", "c-unstripped", "c-lazy-roots", "java", "wechatpayv3", "wechatpay-go"]
    try:
        sb = Sandbox(state_dir=work / "sb", binary=REL / "wx-sandbox", orders=len(variants) * (args.rounds + 1) + 5,
                     rate_limit_per_minute=0)
    except SandboxError as e:
        sys.exit(f"coldstart: {e}")
    try:
        sandbox_json = sb.json_path
        info = sb.info
        config = sb.write_config(work / "client.json", rate_limit_per_minute=0)
        orders = iter(info["orders"])
        stamp = int(time.time())

        def order(tag, i):
            o = next(orders)
            return [f"CS-{tag}-{i}-{stamp}", o["related_webank_punish_no"], o["related_wxpay_punish_no"], o["mchid"],
                    o["bal_account_no"]]

        pyenv = dict(os.environ, PYTHONPATH=str(ROOT / "bindings" / "python"), WX_RECOVER_LIB=str(stripped))
        pyenv.pop("WX_RECOVER_LOG", None)
        pyenv.pop("WX_RECOVER_LOG_FILE", None)
        jni = B / "java-binding" / "native" / "libwx_recover_jni.so"

        def argv(v, o):
            if v == "python-cli":
                return [py, "-m", "wx_recover", "submit", "--config", str(config), "--out-request-no", o[0],
                        "--related-webank-punish-no", o[1], "--related-wxpay-punish-no", o[2], "--mchid", o[3],
                        "--bal-account-no", o[4], "--recover-reason", "cold start"], pyenv
            if v == "c":
                return [str(B / "coldstart"), str(stripped), str(config), ",".join(o)], None
            if v == "c-lazy-roots":
                # The same, with OpenSSL told to find system CAs in the hashed directory (looked up
                # lazily, by subject) instead of parsing the whole bundle file when the HTTP client
                # is built: what that parse costs at start.
                return [str(B / "coldstart"), str(stripped), str(config), ",".join(o)], \
                    dict(os.environ, SSL_CERT_FILE=str(work / "no-bundle.pem"), SSL_CERT_DIR="/etc/ssl/certs")
            if v == "c-unstripped":
                return [str(B / "coldstart"), str(REL / "libwx_recover.so"), str(config), ",".join(o)], None
            if v == "java":
                return ["java", f"-Dwx.recover.jni.path={jni}", "-cp", str(B / "java-binding" / "classes") + os.pathsep + (B / "java-binding" / "runtime.classpath").read_text().strip(),
                        "ColdStart", str(config), ",".join(o)], None
            if v == "wechatpayv3":
                return [py, str(ROOT / "bench" / "python" / "coldstart_wechatpayv3.py"), sandbox_json,
                        ",".join(o)], None
            if v == "wechatpay-go":
                return [str(B / "peer-go"), f"sandbox={sandbox_json}", f"order={','.join(o)}", "once=1"], None
            raise ValueError(v)

        # One untimed run of each first: page cache, JIT-less class data, Python bytecode.
        for v in variants:
            a, env = argv(v, order(v, "w"))
            run_one(a, env)
        samples = {v: [] for v in variants}
        for r in range(args.rounds):
            for v in variants:
                a, env = argv(v, order(v, r))
                s = run_one(a, env)
                if v.startswith("c"):
                    s.update(json.loads(s.pop("stdout").splitlines()[-1]))
                else:
                    s.pop("stdout")
                s["round"] = r
                samples[v].append(s)
        # The Python CLI's imports, by module (cumulative µs, -X importtime), median of 3 runs.
        imports = []
        for _ in range(3):
            r = subprocess.run([py, "-X", "importtime", "-c", "import wx_recover.__main__"], capture_output=True,
                               text=True, env=pyenv)
            t = {}
            for line in r.stderr.splitlines():
                parts = [x.strip() for x in line.split("|")]
                if len(parts) == 3 and parts[1].isdigit():
                    t[parts[2]] = int(parts[1])
            imports.append(t)
        keys = ("wx_recover.__main__", "wx_recover", "wx_recover.client", "wx_recover._native", "wx_recover.journal",
                "logging", "dataclasses", "json", "ctypes", "argparse")
        py_imports = {k: statistics.median(t.get(k, 0) for t in imports) for k in keys}
        report = {"rounds": args.rounds, "samples": samples, "python_imports_us": py_imports,
                  "library_bytes": {"stripped": stripped.stat().st_size,
                                    "unstripped": (REL / "libwx_recover.so").stat().st_size}}
        med = lambda v, k: statistics.median(s[k] for s in samples[v])  # noqa: E731
        summary = {v: {"wall_ms": med(v, "wall_ms"), "cpu_ms": med(v, "cpu_ms")} for v in variants}
        for v in ("c", "c-unstripped", "c-lazy-roots"):
            for k in ("load_us", "new_us", "submit_us"):
                summary[v][k] = med(v, k)
        report["median"] = summary
        print(json.dumps(report, indent=1))
        if args.out:
            Path(args.out).write_text(json.dumps(report, indent=1))
        ratio = statistics.median(a["wall_ms"] / b["wall_ms"] for a, b in zip(samples["python-cli"], samples["wechatpayv3"]))
        print(f"coldstart: python CLI {summary['python-cli']['wall_ms']:.0f} ms, wechatpayv3 "
              f"{summary['wechatpayv3']['wall_ms']:.0f} ms wall (ratio {ratio:.2f}); library load "
              f"{summary['c']['load_us'] / 1000:.1f} ms stripped, {summary['c-unstripped']['load_us'] / 1000:.1f} ms not",
              file=sys.stderr)
        return 0
    finally:
        sb.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
