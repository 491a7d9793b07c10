#!/usr/bin/env bash
# wx-recover's shipped artifacts on a real old system: a Debian 11 (bullseye) userland (glibc
# 2.31, OpenSSL 1.1.1, Python 3.9, OpenJDK 11, gcc 10) made by tests/portable/rootfs.sh and
# entered with chroot. Against a wx-sandbox on the host's loopback (chroot shares the host's
# network namespace), inside the old system:
#   - the versions of the old system itself (so the test never passes on a newer one by mistake);
#   - Python 3.9: a venv, `pip install --no-index` of the wheel (+ tqdm from a local wheelhouse),
#     `wx-recover --version`, a recover with the `wx-recover` CLI, a query with the Python API;
#   - Java 11: tests/portable/OldSysRecover.java, compiled here with `javac --release 8` against
#     the jar, submits and queries through the jar (its JNI native extracted from the jar);
#   - C/C++ with gcc 10: the archive's layout; header checks (C99, C++11 on wx_recover.h, C++17
#     on wx_recover.hpp, all -Wall -Wextra -Werror -pedantic); examples/recover.c linked through
#     `pkg-config wx_recover` (shared library, found through an rpath to the archive's lib/, no
#     LD_LIBRARY_PATH) and through `pkg-config --static wx_recover-static` (libwx_recover.a),
#     both run a recover to SUCCESS; the archive's pkg-config example builds with `make` and
#     queries.
# Every check prints `ok: …` or `FAIL: …`; the last line is `oldsys: N passed, M failed`; the exit
# status is 0 only when nothing failed, 77 (with `SKIP: …`) when this machine cannot chroot.
#
#   bash tests/portable/oldsys.sh
#
# Artifacts (defaults: what `make dist` writes to dist/, named with Cargo.toml's version):
#   WX_OLDSYS_DIST     folder of the three below (default ROOT/dist)
#   WX_OLDSYS_WHEEL    the wheel  (default DIST/wx_recover-VER-py3-none-manylinux2014_x86_64.whl,
#                      or the one DIST/wx_recover-VER-py3-none-manylinux2014_x86_64.*.whl)
#   WX_OLDSYS_JAR      the jar    (default DIST/wx-recover-VER.jar)
#   WX_OLDSYS_CTAR     the C/C++ archive (default DIST/wx-recover-VER-x86_64-linux-gnu.tar.gz)
#   WX_OLDSYS_SLF4J_VERSION  slf4j-api for the jar's class path (default 1.7.36), taken from
#                      ~/.m2 (fetched with `mvn dependency:get` when missing), or
#   WX_OLDSYS_SLF4J    that jar's path
# Other settings:
#   WX_OLDSYS_CACHE    the rootfs cache (see rootfs.sh); tqdm's wheel is cached in CACHE/wheelhouse
#   WX_SANDBOX_BIN     the sandbox (default ROOT/target/release/wx-sandbox)
#   KEEP_RUN=1         keep the run folder (ROOTFS/work/run-PID) and the sandbox's folder
# tests/portable/local-artifacts.sh builds today's artifacts from the work tree and prints the
# variables that point this test at them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
t_start=$(date +%s)

VER=$(sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$root/Cargo.toml" | sed -n 1p)
[ -n "$VER" ] || { echo "oldsys: no version in $root/Cargo.toml" >&2; exit 1; }
DIST=${WX_OLDSYS_DIST:-$root/dist}
WHEEL=${WX_OLDSYS_WHEEL:-$DIST/wx_recover-$VER-py3-none-manylinux2014_x86_64.whl}
if [ -z "${WX_OLDSYS_WHEEL:-}" ] && [ ! -f "$WHEEL" ]; then
  # auditwheel names a wheel with every tag it satisfies (…manylinux2014_x86_64.manylinux_2_17_x86_64.whl).
  shopt -s nullglob
  w=("$DIST/wx_recover-$VER-py3-none-manylinux2014_x86_64".*.whl)
  shopt -u nullglob
  [ "${#w[@]}" = 1 ] && WHEEL=${w[0]}
fi
JAR=${WX_OLDSYS_JAR:-$DIST/wx-recover-$VER.jar}
CTAR=${WX_OLDSYS_CTAR:-$DIST/wx-recover-$VER-x86_64-linux-gnu.tar.gz}
SLF4J_VERSION=${WX_OLDSYS_SLF4J_VERSION:-1.7.36}
SLF4J=${WX_OLDSYS_SLF4J:-$HOME/.m2/repository/org/slf4j/slf4j-api/$SLF4J_VERSION/slf4j-api-$SLF4J_VERSION.jar}
CACHE=${WX_OLDSYS_CACHE:-/var/cache/wx-recover/bullseye}
export WX_OLDSYS_CACHE=$CACHE
# Inside the old system.
JAVA=/usr/lib/jvm/java-11-openjdk-amd64/bin/java
OLD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# One bound for every command run in the old system, so a hang cannot stall the test.
STEP_TIMEOUT=${WX_OLDSYS_STEP_TIMEOUT:-180}

passed=0
failed=0
summarised=0
pass() { echo "ok: $*"; passed=$((passed + 1)); }
# A failure that stops the test before its checks: still ends with the summary line.
abort() { echo "FAIL: $*"; echo "oldsys: $passed passed, $((failed + 1)) failed"; summarised=1; exit 1; }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
note() { echo "oldsys: $*"; }
# Every plaintext bal_account_no this run used: blanked out of any output shown, should a
# program ever echo one.
secrets=()
redact() {
  local t=$1 v
  for v in "${secrets[@]}"; do t=${t//"$v"/<bal_account_no>}; done
  printf '%s\n' "$t"
}
# The end of a failed step's output, indented, on stdout under the FAIL line it explains.
show() { redact "$1" | tail -n "${2:-15}" | sed 's/^/    | /'; }
# The first lines of a compiler's or linker's output, which name the first error.
show_head() {
  local n
  n=$(printf '%s\n' "$1" | wc -l)
  redact "$1" | sed -n '1,8s/^/    | /p'
  [ "$n" -le 8 ] || echo "    | … ($((n - 8)) more lines)"
}
# A Java failure without its stack frames: the exception lines and their causes.
show_java() { show "$(grep -Ev '^[[:space:]]+(at |\.\.\. [0-9]+ more)' <<<"$1")" 12; }

# ---- 1. the old system ------------------------------------------------------------------------
t0=$(date +%s)
if ROOTFS=$(bash "$here/rootfs.sh" | tail -n 1); then rc=0; else rc=$?; fi
[ "$rc" = 77 ] && exit 77 # rootfs.sh printed SKIP and why
[ "$rc" = 0 ] && [ -d "$ROOTFS" ] || abort "tests/portable/rootfs.sh (exit $rc)"
note "rootfs ready in $(( $(date +%s) - t0 )) s: $ROOTFS"

# ---- 2. run folder, mounts, clean-up ----------------------------------------------------------
RUN_IN=/work/run-$$ # as seen inside the old system
RUN=$ROOTFS$RUN_IN
mounted=()
. "$root/scripts/sandbox.sh"

cleanup() {
  local rc=$? m i
  trap - EXIT
  if [ "$summarised" = 0 ]; then
    echo "FAIL: oldsys.sh stopped early (exit $rc) after the checks above"
    echo "oldsys: $passed passed, $((failed + 1)) failed"
    [ "$rc" != 0 ] || rc=1
  fi
  sandbox_stop
  # The sandbox's folder holds its keys: it goes with the run.
  [ "${KEEP_RUN:-0}" = 1 ] || [ -z "${SANDBOX_DIR:-}" ] || rm -rf "$SANDBOX_DIR"
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    m=${mounted[i]}
    if mountpoint -q "$m"; then
      umount "$m" 2>/dev/null || umount -l "$m" || true
    fi
    if mountpoint -q "$m"; then
      echo "FAIL: $m is still mounted after the test; unmount it by hand" >&2
      rc=1
    fi
  done
  if [ "${KEEP_RUN:-0}" = 1 ]; then
    echo "oldsys: kept $RUN and ${SANDBOX_DIR:-no sandbox folder}" >&2
  else
    rm -rf --one-file-system "$RUN"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for d in proc dev; do
  m=$ROOTFS/$d
  if mountpoint -q "$m"; then # left by a run that was killed before its clean-up
    note "unmounting a leftover $m"
    umount "$m" || umount -l "$m"
  fi
  mount --bind "/$d" "$m" || abort "mount --bind /$d $m"
  mounted+=("$m")
done
mkdir -p "$RUN"

# Runs a command in the old system with a clean environment, in the run folder.
old() {
  timeout -k 5 "$STEP_TIMEOUT" chroot "$ROOTFS" /usr/bin/env -i PATH="$OLD_PATH" HOME=/root \
    LANG=C.UTF-8 TMPDIR=/tmp PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$RUN_IN" "$@"
}

# ---- 3. the sandbox and its client configuration ----------------------------------------------
[ -x "$WX_SANDBOX_BIN" ] || abort "no sandbox at $WX_SANDBOX_BIN (cargo build --release, or set WX_SANDBOX_BIN)"
sandbox_start --orders 20 --rate-limit-per-minute 0 || abort "wx-sandbox did not start"
# The client configuration names its key and CA files by absolute host paths: copy them into
# the run folder and make the paths relative (the library resolves them against the file).
python3 - "$(sandbox_get client_config)" "$RUN" <<'PY' || abort "copying the sandbox's client.json and key files into $RUN"
import json, os, shutil, sys
src, dest = sys.argv[1], sys.argv[2]
with open(src) as f:
    cfg = json.load(f)
moved = []
for key, value in cfg.items():
    if isinstance(value, str) and os.path.isabs(value) and os.path.isfile(value):
        name = os.path.basename(value)
        shutil.copy2(value, os.path.join(dest, name))
        cfg[key] = name
        moved.append(key)
out = os.path.join(dest, "client.json")
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump(cfg, f, indent=2)
print("oldsys: client.json copied in; made relative: " + ", ".join(sorted(moved)))
PY
MCHID_OF() { sandbox_order "$1" | cut -d' ' -f3; }

# ---- 4. the old system's versions -------------------------------------------------------------
if v=$(old sh -c 'python3 --version; ldd --version | head -n 1; python3 -c "import ssl; print(ssl.OPENSSL_VERSION)"; gcc --version | head -n 1; '"$JAVA"' -XX:-UsePerfData -version 2>&1 | head -n 1' 2>&1); then
  py_v=$(sed -n 1p <<<"$v"); libc_v=$(sed -n 2p <<<"$v"); ssl_v=$(sed -n 3p <<<"$v")
  gcc_v=$(sed -n 4p <<<"$v"); java_v=$(sed -n 5p <<<"$v")
  if [[ $py_v == "Python 3.9."* && $libc_v == *" 2.31" && $ssl_v == "OpenSSL 1.1.1"* && $gcc_v == "gcc "*" 10."* && $java_v == *'"11.'* ]]; then
    pass "old system: $py_v; $libc_v; $ssl_v; $gcc_v; $java_v"
  else
    fail "the rootfs is not the expected Debian 11:"; show "$v"
  fi
else
  fail "cannot run the old system's python3/ldd/gcc/java"; show "$v"
fi

# ---- 5. Python 3.9 ----------------------------------------------------------------------------
t0=$(date +%s)
python_part() {
  local out wh=$RUN/wheelhouse tq_cache=$CACHE/wheelhouse
  if [ ! -f "$WHEEL" ]; then
    fail "Python: no wheel at $WHEEL (make dist, or set WX_OLDSYS_WHEEL)"; return 0
  fi
  # tqdm (the wheel's one dependency) as a wheel for Python 3.9, downloaded once on the host.
  if ! ls "$tq_cache"/tqdm-*.whl >/dev/null 2>&1; then
    mkdir -p "$tq_cache"
    if ! out=$(python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.9 \
                 'tqdm>=4.60' -d "$tq_cache" 2>&1); then
      fail "Python: pip download tqdm into $tq_cache"; show "$out"; return 0
    fi
  fi
  mkdir -p "$wh"
  cp "$WHEEL" "$tq_cache"/tqdm-*.whl "$wh/"
  local whl_in="$RUN_IN/wheelhouse/${WHEEL##*/}"
  if ! out=$(old python3 -m venv venv 2>&1); then
    fail "Python: python3 -m venv in the old system"; show "$out"; return 0
  fi
  if out=$(old venv/bin/pip install --no-index --find-links wheelhouse "$whl_in" 2>&1); then
    pass "Python: pip $(old venv/bin/pip --version | cut -d' ' -f2) installed $(basename "$WHEEL") with $(cd "$wh" && ls tqdm-*.whl | cut -d- -f2) from the wheelhouse"
  else
    fail "Python: pip install $(basename "$WHEEL") in a Python 3.9 venv"; show "$out"; return 0
  fi
  if out=$(old venv/bin/wx-recover --version 2>&1); then
    pass "Python: $out"
  else
    fail "Python: wx-recover --version (the bundled library does not load)"; show "$out"
  fi
  local wb wx mch bal no=OLDSYS-PY-$$
  read -r wb wx mch bal <<<"$(sandbox_order 0)"
  secrets+=("$bal")
  if out=$(old venv/bin/wx-recover submit --config client.json --out-request-no "$no" \
             --related-webank-punish-no "$wb" --related-wxpay-punish-no "$wx" --mchid "$mch" \
             --bal-account-no - <<<"$bal" 2>&1); then
    local rno
    if rno=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1].splitlines()[-1])["wxpay_recover_no"])' "$out" 2>/dev/null) && [ -n "$rno" ]; then
      pass "Python: wx-recover submit recovered: wxpay_recover_no=$rno"
    else
      fail "Python: wx-recover submit printed no wxpay_recover_no"; show "$out"; return 0
    fi
    if out=$(old venv/bin/python -c '
import sys, wx_recover
with wx_recover.Client.from_file("client.json") as c:
    o = c.query(sys.argv[1], sys.argv[2])
print(o.wxpay_recover_no, o.recover_state)' "$no" "$mch" 2>&1) && [ "${out%% *}" = "$rno" ]; then
      pass "Python: Client.from_file(...).query(...): $out"
    else
      fail "Python: Client.from_file(...).query($no) (want $rno)"; show "$out"
    fi
  else
    fail "Python: wx-recover submit"; show "$out"
  fi
}
python_part
note "Python part: $(( $(date +%s) - t0 )) s"

# ---- 6. Java 11 -------------------------------------------------------------------------------
t0=$(date +%s)
java_part() {
  local out jd=$RUN/java
  if [ ! -f "$JAR" ]; then
    fail "Java: no jar at $JAR (make dist, or set WX_OLDSYS_JAR)"; return 0
  fi
  if [ ! -f "$SLF4J" ] && [ -z "${WX_OLDSYS_SLF4J:-}" ]; then
    if ! out=$(mvn -q -B dependency:get -Dartifact="org.slf4j:slf4j-api:$SLF4J_VERSION" 2>&1); then
      fail "Java: mvn dependency:get org.slf4j:slf4j-api:$SLF4J_VERSION"; show "$out"; return 0
    fi
  fi
  [ -f "$SLF4J" ] || { fail "Java: no slf4j-api jar at $SLF4J"; return 0; }
  mkdir -p "$jd/classes"
  if ! out=$(javac --release 8 -Xlint:all -Xlint:-options -d "$jd/classes" -cp "$JAR:$SLF4J" "$here/OldSysRecover.java" 2>&1); then
    fail "Java: javac --release 8 OldSysRecover.java against $(basename "$JAR")"; show "$out"; return 0
  fi
  cp "$JAR" "$jd/wx-recover.jar"
  cp "$SLF4J" "$jd/slf4j-api.jar"
  pass "Java: OldSysRecover compiled on the host with javac --release 8 against $(basename "$JAR") + slf4j-api $SLF4J_VERSION"
  local wb wx mch bal no=OLDSYS-JAVA-$$
  read -r wb wx mch bal <<<"$(sandbox_order 1)"
  secrets+=("$bal")
  # -XX:-UsePerfData: no hsperfdata folder is left in the cached rootfs's /tmp. The jar
  # extracts its JNI native into java.io.tmpdir (/tmp) and deletes it once loaded.
  if out=$(old "$JAVA" -XX:-UsePerfData -cp java/wx-recover.jar:java/slf4j-api.jar:java/classes \
             OldSysRecover client.json "$no" "$wb" "$wx" "$mch" <<<"$bal" 2>&1) &&
     grep -Eq '^wxpay_recover_no=.+' <<<"$out"; then
    pass "Java 11: $(grep -E '^(java|library|wxpay_recover_no|state)=' <<<"$out" | paste -sd' ' -)"
  else
    fail "Java 11: OldSysRecover submit through $(basename "$JAR")"; show_java "$out"
  fi
}
java_part
note "Java part: $(( $(date +%s) - t0 )) s"

# ---- 7. C and C++ -----------------------------------------------------------------------------
t0=$(date +%s)
c_part() {
  local out top=wx-recover-$VER-x86_64-linux-gnu
  if ! old sh -c 'command -v gcc && command -v g++ && command -v pkg-config && command -v make' >/dev/null 2>&1; then
    note "the rootfs has no gcc/g++/pkg-config/make: C and C++ checks not run"; return 0
  fi
  if [ ! -f "$CTAR" ]; then
    fail "C: no archive at $CTAR (make dist, or set WX_OLDSYS_CTAR)"; return 0
  fi
  mkdir -p "$RUN/c"
  if ! out=$(tar -xzf "$CTAR" -C "$RUN/c" 2>&1); then
    fail "C: tar -xzf $(basename "$CTAR")"; show "$out"; return 0
  fi
  local tops
  tops=$(ls -A "$RUN/c")
  if [ "$tops" != "$top" ]; then
    fail "C: $(basename "$CTAR") must hold one folder $top/, holds: $(tr '\n' ' ' <<<"$tops")"; return 0
  fi
  local p=$RUN/c/$top missing=() f
  for f in lib/libwx_recover.so "lib/libwx_recover.so.${VER%%.*}" lib/libwx_recover.a include/wx_recover.h include/wx_recover.hpp \
           lib/pkgconfig/wx_recover.pc lib/pkgconfig/wx_recover-static.pc lib/cmake/wx_recover share/licenses examples; do
    [ -e "$p/$f" ] || missing+=("$f")
  done
  if [ "${#missing[@]}" = 0 ]; then
    pass "C: $(basename "$CTAR") holds $top/ with lib/, include/, pkgconfig, cmake, share/licenses, examples/"
  else
    fail "C: $(basename "$CTAR") lacks $top/{$(IFS=,; echo "${missing[*]}")}"
  fi

  # All compiling happens in the old system, from the archive's own pkg-config files.
  local pcp=$RUN_IN/c/$top/lib/pkgconfig
  cp "$here/header_c99.c" "$here/header_cxx11.cpp" "$here/header_cxx17.cpp" "$RUN/c/"
  local spec std src cc hdr
  for spec in c99:header_c99.c:gcc:wx_recover.h c++11:header_cxx11.cpp:g++:wx_recover.h \
              c++17:header_cxx17.cpp:g++:wx_recover.hpp; do
    IFS=: read -r std src cc hdr <<<"$spec"
    # Compiled and linked against the archive's shared library, then run (the client.json it
    # names is not in c/, so each program ends at its error branch, having called the library).
    if out=$(old env PKG_CONFIG_PATH="$pcp" sh -c 'cd c && '"$cc"' -std='"$std"' -Wall -Wextra -Werror -pedantic -o hdr_'"${std//+/x}"' '"$src"' $(pkg-config --cflags --libs wx_recover) -Wl,-rpath,$(pkg-config --variable=libdir wx_recover) && (./hdr_'"${std//+/x}"'; test $? -le 1)' 2>&1); then
      pass "C/C++ headers: $hdr is clean under $cc -std=$std -Wall -Wextra -Werror -pedantic ($src), links the archive's library and runs"
    else
      fail "C/C++ headers: $cc -std=$std -Wall -Wextra -Werror -pedantic $src ($hdr), linked and run"; show "$out" 25
    fi
  done

  # examples/recover.c from the archive (the repository's examples-c/recover.c if it has none).
  local rsrc
  rsrc=$(cd "$p" && find examples -name recover.c 2>/dev/null | sed -n 1p || true)
  if [ -n "$rsrc" ]; then
    cp "$p/$rsrc" "$RUN/c/recover.c"
  else
    note "the archive has no examples/recover.c: compiling the repository's examples-c/recover.c"
    cp "$root/examples-c/recover.c" "$RUN/c/recover.c"
  fi
  local kind i=2 wb wx mch bal no
  for kind in shared static; do
    read -r wb wx mch bal <<<"$(sandbox_order "$i")"
    secrets+=("$bal")
    i=$((i + 1))
    no=OLDSYS-C-$kind-$$
    local link
    if [ "$kind" = shared ]; then
      # The rpath points at the archive's lib/: the program runs with no LD_LIBRARY_PATH.
      link='$(pkg-config --cflags --libs wx_recover) -Wl,-rpath,$(pkg-config --variable=libdir wx_recover)'
    else
      link='$(pkg-config --static --cflags --libs wx_recover-static)'
    fi
    if ! out=$(old env PKG_CONFIG_PATH="$pcp" sh -c 'cd c && gcc -std=c99 -O2 -Wall -Wextra -o recover_'"$kind"' recover.c '"$link" 2>&1); then
      fail "C ($kind): gcc recover.c $link"; show_head "$out"; continue
    fi
    local deps
    deps=$(old ldd "c/recover_$kind" 2>&1 || true)
    if out=$(old "c/recover_$kind" client.json "$no" "$wb" "$wx" "$mch" "$bal" 2>&1) &&
       grep -q '^outcome: SUCCESS' <<<"$out"; then
      local via
      if [ "$kind" = shared ]; then
        via="libwx_recover.so via rpath: $(grep -o 'libwx_recover.so.[0-9]* => [^ ]*' <<<"$deps")"
      else
        via="libwx_recover.a; ldd: $(awk '{print $1}' <<<"$deps" | paste -sd' ' -)"
      fi
      pass "C ($kind, $via): recover.c $(grep -o 'wxpay_recover_no=[^ ]*' <<<"$out") reached SUCCESS"
    else
      fail "C ($kind): recover.c against the sandbox"; show "$out" 25
      [ -n "$deps" ] && show "$deps"
    fi
  done

  # The archive's pkg-config example, built with its own Makefile.
  local pdir
  pdir=$(cd "$p" && find examples -name Makefile -exec grep -l 'pkg-config\|PKG_CONFIG' {} + 2>/dev/null | sed -n 1p || true)
  if [ -z "$pdir" ]; then
    fail "C: the archive has no pkg-config example (examples/**/Makefile)"; return 0
  fi
  pdir=$(dirname "$pdir")
  if ! out=$(old env PKG_CONFIG_PATH="$pcp" make -C "c/$top/$pdir" 2>&1); then
    fail "C: make -C $pdir (the archive's pkg-config example)"; show_head "$out"; return 0
  fi
  local prog q ok=1 res=()
  for prog in $(cd "$p/$pdir" && find . -maxdepth 1 -type f -perm -u+x -printf '%f\n' | sort); do
    # query_order CONFIG OUT_REQUEST_NO MCHID: the order the shared recover.c made above.
    if q=$(old "c/$top/$pdir/$prog" client.json "OLDSYS-C-shared-$$" "$(MCHID_OF 2)" 2>&1); then
      res+=("$prog: $(tail -n 1 <<<"$q")")
    else
      ok=0; fail "C: the pkg-config example's $prog"; show "$q"
    fi
  done
  [ "$ok" = 1 ] && [ "${#res[@]}" -gt 0 ] && pass "C: make -C $pdir (pkg-config example) built and ran: $(IFS=';'; echo "${res[*]}")"
  [ "${#res[@]}" -gt 0 ] || [ "$ok" = 0 ] || fail "C: make -C $pdir built no program"
}
c_part
note "C/C++ part: $(( $(date +%s) - t0 )) s"

note "total $(( $(date +%s) - t_start )) s"
echo "oldsys: $passed passed, $failed failed"
summarised=1
[ "$failed" = 0 ]
