#!/usr/bin/env bash
# wx-recover benchmarks: the single entry point (`make bench` calls `bash bench/run.sh`).
#
# Needs `cargo build --release --workspace` first (target/release/libwx_recover.so, its
# libwx_recover.so.0 symlink, and target/release/wx-sandbox). Then, with no network but the
# package registries:
#   1. builds the drivers into build/bench/ (gcc -O2 for the crypto floor and the C driver; javac
#      + the Java binding's own JNI Makefile for the Java driver; Maven resolves the official
#      wechatpay-java SDK; `go build` fetches wechatpay-go through the Go module proxy; a venv
#      with wechatpayv3 and matplotlib from PyPI). Nothing of the peers lands in the repository.
#   2. runs bench/bench.py: one sandbox, rate limit off, every driver (the crypto and transport
#      floors, the hand-off experiment, wx-recover C/Python/Java, the peers) interleaved round by round,
#      then the memory run -> build/bench/results.json
#   3. runs bench/journal.py, bench/quota.py, bench/coldstart.py and bench/breakdown.py (each
#      with its own sandbox) -> build/bench/{journal,quota,coldstart,breakdown}.json
#   4. runs bench/report.py -> docs/benchmarks.md + docs/benchmarks.png and prints the summary line.
#
# BENCH_QUICK=1: a ~3-minute smoke run (fewer rounds, fewer calls, 5,000 submits for memory);
# its report says so at the top.
# Exit status: 0 when the run completed (the targets are judged in the summary line, not here);
# non-zero when something could not be built or a driver failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build/bench
REL=$ROOT/target/release
mkdir -p "$B/logs"
BUILD_LOG=$B/logs/build.log
: >"$BUILD_LOG"
T0=$(date +%s)

say() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
step() { # step NAME CMD...: runs CMD with its output in the build log; shows the log's end on failure
    local name=$1
    shift
    say "$name"
    if ! "$@" >>"$BUILD_LOG" 2>&1; then
        echo "bench: step failed: $name (see $BUILD_LOG):" >&2
        tail -n 40 "$BUILD_LOG" >&2
        exit 1
    fi
}

for f in "$REL/libwx_recover.so" "$REL/wx-sandbox" "$ROOT/include/wx_recover.h"; do
    [ -e "$f" ] || { echo "bench: $f missing: run 'cargo build --release --workspace' first" >&2; exit 1; }
done
[ -e "$REL/libwx_recover.so.0" ] || ln -sfn libwx_recover.so "$REL/libwx_recover.so.0"

# --- Python: a venv that sees the system's packages, plus what the bench needs -------------
WXV3_VERSION=2.0.4
if [ ! -x "$B/venv/bin/python" ]; then
    step "python venv" python3 -m venv --system-site-packages "$B/venv"
fi
PY=$B/venv/bin/python
if ! "$PY" -c "import wechatpayv3, matplotlib" >/dev/null 2>&1 ||
    [ "$("$PY" -c 'import importlib.metadata as m; print(m.version("wechatpayv3"))')" != "$WXV3_VERSION" ]; then
    step "pip install wechatpayv3==$WXV3_VERSION matplotlib" \
        "$PY" -m pip install -q --disable-pip-version-check "wechatpayv3==$WXV3_VERSION" matplotlib
fi

# --- C: crypto floor and the C ABI driver ------------------------------------------------------
step "cc floor (OpenSSL libcrypto, -O2)" gcc -O2 -Wall -Wextra -o "$B/floor" "$ROOT/bench/floor.c" -lcrypto
step "cc transport floor (OpenSSL libssl + libcrypto, -O2)" gcc -O2 -Wall -Wextra -o "$B/transport_floor" \
    "$ROOT/bench/transport_floor.c" -lssl -lcrypto
step "cc cold-start program (dlopen + C ABI, -O2)" gcc -O2 -Wall -Wextra -std=c11 -I"$ROOT/include" \
    -o "$B/coldstart" "$ROOT/bench/coldstart.c" -ldl
# The hand-off experiment: reqwest blocking vs reqwest async on the caller's thread (bench only).
step "cargo build bench/handoff (reqwest blocking vs current-thread runtime)" env CARGO_TARGET_DIR="$B/handoff-target" \
    cargo build --release --quiet --manifest-path "$ROOT/bench/handoff/Cargo.toml"
step "cc driver (C ABI, -O2)" gcc -O2 -Wall -Wextra -std=c11 -I"$ROOT/include" -o "$B/driver" \
    "$ROOT/bench/driver.c" -L"$REL" -lwx_recover -Wl,-rpath,"$REL" -lpthread

# --- Java: the binding (compiled here, its JNI glue built by its own Makefile) and the peer ----
JAVAC=$(command -v javac)
JDK=$(dirname "$(dirname "$(readlink -f "$JAVAC")")")
step "cc rusage JNI helper" gcc -O2 -shared -fPIC -Wall -Wextra -I"$JDK/include" -I"$JDK/include/linux" \
    -o "$B/librusage_jni.so" "$ROOT/bench/java/common/rusage_jni.c"
rm -rf "$B/java-binding" "$B/java-peer/classes"
mkdir -p "$B/java-binding/classes" "$B/java-binding/jni" "$B/java-binding/native" "$B/java-peer/classes"
# The binding's one run-time dependency (slf4j-api), for javac here and `java -cp` in bench.py
# and coldstart.py: java-binding/runtime.classpath.
step "maven: the binding's run-time class path" mvn -q -B -f "$ROOT/bindings/java/pom.xml" \
    dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$B/java-binding/runtime.classpath"
step "javac Java binding + driver" "$JAVAC" -cp "$(cat "$B/java-binding/runtime.classpath")" \
    -h "$B/java-binding/jni" -d "$B/java-binding/classes" \
    "$ROOT"/bindings/java/src/main/java/io/wxrecover/*.java \
    "$ROOT/bench/java/common/BenchLoop.java" "$ROOT/bench/java/binding/BindingBench.java" \
    "$ROOT/bench/java/binding/ColdStart.java"
step "JNI glue (bindings/java/src/main/native/Makefile)" make -C "$ROOT/bindings/java/src/main/native" \
    OUT="$B/java-binding/native" JNI_HEADERS="$B/java-binding/jni" WX_LIB_DIR="$REL" WX_INCLUDE_DIR="$ROOT/include"
step "maven: wechatpay-java classpath" mvn -q -B -f "$ROOT/bench/java/peer/pom.xml" dependency:build-classpath \
    -Dmdep.outputFile="$B/java-peer/sdk.classpath"
step "javac wechatpay-java driver" "$JAVAC" -d "$B/java-peer/classes" -cp "$(cat "$B/java-peer/sdk.classpath")" \
    "$ROOT/bench/java/common/BenchLoop.java" "$ROOT/bench/java/peer/WechatpayJavaBench.java"

# --- Go: the wechatpay-go driver (module cache: $(go env GOMODCACHE)) -------------------------
step "go build wechatpay-go driver" bash -c "cd '$ROOT/bench/go' && go build -o '$B/peer-go' ."

"$PY" - "$B/sdk_versions.json" "$ROOT/bench/go/go.mod" "$ROOT/bench/java/peer/pom.xml" <<'EOF'
import importlib.metadata as m, json, re, sys
go = re.search(r"wechatpay-go (v[0-9.]+)", open(sys.argv[2]).read()).group(1)
java = re.search(r"<artifactId>wechatpay-java</artifactId>\s*<version>([^<]+)</version>", open(sys.argv[3]).read()).group(1)
json.dump({"wechatpayv3": m.version("wechatpayv3"), "wechatpay-java": java, "wechatpay-go": go,
           "matplotlib": m.version("matplotlib")}, open(sys.argv[1], "w"))
EOF
say "builds done in $(($(date +%s) - T0)) s"

# --- run and report --------------------------------------------------------------------------
# report.py folds in whichever of these JSON files exist: none may be left from an earlier run.
rm -f "$B/journal.json" "$B/quota.json" "$B/coldstart.json" "$B/breakdown.json" "$B/batch_pipeline.json"
"$PY" "$ROOT/bench/bench.py"
# The journal's cost per submit (CPU, wall, fsyncs), in the same run: docs/journal.md.
command -v strace >/dev/null || step "apt-get install strace" apt-get install -y -qq strace
"$PY" "$ROOT/bench/journal.py" --out "$B/journal.json" >/dev/null
# The quota store's round trip per submit, and per-call latency during a primary outage with the
# breaker and without it (docs/configuration.md, "Quota" and "Retries and failover").
"$PY" "$ROOT/bench/quota.py" --out "$B/quota.json" >/dev/null
# batch --wait at the platform's limits: recovers and queries as one pipeline (docs/operators.md).
"$PY" "$ROOT/bench/batch_pipeline.py" --out "$B/batch_pipeline.json" >/dev/null
# Cold start: one process from nothing to a verified acceptance, per client.
"$PY" "$ROOT/bench/coldstart.py" --rounds "$([ "${BENCH_QUICK:-0}" != 0 ] && echo 3 || echo 7)" --out "$B/coldstart.json" >/dev/null
# Where a submit's CPU goes: perf stat and perf record (cpu-clock, DWARF call chains).
command -v perf >/dev/null || apt-get install -y -qq linux-perf >>"$BUILD_LOG" 2>&1 || true
if [ "${BENCH_QUICK:-0}" != 0 ]; then BD_ARGS=(--n 200 --callgrind-calls 20); else BD_ARGS=(--n 800 --callgrind-calls 40); fi
"$PY" "$ROOT/bench/breakdown.py" "${BD_ARGS[@]}" --out "$B/breakdown.json" >/dev/null
"$PY" "$ROOT/bench/report.py" "$B/results.json" "$ROOT/docs/benchmarks.md" "$ROOT/docs/benchmarks.png"
say "total $(($(date +%s) - T0)) s"
