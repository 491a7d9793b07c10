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
export WX_SANDBOX_BIN=${WX_SANDBOX_BIN:-$root/target/release/wx-sandbox}

if [ "${WX_VALGRIND:-1}" = 0 ]; then
  exec "$build/wx_recover_cpp_tests"
fi
supp=()
# Narrow suppressions for findings proven not to be ours, if any are ever needed (none today).
[ -f "$root/tests/native/cpp/valgrind.supp" ] && supp=(--suppressions="$root/tests/native/cpp/valgrind.supp")
exec valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  "${supp[@]}" "$build/wx_recover_cpp_tests"
