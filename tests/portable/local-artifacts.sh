#!/usr/bin/env bash
# Builds the three artifacts tests/portable/oldsys.sh installs, from this work tree as it is
# (not the portable `make dist` ones): the wheel (`pip wheel`), the jar (`mvn package`) and a
# C/C++ archive laid out like the dist one (`make install` into it, plus examples/). Prints the
# variables that point oldsys.sh at them:
#
#   bash tests/portable/local-artifacts.sh [OUT]       (OUT default /tmp/wx-oldsys-local)
#   eval "$(bash tests/portable/local-artifacts.sh | grep '^export ')" && bash tests/portable/oldsys.sh
#
# Cargo builds in ROOT/target (CARGO_TARGET_DIR), reusing `make build`'s work.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-/tmp/wx-oldsys-local}")
ver=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | sed -n 1p)
top=wx-recover-$ver-x86_64-linux-gnu
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
export PIP_DISABLE_PIP_VERSION_CHECK=1
say() { echo "local-artifacts: $*" >&2; }
die() { echo "local-artifacts: ERROR: $*" >&2; exit 1; }

# Only a folder this script made before (it holds the marker) or an empty one is emptied.
if [ -n "$(ls -A "$out" 2>/dev/null)" ] && [ ! -f "$out/.wx-oldsys-local" ]; then
  die "$out is not empty and was not made by this script: name another folder"
fi
rm -rf "$out"
mkdir -p "$out/wheel" "$out/stage"
touch "$out/.wx-oldsys-local"

say "wheel: pip wheel --no-deps bindings/python"
python3 -m pip wheel --quiet --no-deps -w "$out/wheel" "$root/bindings/python" >"$out/pip-wheel.log" 2>&1 ||
  { tail -n 30 "$out/pip-wheel.log" >&2; die "pip wheel bindings/python (log: $out/pip-wheel.log)"; }
wheel=$(ls "$out"/wheel/wx_recover-*.whl)

say "jar: mvn package -DskipTests in bindings/java"
(cd "$root/bindings/java" && mvn -q -B package -DskipTests -Dwx.lib.dir="$CARGO_TARGET_DIR/release") \
  >"$out/mvn.log" 2>&1 || { tail -n 30 "$out/mvn.log" >&2; die "mvn package (log: $out/mvn.log)"; }
cp "$root/bindings/java/target/wx-recover-$ver.jar" "$out/"

say "C/C++ archive: make install PREFIX=$out/stage/$top, plus examples/"
make -C "$root" --no-print-directory install PREFIX="$out/stage/$top" >"$out/install.log" 2>&1 ||
  { tail -n 30 "$out/install.log" >&2; die "make install (log: $out/install.log)"; }
mkdir -p "$out/stage/$top/examples"
cp "$root/examples-c/recover.c" "$out/stage/$top/examples/"
cp -r "$root/examples-c/pkgconfig" "$out/stage/$top/examples/"
tar -czf "$out/$top.tar.gz" -C "$out/stage" "$top"
rm -rf "$out/stage"

echo "export WX_OLDSYS_WHEEL=$wheel"
echo "export WX_OLDSYS_JAR=$out/wx-recover-$ver.jar"
echo "export WX_OLDSYS_CTAR=$out/$top.tar.gz"
