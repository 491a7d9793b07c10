#!/usr/bin/env python3
"""Checks the core's shape from its `crate::` paths (docs/architecture.md):

1. every file's imports point down the layers or across its own layer, never up:
     core (0) < infra (1) < protocol (2) < exchange (3) < api (4) < journal (5) < client.rs (6)
     < ffi (7) < lib.rs
2. the file-level import graph has no cycle;
3. src/ffi names only what lib.rs makes public (`crate::Name`, not `crate::module::…`), so the
   C ABI is a skin over the public Rust API.

    check_layers.py [SRC_DIR]     exit 1 and one line per violation, naming both files
    check_layers.py --self-test   shows on a made-up tree that each rule can fail
"""

import os
import re
import sys
import tempfile

LAYERS = ["core", "infra", "protocol", "exchange", "api", "journal", "client", "ffi"]
PATH = re.compile(r"\bcrate::(\{|(?:[a-z_][a-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)")
COMMENT = re.compile(r"//.*$")


def layer_of(rel):
    """The layer of a file (path relative to src), or None for lib.rs."""
    first = rel.split(os.sep)[0]
    name = first[:-3] if first.endswith(".rs") else first
    return LAYERS.index(name) if name in LAYERS else None


def module_file(src, segments):
    """The file that defines the longest module prefix of `segments`."""
    for n in range(len(segments), 0, -1):
        base = os.path.join(src, *segments[:n])
        for cand in (base + ".rs", os.path.join(base, "mod.rs")):
            if os.path.isfile(cand):
                return os.path.relpath(cand, src)
    return None


def public_names(src):
    """Names lib.rs makes public: `pub use … {A, B as C}`, `pub mod x`, `pub fn f`."""
    text = open(os.path.join(src, "lib.rs"), encoding="utf-8").read()
    names = set(re.findall(r"^pub (?:mod|fn|struct|enum|const|static) ([A-Za-z_][A-Za-z0-9_]*)", text, re.M))
    for stmt in re.findall(r"^pub use ([^;]*);", text, re.M | re.S):
        inner = stmt[stmt.index("{") + 1:stmt.rindex("}")] if "{" in stmt else stmt.rsplit("::", 1)[-1]
        for item in inner.split(","):
            item = item.strip()
            if item:
                names.add(item.split(" as ")[-1].strip().split("::")[-1])
    return names


def imports(src):
    """{file: [(line number, crate path), …]} for every .rs file under src."""
    out = {}
    for d, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, src)
            found = []
            for i, line in enumerate(open(path, encoding="utf-8"), 1):
                for m in PATH.finditer(COMMENT.sub("", line)):
                    found.append((i, m.group(1)))
            out[rel] = found
    return out


def check(src):
    problems = []
    graph = {}
    public = public_names(src)
    for rel, found in sorted(imports(src).items()):
        here = layer_of(rel)
        for line, path in found:
            if rel.startswith("ffi" + os.sep):
                top = path.split("::")[0]
                if path != "{" and top != "ffi" and ("::" in path or top not in public):
                    problems.append(f"{rel}:{line}: the C ABI names crate::{path}, which lib.rs does not export")
                continue
            if path == "{":
                continue
            target = module_file(src, path.split("::"))
            if target is None or target == rel:
                continue
            graph.setdefault(rel, set()).add(target)
            there = layer_of(target)
            if here is not None and there is not None and there > here:
                problems.append(
                    f"{rel}:{line}: imports {target} (crate::{path}): layer {LAYERS[here]} may not use "
                    f"layer {LAYERS[there]}, which is above it")
    problems += [f"import cycle: {' -> '.join(c + [c[0]])}" for c in cycles(graph)]
    return problems


def cycles(graph):
    """Each strongly connected component of more than one file, as a path around it."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def self_test():
    tree = {
        "lib.rs": "mod core;\nmod infra;\npub mod ffi;\npub use crate::core::kinds::Kind;\n",
        "core/mod.rs": "pub(crate) mod kinds;\npub(crate) mod a;\npub(crate) mod b;\n",
        "core/kinds.rs": "pub enum Kind { A }\n",
        "core/a.rs": "use crate::core::b::B;\nuse crate::infra::log::Log;\n",
        "core/b.rs": "use crate::core::a::A;\n",
        "infra/mod.rs": "pub(crate) mod log;\n",
        "infra/log.rs": "use crate::core::kinds::Kind; // crate::api::nothing in a comment\n",
        "ffi/mod.rs": "use crate::Kind;\nuse crate::core::a::A;\nuse crate::Hidden;\n",
    }
    with tempfile.TemporaryDirectory() as d:
        for rel, text in tree.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
                f.write(text)
        got = check(d)
    want = [
        "core/a.rs:2: imports infra/log.rs",  # upward arrow
        "import cycle: core/a.rs -> core/b.rs -> core/a.rs",
        "ffi/mod.rs:2: the C ABI names crate::core::a::A",
        "ffi/mod.rs:3: the C ABI names crate::Hidden",
    ]
    missing = [w for w in want if not any(p.startswith(w) for p in got)]
    extra = [p for p in got if not any(p.startswith(w) for w in want)]
    if missing or extra:
        print("check_layers self-test FAILED", "\n  missing:", missing, "\n  unexpected:", extra)
        return 1
    print(f"check_layers self-test: {len(want)} passed, 0 failed")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
    problems = check(os.path.normpath(src))
    for p in problems:
        print(p)
    files = len(imports(src))
    print(f"check_layers: {files} files, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
