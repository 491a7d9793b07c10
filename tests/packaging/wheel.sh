#!/usr/bin/env bash
# The Python package as a newcomer installs it, from outside the source tree:
#   1. a fresh venv under /tmp; `pip install ROOT/bindings/python` compiles the library into the
#      package (CARGO_TARGET_DIR=ROOT/target: cargo reuses what `make build` compiled);
#   2. from a folder under /tmp, with no WX_RECOVER_LIB and no PYTHONPATH, against a sandbox:
#      the README's Python quickstart, verbatim, runs a recover; `wx-recover --version` names
#      the bundled library; the usage line names `wx-recover`;
#   3. `pip wheel` (a source build) gives one py3-none-linux_<arch> wheel, not purelib, whose one
#      native file is a stripped wx_recover/_lib/libwx_recover.so with its SONAME;
#   4. the shipped wheel from `make dist` is tagged manylinux_2_17 / manylinux2014, `auditwheel
#      show` agrees and lists no external OpenSSL, and it installs in a fresh venv and recovers.
#
#   bash tests/packaging/wheel.sh     (needs target/release/wx-sandbox and make dist; KEEP_TMP=1 keeps /tmp/wx-wheel-*)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/sandbox.sh"
work=$(mktemp -d /tmp/wx-wheel-test-XXXXXX)
cleanup() {
  sandbox_stop
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
t0=$SECONDS

# Nothing may point the package at a library: it must find its own.
unset WX_RECOVER_LIB PYTHONPATH || true
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
export PIP_DISABLE_PIP_VERSION_CHECK=1

# ---- 1. fresh venv, pip install from the checkout ---------------------------------------------
python3 -m venv "$work/venv" || fail "python3 -m venv (Debian: apt-get install python3-venv)"
py="$work/venv/bin/python"
"$py" -m pip install --quiet "$root/bindings/python" > "$work/pip-install.log" 2>&1 ||
  { tail -n 40 "$work/pip-install.log" >&2; fail "pip install $root/bindings/python"; }
site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')
lib="$site/wx_recover/_lib/libwx_recover.so"
[ -f "$lib" ] || fail "pip install put no $lib in the venv"
pass "fresh venv: pip install bindings/python compiled the library into the package ($((SECONDS - t0)) s)"

# ---- 2. from /tmp, no variable: the README quickstart, --version, the usage line --------------
sandbox_start --orders 20 --rate-limit-per-minute 0
run="$work/run"
mkdir -p "$run"
cp "$(sandbox_get client_config)" "$run/client.json"
sed -n '/^## Python quickstart/,/^## /p' "$root/README.md" | sed -n '/^```python$/,/^```$/p' | sed '1d;$d' \
  > "$run/quickstart.py"
grep -q 'Client.from_file("client.json")' "$run/quickstart.py" || fail "README has no Python quickstart block"
out=$(cd "$run" && env -u WX_RECOVER_LIB -u PYTHONPATH "$py" quickstart.py 2>&1) ||
  { echo "$out" >&2; fail "README quickstart"; }
echo "$out" | grep -Eq '^[0-9A-Za-z_-]+ (EXECUTING|SUCCESS|FAILED)$' ||
  { echo "$out" >&2; fail "README quickstart did not print a wxpay_recover_no and a state"; }
pass "README's Python quickstart recovered from $run with no WX_RECOVER_LIB: $out"

loaded=$(cd "$run" && "$py" -c 'import wx_recover; print(wx_recover.load_library().path)')
[ "$(realpath "$loaded")" = "$(realpath "$lib")" ] || fail "loaded $loaded, not the bundled $lib"
binding=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$root/bindings/python/wx_recover/__init__.py")
crate=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | head -n 1)
ver=$(cd "$run" && "$work/venv/bin/wx-recover" --version)
# A source build links the system's OpenSSL: the version names it, without "built in".
sys_ssl=$("$py" -c 'import ssl; print(ssl.OPENSSL_VERSION)')
[ "$ver" = "wx-recover $binding (library $crate, $sys_ssl, $loaded)" ] || fail "wx-recover --version printed: $ver (want $sys_ssl, the system's)"
[ "$(cd "$run" && "$py" -c 'import wx_recover; print(wx_recover.__version__)')" = "$binding" ] ||
  fail "wx_recover.__version__"
usage=$(cd "$run" && "$work/venv/bin/wx-recover" query 2>&1 >/dev/null || true)
echo "$usage" | grep -q '^usage: wx-recover ' || { echo "$usage" >&2; fail "usage line does not name wx-recover"; }
pass "wx-recover --version: $ver; usage names wx-recover"

# ---- 3. the wheel: tag, contents, stripped library, auditwheel --------------------------------
"$py" -m pip wheel --quiet --no-deps -w "$work/dist" "$root/bindings/python" > "$work/pip-wheel.log" 2>&1 ||
  { tail -n 40 "$work/pip-wheel.log" >&2; fail "pip wheel"; }
mapfile -t wheels < <(ls "$work/dist"/*.whl)
[ "${#wheels[@]}" = 1 ] || fail "want one wheel, got: ${wheels[*]}"
whl=${wheels[0]}
arch=$(uname -m)
case "$(basename "$whl")" in
  "wx_recover-$binding-py3-none-linux_$arch.whl") ;;
  *) fail "wheel is $(basename "$whl"), want wx_recover-$binding-py3-none-linux_$arch.whl" ;;
esac
"$py" - "$whl" "$work/unpacked" <<'PY' || fail "wheel contents"
import sys, zipfile
whl, dest = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(whl)
names = z.namelist()
wheel_meta = next(n for n in names if n.endswith(".dist-info/WHEEL"))
meta = z.read(wheel_meta).decode()
assert "Root-Is-Purelib: false" in meta, meta
assert "Tag: py3-none-linux_" in meta, meta
natives = [n for n in names if n.endswith(".so") or ".so." in n]
assert natives == ["wx_recover/_lib/libwx_recover.so"], natives
for need in ("wx_recover/__init__.py", "wx_recover/_native.py", "wx_recover/py.typed"):
    assert need in names, need
z.extract("wx_recover/_lib/libwx_recover.so", dest)
PY
so="$work/unpacked/wx_recover/_lib/libwx_recover.so"
file -b "$so" | grep -q ', stripped' || fail "the wheel's library is not stripped: $(file -b "$so")"
! readelf -S "$so" | grep -E '\] \.z?debug_' >/dev/null || fail "the wheel's library has debug sections"
readelf -d "$so" | grep 'SONAME.*\[libwx_recover\.so\.0\]' >/dev/null || fail "the wheel's library has no SONAME"
pass "$(basename "$whl"): not purelib, one native file, stripped ($(du -k "$so" | cut -f1) KiB), SONAME kept"

# ---- 4. the shipped wheel (make dist): manylinux2014, OpenSSL inside -------------------------
mapfile -t shipped < <(ls "$root/dist"/wx_recover-*.whl 2>/dev/null)
[ "${#shipped[@]}" = 1 ] || fail "want one wheel in dist/ (make dist), got: ${shipped[*]:-none}"
dwhl=${shipped[0]}
case "$(basename "$dwhl")" in
  "wx_recover-$binding-py3-none-manylinux2014_$arch.manylinux_2_17_$arch.whl") ;;
  *) fail "dist wheel is $(basename "$dwhl"), want a py3-none-manylinux_2_17/manylinux2014_$arch one" ;;
esac
"$py" -m pip install --quiet auditwheel > "$work/auditwheel-install.log" 2>&1 ||
  { tail -n 20 "$work/auditwheel-install.log" >&2; fail "pip install auditwheel"; }
"$work/venv/bin/auditwheel" show "$dwhl" > "$work/show.txt" 2>&1 || { cat "$work/show.txt" >&2; fail "auditwheel show"; }
show=$(tr -s '\n ' ' ' < "$work/show.txt")
echo "$show" | grep -q "is consistent with the following platform tag: \"manylinux_2_17_$arch\"" ||
  { cat "$work/show.txt" >&2; fail "auditwheel show does not agree with manylinux_2_17 (manylinux2014)"; }
! echo "$show" | grep -Eq 'libssl|libcrypto' || { cat "$work/show.txt" >&2; fail "the dist wheel needs the system's OpenSSL"; }
unzip -Z1 "$dwhl" | grep -E '\.so' | grep -vx 'wx_recover/_lib/libwx_recover.so' >/dev/null &&
  fail "the dist wheel carries other native files: $(unzip -Z1 "$dwhl" | grep -E '\.so')"
pass "auditwheel show: $(basename "$dwhl") is manylinux_2_17 (manylinux2014), no external OpenSSL"

python3 -m venv "$work/venv2"
"$work/venv2/bin/python" -m pip install --quiet "$dwhl" > "$work/pip2.log" 2>&1 ||
  { cat "$work/pip2.log" >&2; fail "pip install the dist wheel"; }
ver2=$(cd "$run" && "$work/venv2/bin/wx-recover" --version)
echo "$ver2" | grep -q 'OpenSSL 3[^,]*, built in,' || fail "the dist wheel's --version does not say OpenSSL is built in: $ver2"
read -r wb wx mch bal <<<"$(sandbox_order 1)"
out=$(cd "$run" && "$work/venv2/bin/wx-recover" submit --config client.json --out-request-no "WHEEL-$$" \
        --related-webank-punish-no "$wb" --related-wxpay-punish-no "$wx" --mchid "$mch" \
        --bal-account-no - <<<"$bal") || fail "recover through the dist wheel"
echo "$out" | grep -q '"wxpay_recover_no"' || fail "dist wheel's submit printed: $out"
pass "the dist wheel installs in a fresh venv and recovers ($ver2)"

echo "wheel tests: all passed ($((SECONDS - t0)) s)"
