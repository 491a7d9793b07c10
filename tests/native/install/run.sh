#!/usr/bin/env bash
# End-to-end check of `make install` for C and C++ users, against a sandbox:
#   1. installs into a temporary prefix (and a DESTDIR staging) and checks the layout;
#   2. symbol hygiene and the documented static link line (symbols.sh);
#   3. builds examples-c/cpp with find_package(wx_recover) from that prefix alone, shared and
#      static, and runs each (8 threads, one client) against the sandbox;
#   4. builds examples-c/pkgconfig with pkg-config from that prefix alone and runs it.
#
#   bash tests/native/install/run.sh            (needs target/release built: libwx_recover + wx-sandbox)
# Env: WX_SANDBOX_BIN (default target/release/wx-sandbox), KEEP_TMP=1 to keep the temp dir.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
sandbox_bin=${WX_SANDBOX_BIN:-$root/target/release/wx-sandbox}
tmp=$(mktemp -d /tmp/wx-install-test-XXXXXX)
prefix="$tmp/prefix"
sandbox_pid=

cleanup() {
  if [ -n "$sandbox_pid" ]; then kill -TERM "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

[ -x "$sandbox_bin" ] || fail "no sandbox at $sandbox_bin (cargo build --release -p wx-sandbox)"

# ---- 1. install -------------------------------------------------------------------------------
# Through the top-level Makefile once it includes mk/install.mk; the fragment alone until then.
if grep -qs '^ *-\?include  *mk/install.mk' "$root/Makefile"; then
  install_cmd=(make -C "$root" --no-print-directory)
else
  install_cmd=(make -C "$root" --no-print-directory -f mk/install.mk)
fi
"${install_cmd[@]}" install PREFIX="$prefix" > "$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "make install"; }

ver=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | head -n 1)
major=${ver%%.*}
for f in "lib/libwx_recover.so.$ver" lib/libwx_recover.a include/wx_recover.h include/wx_recover.hpp \
         lib/pkgconfig/wx_recover.pc lib/cmake/wx_recover/wx_recoverConfig.cmake \
         lib/cmake/wx_recover/wx_recoverConfigVersion.cmake; do
  [ -f "$prefix/$f" ] || fail "missing $f"
done
[ "$(readlink "$prefix/lib/libwx_recover.so.$major")" = "libwx_recover.so.$ver" ] || fail "so.$major link"
[ "$(readlink "$prefix/lib/libwx_recover.so")" = "libwx_recover.so.$major" ] || fail "so link"
readelf -d "$prefix/lib/libwx_recover.so.$ver" | grep "SONAME.*\[libwx_recover.so.$major\]" >/dev/null ||
  fail "SONAME is not libwx_recover.so.$major"
cmp -s "$root/include/wx_recover.hpp" "$prefix/include/wx_recover.hpp" || fail "hpp differs"
pass "make install PREFIX=$prefix: layout, symlinks, SONAME libwx_recover.so.$major"

"${install_cmd[@]}" install PREFIX=/opt/wx-recover DESTDIR="$tmp/stage" > "$tmp/stage.log" 2>&1 ||
  { cat "$tmp/stage.log" >&2; fail "make install DESTDIR"; }
[ -f "$tmp/stage/opt/wx-recover/lib/libwx_recover.so.$ver" ] || fail "DESTDIR layout"
grep -qx 'prefix=/opt/wx-recover' "$tmp/stage/opt/wx-recover/lib/pkgconfig/wx_recover.pc" ||
  fail ".pc prefix must be PREFIX, not DESTDIR+PREFIX"
pass "make install DESTDIR=... PREFIX=/opt/wx-recover stages correctly"

# ---- sandbox --------------------------------------------------------------------------------
"$sandbox_bin" --state-dir "$tmp/state" --orders 200 --rate-limit-per-minute 0 \
  > "$tmp/sandbox.out" 2> "$tmp/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 1 600); do
  grep -q '^ready ' "$tmp/sandbox.out" 2>/dev/null && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$tmp/sandbox.err" >&2; fail "sandbox exited"; }
  sleep 0.1
done
sandbox_json=$(sed -n 's/^ready //p' "$tmp/sandbox.out" | head -n 1)
[ -n "$sandbox_json" ] || fail "sandbox not ready"
config=$(sed -n 's/.*"client_config" *: *"\([^"]*\)".*/\1/p' "$sandbox_json" | head -n 1)
[ -f "$config" ] || fail "no client_config in $sandbox_json"
pass "sandbox ready ($sandbox_json)"

# ---- 2. symbols -------------------------------------------------------------------------------
bash "$root/tests/native/install/symbols.sh" "$prefix" "$config"

# Only the temporary prefix may be visible to the builds below.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig"
unset CMAKE_PREFIX_PATH CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH LIBRARY_PATH LD_LIBRARY_PATH || true

# ---- 3. CMake example, shared then static -----------------------------------------------------
run_cpp_example() {  # $1 shared|static, $2 first order index
  local kind=$1 first=$2 b="$tmp/build-cpp-$1" static=OFF
  [ "$kind" = static ] && static=ON
  cmake -S "$root/examples-c/cpp" -B "$b" -DCMAKE_PREFIX_PATH="$prefix" \
    -DWX_RECOVER_USE_STATIC=$static -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF > "$b.log" 2>&1 || { cat "$b.log" >&2; fail "cmake ($kind)"; }
  cmake --build "$b" >> "$b.log" 2>&1 || { cat "$b.log" >&2; fail "build ($kind)"; }
  if [ "$kind" = shared ]; then
    ldd "$b/recover_threads" | grep "libwx_recover.so.$major => $prefix/lib/" >/dev/null ||
      fail "shared example does not load $prefix/lib/libwx_recover.so.$major"
  else
    ! readelf -d "$b/recover_threads" | grep libwx_recover >/dev/null || fail "static example needs the .so"
  fi
  "$b/recover_threads" "$config" "$sandbox_json" "$first" > "$tmp/cpp-$kind.out" 2>&1 ||
    { cat "$tmp/cpp-$kind.out" >&2; fail "recover_threads ($kind)"; }
  [ "$(grep -cE '^thread [0-7]: .* -> .* (SUCCESS|FAILED)' "$tmp/cpp-$kind.out")" = 8 ] ||
    { cat "$tmp/cpp-$kind.out" >&2; fail "recover_threads ($kind) did not report 8 final states"; }
  pass "examples-c/cpp ($kind, find_package from the prefix): 8 threads, one client, 8 final"
}
run_cpp_example shared 0
run_cpp_example static 8

# ---- 4. pkg-config example --------------------------------------------------------------------
cp -r "$root/examples-c/pkgconfig" "$tmp/pkgconfig-example"
make -C "$tmp/pkgconfig-example" --no-print-directory > "$tmp/pc.log" 2>&1 ||
  { cat "$tmp/pc.log" >&2; fail "pkg-config example build"; }
grep -q -- "-Wall -Wextra -Werror -pedantic" "$tmp/pc.log" || fail "pkg-config example flags"
no=$(sed -n 's/^thread 0: \([^ ]*\) (mchid .*/\1/p' "$tmp/cpp-shared.out")
mchid=$(sed -n 's/^thread 0: [^ ]* (mchid \([^)]*\)) -> .*/\1/p' "$tmp/cpp-shared.out")
[ -n "$no" ] && [ -n "$mchid" ] || fail "cannot read thread 0's order from the C++ example output"
for bin in query_order query_order_static; do
  out=$("$tmp/pkgconfig-example/$bin" "$config" "$no" "$mchid" 2>&1) ||
    { echo "$out" >&2; fail "$bin on $no"; }
  echo "$out" | grep -E "^$no: (SUCCESS|FAILED) " >/dev/null || { echo "$out" >&2; fail "$bin output"; }
  rc=0
  "$tmp/pkgconfig-example/$bin" "$config" "no-such-order-$$" "$mchid" > /dev/null 2>&1 || rc=$?
  [ "$rc" = 3 ] || fail "$bin on an unknown order exited $rc, want 3 (404 NOT_FOUND)"
done
ldd "$tmp/pkgconfig-example/query_order" | grep "libwx_recover.so.$major => $prefix/lib/" >/dev/null ||
  fail "query_order does not load the installed library"
pass "examples-c/pkgconfig (pkg-config --cflags --libs wx_recover): shared and static run"

echo "install tests: all passed"
