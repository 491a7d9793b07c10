#!/usr/bin/env python3
"""Quota fleet test: three processes (C, Python and Java, 4 threads each) share one recover
bucket through `rate_limit_store` while a sandbox enforces the same per-minute limit N and
records every arrival. The platform's limit counts arrivals in any 60-second window, so the
fleet passes only if, together, the processes never let more than N requests arrive in one.

Scenarios (each on its own sandbox, store and Redis, all at once unless --serial):

- redis / file: 1.5 N orders, all distinct, over the shared store ("redis://..." or
  "file:PATH"), `rate_limit_recover_per_minute` N, waits long enough that nothing is refused.
  The sandbox must have sent no 429, seen at most N arrivals in every 60-s window, and hold
  every order exactly once, accepted once; the store must hold the buckets.
- redis-kill: Redis is killed with SIGKILL once the fleet is under way; calls must go on on
  the in-process fallback while it is down, and Redis is restarted (empty, same port); the
  fleet must lose nothing, stay within the sandbox's limit, and write to the new Redis
  (sharing resumed). The client's limit here is N/5: one bucket before the kill, one per
  process while Redis is down, one after the restart, so five buckets' worth can meet in a
  window and together still fit N.
- fail: `rate_limit_store_fallback: "fail"` with Redis down: every process's submit is refused
  with RATE_LIMITED and a message that names the store, nothing reaches the sandbox; with Redis
  back, the same configuration submits.
- control (--control): the same fleet without a shared store; each process keeps its own
  budget of N, so the sandbox must see more than N arrivals in a window and send 429s. It
  shows that this test, and the sandbox's counting, catch a fleet that does not share.

    fleet.py [--store redis|file|both|none] [--redis-kill] [--fail] [--control] [--all]
             [--limit N] [--serial]

Needs target/release/{libwx_recover.so,wx-sandbox}, a C compiler, a JDK with Maven, and
redis-server (scripts/deps.sh installs it). Builds the C and Java children itself.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REL = os.path.join(ROOT, "target", "release")
JAVA_DIR = os.path.join(ROOT, "bindings", "java")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "sandbox", "py"))

from redis_server import RedisServer  # noqa: E402
from wx_sandbox_launcher import Sandbox, SandboxError  # noqa: E402

THREADS = 4
RATE_LIMITED = 7  # wx_status WX_RATE_LIMITED
SHOWN = 300       # at most this many characters of any text from a process or the network

_procs = []       # every process started, so an interrupted run leaves none behind
_procs_lock = threading.Lock()


def bounded(text, limit=SHOWN):
    text = text if isinstance(text, str) else text.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more)"


def tail(path, limit=SHOWN):
    try:
        with open(path, "rb") as f:
            return bounded(f.read()[-limit:])
    except OSError as e:
        return f"({e})"


def spawn(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    with _procs_lock:
        _procs.append(p)
    return p


# ----- building the children -----

def build_c(work):
    exe = os.path.join(work, "quota_child")
    # The library's SONAME; `make build` makes the same link, cargo alone does not.
    soname = os.path.join(REL, "libwx_recover.so.0")
    if not os.path.exists(soname):
        os.symlink("libwx_recover.so", soname)
    common = os.path.join(ROOT, "tests", "common")
    subprocess.run(
        ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1", "-pthread",
         "-I" + os.path.join(ROOT, "include"), "-I" + common, os.path.join(HERE, "child.c"),
         os.path.join(common, "child_common.c"), "-o", exe, "-L" + REL, "-Wl,-rpath," + REL, "-lwx_recover"],
        check=True)
    return [exe]


def build_java(work):
    """The binding's classes and JNI glue (Maven, as `make test-java` builds them), then the
    child compiled against them."""
    r = subprocess.run(["mvn", "-B", "-q", "--no-transfer-progress", "process-classes",
                        "-Dwx.lib.dir=" + REL], cwd=JAVA_DIR, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"mvn process-classes failed ({r.returncode}): "
                           f"{bounded((r.stdout + r.stderr)[-2000:], 2000)}")
    classes = os.path.join(JAVA_DIR, "target", "classes")
    # The binding's run-time dependencies (slf4j-api), written by the same Maven build.
    with open(os.path.join(JAVA_DIR, "target", "runtime-classpath.txt"), encoding="utf-8") as f:
        classes += os.pathsep + f.read().strip()
    glue = os.path.join(JAVA_DIR, "target", "native", "libwx_recover_jni.so")
    out = os.path.join(work, "java")
    subprocess.run(["javac", "-Xlint:all", "-Werror", "-cp", classes, "-d", out,
                    os.path.join(HERE, "FleetChild.java")], check=True)
    return ["java", "-Xcheck:jni", "-cp", classes + os.pathsep + out,
            "-Dwx.recover.jni.path=" + glue, "FleetChild"]


# ----- the sandbox -----

def start_sandbox(state_dir, orders, limit):
    """A sandbox enforcing `limit` recovers per minute, tracked with the other processes."""
    try:
        sb = Sandbox(state_dir=state_dir, log=state_dir + ".log", orders=orders, recover_delay_ms=50,
                     rate_limit_per_minute=limit)
    except SandboxError as e:
        raise RuntimeError(f"sandbox did not start: {bounded(str(e), 2 * SHOWN)}") from None
    with _procs_lock:
        _procs.append(sb.proc)
    return sb


# ----- one scenario -----

class Scenario:
    """A sandbox with a fresh state dir, its orders split over the three kinds of process,
    and the checks every scenario shares. `fail(...)` records a failure; `check` returns it."""

    def __init__(self, name, work, children, n_orders, sandbox_limit):
        self.name = name
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        self.children = children
        self.failures = []
        self.sandbox = start_sandbox(os.path.join(self.dir, "sandbox"), n_orders, sandbox_limit)
        self.limit = sandbox_limit
        self.orders = [
            (f"Q{name[:2].upper()}-{i}", o["related_webank_punish_no"], o["related_wxpay_punish_no"],
             o["mchid"], o["bal_account_no"])
            for i, o in enumerate(self.sandbox.info["orders"])]

    def say(self, msg):
        print(f"[{self.name}] {msg}", flush=True)

    def fail(self, msg):
        self.failures.append(msg)
        self.say("FAIL: " + msg)

    def config(self, extra, tag="client"):
        return self.sandbox.write_config(os.path.join(self.dir, f"{tag}.json"), **extra)

    def start(self, config, orders, tag="run"):
        """Starts one process of each kind on its share of `orders`; returns the runs."""
        runs = []
        for k, (kind, argv) in enumerate(self.children.items()):
            mine = orders[k::len(self.children)]
            base = os.path.join(self.dir, f"{tag}-{kind}")
            with open(base + ".orders", "w") as f:
                f.write("".join(" ".join(o) + "\n" for o in mine))
            log = open(base + ".log", "w")
            p = spawn([*argv, config, base + ".orders", str(THREADS), base + ".results"],
                      stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            runs.append({"kind": kind, "proc": p, "base": base, "orders": mine, "log": log})
        return runs

    def wait(self, runs, timeout):
        """Waits for every run; returns {out_request_no: (kind, status, attempts, ms, message)}."""
        deadline = time.monotonic() + timeout
        results = {}
        for r in runs:
            try:
                rc = r["proc"].wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                r["proc"].kill()
                r["proc"].wait()
                rc = "killed after the time limit"
            r["log"].close()
            if rc != 0:
                self.fail(f"{r['kind']} process exited {rc}: {tail(r['base'] + '.log')}")
                continue
            lines = open(r["base"] + ".results", encoding="utf-8", errors="replace").read().splitlines()
            for line in lines:
                no, status, attempts, ms, message = (line.split(" ", 4) + [""] * 5)[:5]
                results[no] = (r["kind"], int(status), int(attempts), int(ms), bounded(message))
            if len(lines) != len(r["orders"]):
                self.fail(f"{r['kind']} process reported {len(lines)} of {len(r['orders'])} orders")
        return results

    def check_all_accepted_once(self, orders, results):
        """Every order accepted (status 0) by the process that had it, recorded once by the
        sandbox and accepted there once (no retry reached the platform)."""
        bad = [(no, results.get(no)) for no, *_ in orders
               if results.get(no) is None or results[no][1] != 0]
        if bad:
            self.fail(f"{len(bad)} of {len(orders)} submits did not succeed, e.g. {bad[:3]}")
        records = {}
        for rec in self.sandbox.recovers():
            records.setdefault(rec["out_request_no"], []).append(rec)
        wanted = {no for no, *_ in orders}
        missing = sorted(wanted - set(records))
        if missing:
            self.fail(f"{len(missing)} orders never reached the sandbox, e.g. {missing[:5]}")
        doubled = [no for no, recs in records.items()
                   if no in wanted and (len(recs) != 1 or recs[0]["accept_count"] != 1)]
        if doubled:
            self.fail(f"{len(doubled)} orders were accepted more than once, e.g. {doubled[:5]}")
        return not bad and not missing and not doubled

    def check_window(self, n_sent):
        """The platform's view: no 429, at most `limit` arrivals in any 60-s window."""
        rate = self.sandbox.rate()
        self.say(f"sandbox recover: {rate}")
        if rate["throttled"] != 0:
            self.fail(f"the sandbox sent {rate['throttled']} 429s (its limit is {self.limit}/min)")
        if rate["busiest_window"] > self.limit:
            self.fail(f"{rate['busiest_window']} arrivals in one 60-s window, over the limit of "
                      f"{self.limit}")
        if rate["arrivals"] < n_sent:
            self.fail(f"only {rate['arrivals']} arrivals for {n_sent} orders")
        return rate

    def stop(self):
        self.sandbox.stop()


def summary(results):
    by_kind = {}
    for kind, status, _, ms, _ in results.values():
        k = by_kind.setdefault(kind, [0, 0])
        k[0] += 1
        k[1] = max(k[1], ms)
    return ", ".join(f"{kind} {n} orders (longest call {ms / 1000:.1f} s)"
                     for kind, (n, ms) in sorted(by_kind.items()))


def quota_keys(redis, mchid):
    return [k for k in redis.keys("wx-recover:*") if k.startswith(f"wx-recover:{mchid}:")]


def fleet_config(n, store):
    # Long enough to wait out a full window (the second wave waits about 60 s for its slots).
    return {"rate_limit_store": store, "rate_limit_per_minute": n,
            "rate_limit_recover_per_minute": n, "rate_limit_wait_ms": 150_000,
            "deadline_ms": 180_000}


def run_fleet(args, work, children, store_kind):
    n = args.limit
    total = n * 3 // 2
    sc = Scenario(store_kind, work, children, total, n)
    redis = None
    try:
        if store_kind == "redis":
            redis = RedisServer().start()
            store = redis.url
        else:
            store = "file:" + os.path.join(sc.dir, "quota.state")
        cfg = sc.config(fleet_config(n, store))
        sc.say(f"{total} orders, limit {n}/min, store {store}")
        started = time.monotonic()
        runs = sc.start(cfg, sc.orders)
        results = sc.wait(runs, timeout=240)
        took = time.monotonic() - started
        sc.say(f"{summary(results)}; {took:.1f} s in all")
        # Read before anything else: the buckets' entries expire about a minute after use.
        if redis is not None:
            keys = quota_keys(redis, sc.sandbox.info["mchid"])
            sc.say(f"Redis keys: {keys[:5]}")
            if not any(k.endswith(":recover") for k in keys):
                sc.fail(f"no wx-recover:{sc.sandbox.info['mchid']}:recover key in Redis: the "
                        "processes did not share through it")
        else:
            path = store[len("file:"):]
            if not os.path.isfile(path) or os.path.getsize(path) == 0:
                sc.fail(f"the store file {path} is missing or empty")
        sc.check_all_accepted_once(sc.orders, results)
        sc.check_window(total)
    finally:
        sc.stop()
        if redis is not None:
            redis.stop()
    return sc.failures


def run_redis_kill(args, work, children):
    n = args.limit
    client_limit = n // 5
    total = client_limit * 4 + client_limit // 2
    sc = Scenario("redis-kill", work, children, total, n)
    redis = RedisServer().start()
    try:
        cfg = sc.config(fleet_config(client_limit, redis.url))
        sc.say(f"{total} orders, client limit {client_limit}/min, sandbox limit {n}/min, "
               f"store {redis.url}")
        runs = sc.start(cfg, sc.orders)
        # Under way: a good part of the first (shared) bucket is used.
        t0 = time.monotonic()
        while sc.sandbox.rate()["arrivals"] < client_limit // 2:
            if time.monotonic() - t0 > 60 or any(r["proc"].poll() is not None for r in runs):
                sc.fail("the fleet never got under way")
                break
            time.sleep(0.05)
        at_kill = sc.sandbox.rate()["arrivals"]
        redis.kill()
        sc.say(f"Redis killed after {at_kill} arrivals")
        # Down for at least 3 s, and until calls have gone on without it.
        t_kill = time.monotonic()
        while True:
            now = sc.sandbox.rate()["arrivals"]
            if now > at_kill and time.monotonic() - t_kill >= 3:
                break
            if time.monotonic() - t_kill > 45:
                sc.fail(f"no call reached the sandbox in 45 s with Redis down ({now} arrivals): "
                        "the fallback did not take over")
                break
            time.sleep(0.05)
        at_restart = sc.sandbox.rate()["arrivals"]
        redis.restart()
        sc.say(f"Redis restarted on port {redis.port} after {at_restart} arrivals "
               f"({at_restart - at_kill} while it was down)")
        results = sc.wait(runs, timeout=240)
        sc.say(summary(results))
        after = sc.sandbox.rate()["arrivals"] - at_restart
        keys = quota_keys(redis, sc.sandbox.info["mchid"])
        sc.say(f"{after} arrivals after the restart; keys in the new Redis: {keys[:5]}")
        if after == 0:
            sc.fail("no call was left for after the restart, so sharing could not be shown")
        elif not any(k.endswith(":recover") for k in keys):
            sc.fail("the restarted Redis holds no recover bucket: sharing did not resume")
        sc.check_all_accepted_once(sc.orders, results)
        sc.check_window(total)
    finally:
        sc.stop()
        redis.stop()
    return sc.failures


def run_fail(args, work, children):
    sc = Scenario("fail", work, children, 2 * len(children), args.limit)
    # A password in the store URL: no message or log line may show it.
    password = "quota-" + os.urandom(12).hex()
    redis = RedisServer(password=password).start()
    try:
        store = redis.url
        sc.say(f"store {redis.shown_url}, killed before the first call")
        redis.kill()
        cfg = sc.config({**fleet_config(args.limit, store), "rate_limit_store_fallback": "fail",
                         "rate_limit_wait_ms": 2_000, "deadline_ms": 20_000})
        first, second = sc.orders[:len(children)], sc.orders[len(children):]
        results = sc.wait(sc.start(cfg, first, "down"), timeout=120)
        for no, *_ in first:
            r = results.get(no)
            if r is None:
                continue  # wait() reported it
            kind, status, attempts, ms, message = r
            sc.say(f"{kind}: status {status} after {ms} ms: {message}")
            if status != RATE_LIMITED:
                sc.fail(f"{kind}: status {status} with the store down, not RATE_LIMITED ({RATE_LIMITED})")
            elif password in message:
                sc.fail(f"{kind}: the message shows the store's password")
            elif not any(w in message.lower() for w in ("store", "redis")):
                sc.fail(f"{kind}: the RATE_LIMITED message does not say the store is the cause: {message}")
            if attempts != 0:
                sc.fail(f"{kind}: {attempts} attempts were made although nothing may be sent")
        rate = sc.sandbox.rate()
        if rate["arrivals"] != 0:
            sc.fail(f"{rate['arrivals']} recovers reached the sandbox with the store down")
        redis.restart()
        results = sc.wait(sc.start(cfg, second, "up"), timeout=120)
        sc.check_all_accepted_once(second, results)
        sc.check_window(len(second))
        if not any(k.endswith(":recover") for k in quota_keys(redis, sc.sandbox.info["mchid"])):
            sc.fail("with Redis back, the fail-mode processes did not use it")
        for name in sorted(os.listdir(sc.dir)):
            if name.endswith((".log", ".results")):
                with open(os.path.join(sc.dir, name), "rb") as f:
                    if password.encode() in f.read():
                        sc.fail(f"{name} shows the store's password")
        log = os.environ.get("WX_RECOVER_LOG_FILE")
        if log and os.path.isfile(log):
            with open(log, "rb") as f:
                if password.encode() in f.read():
                    sc.fail(f"the library's log {log} shows the store's password")
    finally:
        sc.stop()
        redis.stop()
    return sc.failures


def run_control(args, work, children):
    n = args.limit
    total = n * 3 // 2
    sc = Scenario("control", work, children, total, n)
    try:
        cfg = sc.config({"rate_limit_per_minute": n, "rate_limit_wait_ms": 150_000,
                         "deadline_ms": 180_000, "max_attempts": 2})
        sc.say(f"{total} orders, limit {n}/min per process, no shared store")
        results = sc.wait(sc.start(cfg, sc.orders), timeout=240)
        rate = sc.sandbox.rate()
        sc.say(f"{summary(results)}; sandbox recover: {rate}")
        if rate["throttled"] == 0 or rate["busiest_window"] <= n:
            sc.fail("three processes with a budget of N each stayed within N together: the "
                    "test would not notice a fleet that does not share")
    finally:
        sc.stop()
    return sc.failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", choices=["redis", "file", "both", "none"], default="both")
    ap.add_argument("--redis-kill", action="store_true", help="the Redis kill and restart scenario")
    ap.add_argument("--fail", action="store_true", help='the rate_limit_store_fallback "fail" scenario')
    ap.add_argument("--control", action="store_true", help="the unshared fleet that must be caught")
    ap.add_argument("--all", action="store_true", help="every scenario")
    ap.add_argument("--limit", type=int, default=600, help="N, per minute (default 600)")
    ap.add_argument("--serial", action="store_true", help="one scenario after another")
    args = ap.parse_args()
    if args.limit < 20:
        ap.error("--limit must be at least 20")
    if args.all:
        args.store, args.redis_kill, args.fail, args.control = "both", True, True, True

    jobs = []
    for kind in {"both": ["redis", "file"], "none": []}.get(args.store, [args.store]):
        jobs.append((kind, lambda w, c, k=kind: run_fleet(args, w, c, k)))
    if args.redis_kill:
        jobs.append(("redis-kill", lambda w, c: run_redis_kill(args, w, c)))
    if args.fail:
        jobs.append(("fail", lambda w, c: run_fail(args, w, c)))
    if args.control:
        jobs.append(("control", lambda w, c: run_control(args, w, c)))
    if not jobs:
        ap.error("no scenario chosen")
    if any(j[0] in ("redis", "redis-kill", "fail") for j in jobs) and not shutil.which("redis-server"):
        sys.exit("redis-server is missing: run scripts/deps.sh")

    # SIGTERM (make interrupted, CI stopping) unwinds like Ctrl-C, so nothing is left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = tempfile.mkdtemp(prefix="wx-quota-fleet-")
    outcome = {}
    try:
        children = {"c": build_c(work), "python": [sys.executable, os.path.join(HERE, "child.py")],
                    "java": build_java(work)}
        print(f"quota fleet: {', '.join(j[0] for j in jobs)}; work dir {work}", flush=True)

        def run(name, fn):
            t = time.monotonic()
            try:
                outcome[name] = fn(work, children)
            except Exception as e:  # a crash of the harness is a failure of the scenario
                traceback.print_exc()
                outcome[name] = [f"{type(e).__name__}: {bounded(str(e))}"]
            print(f"[{name}] {'passed' if not outcome[name] else 'FAILED'} in "
                  f"{time.monotonic() - t:.1f} s", flush=True)

        threads = []
        for name, fn in jobs:
            th = threading.Thread(target=run, args=(name, fn), daemon=True)
            th.start()
            if args.serial:
                while th.is_alive():
                    th.join(0.5)
            threads.append(th)
        for th in threads:
            while th.is_alive():
                th.join(0.5)
    finally:
        with _procs_lock:
            for p in _procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
    failed = [name for name, f in outcome.items() if f]
    for name in failed:
        for f in outcome[name][:10]:
            print(f"FAIL [{name}]: {f}")
    if not failed:
        shutil.rmtree(work, ignore_errors=True)
    passed = len(outcome) - len(failed)
    print(f"quota-fleet: {passed} passed, {len(jobs) - passed} failed")
    return 1 if failed or len(outcome) != len(jobs) else 0


if __name__ == "__main__":
    sys.exit(main())
