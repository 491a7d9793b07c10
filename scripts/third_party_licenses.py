#!/usr/bin/env python3
"""Prints the crates built into the shipped library with their licences (make dist's
THIRD-PARTY.txt): the normal dependency graph of wx-recover for the dist target with the
vendored-openssl feature, from `cargo metadata`; build and dev dependencies are not shipped."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked",
             "--filter-platform", "x86_64-unknown-linux-gnu", "--features", "vendored-openssl",
             "--manifest-path", os.path.join(ROOT, "Cargo.toml")],
            check=True, capture_output=True, text=True,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(p["id"] for p in meta["packages"] if p["name"] == "wx-recover")
    seen, todo = set(), [root]
    while todo:
        node = nodes[todo.pop()]
        for dep in node["deps"]:
            if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])
    print("Crates compiled into libwx_recover (name, version, licence as declared by the crate).")
    print("OpenSSL itself is built from openssl-src: its licence is OpenSSL-LICENSE.txt beside this")
    print("file. SQLite (bundled by rusqlite) is in the public domain.\n")
    for pid in sorted(seen, key=lambda i: (packages[i]["name"], packages[i]["version"])):
        p = packages[pid]
        print(f"{p['name']} {p['version']}: {p.get('license') or p.get('license_file') or 'unstated'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
