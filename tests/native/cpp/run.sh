#!/usr/bin/env bash
# Builds the GoogleTest tests of include/wx_recover.hpp and runs them against a sandbox under
# valgrind (no errors, no definite/indirect leaks). Needs target/release/libwx_recover.so and
# target/release/wx-sandbox.
#
#   bash tests/native/cpp/run.sh                 build dir: build/cpp-tests (override: BUILD_DIR)
#   WX_VALGRIND=0 bash tests/native/cpp/run.sh   without valgrind (fast)
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${BUILD_DIR:-$root/build/cpp-tests}

# A build dir configured for another source path (a moved checkout) is started afresh.
if [ -f "$build/CMakeCache.txt" ] && ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$root/tests/native/cpp" "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
cmake -S "$root/tests/native/cpp" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build" -- -j2

# The compile-time checks of the wrapper's tables can fail: against a copy of wx_recover.h with
# one more status, header_tables.hpp must not compile and the compiler must name the constant;
# with one more stats counter, wx_recover.hpp must not compile until `make header` rewrites it.
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
must_not_compile() {  # $1: sed script changing the header copy; $2: what the error must say
  local dir
  dir=$(mktemp -d)
  cp "$root/include/wx_recover.h" "$root/include/wx_recover.hpp" "$dir/"
  sed -i "$1" "$dir/wx_recover.h"
  if echo '#include "header_tables.hpp"' | "$cxx" -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only \
      -I"$root/tests/native/cpp" -I"$dir" -x c++ - 2> "$dir/errors"; then
    echo "FAIL: the wrapper's tables compiled against a header changed by '$1'" >&2
    exit 1
  fi
  grep -q "$2" "$dir/errors" || { cat "$dir/errors" >&2; echo "FAIL: the error does not say '$2'" >&2; exit 1; }
  rm -rf "$dir"
}
must_not_compile 's/^} wx_status;/  WX_TABLES_PROBE = 1000,\n&/' "WX_TABLES_PROBE"
must_not_compile 's/^} wx_endpoint_stats;/  uint64_t tables_probe;\n&/' "run make header"
echo "ok: the wrapper's enum and stats tables fail to compile against a header they do not match"
export WX_SANDBOX_BIN=${WX_SANDBOX_BIN:-$root/target/release/wx-sandbox}

if [ "${WX_VALGRIND:-1}" = 0 ]; then
  exec "$build/wx_recover_cpp_tests"
fi
supp=()
# Narrow suppressions for findings proven not to be ours, if any are ever needed (none today).
[ -f "$root/tests/native/cpp/valgrind.supp" ] && supp=(--suppressions="$root/tests/native/cpp/valgrind.supp")
exec valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  "${supp[@]}" "$build/wx_recover_cpp_tests"
