#!/usr/bin/env python3
"""Checks that shipped native libraries load on an old Linux: for each ELF file given (or found
inside a given .whl, .jar or .tar.gz), the newest GLIBC_ symbol version it requires is at most
the floor, its NEEDED entries are all from the allowed set, and none is libssl/libcrypto.

    elf_floor.py [--floor 2.17] ARTIFACT...

Prints one line per library (NEEDED, newest GLIBC_ version) and exits 1 on any violation."""

import argparse
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

# What manylinux2014 and every glibc system from RHEL 7 on provide.
ALLOWED = re.compile(
    r"^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libgcc_s\.so\.1|"
    r"ld-linux-x86-64\.so\.2)$"
)


def version_tuple(v: str):
    return tuple(int(x) for x in v.split("."))


def elf_facts(path: str):
    dyn = subprocess.run(["readelf", "-d", "-W", path], check=True, capture_output=True, text=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn)
    ver = subprocess.run(["readelf", "-V", "-W", path], check=True, capture_output=True, text=True).stdout
    glibc = sorted(set(re.findall(r"Name: GLIBC_([0-9.]+)", ver)), key=version_tuple)
    return needed, glibc


def natives(artifact: str, scratch: str):
    """(display name, path on disk) of every shared library in the artifact."""
    if artifact.endswith((".whl", ".jar", ".zip")):
        with zipfile.ZipFile(artifact) as z:
            for n in z.namelist():
                if n.endswith(".so") or ".so." in os.path.basename(n):
                    out = os.path.join(scratch, os.path.basename(artifact), n)
                    os.makedirs(os.path.dirname(out), exist_ok=True)
                    with open(out, "wb") as f:
                        f.write(z.read(n))
                    yield f"{os.path.basename(artifact)}!{n}", out
    elif artifact.endswith((".tar.gz", ".tgz")):
        with tarfile.open(artifact) as t:
            for m in t.getmembers():
                if m.isfile() and (m.name.endswith(".so") or ".so." in os.path.basename(m.name)):
                    out = os.path.join(scratch, os.path.basename(artifact), m.name)
                    os.makedirs(os.path.dirname(out), exist_ok=True)
                    with open(out, "wb") as f:
                        f.write(t.extractfile(m).read())
                    yield f"{os.path.basename(artifact)}!{m.name}", out
    else:
        yield artifact, artifact


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--floor", default="2.17")
    ap.add_argument("artifacts", nargs="+")
    a = ap.parse_args()
    floor = version_tuple(a.floor)
    bad = ok = 0
    with tempfile.TemporaryDirectory() as scratch:
        for artifact in a.artifacts:
            libs = list(natives(artifact, scratch))
            if not libs:
                print(f"FAIL: {artifact}: no shared library inside")
                bad += 1
            for name, path in libs:
                before = bad
                needed, glibc = elf_facts(path)
                newest = glibc[-1] if glibc else "none"
                print(f"{name}: NEEDED {', '.join(needed) or '-'}; newest GLIBC_{newest}")
                if glibc and version_tuple(glibc[-1]) > floor:
                    print(f"FAIL: {name} requires GLIBC_{newest}, above the {a.floor} floor")
                    bad += 1
                for n in needed:
                    if n.startswith(("libssl", "libcrypto")):
                        print(f"FAIL: {name} needs the system's {n}: OpenSSL must be built in")
                        bad += 1
                    elif not ALLOWED.match(n):
                        print(f"FAIL: {name} needs {n}, outside libc/libm/libpthread/libdl/librt/libgcc_s/ld-linux")
                        bad += 1
                ok += bad == before
    print(f"elf floor: {ok} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
