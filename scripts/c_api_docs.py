#!/usr/bin/env python3
"""The C API reference, generated from include/wx_recover.h, and the contract every function's
doc comment keeps.

    c_api_docs.py --check   fail when a function lacks `Returns:` or `Thread:`, names a status
                            it cannot return, or docs/c-api.md's reference is stale
    c_api_docs.py --write   regenerate the reference section of docs/c-api.md

`CAN_RETURN` below is the contract: the statuses each wx_status function can return, read off
its body in src/ffi/ (every such function can return WX_INTERNAL: a caught panic). A function
whose `Returns:` says "any wx_status" may return every status.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "include" / "wx_recover.h"
DOC = ROOT / "docs" / "c-api.md"
BEGIN, END = "<!-- BEGIN REFERENCE (scripts/c_api_docs.py --write) -->", "<!-- END REFERENCE -->"

ANY = "any"
BASIC = {"WX_OK", "WX_INVALID_ARGUMENT", "WX_INTERNAL"}
CAN_RETURN = {
    "wx_recover_new": BASIC | {"WX_CONFIG", "WX_NETWORK"},
    "wx_recover_new_from_file": BASIC | {"WX_CONFIG", "WX_NETWORK"},
    "wx_recover_set_logger": BASIC,
    "wx_recover_submit": ANY,
    "wx_recover_query": ANY,
    "wx_recover_get_wechatpay_serial": ANY,
    "wx_recover_authorization": BASIC,
    "wx_recover_encrypt": ANY,
    "wx_recover_verify": BASIC | {"WX_UNVERIFIED"},
    "wx_recover_parse_notification": BASIC | {"WX_CONFIG", "WX_UNVERIFIED", "WX_BAD_RESPONSE"},
    "wx_recover_parse_notification_headers": BASIC | {"WX_CONFIG", "WX_UNVERIFIED", "WX_BAD_RESPONSE"},
    "wx_notification_order": BASIC | {"WX_BAD_RESPONSE"},
    "wx_order_parse": BASIC | {"WX_BAD_RESPONSE"},
    "wx_recover_request_validate": BASIC,
    "wx_recover_pending": BASIC | {"WX_CONFIG", "WX_NETWORK"},
    "wx_recover_journal_entry": BASIC | {"WX_CONFIG", "WX_NETWORK"},
    "wx_recover_reconcile": BASIC | {"WX_CONFIG", "WX_NETWORK"},
    "wx_recover_journal_prune": BASIC | {"WX_CONFIG", "WX_NETWORK"},
    "wx_recover_stats": BASIC,
    "wx_recover_endpoint_stats": BASIC,
    # A PostgreSQL journal that cannot be reached is WX_NETWORK (journal/postgres.rs).
    "wx_journal_pending_at": BASIC | {"WX_CONFIG", "WX_NETWORK"},
    "wx_journal_copy": BASIC | {"WX_CONFIG", "WX_NETWORK"},
    "wx_recover_submit_v2": ANY,
    "wx_recover_punish": ANY,
    "wx_recover_query_punish": ANY,
    "wx_recover_journal_entry_of": BASIC | {"WX_CONFIG", "WX_NETWORK"},
}


def functions(text):
    """(name, return type, declaration, comment lines) for every function, in header order."""
    body = text.split('extern "C" {', 1)[1]
    out = []
    comment = []
    decl = []
    for line in body.splitlines():
        s = line.strip()
        if decl:
            decl.append(s)
        elif s.startswith("//"):
            comment.append(s[2:].strip())
            continue
        elif re.match(r"^[A-Za-z_].*\bwx_\w+\s*\(", s):
            decl = [s]
        else:
            comment = []
            continue
        if decl and decl[-1].endswith(";"):
            d = " ".join(decl)
            m = re.match(r"^(.*?)\b(wx_\w+)\s*\(", d)
            out.append((m.group(2), m.group(1).strip(), d, comment))
            comment, decl = [], []
    return out


def statuses(text):
    m = re.search(r"typedef enum \{([^}]*)\} wx_status;", text, re.S)
    return set(re.findall(r"\b(WX_[A-Z_]+)\s*=", m.group(1)))


def section(comment, key):
    """The text of `key:` up to the next section or the end."""
    joined = " ".join(comment)
    m = re.search(key + r":\s*(.*?)(?=\b(?:Returns|Thread):|$)", joined)
    return m.group(1).strip() if m else None


def check(text):
    problems = []
    known = statuses(text)
    for name, ret, decl, comment in functions(text):
        fallible = ret == "wx_status" and "wx_error **err" in decl
        returns, thread = section(comment, "Returns"), section(comment, "Thread")
        if returns is None:
            problems.append(f"{name}: no 'Returns:' section")
        if thread is None:
            problems.append(f"{name}: no 'Thread:' section")
        if returns is None or not fallible:
            continue
        named = set(re.findall(r"\bWX_[A-Z_]+\b", returns))
        unknown = named - known
        if unknown:
            problems.append(f"{name}: names {sorted(unknown)}, which are not wx_status values")
        want = CAN_RETURN.get(name)
        if want is None:
            problems.append(f"{name}: not in CAN_RETURN of scripts/c_api_docs.py")
        elif want == ANY:
            if "any wx_status" not in returns:
                problems.append(f"{name}: can return any status; its Returns: must say 'any wx_status'")
        elif named != want:
            missing, extra = sorted(want - named), sorted(named - want)
            problems.append(f"{name}: Returns: lacks {missing} / names {extra} it cannot return")
    return problems


def reference(text):
    lines = [BEGIN, "", "## Function reference", "",
             "Generated from the doc comments of `include/wx_recover.h`.", ""]
    for name, _, decl, comment in functions(text):
        lines += [f"### `{name}`", "", "```c", decl, "```", "", " ".join(comment), ""]
    lines.append(END)
    return "\n".join(lines)


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("--check", "--write"):
        sys.exit(__doc__)
    text = HEADER.read_text(encoding="utf-8")
    doc = DOC.read_text(encoding="utf-8")
    ref = reference(text)
    if BEGIN in doc:
        new = doc[: doc.index(BEGIN)] + ref + doc[doc.index(END) + len(END):]
    else:
        new = doc.rstrip() + "\n\n" + ref + "\n"
    if sys.argv[1] == "--write":
        DOC.write_text(new, encoding="utf-8")
        print(f"c_api_docs: {len(functions(text))} functions written to {DOC.relative_to(ROOT)}")
        return 0
    problems = check(text)
    if new != doc:
        problems.append("docs/c-api.md's function reference differs from the header: run make header")
    for p in problems:
        print("c_api_docs:", p)
    n = len(functions(text))
    print(f"c-api-docs: {n - len(problems) if problems else n} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
