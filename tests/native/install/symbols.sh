#!/usr/bin/env bash
# Symbol hygiene of an installed wx-recover:
#   - the shared library exports exactly the wx_* functions wx_recover.h declares;
#   - the static library bundles no OpenSSL of its own;
#   - a C program links against libwx_recover.a with exactly the line documented in
#     docs/cpp.md (which must equal mk/static-libs.mk's and the .pc's), and runs;
#   - a C++ program linking libwx_recover.a and the system OpenSSL (-lssl -lcrypto) builds and
#     runs, using both.
#
#   tests/native/install/symbols.sh PREFIX [CONFIG.json]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
prefix=${1:?usage: symbols.sh PREFIX [CONFIG.json]}
config=${2:-}
CC=${CC:-cc}
CXX=${CXX:-c++}
work=$(mktemp -d /tmp/wx-symbols-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

so=$(ls "$prefix"/lib/libwx_recover.so.*.*.* | head -n 1)
a="$prefix/lib/libwx_recover.a"
[ -f "$so" ] && [ -f "$a" ] || fail "libraries missing under $prefix/lib"

# 1. Exports: only wx_*, and exactly the header's functions.
nm -D --defined-only "$so" | awk '{print $NF}' | sort -u > "$work/exported"
if grep -v '^wx_' "$work/exported" > "$work/stray"; then
  fail "shared library exports non-wx_ symbols: $(tr '\n' ' ' < "$work/stray")"
fi
grep -oE '\bwx_[a-z0-9_]+\(' "$prefix/include/wx_recover.h" | tr -d '(' | sort -u > "$work/declared"
diff -u "$work/declared" "$work/exported" > "$work/diff" ||
  fail "exports differ from wx_recover.h declarations: $(cat "$work/diff")"
pass "$(wc -l < "$work/exported") exported symbols, all wx_* and all declared in wx_recover.h"

# 2. A source build's archive has no OpenSSL inside (it links the system one, so the app's -lssl
#    cannot clash); the dist archive's (WX_VENDORED=1) has it inside, and its shared library
#    exports none of it (checked in 1).
bundled=$(nm --defined-only "$a" 2>/dev/null |
  grep -E ' [TDBR] (SSL_|EVP_|OPENSSL_|CRYPTO_|BIO_|X509_|RSA_)' | head -n 3 || true)
if [ "${WX_VENDORED:-0}" = 1 ]; then
  [ -n "$bundled" ] || fail "the dist archive's libwx_recover.a does not carry OpenSSL"
  pass "libwx_recover.a carries its OpenSSL (dist archive)"
else
  [ -z "$bundled" ] || fail "libwx_recover.a defines OpenSSL symbols: $bundled"
  pass "libwx_recover.a bundles no OpenSSL symbols"
fi

# 3. The documented static link line, the Makefile's and the .pc's agree.
if [ "${WX_VENDORED:-0}" = 1 ]; then
  doc_line=$(sed -n 's/^Static link line (dist archive): `\(.*\)`.*/\1/p' "$root/docs/cpp.md" | head -n 1)
  mk_line=$(make -s --no-print-directory -f - WX_VENDORED=1 <<<"include $root/mk/static-libs.mk
print: ; @echo \$(WX_STATIC_LIBS)" print)
else
  doc_line=$(sed -n 's/^Static link line: `\(.*\)`.*/\1/p' "$root/docs/cpp.md" | head -n 1)
  mk_line=$(make -s --no-print-directory -f - <<<"include $root/mk/static-libs.mk
print: ; @echo \$(WX_STATIC_LIBS)" print)
fi
[ -n "$doc_line" ] || fail "docs/cpp.md has no 'Static link line: \`...\`' line"
pc_line=$(sed -n 's/^Libs.private: //p' "$prefix/lib/pkgconfig/wx_recover.pc")
[ "$doc_line" = "$mk_line" ] || fail "docs/cpp.md ($doc_line) != mk/static-libs.mk ($mk_line)"
[ "$doc_line" = "$pc_line" ] || fail "docs/cpp.md ($doc_line) != wx_recover.pc ($pc_line)"
if [ "${WX_CHECK_NATIVE_LIBS:-0}" = 1 ]; then  # slow: recompiles the crate as a staticlib
  native=$(cd "$root" && cargo rustc --release --lib --crate-type staticlib -- \
             --print native-static-libs 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -n 1)
  [ "$native" = "$doc_line" ] || fail "rustc now wants '$native', docs say '$doc_line'"
  pass "rustc's native-static-libs equals the documented line"
fi
pass "static link line agrees in docs, mk/static-libs.mk and wx_recover.pc: $doc_line"

# 4. A C program links the archive with exactly that line.
# shellcheck disable=SC2086  # the line is a list of flags
"$CC" -std=c99 -Wall -Wextra -Werror -pedantic -I"$prefix/include" "$here/static_link.c" \
  "$a" $doc_line -o "$work/static_link"
if readelf -d "$work/static_link" | grep 'libwx_recover' >/dev/null; then
  fail "static_link depends on the shared library"
fi
"$work/static_link" || fail "static_link did not run"
pass "C program links libwx_recover.a with the documented line and runs"

# 5. C++ + system OpenSSL + the archive, no clashes. The dist archive's OpenSSL is inside its
#    libraries: such a program links its shared library instead (docs/cpp.md).
if [ "${WX_VENDORED:-0}" = 1 ]; then
  wx_link=(-L"$prefix/lib" -lwx_recover -Wl,-rpath,"$prefix/lib"); what="libwx_recover.so (OpenSSL inside)"
else
  # shellcheck disable=SC2206  # the line is a list of flags
  wx_link=("$a" $doc_line); what="libwx_recover.a"
fi
"$CXX" -std=c++17 -Wall -Wextra -Werror -pedantic -I"$prefix/include" "$here/static_openssl.cpp" \
  -lssl -lcrypto "${wx_link[@]}" -o "$work/static_openssl" 2> "$work/link.err" ||
  fail "C++ + OpenSSL + $what does not link: $(cat "$work/link.err")"
if grep -qi 'multiple definition' "$work/link.err"; then fail "symbol clash: $(cat "$work/link.err")"; fi
if [ -n "$config" ]; then "$work/static_openssl" "$config"; else "$work/static_openssl"; fi ||
  fail "static_openssl did not run"
pass "C++ program with $what and the system's -lssl -lcrypto links and runs"
