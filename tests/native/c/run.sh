#!/usr/bin/env bash
# Builds the C example and the C ABI tests with -Wall -Wextra -Werror -pedantic, then runs both
# against a fresh sandbox under valgrind (zero errors, zero leaks).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
. scripts/sandbox.sh
lib="$root/target/release"
out="$root/build/c"
mkdir -p "$out"
CFLAGS="-std=c11 -Wall -Wextra -Werror -pedantic -g -Iinclude"
LDFLAGS="-L$lib -Wl,-rpath,$lib -lwx_recover"
cc $CFLAGS examples-c/recover.c -o "$out/recover" $LDFLAGS
cc $CFLAGS tests/native/c/test_abi.c -o "$out/test_abi" $LDFLAGS

trap sandbox_stop EXIT
sandbox_start --orders 20 --recover-delay-ms 300
config=$(sandbox_get client_config)
VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --suppressions="$root/tests/native/c/valgrind.supp")
read -r wb wx mch bal <<<"$(sandbox_order 0)"
"${VG[@]}" "$out/test_abi" "$config" "$wb" "$wx" "$mch" "$bal"
read -r wb wx mch bal <<<"$(sandbox_order 1)"
"${VG[@]}" "$out/recover" "$config" "C-EXAMPLE-$$-$(date +%s)" "$wb" "$wx" "$mch" "$bal" "valgrind run of the C example"
echo "c-example: 1 passed, 0 failed"
