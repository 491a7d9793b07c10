#!/usr/bin/env python3
"""Where a submit's CPU goes: a per-submit breakdown of the wx-recover C driver against the
transport floor and the two reqwest variants of the hand-off experiment. `bench/run.sh` runs it
after the drivers are built; alone:

    python3 bench/breakdown.py [--n 400] [--out FILE]

For each driver (own sandbox, rate limit off) it warms up, then, around ONE repetition of n
re-entry submits:
- `perf stat -e task-clock,context-switches,cpu-migrations,page-faults` (and cycles and
  instructions, which this VM may report as not supported) attached to the process;
- `perf record -e cpu-clock --call-graph dwarf` attached to the process. Each sample's call
  chain is read from the leaf up, and the first frame that names a known part decides its
  category (table CATEGORIES below): crypto (RSA sign, OAEP encrypt, verify), TLS records,
  HTTP, JSON and base64, the runtime and hand-off (tokio scheduler, channels, parking), the
  library's own logic, kernel (split by what the syscall was for), other. Allocator and libc
  frames are skipped so that a malloc counts for whoever called it.
µs per submit for a category = its share of the samples × the driver's own CPU per submit
(getrusage) in that same repetition. The profilers slow the process a little; shares, not
absolute times, are what they measure.
If `perf record` cannot run here, the report says so and has only what perf stat gave.

With valgrind present it also counts, with callgrind, the instructions per submit and per
query of the C driver and of the Python binding's driver (the difference of two runs of the
same driver with K1 and K2 timed calls, over K2 - K1): a count the machine's other load cannot
move, for the binding's own per-call cost.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
B = ROOT / "build" / "bench"
REL = ROOT / "target" / "release"
sys.path.insert(0, str(ROOT / "sandbox" / "py"))
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402

# (category, regex on a frame's symbol), tried on each frame from the leaf up.
CATEGORIES = [
    ("JSON and base64", r"serde_json|base64|EVP_EncodeBlock|EVP_DecodeBlock|EVP_Encode|EVP_Decode|json_str"),
    ("crypto (sign, encrypt, verify)", r"EVP_DigestSign|EVP_DigestVerify|EVP_PKEY_encrypt|EVP_PKEY_sign|"
     r"EVP_PKEY_verify|RSA_|wx_recover::crypto::|openssl::sign::|openssl::encrypt::|openssl::rsa::|"
     r"PEM_read|d2i_|i2d_|RAND_bytes|openssl::rand|sign_b64|encrypt_b64|^verify$|EVP_PKEY_CTX_new|"
     r"EVP_MD_CTX|EVP_PKEY_CTX_free|EVP_PKEY_CTX_set"),
    ("TLS records", r"SSL_read|SSL_write|SSL_peek|ssl3_|tls1_|tls13_|tls_|BIO_|openssl::ssl::|native_tls|"
     r"tokio_native_tls|hyper_tls"),
    ("HTTP (framing, headers, URL)", r"hyper::|hyper_util::|^http::|httparse|reqwest::async_impl|"
     r"reqwest::connect|url::|percent_encoding|read_answer|read_line|read_exact|^call$|snprintf|"
     r"reqwest::header|reqwest::blocking::request|reqwest::blocking::response|h2::|idna"),
    ("runtime and hand-off (tokio, channels, park)", r"tokio::|futures_channel|futures_util|"
     r"reqwest::blocking::wait|reqwest::blocking::client|std::sync::mpmc|std::thread::park|"
     r"std::sys::sync|parking_lot|crossbeam|want::|try_lock|event_listener"),
    ("library logic (retry, quota, breaker, stats, logging)", r"wx_recover::"),
]
SKIP = re.compile(r"^(malloc|free|cfree|_int_|__libc_|__memmove|__memcpy|__memset|__strlen|__strcmp|"
                  r"unlink_chunk|malloc_consolidate|realloc|calloc|__GI_|pthread_|_rjem|alloc::|"
                  r"core::ptr::drop|core::|<alloc|__rust_|std::alloc|\[unknown\]|0x)")
KERNEL_SPLIT = [
    ("kernel: futex, scheduling (thread wake-ups)", r"futex|schedule|finish_task_switch|try_to_wake_up|"
     r"ttwu|enqueue|dequeue|pick_next"),
    ("kernel: epoll", r"epoll|ep_"),
    ("kernel: socket I/O (TCP)", r"tcp_|sock_|sk_|inet_|ip_|__sys_sendto|__sys_recvfrom|sendmsg|recvmsg|"
     r"net_|skb|loopback|__dev_queue|napi|ksys_read|ksys_write|vfs_read|vfs_write"),
]


def perf_ok():
    if not shutil.which("perf"):
        return False
    r = subprocess.run(["perf", "record", "-e", "cpu-clock", "-o", "/dev/null", "--", "true"], capture_output=True)
    return r.returncode == 0


class Proc:
    def __init__(self, argv, env=None):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, bufsize=1, env=env)
        line = self.p.stdout.readline()
        if '"ready":true' not in line:
            sys.exit(f"breakdown: {argv[0]} did not get ready: {line!r} {self.p.stderr.read()[-2000:]}")

    def rep(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def quit(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.flush()
            self.p.wait(timeout=30)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.p.kill()


def perf_stat(proc, cmd):
    out = tempfile.mktemp(prefix="wx-perfstat-")
    ps = subprocess.Popen(["perf", "stat", "-x", ",", "-o", out, "-e",
                           "task-clock,context-switches,cpu-migrations,page-faults,cycles,instructions",
                           "-p", str(proc.p.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    s = proc.rep(cmd)
    ps.send_signal(signal.SIGINT)
    ps.wait(timeout=30)
    counters = {}
    for line in Path(out).read_text().splitlines():
        f = line.split(",")
        if len(f) >= 3 and not line.startswith("#") and f[2]:
            counters[f[2]] = None if f[0].startswith("<not") else float(f[0])
    os.unlink(out)
    return s, counters


def classify(frames):
    """frames: [(sym, dso)] leaf first."""
    if frames and frames[0][1] == "[kernel.kallsyms]":
        ksyms = " ".join(s for s, d in frames if d == "[kernel.kallsyms]")
        for name, rx in KERNEL_SPLIT:
            if re.search(rx, ksyms):
                return name
        return "kernel: other"
    for sym, dso in frames:
        if dso == "[kernel.kallsyms]" or SKIP.match(sym):
            continue
        for name, rx in CATEGORIES:
            if re.search(rx, sym):
                return name
    for sym, dso in frames:
        if "libcrypto" in dso:
            return "crypto (sign, encrypt, verify)"
        if "libssl" in dso:
            return "TLS records"
    return "other"


def perf_record(proc, cmd, freq):
    data = tempfile.mktemp(prefix="wx-perf-", suffix=".data")
    pr = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", str(freq), "--call-graph", "dwarf,16384",
                           "-o", data, "-p", str(proc.p.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    s = proc.rep(cmd)
    pr.send_signal(signal.SIGINT)
    pr.wait(timeout=120)
    script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,ip,sym,dso"], capture_output=True,
                            text=True, errors="replace").stdout
    os.unlink(data)
    cats, threads = Counter(), Counter()
    by_thread = defaultdict(Counter)
    comm, frames = None, []

    def flush():
        if comm is not None:
            c = classify(frames)
            t = "runtime thread" if comm.startswith("reqwest") or comm.startswith("tokio") else "caller thread"
            cats[c] += 1
            threads[t] += 1
            by_thread[t][c] += 1

    for line in script.splitlines():
        if not line.strip():
            flush()
            comm, frames = None, []
            continue
        if not line.startswith("\t"):
            flush()
            comm, frames = line.split()[0], []
            continue
        m = re.match(r"\s*(?:[0-9a-f]+\s+)?(.*?)\s+\((.*)\)\s*$", line)
        if m:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
            frames.append((sym, os.path.basename(m.group(2)) if m.group(2).startswith("/") else m.group(2)))
    flush()
    return s, cats, threads, by_thread


def callgrind_per_call(argv, op, k1, k2, env):
    """Instructions per call of `op`: a run with k2 timed calls minus one with k1, over k2 - k1."""
    totals = []
    for k in (k1, k2):
        out = tempfile.mktemp(prefix="wx-callgrind-")
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + argv + [f"n={k}"],
                           input=f"{op}\nquit\n", capture_output=True, text=True, env=env, timeout=900)
        if r.returncode != 0:
            raise RuntimeError(f"callgrind run failed: {r.stderr[-1500:]}")
        m = re.search(r"^(?:summary|totals):\s+(\d+)", Path(out).read_text(), re.M)
        os.unlink(out)
        totals.append(int(m.group(1)))
    return (totals[1] - totals[0]) / (k2 - k1)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--freq", type=int, default=4000)
    ap.add_argument("--callgrind-calls", type=int, default=40, help="K2 of the callgrind runs (K1 = K2 / 4)")
    ap.add_argument("--out")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wx-breakdown-"))
    try:
        sb = Sandbox(state_dir=work / "sb", binary=REL / "wx-sandbox", orders=16, rate_limit_per_minute=0)
    except SandboxError as e:
        sys.exit(f"breakdown: {e}")
    report = {"n": args.n, "perf_record": perf_ok(), "drivers": {}}
    try:
        info = sb.info
        config = sb.write_config(work / "client.json", rate_limit_per_minute=0)
        orders = iter(info["orders"])
        stamp = int(time.time())

        def order(tag):
            o = next(orders)
            return ",".join([f"BD-{tag}-{stamp}", o["related_webank_punish_no"], o["related_wxpay_punish_no"],
                             o["mchid"], o["bal_account_no"]])

        common = lambda tag: [f"url={info['primary_url']}", f"ca={info['ca_cert']}", f"mchid={info['mchid']}",  # noqa: E731
                              f"serial={info['merchant_serial_no']}", f"key={info['merchant_private_key']}",
                              f"pubkey={info['wechatpay_public_key']}",
                              f"pubkey_id={info['wechatpay_public_key_id']}", f"order={order(tag)}", "warmup=20",
                              f"n={args.n}"]
        env = dict(os.environ)
        env.pop("WX_RECOVER_LOG", None)
        env.pop("WX_RECOVER_LOG_FILE", None)
        handoff = B / "handoff-target" / "release" / "wx-bench-handoff"
        drivers = {
            "c": [str(B / "driver"), f"config={config}", f"order={order('c')}", "warmup=20", f"n={args.n}"],
            "transport-floor": [str(B / "transport_floor")] + common("tf"),
            "reqwest-blocking": [str(handoff), "mode=blocking"] + common("rb"),
            "reqwest-current": [str(handoff), "mode=current"] + common("rc"),
        }
        for name, argv in drivers.items():
            if not Path(argv[0]).exists():
                continue
            p = Proc(argv, env)
            try:
                d = {}
                s, counters = perf_stat(p, "submit")
                d["stat"] = {"cpu_us": s["cpu_us"], "n": s["n"],
                             "per_submit": {k: (None if v is None else v / s["n"]) for k, v in counters.items()}}
                for k in ("user_us", "sys_us", "vcsw", "ivcsw"):
                    if k in s:
                        d["stat"][k] = s[k]
                if report["perf_record"]:
                    s, cats, threads, by_thread = perf_record(p, "submit", args.freq)
                    total = sum(cats.values()) or 1
                    d["record"] = {"cpu_us": s["cpu_us"], "samples": total,
                                   "categories": {c: {"share": k / total, "us": k / total * s["cpu_us"]}
                                                  for c, k in cats.most_common()},
                                   "threads": {t: {"share": k / total, "us": k / total * s["cpu_us"]}
                                               for t, k in threads.items()},
                                   "by_thread": {t: {c: k / total * s["cpu_us"] for c, k in cs.items()}
                                                 for t, cs in by_thread.items()}}
                report["drivers"][name] = d
                print(f"breakdown: {name}: {s['cpu_us']:.0f} us CPU/submit", file=sys.stderr)
            finally:
                p.quit()
        if shutil.which("valgrind"):
            # The interpreter itself: python3 may be a launcher script that valgrind would not follow.
            py = subprocess.run([sys.executable, "-c", "import sys; print(sys.executable)"], capture_output=True,
                                text=True).stdout.strip()
            pyenv = dict(env, PYTHONPATH=f"{ROOT / 'bench/python'}{os.pathsep}{ROOT / 'bindings/python'}")
            k2 = args.callgrind_calls
            cg = {}
            # The natives' arguments as above, with a fresh order each and no warm-up.
            runs = [("c", [str(B / "driver"), f"config={config}", f"order={order('cgc')}", "warmup=0"], env)]
            runs += [(n, [a for a in argv if not a.startswith(("n=", "warmup=", "order="))]
                      + [f"order={order('cg-' + n)}", "warmup=0"], env)
                     for n, argv in drivers.items() if n != "c" and Path(argv[0]).exists()]
            runs.append(("python", [py, str(ROOT / "bench/python/driver_binding.py"), f"config={config}",
                                    f"order={order('cgpy')}", "warmup=0", f"admin={info['admin_url']}"], pyenv))
            for name, argv, e in runs:
                for op in ("submit", "query"):
                    cg[f"{name} {op}"] = callgrind_per_call(argv, op, k2 // 4, k2, e)
                    print(f"breakdown: callgrind {name} {op}: {cg[f'{name} {op}'] / 1e6:.3f} M instructions/call",
                          file=sys.stderr)
            report["callgrind"] = {"k1": k2 // 4, "k2": k2, "instructions_per_call": cg}
        print(json.dumps(report, indent=1))
        if args.out:
            Path(args.out).write_text(json.dumps(report, indent=1))
        return 0
    finally:
        sb.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
