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
cc $CFLAGS tests/native/c/fleet_journal.c -o "$out/fleet_journal" $LDFLAGS
cc $CFLAGS tests/native/c/punish.c -o "$out/punish" $LDFLAGS

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

# The control order's life (punish, PUNISH query, the lift) with a journal, under valgrind.
python3 - "$config" "$(dirname "$config")/punish.json" "$out/punish.sqlite" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg.update(journal=sys.argv[3], rate_limit_per_minute=0)
json.dump(cfg, open(sys.argv[2], "w"))
PY
rm -f "$out/punish.sqlite"*
read -r wb wx mch bal <<<"$(sandbox_order 3)"
"${VG[@]}" "$out/punish" "$(dirname "$config")/punish.json" "$mch" "C-PUNISH-$$-$(date +%s)"

# The PostgreSQL journal by configuration alone, under valgrind, against a real PostgreSQL
# (pg_server.py in its server mode: it stops the server when its stdin closes).
coproc PG { python3 "$root/tests/journal/pg_server.py" --serve --tag c-abi; }
read -r pg_info <&"${PG[0]}"
pg_url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$pg_info")
python3 - "$config" "$pg_url" "$(dirname "$config")/fleet.json" <<'PY'
import json, sys
cfg = json.load(open(sys.argv[1]))
cfg.update(journal=sys.argv[2], journal_timeout_ms=5000, rate_limit_per_minute=0)
json.dump(cfg, open(sys.argv[3], "w"))
PY
read -r wb wx mch bal <<<"$(sandbox_order 2)"
"${VG[@]}" "$out/fleet_journal" "$(dirname "$config")/fleet.json" "$pg_url" "C-FLEET-$$-$(date +%s)" "$wb" "$wx" "$mch" "$bal"
exec {PG[1]}>&-
wait "$PG_PID" || true
