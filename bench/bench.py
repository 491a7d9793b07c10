"""Runs every benchmark driver against ONE sandbox and writes build/bench/results.json.

Called by bench/run.sh after it built the drivers (see there). Not meant to be run alone, but
it can be: `python3 bench/bench.py` with the build/bench/ artefacts present.

Method (docs/benchmarks.md repeats it for readers):
- One wx-sandbox, rate limit off (--rate-limit-per-minute 0); every wx-recover client runs with
  "rate_limit_per_minute": 0.
- Each driver is a long-lived process that first makes its order's first submit (a new recover
  under a fresh out_request_no) and warms up, then runs one timed repetition per command it
  reads on stdin. The drivers' repetitions are interleaved round by round (floor, C, Python,
  Java, peers, threads), so that slow drift of the machine (other load, frequency) hits all of
  them alike, and each ratio is computed within a round before taking the median over rounds.
- Two floors take part in the rounds: the crypto floor (bench/floor.c: the RSA operations only)
  and the transport floor (bench/transport_floor.c: a whole submit or query over one kept-alive
  TLS connection with OpenSSL and nothing else), and so do the two reqwest variants of the
  hand-off experiment (bench/handoff: reqwest blocking, as the library sends, and reqwest's
  async client on a current-thread runtime on the caller's thread).
- Memory: a separate C driver run re-submits until 1,000 and then 100,000 submits in total.
"""

import json
import os
import platform
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "sandbox" / "py"))
import wx_sandbox_launcher as launcher  # noqa: E402

B = ROOT / "build" / "bench"
QUICK = os.environ.get("BENCH_QUICK", "0") not in ("", "0")

# Sizes. n = timed calls per repetition; one repetition per round.
if QUICK:
    ROUNDS, FLOOR_N = 3, 100
    N = {"c": 60, "python": 60, "java": 60, "wechatpayv3": 20, "wechatpay-java": 40, "wechatpay-go": 40,
         "transport-floor": 60, "reqwest-blocking": 60, "reqwest-current": 60}
    WARMUP = {"c": 20, "python": 20, "java": 500, "wechatpayv3": 5, "wechatpay-java": 500, "wechatpay-go": 20,
              "transport-floor": 20, "reqwest-blocking": 20, "reqwest-current": 20}
    THREADS_N, MEMORY, MEMORY_BUDGET_S = 80, [1000, 5000], 60
else:
    ROUNDS, FLOOR_N = 5, 300
    N = {"c": 300, "python": 300, "java": 300, "wechatpayv3": 100, "wechatpay-java": 200, "wechatpay-go": 200,
         "transport-floor": 300, "reqwest-blocking": 300, "reqwest-current": 300}
    # The JVM drivers then go on warming up until the JIT is quiet (bench/java/common/BenchLoop.java):
    # with 400 calls alone, C2 was still compiling the query path during the timed repetitions
    # (perf: ~40% of the process's CPU in "C2 CompilerThread").
    WARMUP = {"c": 50, "python": 50, "java": 1000, "wechatpayv3": 10, "wechatpay-java": 1000, "wechatpay-go": 50,
              "transport-floor": 50, "reqwest-blocking": 50, "reqwest-current": 50}
    THREADS_N, MEMORY = 400, [1000, 10000, 25000, 50000, 75000, 100000]
    # 100,000 submits take ~4-7 min on 2 busy cores; past this the run stops at the last
    # checkpoint that fits, and the report says how far it got.
    MEMORY_BUDGET_S = 480
THREADS = [1, 2, 4, 8]
MEMORY_THREADS = 2


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def cmd_output(argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (r.stdout + r.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return "not found"


class Sandbox(launcher.Sandbox):
    def __init__(self):
        state = B / "sandbox-state"
        shutil.rmtree(state, ignore_errors=True)
        try:
            super().__init__(state_dir=state, log=B / "logs" / "sandbox.log", binary=ROOT / "target/release/wx-sandbox",
                             rate_limit_per_minute=0, orders=400, ready_timeout=120)
        except launcher.SandboxError as e:
            sys.exit(f"bench: {e}")
        self.client_config = B / "client.json"
        self.write_config(self.client_config, rate_limit_per_minute=0)
        self.next_order = 0

    def order(self, tag):
        """A fresh order with a fresh out_request_no, as the driver argument OUT,WEBANK,WXPAY,MCHID,BAL."""
        o = self.info["orders"][self.next_order]
        self.next_order += 1
        out = f"BENCH-{tag}-{self.next_order:04d}-{int(time.time())}"
        return ",".join([out, o["related_webank_punish_no"], o["related_wxpay_punish_no"], o["mchid"],
                         o["bal_account_no"]])

    def stop(self):
        return super().stop(timeout=20)


class Driver:
    """A long-lived driver process speaking the stdin protocol (see bench/driver.c)."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.err = open(B / "logs" / f"{name}.err", "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     env=env, text=True, bufsize=1)
        t0 = time.time()
        line = self._line(timeout=600)
        if json.loads(line).get("ready") is not True:
            self.fail(f"unexpected first line {line!r}")
        log(f"{name}: ready after {time.time() - t0:.1f} s of warm-up")

    def fail(self, why):
        self.proc.kill()
        self.err.close()
        tail = (B / "logs" / f"{self.name}.err").read_text(errors="replace")[-3000:]
        sys.exit(f"bench: driver {self.name} failed: {why}\n--- its stderr (end) ---\n{tail}")

    def _line(self, timeout=600):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.fail("no output (exited or timed out)")
        return line.strip()

    def rep(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self._line())

    def quit(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.proc.kill()
        self.err.close()


def machine():
    info = {"date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "quick": QUICK,
            "nproc": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()}
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = [l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")][0]
        info["mem_gib"] = round(int(mem.split()[1]) / 1024 / 1024, 1)
    except (OSError, IndexError):
        pass
    info["cpu"] = model
    try:
        info["os"] = [l.split("=", 1)[1].strip('"') for l in Path("/etc/os-release").read_text().splitlines()
                      if l.startswith("PRETTY_NAME=")][0]
    except (OSError, IndexError):
        info["os"] = platform.platform()
    info["openssl"] = cmd_output(["openssl", "version"])
    info["gcc"] = cmd_output(["gcc", "--version"]).splitlines()[0]
    info["java"] = cmd_output(["java", "-version"]).splitlines()[0]
    info["go"] = cmd_output(["go", "version"])
    info["rustc"] = cmd_output(["rustc", "--version"])
    info["load_before"] = os.getloadavg()
    return info


def main():
    (B / "logs").mkdir(parents=True, exist_ok=True)
    t_start = time.time()
    meta = machine()
    meta["sdk_versions"] = json.loads((B / "sdk_versions.json").read_text()) if (B / "sdk_versions.json").exists() else {}
    sb = Sandbox()
    log(f"sandbox ready: {sb.json_path}")
    admin = sb.info["admin_url"]
    cfg = str(sb.client_config)
    pyenv = dict(os.environ, PYTHONPATH=f"{ROOT / 'bench/python'}{os.pathsep}{ROOT / 'bindings/python'}")
    rusage_lib = f"-Dbench.rusage.lib={B / 'librusage_jni.so'}"
    sdk_cp = (B / "java-peer/sdk.classpath").read_text().strip()

    def common(impl):
        return [f"warmup={WARMUP[impl]}", f"n={N[impl]}", f"admin={admin}", f"impl={impl}"]

    drivers = {}
    try:
        drivers["floor"] = Driver("floor", [str(B / "floor"), sb.info["merchant_private_key"],
                                            sb.info["wechatpay_public_key"],
                                            str(Path(sb.info["merchant_private_key"]).parent / "wechatpay_private_key.pem"),
                                            str(FLOOR_N)])
        tls_args = [f"url={sb.info['primary_url']}", f"ca={sb.info['ca_cert']}", f"mchid={sb.info['mchid']}",
                    f"serial={sb.info['merchant_serial_no']}", f"key={sb.info['merchant_private_key']}",
                    f"pubkey={sb.info['wechatpay_public_key']}", f"pubkey_id={sb.info['wechatpay_public_key_id']}"]
        drivers["transport-floor"] = Driver("transport-floor", [str(B / "transport_floor")] + tls_args
                                            + [f"order={sb.order('tf')}"] + common("transport-floor"))
        handoff = str(B / "handoff-target/release/wx-bench-handoff")
        drivers["reqwest-blocking"] = Driver("reqwest-blocking", [handoff, "mode=blocking"] + tls_args
                                             + [f"order={sb.order('rb')}"] + common("reqwest-blocking"))
        drivers["reqwest-current"] = Driver("reqwest-current", [handoff, "mode=current"] + tls_args
                                            + [f"order={sb.order('rc')}"] + common("reqwest-current"))
        drivers["c"] = Driver("c", [str(B / "driver"), f"config={cfg}", f"order={sb.order('c')}"] + common("c"))
        drivers["python"] = Driver("python", [sys.executable, str(ROOT / "bench/python/driver_binding.py"),
                                              f"config={cfg}", f"order={sb.order('py')}"] + common("python"), env=pyenv)
        drivers["java"] = Driver("java", ["java", rusage_lib,
                                          f"-Dwx.recover.jni.path={B / 'java-binding/native/libwx_recover_jni.so'}",
                                          "-cp", str(B / "java-binding/classes") + os.pathsep + (B / "java-binding/runtime.classpath").read_text().strip(), "BindingBench",
                                          f"config={cfg}", f"order={sb.order('java')}"] + common("java"))
        drivers["wechatpayv3"] = Driver("wechatpayv3", [sys.executable, str(ROOT / "bench/python/driver_wechatpayv3.py"),
                                                        f"sandbox={sb.json_path}", f"order={sb.order('wxv3')}"]
                                        + common("wechatpayv3"), env=pyenv)
        drivers["wechatpay-java"] = Driver("wechatpay-java", ["java", rusage_lib, "-cp",
                                                              f"{B / 'java-peer/classes'}{os.pathsep}{sdk_cp}",
                                                              "WechatpayJavaBench", f"sandbox={sb.json_path}",
                                                              f"order={sb.order('wxjava')}"] + common("wechatpay-java"))
        drivers["wechatpay-go"] = Driver("wechatpay-go", [str(B / "peer-go"), f"sandbox={sb.json_path}",
                                                          f"order={sb.order('wxgo')}"] + common("wechatpay-go"))
        drivers["threads"] = Driver("threads", [str(B / "driver"), f"config={cfg}", f"n={THREADS_N}", "warmup=20",
                                                f"admin={admin}", "impl=c"]
                                    + [f"order={sb.order('thr')}" for _ in range(max(THREADS))])

        plan = [("floor", "submit")]
        for impl in ("transport-floor", "c", "python", "java", "reqwest-blocking", "reqwest-current", "wechatpayv3",
                     "wechatpay-java", "wechatpay-go"):
            plan += [(impl, "submit"), (impl, "query")]
        plan += [("threads", f"submit {t}") for t in THREADS]

        samples = []
        for r in range(ROUNDS):
            t0 = time.time()
            for name, command in plan:
                s = drivers[name].rep(command)
                s["round"] = r
                if name == "threads":
                    s["impl"] = "c-threads"
                samples.append(s)
                if name == "floor":
                    q = {"impl": "floor", "op": "query", "cpu_us": s["query_cpu_us"], "round": r}
                    samples.append(q)
            log(f"round {r + 1}/{ROUNDS} done in {time.time() - t0:.1f} s")
    finally:
        for d in drivers.values():
            d.quit()

    log(f"memory: {MEMORY[-1]} submits on {MEMORY_THREADS} threads")
    t0 = time.time()
    mem_out = subprocess.run([str(B / "driver"), f"config={cfg}", f"threads={MEMORY_THREADS}",
                              f"memory={','.join(map(str, MEMORY))}", f"budget_s={MEMORY_BUDGET_S}", "impl=c"]
                             + [f"order={sb.order('mem')}" for _ in range(MEMORY_THREADS)],
                             capture_output=True, text=True)
    if mem_out.returncode != 0:
        sb.stop()
        sys.exit(f"bench: memory driver failed: {mem_out.stderr[-3000:]}")
    memory = [json.loads(l) for l in mem_out.stdout.splitlines() if l.strip()]
    stopped = [m for m in memory if "stopped_before" in m]
    memory = [m for m in memory if "stopped_before" not in m]
    meta["memory_stopped_before"] = stopped[0]["stopped_before"] if stopped else None
    meta["memory_budget_s"] = MEMORY_BUDGET_S
    log(f"memory run done in {time.time() - t0:.1f} s")

    meta["sandbox_stats_end"] = sb.stats()
    sb.stop()
    meta["load_after"] = os.getloadavg()
    meta["elapsed_s"] = round(time.time() - t_start, 1)
    meta["rounds"], meta["n"], meta["floor_n"], meta["threads_n"] = ROUNDS, N, FLOOR_N, THREADS_N
    meta["warmup"], meta["memory_threads"] = WARMUP, MEMORY_THREADS
    out = B / "results.json"
    out.write_text(json.dumps({"meta": meta, "samples": samples, "memory": memory}, indent=1))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
