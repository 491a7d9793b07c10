#!/usr/bin/env bash
# Runs every cargo-fuzz target of wx-recover (see docs/hardening.md).
#
#   fuzz/run.sh [--smoke] SECONDS [TARGET...]
#
# Each target replays its committed seeds (fuzz/corpus/<target>/, crash regressions included)
# and then fuzzes for SECONDS, growing build/fuzz/corpus/<target>/ (not committed). --smoke is
# the `make test` mode: the same, but the grown corpus starts empty each time so runs are
# comparable. Installs what it needs: a nightly toolchain (rustup) and cargo-fuzz (crates.io);
# without nightly it falls back to RUSTC_BOOTSTRAP=1 on the stable toolchain.
# A crash stops the run with exit 1 and prints the input in hex and the reproduction command.
set -euo pipefail
smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fuzz"

# Toolchain: nightly if rustup has or can fetch it, else stable with RUSTC_BOOTSTRAP=1.
if cargo +nightly --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal >/dev/null 2>&1; then
    CARGO=(cargo +nightly)
else
    echo "fuzz: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1" >&2
    export RUSTC_BOOTSTRAP=1
    CARGO=(cargo)
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz from crates.io" >&2
    cargo install cargo-fuzz --locked
fi
# libFuzzer is built from source by libfuzzer-sys: it needs a C++ compiler.
if ! command -v c++ >/dev/null; then
    sudo_=(); [ "$(id -u)" = 0 ] || sudo_=(sudo)
    "${sudo_[@]}" apt-get update -qq && "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null
fi
# Reproducible builds: the committed fuzz/Cargo.lock is used as it is. cargo-fuzz has no
# --locked of its own, so a locked fetch comes first: a stale lockfile fails here instead of
# drifting (update it with `cargo +nightly update -w` in fuzz/ and commit it).
mkdir -p "$root/build/fuzz"
if ! "${CARGO[@]}" fetch --locked >"$root/build/fuzz/fetch.log" 2>&1; then
    cat "$root/build/fuzz/fetch.log" >&2
    echo "fuzz: fuzz/Cargo.lock is stale: update it in fuzz/ and commit it" >&2
    exit 1
fi
# ASan needs the runtime shipped with the toolchain; if it cannot be used, fuzz without it.
mkdir -p "$root/build/fuzz"
SAN=(--sanitizer address)
if ! "${CARGO[@]}" fuzz build -O "${SAN[@]}" >"$root/build/fuzz/build.log" 2>&1; then
    tail -20 "$root/build/fuzz/build.log" >&2
    echo "fuzz: the ASan build failed (build/fuzz/build.log); retrying with --sanitizer none" >&2
    SAN=(--sanitizer none)
    "${CARGO[@]}" fuzz build -O "${SAN[@]}"
fi

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <("${CARGO[@]}" fuzz list)
status=0
for t in "${targets[@]}"; do
    work="$root/build/fuzz/corpus/$t"
    [ "$smoke" = 1 ] && rm -rf "$work"
    mkdir -p "$work" "corpus/$t"
    start=$(date +%s)
    log="$root/build/fuzz/$t.log"
    if "${CARGO[@]}" fuzz run -O "${SAN[@]}" "$t" "$work" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
        >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
        echo "fuzz $t: ok, $runs runs in $(( $(date +%s) - start )) s, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) files"
    else
        status=1
        echo "fuzz $t: FAILED (log: $log)"
        grep -A40 -E "panicked at|ERROR: (AddressSanitizer|libFuzzer)" "$log" | head -60 || tail -40 "$log"
        for a in artifacts/"$t"/*; do
            [ -f "$a" ] || continue
            echo "input $a (hex): $(od -An -tx1 -v "$a" | tr -d ' \n' | head -c 4096)"
            echo "reproduce: cd fuzz && ${CARGO[*]} fuzz run -O ${SAN[*]} $t $a"
        done
    fi
done
exit $status
