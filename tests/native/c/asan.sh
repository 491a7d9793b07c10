#!/usr/bin/env bash
# Sanitizer, hostile-input and stress runs of the C ABI against a fresh sandbox.
#
#   tests/native/c/asan.sh asan      ASan+UBSan builds of examples-c/recover.c, tests/native/c/test_abi.c,
#                             the generated hostile test and a short stress run (leaks checked)
#   tests/native/c/asan.sh hostile   the generated hostile test under valgrind (zero errors, zero leaks)
#   tests/native/c/asan.sh stress    16 threads x 500 calls under ASan, then 4 x 25 under valgrind
#                             (STRESS_THREADS / STRESS_CALLS / STRESS_VG_THREADS / STRESS_VG_CALLS)
#
# The Rust library is not instrumented: ASan's malloc interposition still sees every Rust heap
# allocation (Rust uses the system allocator), so leaks across the ABI are reported.
set -euo pipefail
mode=${1:-asan}
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
. scripts/sandbox.sh
lib="$root/target/release"
out="$root/build/hardening"
mkdir -p "$out"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    echo "asan.sh: installing $* with apt-get" >&2
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
# Tools: a C compiler with ASan/UBSan runtimes (gcc's libasan/libubsan), valgrind, python3.
command -v cc >/dev/null || apt_install gcc libc6-dev
if ! echo 'int main(void){return 0;}' | cc -fsanitize=address,undefined -x c - -o "$out/.probe" 2>/dev/null; then
    # Debian's gcc depends on libgcc-<ver>-dev, which brings libasan and libubsan.
    apt_install gcc libc6-dev
fi
command -v valgrind >/dev/null || apt_install valgrind
command -v python3 >/dev/null || apt_install python3
[ -f "$lib/libwx_recover.so" ] || { echo "asan.sh: $lib/libwx_recover.so missing: run 'make build' first" >&2; exit 1; }

CFLAGS=(-std=c11 -Wall -Wextra -Werror -pedantic -g -Iinclude -Itests/native/c)
SAN=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
LDFLAGS=(-L"$lib" -Wl,-rpath,"$lib" -lwx_recover -lpthread)
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=98:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$root/tests/native/c/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=97"
VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --suppressions="$root/tests/native/c/valgrind.supp")

python3 tests/native/c/gen_hostile.py include/wx_recover.h "$out/hostile_gen.c"
build() { # build NAME SANITIZE(0/1) SOURCES...
    local name=$1 san=$2; shift 2
    local extra=()
    [ "$san" = 1 ] && extra=("${SAN[@]}")
    cc "${CFLAGS[@]}" "${extra[@]}" "$@" -o "$out/$name" "${LDFLAGS[@]}"
}

trap sandbox_stop EXIT
sandbox_start --orders 8100 --rate-limit-per-minute 0
# The sandbox's client config with the client-side rate limit off (this test sends thousands
# of requests); written next to it so its relative key paths still resolve.
config=$(python3 - "$(sandbox_get client_config)" <<'PY'
import json, os, sys
src = sys.argv[1]
cfg = json.load(open(src))
cfg["rate_limit_per_minute"] = 0
dst = os.path.join(os.path.dirname(src), "client-hardening.json")
json.dump(cfg, open(dst, "w"))
print(dst)
PY
)
orders_file() { # orders_file FIRST -> a file of "wb wx mchid bal" lines from order FIRST on
    python3 - "$SANDBOX_JSON" "$1" "$out/orders-$1.txt" <<'PY'
import json, sys
orders = json.load(open(sys.argv[1]))["orders"][int(sys.argv[2]):]
with open(sys.argv[3], "w") as f:
    for o in orders:
        f.write(" ".join([o["related_webank_punish_no"], o["related_wxpay_punish_no"], o["mchid"], o["bal_account_no"]]) + "\n")
print(sys.argv[3])
PY
}
notification_file() { # a notification signed by the sandbox: 5 lines, 4 header values + body
    python3 - "$(sandbox_get admin_url)" "$out/notification.txt" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1].rstrip("/") + "/sign-notification", method="POST",
    data=json.dumps({"plaintext": {"out_request_no": "HOSTILE-N1", "recover_state": "SUCCESS"}}).encode(),
    headers={"Content-Type": "application/json"})
ans = json.load(urllib.request.urlopen(req, timeout=10))
h = {k.lower(): v for k, v in ans["headers"].items()}
vals = [h["wechatpay-timestamp"], h["wechatpay-nonce"], h["wechatpay-signature"], h["wechatpay-serial"], ans["body"]]
assert all("\n" not in v for v in vals)
open(sys.argv[2], "w").write("\n".join(vals) + "\n")
print(sys.argv[2])
PY
}
order_args() { sandbox_order "$1"; }

case "$mode" in
asan)
    build recover-asan 1 examples-c/recover.c
    build test_abi-asan 1 tests/native/c/test_abi.c
    build hostile-asan 1 tests/native/c/hostile.c "$out/hostile_gen.c"
    build stress-asan 1 tests/native/c/stress.c
    read -r wb wx mch bal <<<"$(order_args 0)"
    "$out/test_abi-asan" "$config" "$wb" "$wx" "$mch" "$bal"
    read -r wb wx mch bal <<<"$(order_args 1)"
    "$out/recover-asan" "$config" "C-ASAN-$$-$(date +%s)" "$wb" "$wx" "$mch" "$bal" "ASan run of the C example" >/dev/null
    echo "c-example (asan): 1 passed, 0 failed"
    read -r wb wx mch bal <<<"$(order_args 2)"
    "$out/hostile-asan" "$config" "$wb" "$wx" "$mch" "$bal" "$(notification_file)"
    "$out/stress-asan" "$config" "$(orders_file 10)" 4 50
    echo "asan: recover, test_abi, hostile, stress: zero ASan/UBSan/LSan reports"
    ;;
hostile)
    build hostile 0 tests/native/c/hostile.c "$out/hostile_gen.c"
    read -r wb wx mch bal <<<"$(order_args 3)"
    "${VG[@]}" "$out/hostile" "$config" "$wb" "$wx" "$mch" "$bal" "$(notification_file)"
    ;;
stress)
    build stress-asan 1 tests/native/c/stress.c
    build stress 0 tests/native/c/stress.c
    threads=${STRESS_THREADS:-16} calls=${STRESS_CALLS:-500}
    vg_threads=${STRESS_VG_THREADS:-4} vg_calls=${STRESS_VG_CALLS:-25}
    # Orders 100.. for the ASan run; the valgrind run takes the orders after them.
    "$out/stress-asan" "$config" "$(orders_file 100)" "$threads" "$calls"
    vg_first=$((100 + threads * ((calls + 4) / 5)))
    echo "stress: valgrind run scaled down to $vg_threads x $vg_calls (valgrind serialises threads)"
    "${VG[@]}" "$out/stress" "$config" "$(orders_file "$vg_first")" "$vg_threads" "$vg_calls"
    ;;
*) echo "usage: $0 asan|hostile|stress" >&2; exit 64 ;;
esac
