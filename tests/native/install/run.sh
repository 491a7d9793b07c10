#!/usr/bin/env bash
# End-to-end check of `make install` for C and C++ users, against a sandbox, from outside the
# source tree:
#   1. installs into a temporary prefix (and a DESTDIR staging) and checks the layout: it only
#      copies (no deps.sh, apt-get, pip or header generation), the shared library is stripped
#      with its SONAME, and the .pc and CMake files still work after the prefix is moved;
#   2. symbol hygiene and the documented static link line (symbols.sh);
#   3. builds a copy of examples-c/cpp with find_package(wx_recover) from that prefix alone,
#      shared and static, and runs each (8 threads, one client) against the sandbox;
#   4. builds a copy of examples-c/pkgconfig with pkg-config from that prefix alone and runs it;
#   5. runs the README's pkg-config lines as written (shared with rpath, static) on a C program.
#
#   bash tests/native/install/run.sh            (needs target/release built: libwx_recover + wx-sandbox)
# Env: WX_SANDBOX_BIN (default target/release/wx-sandbox), KEEP_TMP=1 to keep the temp dir.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
. "$root/scripts/sandbox.sh"   # the one shell launcher (sandbox_start, sandbox_get, sandbox_stop)
sandbox_bin=$WX_SANDBOX_BIN
tmp=$(mktemp -d /tmp/wx-install-test-XXXXXX)
prefix="$tmp/prefix"

cleanup() {
  sandbox_stop
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

[ -x "$sandbox_bin" ] || fail "no sandbox at $sandbox_bin (cargo build --release -p wx-sandbox)"

# ---- 1. install (or, with WX_DIST_ARCHIVE, the make dist archive unpacked) ---------------------
ver=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | head -n 1)
major=${ver%%.*}
if [ -n "${WX_DIST_ARCHIVE:-}" ]; then
  export WX_VENDORED=1
  top="wx-recover-$ver-x86_64-linux-gnu"
  [ "$(basename "$WX_DIST_ARCHIVE")" = "$top.tar.gz" ] || fail "archive is $(basename "$WX_DIST_ARCHIVE"), want $top.tar.gz"
  [ "$(tar -tzf "$WX_DIST_ARCHIVE" | cut -d/ -f1 | sort -u)" = "$top" ] || fail "the archive has more than one top folder"
  mkdir -p "$prefix" && tar -xzf "$WX_DIST_ARCHIVE" -C "$prefix" --strip-components=1
  (cd "$prefix" && sha256sum --quiet -c SHA256SUMS) || fail "the archive's SHA256SUMS does not match its files"
  for f in "lib/libwx_recover.so.$ver" lib/libwx_recover.a include/wx_recover.h include/wx_recover.hpp \
           lib/pkgconfig/wx_recover.pc lib/pkgconfig/wx_recover-static.pc lib/cmake/wx_recover/wx_recoverConfig.cmake \
           lib/cmake/wx_recover/wx_recoverConfigVersion.cmake share/licenses/wx-recover/LICENSE \
           share/licenses/wx-recover/OpenSSL-LICENSE.txt share/licenses/wx-recover/THIRD-PARTY.txt \
           examples/recover.c examples/pkgconfig/query_order.c; do
    [ -f "$prefix/$f" ] || fail "the archive has no $f"
  done
  grep -q 'Apache License' "$prefix/share/licenses/wx-recover/OpenSSL-LICENSE.txt" || fail "OpenSSL's licence text is missing"
  cmp -s "$root/include/wx_recover.h" "$prefix/include/wx_recover.h" || fail "the archive's wx_recover.h differs from include/"
  pass "dist archive $top.tar.gz: layout, licences (OpenSSL's too), SHA256SUMS"
else
  # Through the top-level Makefile once it includes mk/install.mk; the fragment alone until then.
  if grep -qs '^ *-\?include  *mk/install.mk' "$root/Makefile"; then
    install_cmd=(make -C "$root" --no-print-directory)
  else
    install_cmd=(make -C "$root" --no-print-directory -f mk/install.mk)
  fi
  # Install is copies only: its recipe has nothing that touches the system or regenerates sources,
  # and with the libraries built it does not even run cargo.
  "${install_cmd[@]}" -n install PREFIX="$prefix" > "$tmp/install.dry" 2>&1 || { cat "$tmp/install.dry" >&2; fail "make -n install"; }
  if grep -En 'deps\.sh|apt-get|apt |pip[3]? |cbindgen|make header|> *[^ ]*include/' "$tmp/install.dry" > "$tmp/install.bad"; then
    cat "$tmp/install.bad" >&2; fail "make install would do more than copy"
  fi
  headers_before=$(cat "$root"/include/* | cksum)
  "${install_cmd[@]}" install PREFIX="$prefix" > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "make install"; }
  if grep -E 'install: building|Compiling|^deps:' "$tmp/install.log"; then fail "make install built or installed something"; fi
  [ "$(cat "$root"/include/* | cksum)" = "$headers_before" ] || fail "make install changed include/"

  for f in "lib/libwx_recover.so.$ver" lib/libwx_recover.a include/wx_recover.h include/wx_recover.hpp \
           lib/pkgconfig/wx_recover.pc lib/cmake/wx_recover/wx_recoverConfig.cmake \
           lib/cmake/wx_recover/wx_recoverConfigVersion.cmake; do
    [ -f "$prefix/$f" ] || fail "missing $f"
  done
  [ "$(readlink "$prefix/lib/libwx_recover.so.$major")" = "libwx_recover.so.$ver" ] || fail "so.$major link"
  [ "$(readlink "$prefix/lib/libwx_recover.so")" = "libwx_recover.so.$major" ] || fail "so link"
  readelf -d "$prefix/lib/libwx_recover.so.$ver" | grep "SONAME.*\[libwx_recover.so.$major\]" >/dev/null ||
    fail "SONAME is not libwx_recover.so.$major"
  file -b "$prefix/lib/libwx_recover.so.$ver" | grep -q ', stripped' || fail "the installed shared library is not stripped"
  ! readelf -d "$prefix/lib/libwx_recover.so.$ver" | grep -Eq 'RUNPATH|RPATH' || fail "the shared library has a RUNPATH"
  cmp -s "$root/include/wx_recover.hpp" "$prefix/include/wx_recover.hpp" || fail "hpp differs"
  pass "make install PREFIX=$prefix: copies only, layout, symlinks, stripped, SONAME libwx_recover.so.$major"

  # Libraries missing from a CARGO_TARGET of one's own: a clear error, nothing installed.
  rc=0
  "${install_cmd[@]}" install PREFIX="$tmp/none" CARGO_TARGET="$tmp/empty-target" > "$tmp/none.log" 2>&1 || rc=$?
  [ "$rc" != 0 ] && grep -q "empty-target/libwx_recover.{so,a} missing" "$tmp/none.log" && [ ! -e "$tmp/none" ] ||
    { cat "$tmp/none.log" >&2; fail "install from an empty CARGO_TARGET should fail and say why"; }

  "${install_cmd[@]}" install PREFIX=/opt/wx-recover DESTDIR="$tmp/stage" > "$tmp/stage.log" 2>&1 ||
    { cat "$tmp/stage.log" >&2; fail "make install DESTDIR"; }
  [ -f "$tmp/stage/opt/wx-recover/lib/libwx_recover.so.$ver" ] || fail "DESTDIR layout"
  for pc in wx_recover wx_recover-static; do
    grep -qx 'prefix=${pcfiledir}/../..' "$tmp/stage/opt/wx-recover/lib/pkgconfig/$pc.pc" ||
      fail "$pc.pc is not relocatable (prefix=\${pcfiledir}/../..)"
  done
  ! grep -rq "$tmp" "$tmp/stage/opt/wx-recover/lib/pkgconfig" "$tmp/stage/opt/wx-recover/lib/cmake" ||
    fail "the staged .pc or CMake files name the staging folder"
  # Moved elsewhere, the .pc files resolve to the new place.
  mv "$tmp/stage/opt/wx-recover" "$tmp/moved"
  moved_inc=$(PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig" PKG_CONFIG_LIBDIR="$tmp/moved/lib/pkgconfig" \
    pkg-config --cflags wx_recover | awk '{print $1}')
  [ "$(realpath "${moved_inc#-I}")" = "$tmp/moved/include" ] || fail "moved prefix: --cflags gave $moved_inc"
  moved_a=$(PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig" PKG_CONFIG_LIBDIR="$tmp/moved/lib/pkgconfig" \
    pkg-config --libs wx_recover-static | awk '{print $1}')
  [ "$(realpath "$moved_a")" = "$tmp/moved/lib/libwx_recover.a" ] || fail "moved prefix: wx_recover-static gave $moved_a"
  pass "make install DESTDIR=... PREFIX=/opt/wx-recover stages correctly, and the prefix can be moved"


fi
# What ships carries no debug sections: the shared library is stripped, the archive has its
# debug info removed (cargo's release profile keeps line tables for developers; docs/cpp.md).
for lib in "$prefix/lib/libwx_recover.so.$ver" "$prefix/lib/libwx_recover.a"; do
  ! readelf -S -W "$lib" 2>/dev/null | grep -E '\] \.z?debug_' >/dev/null || fail "$(basename "$lib") carries debug sections"
done
pass "no debug sections: libwx_recover.so.$ver $(du -k "$prefix/lib/libwx_recover.so.$ver" | cut -f1) KiB, libwx_recover.a $(du -k "$prefix/lib/libwx_recover.a" | cut -f1) KiB"

# ---- sandbox --------------------------------------------------------------------------------
sandbox_start --orders 200 --rate-limit-per-minute 0 || fail "sandbox did not start"
sandbox_json=$SANDBOX_JSON
config=$(sandbox_get client_config)
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
  cmake -S "$tmp/cpp-example" -B "$b" -DCMAKE_PREFIX_PATH="$prefix" \
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
  pass "examples-c/cpp ($kind, find_package from the prefix): 8 threads, one client, 8 final ($(du -k "$b/recover_threads" | cut -f1) KiB)"
}
cp -r "$root/examples-c/cpp" "$tmp/cpp-example"
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

# ---- 5. the README's pkg-config lines, as written -----------------------------------------------
readme_c=$(sed -n '/^## Use from C (pkg-config)/,/^## /p' "$root/README.md" | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d')
echo "$readme_c" | grep -q '^cc .*wx_recover-static' || fail "README's pkg-config block has no static line"
mkdir -p "$tmp/readme-c"
cp "$root/examples-c/pkgconfig/query_order.c" "$tmp/readme-c/app.c"
# The README unpacks the dist archive into /opt/wx; here the prefix is the temporary one, made by
# that archive (WX_DIST_ARCHIVE, whose unpacking line runs as written) or by make install.
echo "$readme_c" | grep -q '^mkdir -p /opt/wx && tar -xzf dist/wx-recover-' || fail "README's C block does not unpack the dist archive"
if [ -n "${WX_DIST_ARCHIVE:-}" ]; then
  rm -rf "$prefix" && readme_run=$(echo "$readme_c" | sed -e "s|/opt/wx|$prefix|g" -e "s|tar -xzf dist/|tar -xzf $(dirname "$WX_DIST_ARCHIVE")/|")
else
  readme_run=$(echo "$readme_c" | grep -v '^mkdir -p /opt/wx && tar ' | sed "s|/opt/wx|$prefix|g")
fi
(cd "$tmp/readme-c" && unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR && eval "$readme_run") > "$tmp/readme-c.log" 2>&1 ||
  { cat "$tmp/readme-c.log" >&2; fail "README's pkg-config lines"; }
ldd "$tmp/readme-c/app" | grep "libwx_recover.so.$major => $prefix/lib/" >/dev/null ||
  { ldd "$tmp/readme-c/app" >&2; readelf -d "$tmp/readme-c/app" | grep -E 'RPATH|RUNPATH' >&2; cat "$tmp/readme-c.log" >&2
    fail "README's shared line: app does not load $prefix's library"; }
! readelf -d "$tmp/readme-c/app_static" | grep libwx_recover >/dev/null || fail "README's static line links the shared library"
for bin in app app_static; do
  out=$("$tmp/readme-c/$bin" "$config" "$no" "$mchid" 2>&1) || { echo "$out" >&2; fail "README $bin"; }
  echo "$out" | grep -Eq "^$no: (SUCCESS|FAILED) " || { echo "$out" >&2; fail "README $bin output"; }
done
pass "README's pkg-config lines: app (shared, rpath) and app_static (libwx_recover.a) build and run"

echo "install tests: all passed"
