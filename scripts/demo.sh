#!/usr/bin/env bash
# `make demo`: starts a sandbox and runs one full recover (submit, then poll to the outcome)
# from C, from Python and from Java, each on its own control order.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. scripts/sandbox.sh

rel="$root/target/release"
mkdir -p build/demo
cc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude examples-c/recover.c -o build/demo/recover \
   -L"$rel" -Wl,-rpath,"$rel" -lwx_recover
(cd bindings/java && mvn -q -B package -DskipTests -Dwx.lib.dir="$rel")

trap sandbox_stop EXIT
sandbox_start --orders 50 --recover-delay-ms 500
config=$(sandbox_get client_config)
echo "sandbox ready: $SANDBOX_JSON"
stamp=$(date +%s)

banner() { printf '\n=== %s ===\n' "$1"; }

banner "C (examples-c/recover.c)"
read -r wb wx mch bal <<<"$(sandbox_order 0)"
build/demo/recover "$config" "DEMO-C-$stamp" "$wb" "$wx" "$mch" "$bal" "demo from C"

banner "Python (bindings/python/examples/recover.py)"
read -r wb wx mch bal <<<"$(sandbox_order 1)"
python3 bindings/python/examples/recover.py "$config" "DEMO-PY-$stamp" "$wb" "$wx" "$mch" "$bal" "demo from Python"

banner "Java (bindings/java/.../examples/Recover.java)"
read -r wb wx mch bal <<<"$(sandbox_order 2)"
# target/runtime-classpath.txt (written by the Maven build above) names slf4j-api, the binding's
# one dependency.
(cd bindings/java && java -cp "target/classes:$(cat target/runtime-classpath.txt)" \
    io.wxrecover.examples.Recover "$config" "DEMO-JAVA-$stamp" "$wb" "$wx" "$mch" "$bal" "demo from Java 解管")

banner "Notification (bindings/python/examples/notify_receiver.py)"
python3 bindings/python/examples/notify_receiver.py --demo "$WX_SANDBOX_BIN"

banner "sandbox stats"
curl -s "$(sandbox_get admin_url)/stats"; echo
echo
echo "demo: three recovers submitted, verified and completed (C, Python, Java); a notification received, verified and decrypted"
