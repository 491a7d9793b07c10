#!/usr/bin/env bash
# The Java binding as a newcomer uses it: one Maven dependency, no flags.
#   1. the shipped jar (make dist) installed into a private local repository (build/m2, so ~/.m2
#      and other checkouts are left alone) with `mvn install:install-file`, as the README says;
#   2. the installed jar: the JNI glue for this platform under io/wxrecover/native/, one
#      stripped .so with libwx_recover linked in (no RUNPATH, no NEEDED libwx_recover, only JNI
#      entry points exported), and no examples;
#   3. a fresh Maven project under build/maven-consumer made of the README's pom.xml and App.java,
#      built with the README's mvn line;
#   4. run with `java -cp` from a folder under /tmp against a sandbox, with a copy of the jar and
#      the dependencies Maven resolved for the project (slf4j-api, transitively, and no SLF4J
#      provider), no -D flag and no library path: a recover goes through, and the library prints
#      nothing of its own (stderr holds only SLF4J's notice that it has no provider).
#
#   bash tests/packaging/maven_consumer.sh        (needs make dist's jar and target/release/wx-sandbox)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/sandbox.sh"
m2="$root/build/m2"
proj="$root/build/maven-consumer"
run=$(mktemp -d /tmp/wx-maven-consumer-XXXXXX)
cleanup() {
  sandbox_stop
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $run"; else rm -rf "$run"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
t0=$SECONDS
unset LD_LIBRARY_PATH JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS CLASSPATH || true
mvn=(mvn -B -q --no-transfer-progress "-Dmaven.repo.local=$m2")

# ---- 1. mvn install -------------------------------------------------------------------------
# The plugins test-java already downloaded seed the private repository (a copy, read once).
mkdir -p "$root/build"
if [ ! -d "$m2" ] && [ -d "$HOME/.m2/repository" ]; then cp -r "$HOME/.m2/repository" "$m2"; fi
rm -rf "$m2/io/wxrecover"
ver=$(sed -n 's|^  <version>\(.*\)</version>|\1|p' "$root/bindings/java/pom.xml" | head -n 1)
dist_jar="$root/dist/wx-recover-$ver.jar"
[ -f "$dist_jar" ] || fail "no $dist_jar: run make dist first"
# The README's line: the shipped jar carries its own POM (META-INF/maven/…/pom.xml), which
# install-file reads, so the slf4j-api dependency comes along.
(cd "$run" && "${mvn[@]}" org.apache.maven.plugins:maven-install-plugin:3.1.2:install-file "-Dfile=$dist_jar") > "$run/install.log" 2>&1 ||
  { tail -n 40 "$run/install.log" >&2; fail "mvn install:install-file"; }
jar="$m2/io/wxrecover/wx-recover/$ver/wx-recover-$ver.jar"
[ -f "$jar" ] || fail "mvn install:install-file left no $jar"
grep -q '<artifactId>slf4j-api</artifactId>' "$m2/io/wxrecover/wx-recover/$ver/wx-recover-$ver.pom" ||
  fail "the installed POM does not declare slf4j-api"
pass "mvn install:install-file dist/wx-recover-$ver.jar: io.wxrecover:wx-recover:$ver in $m2 ($((SECONDS - t0)) s)"

# ---- 2. what the jar carries ------------------------------------------------------------------
plat="linux-$(uname -m)"
entry="io/wxrecover/native/$plat/libwx_recover_jni.so"
unzip -Z1 "$jar" > "$run/jar.list"
grep -qx "$entry" "$run/jar.list" || fail "the jar has no $entry"
[ "$(grep -c '\.so$' "$run/jar.list")" = 1 ] || fail "the jar should carry exactly one .so: $(grep '\.so$' "$run/jar.list")"
! grep -q '^io/wxrecover/examples/' "$run/jar.list" || fail "the examples are in the jar"
unzip -q -o "$jar" "$entry" -d "$run/jar"
so="$run/jar/$entry"
readelf -d "$so" > "$run/dynamic.txt"
! grep -Eq 'RUNPATH|RPATH' "$run/dynamic.txt" || fail "the glue has a RUNPATH: $(grep -E 'RUNPATH|RPATH' "$run/dynamic.txt")"
! grep -q 'libwx_recover' "$run/dynamic.txt" || fail "the glue needs a separate libwx_recover"
! grep -Eq 'libssl|libcrypto' "$run/dynamic.txt" || fail "the glue needs the system's OpenSSL"
file -b "$so" | grep -q ', stripped' || fail "the glue is not stripped"
nm -D --defined-only "$so" | awk '{print $NF}' | grep -Ev '^(Java_io_wxrecover_Native_|JNI_On(Load|Unload)$)' > "$run/stray" &&
  fail "the glue exports more than its JNI entry points: $(head -n 5 "$run/stray" | tr '\n' ' ')"
pass "the jar: $entry ($(du -k "$so" | cut -f1) KiB, stripped, no RUNPATH, libwx_recover inside, only JNI exports), no examples"

# ---- 3. a fresh consumer project: the README's pom.xml and App.java, as they stand ----------------
rm -rf "$proj"
mkdir -p "$proj/src/main/java"
java_section=$(sed -n '/^## Java quickstart/,/^## Use from C++/p' "$root/README.md")
block() { echo "$java_section" | sed -n "/^\`\`\`$1\$/,/^\`\`\`\$/p" | sed '1d;$d'; }
block xml > "$proj/pom.xml"
grep -q "<version>$ver</version>" "$proj/pom.xml" || fail "README's pom.xml does not depend on wx-recover $ver"
block java > "$proj/src/main/java/App.java"
grep -q 'WxRecoverClient.fromConfigFile' "$proj/src/main/java/App.java" || fail "README has no Java App.java block"
run_lines=$(block sh | sed -n '/^mvn -q compile/,$p')
[ -n "$run_lines" ] || fail "README has no build-and-run block for the Java project"
echo "$run_lines" | grep -q '^java -cp ' || fail "README's run block has no java line"
(cd "$proj" && eval "$(echo "$run_lines" | grep '^mvn ' | sed "s|^mvn |${mvn[*]} |")") > "$run/compile.log" 2>&1 ||
  { cat "$run/compile.log" >&2; fail "the README's mvn line in the consumer project"; }
deps=$(tr ':' '\n' < "$proj/cp.txt" | grep -v '/io/wxrecover/wx-recover/' | paste -sd: -)
echo "$deps" | grep -q '/org/slf4j/slf4j-api/' || fail "slf4j-api is not on the project's runtime class path: $deps"
pass "fresh project $proj: the README's pom.xml and App.java compile; its class path brings slf4j-api transitively"

# ---- 4. run it: java -cp, no -D, no library path ------------------------------------------------
sandbox_start --orders 20 --rate-limit-per-minute 0
cp "$(sandbox_get client_config)" "$run/client.json"
cp "$jar" "$run/wx-recover.jar"
before=$(ls -d /tmp/wx-recover-jni-* 2>/dev/null || true)
# The README's java line as it stands, run in the project with the sandbox's client.json.
cp "$run/client.json" "$proj/client.json"
java_line=$(echo "$run_lines" | grep '^java -cp ')
out=$(cd "$proj" && eval "$java_line" 2>"$run/app.err") ||
  { echo "$out" >&2; cat "$run/app.err" >&2; fail "App (the README's java line)"; }
echo "$out" | grep -Eq '^[0-9A-Za-z_-]+ (EXECUTING|SUCCESS|FAILED)$' || { echo "$out" >&2; fail "App printed no acceptance and state"; }
pass "the README's java line ($java_line), no flags: $out"
# No SLF4J provider: no library line anywhere; stderr may hold SLF4J's own notice, nothing else.
! grep -v '^SLF4J: ' "$run/app.err" > "$run/app.err.other" ||
  fail "App wrote more than SLF4J's notice to stderr: $(head -n 5 "$run/app.err.other")"
pass "no SLF4J provider: the library printed nothing ($(wc -l < "$run/app.err") line(s) of SLF4J's notice on stderr)"
after=$(ls -d /tmp/wx-recover-jni-* 2>/dev/null || true)
[ "$before" = "$after" ] || fail "the JVM left its extraction folder behind: $after"
pass "nothing left in /tmp after the JVM exited"

echo "maven consumer tests: all passed ($((SECONDS - t0)) s)"
