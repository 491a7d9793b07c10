#!/usr/bin/env python3
"""Generates a hostile-input test for EVERY function declared in include/wx_recover.h.

    gen_hostile.py HEADER OUT.c

The header is parsed, not trusted to a list: a new exported function gets its hostile cases
generated from its prototype, and a parameter this script has no rule for fails the build
("no hostile rule for …") until someone says what a valid value of it is. The program it
writes (build/hostile/hostile.c) calls each function with:

  * NULL for each pointer argument in turn (the others valid), and for all of them at once;
  * invalid UTF-8 and a 1 MiB string for each string argument (request fields included);
  * for body/body_len pairs: NULL with len 0, NULL with len > 0, embedded NULs;
  * NULL for every _free function, NULL handles for every accessor, and odd ints.

Expected: no crash; WX_INVALID_ARGUMENT for a NULL/bad-UTF-8 required argument, its message
naming the argument; outputs untouched on failure; documented defaults from accessors.
"""
import re
import sys

# A valid C expression for every parameter name the ABI uses. Handles come from hostile.c's
# fixtures (a real client, and a real error/accepted/order made against the sandbox).
VALID = {
    "client": "CLIENT",
    "config_json": "CONFIG_JSON",
    "path": "CONFIG_PATH",
    "request": "&REQ",
    "out_request_no": '"HOSTILE-NO-SUCH-ORDER"',
    "mchid": "MCHID",
    "method": '"POST"',
    "url": '"/v3/hostile?a=1"',
    "plaintext": '"6222000011112222"',
    "timestamp": '"1700000000"',
    "nonce": '"hostile-nonce"',
    "signature": '"c2lnbmF0dXJl"',
    "serial": '"PUB_KEY_ID_HOSTILE"',
    "body": '(const uint8_t *)"{}"',
    "body_len": "2",
    "field": '"id"',
    "status": "0",
    "a": "ACCEPTED",
    "o": "ORDER",
    "n": "NOTIFICATION",
    "e": "ERROR",
    "s": "NULL",
    "callback": "hostile_log",
    "user_data": "&LOG_LINES",
    "max_level": "5",
    "options": "NULL",
    "json": '(const uint8_t *)"{}"',
    "json_len": "2",
    "names": "HEADER_NAMES",
    "values": "HEADER_VALUES",
    "count": "4",
    "older_than_days": "36500",
    "deleted": "NULL",
    "list": "JOURNAL_LIST",
    "index": "0",
    "entry": "JOURNAL_ENTRY",
    "report": "REPORT",
    "state": "WX_JOURNAL_ACCEPTED",
    "from": '"/nonexistent/hostile-journal.sqlite"',
    "to": '"postgresql://wx@127.0.0.1:1/hostile"',
    "merchant": "MCHID",
    "timeout_ms": "100",
    "copied": "NULL",
    "skipped": "NULL",
    "pending": "NULL",
    "kind": "1",
    "endpoint": "3",
    "i": "0",
}
# Parameters whose fixture depends on their type: the three request structs and the handles
# of the punish's results (a name such as `a` or `o` is shared with the recover's).
TYPE_VALID = {
    "const wx_recover_request *": "&REQ",
    "const wx_recover_request_v2 *": "&REQ2",
    "const wx_punish_request *": "&PREQ",
    "const wx_punish_accepted *": "PUNISH_ACCEPTED",
    "const wx_punish_order *": "PUNISH_ORDER",
    "int64_t *": "&I64_SINK",
}
# Each request struct: its fixture and the copy a case spoils.
REQUESTS = {
    "const wx_recover_request *": ("wx_recover_request", "REQ", "REQ_HOSTILE"),
    "const wx_recover_request_v2 *": ("wx_recover_request_v2", "REQ2", "REQ2_HOSTILE"),
    "const wx_punish_request *": ("wx_punish_request", "PREQ", "PREQ_HOSTILE"),
}
# Pointer parameters that may be NULL (documented): the call must not fail because of it.
OPTIONAL = {"err", "recover_reason", "field", "callback", "user_data", "options", "deleted", "copied", "skipped",
            "pending", "punish_reason", "punish_end_time", "card_no", "sgn_no", "req_scene",
            "fund_repatriation_strategy"}
# Documented accessor results for a NULL handle, when not the type's zero value.
NULL_DEFAULT = {"wx_error_status": "WX_INVALID_ARGUMENT", "wx_journal_entry_error_status": "WX_OK"}
ZERO = {"const char *": "NULL", "uint32_t": "0", "uint16_t": "0", "bool": "false",
        "wx_recover_state": "WX_STATE_UNKNOWN", "size_t": "0", "int64_t": "0",
        "wx_journal_state": "WX_JOURNAL_IN_DOUBT", "const wx_journal_entry *": "NULL",
        "const wx_journal_list *": "NULL", "wx_punish_state": "WX_PUNISH_UNKNOWN",
        "wx_effect_state": "WX_EFFECT_UNKNOWN", "wx_journal_kind": "WX_KIND_RECOVER"}


def parse(header):
    text = open(header, encoding="utf-8").read()
    body = text.split('extern "C" {', 1)[1].rsplit("#ifdef __cplusplus", 1)[0]
    body = re.sub(r"//[^\n]*", "", body)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    funcs = []
    for decl in body.split(";"):
        decl = " ".join(decl.split())
        if not decl:
            continue
        m = re.match(r"^(.*?)\b(wx_\w+)\s*\((.*)\)$", decl)
        if not m:
            sys.exit(f"gen_hostile: cannot parse declaration: {decl!r}")
        ret, name, params = m.group(1).strip(), m.group(2), m.group(3).strip()
        plist = []
        if params and params != "void":
            for p in params.split(","):
                p = p.strip()
                pm = re.match(r"^(.*?)(\w+)$", p)
                ptype = " ".join(pm.group(1).replace("*", " * ").split()).replace("* *", "**")
                plist.append((ptype, pm.group(2)))
        funcs.append((ret, name, plist))
    fields = {}
    for ptype, (struct, _, _) in REQUESTS.items():
        sm = re.search(r"typedef struct \{([^{}]*)\} " + struct + ";", text)
        fields[ptype] = re.findall(r"const char \*(\w+);", re.sub(r"//[^\n]*", "", sm.group(1)))
    return funcs, fields


def is_ptr(t):
    # Function-pointer typedefs (wx_log_fn) are pointers too.
    return "*" in t or t.endswith("_fn")


def is_str(t):
    return t.replace(" ", "") == "constchar*"


def out_type(t):
    """`wx_order **` -> ('wx_order *', 'wx_order_free'); `char **` -> ('char *', 'wx_free')."""
    base = t.replace("*", "").strip()
    if base == "const char":
        return "const char *", None  # borrowed from the handle: never freed
    return base + " *", ("wx_free" if base == "char" else base + "_free")


class Gen:
    def __init__(self):
        self.lines = []
        self.n = 0

    def emit(self, s=""):
        self.lines.append(s)

    def valid(self, fname, ptype, pname):
        if ptype in TYPE_VALID:
            return TYPE_VALID[ptype]
        if pname in ("out",):
            return None  # generated per call
        if pname == "err":
            return "&err"
        if pname not in VALID:
            sys.exit(f"gen_hostile: no hostile rule for parameter '{pname}' ({ptype}) of "
                     f"{fname}(): add a valid value for it to VALID in tests/native/c/gen_hostile.py")
        return VALID[pname]

    def fallible(self, name, params, override, want, needle, label):
        """One call of a wx_status function. `override`: {param: expr}."""
        self.n += 1
        self.emit("    {")
        args = []
        has_out = False
        in_place = False
        for ptype, pname in params:
            if pname == "out" and ptype.count("*") == 1 and not is_str(ptype):
                # `T *out`: a caller-owned struct the call fills (wx_stats); nothing to free.
                in_place = True
                base = ptype.replace("*", "").strip()
                self.emit(f"        {base} out, untouched;")
                self.emit("        memset(&out, 0xA5, sizeof out);")
                self.emit("        memcpy(&untouched, &out, sizeof out);")
                expr = override.get("out", "&out")
            elif pname == "out":
                otype, ofree = out_type(ptype)
                has_out = True
                self.emit(f"        {otype}out = ({otype})SENTINEL;")
                expr = override.get("out", "&out")
            else:
                expr = override.get(pname, self.valid(name, ptype, pname))
            args.append(expr)
        self.emit("        wx_error *err = NULL;")
        self.emit(f"        wx_status st = {name}({', '.join(args)});")
        self.emit("        wx_error *got = err;")
        if in_place:
            self.emit(f"        if (st != WX_OK) CHECK_MSG(memcmp(&out, &untouched, sizeof out) == 0, \"{label}: output written on failure\");")
        if has_out:
            if ofree:
                self.emit(f"        if (st == WX_OK && out != ({otype})SENTINEL) {ofree}(out);")
                self.emit(f"        else CHECK_MSG(out == ({otype})SENTINEL, \"{label}: output written on failure\");")
            else:
                self.emit(f"        if (st != WX_OK) CHECK_MSG(out == ({otype})SENTINEL, \"{label}: output written on failure\");")
        w = want if want else "-1"
        nd = f'"{needle}"' if needle else "NULL"
        err_passed = override.get("err", "&err") != "NULL"
        self.emit(f"        expect(\"{label}\", st, {w}, got, {nd}, {1 if err_passed else 0});")
        self.emit("    }")

    def gen_function(self, ret, name, params, fields):
        self.emit(f"static void hostile_{name}(void) {{")
        self.emit(f"    covered(\"{name}\");")
        ptrs = [(t, p) for t, p in params if is_ptr(t)]
        if name.endswith("_free") or name == "wx_free":
            self.emit(f"    {name}(NULL);")
            self.emit(f"    {name}(NULL);")
            self.n += 1
        elif ret == "wx_status" and params and params[-1][1] == "err":
            self.gen_fallible(name, params, fields)
        elif not params:
            self.emit(f"    CHECK_MSG({name}() != NULL, \"{name}() is NULL\");")
            self.n += 1
        elif not ptrs:
            for v in ["INT_MIN", "-1", "0", "1", "9", "10", "99", "INT_MAX"]:
                args = ", ".join(v for _ in params)
                self.emit(f"    CHECK_MSG({name}({args}) != NULL && strlen({name}({args})) > 0, \"{name}({v})\");")
                self.n += 1
        else:
            self.gen_accessor(ret, name, params)
        self.emit(f"    hostile_after(\"{name}\");")
        self.emit("}")
        self.emit()

    def gen_accessor(self, ret, name, params):
        handle = params[0][1]
        rest = params[1:]
        default = NULL_DEFAULT.get(name, ZERO.get(ret))
        if default is None:
            sys.exit(f"gen_hostile: no NULL-handle default known for {ret} {name}()")
        for other in [None] + [p for t, p in rest if is_str(t)]:
            for variant, expr in [("NULL", "NULL"), ("bad UTF-8", "BAD_UTF8"), ("1 MiB", "HUGE")]:
                if other is None and variant != "NULL":
                    continue
                args = ["NULL"] + [(expr if p == other else self.valid(name, t, p)) for t, p in rest]
                self.emit(f"    CHECK_MSG({name}({', '.join(args)}) == {default}, \"{name}: NULL handle\");")
                self.n += 1
        # A real handle with hostile extra arguments: no crash; string fields NULL when unknown.
        real = TYPE_VALID.get(params[0][0], VALID.get(handle))
        if real is None:
            sys.exit(f"gen_hostile: no fixture for handle '{handle}' of {name}()")
        self.emit(f"    if ({real}) {{")
        self.emit(f"        (void){name}({', '.join([real] + [self.valid(name, t, p) for t, p in rest])});")
        for t, p in rest:
            if is_str(t):
                for expr in ["NULL", "BAD_UTF8", "HUGE", '""']:
                    args = [real] + [(expr if q == p else self.valid(name, u, q)) for u, q in rest]
                    self.emit(f"        CHECK_MSG({name}({', '.join(args)}) == NULL, \"{name}: {p}={expr}\");")
                    self.n += 1
        self.emit("    }")

    def gen_fallible(self, name, params, fields):
        names = [p for _, p in params]
        # NULL for each pointer argument in turn.
        for ptype, pname in params:
            if not is_ptr(ptype):
                continue
            if pname == "body":
                self.fallible(name, params, {"body": "NULL", "body_len": "0"}, None, None, f"{name}: body=NULL,len=0")
                self.fallible(name, params, {"body": "NULL", "body_len": "5"}, "WX_INVALID_ARGUMENT", "body", f"{name}: body=NULL,len=5")
                continue
            if pname in OPTIONAL:
                self.fallible(name, params, {pname: "NULL"}, None, None, f"{name}: {pname}=NULL")
                continue
            self.fallible(name, params, {pname: "NULL"}, "WX_INVALID_ARGUMENT", pname, f"{name}: {pname}=NULL")
        # All pointers NULL at once, with and without an error object.
        all_null = {p: "NULL" for t, p in params if is_ptr(t)}
        all_null.update({p: "0" for t, p in params if p.endswith("_len")})
        self.fallible(name, params, all_null, "WX_INVALID_ARGUMENT", None, f"{name}: all NULL")
        all_but_err = dict(all_null)
        all_but_err.pop("err", None)
        names_re = "|".join(p for t, p in params if is_ptr(t) and p != "err")
        self.fallible(name, params, all_but_err, "WX_INVALID_ARGUMENT", "ANY:" + names_re, f"{name}: all NULL but err")
        # Hostile strings.
        for ptype, pname in params:
            if is_str(ptype):
                want_bad = "WX_INVALID_ARGUMENT"
                self.fallible(name, params, {pname: "BAD_UTF8"}, want_bad, pname, f"{name}: {pname}=bad UTF-8")
                self.fallible(name, params, {pname: "OVERLONG_UTF8"}, want_bad, pname, f"{name}: {pname}=overlong UTF-8")
                self.fallible(name, params, {pname: "HUGE"}, None, None, f"{name}: {pname}=1 MiB")
                self.fallible(name, params, {pname: '""'}, None, None, f"{name}: {pname}=empty")
        # Integer arguments: values outside any documented range must not crash.
        for ptype, pname in params:
            if ptype == "int":
                for v in ["INT_MIN", "-1", "0", "6", "INT_MAX"]:
                    self.fallible(name, params, {pname: v}, None, None, f"{name}: {pname}={v}")
        if "body" in names:
            self.fallible(name, params, {"body": "(const uint8_t *)EMBEDDED_NUL", "body_len": "EMBEDDED_NUL_LEN"}, None, None, f"{name}: body with NULs")
            self.fallible(name, params, {"body": "(const uint8_t *)HUGE", "body_len": "HUGE_LEN"}, None, None, f"{name}: 1 MiB body")
        # The request struct: each field NULL, bad UTF-8, 1 MiB (the struct walk is generated too).
        if "request" in names:
            rtype = dict((p, t) for t, p in params)["request"]
            _, fixture, spoiled = REQUESTS[rtype]
            for f in fields[rtype]:
                opt = f in OPTIONAL
                for variant, expr, want, needle in [
                    ("NULL", "NULL", None if opt else "WX_INVALID_ARGUMENT", None if opt else f),
                    ("bad UTF-8", "BAD_UTF8", "WX_INVALID_ARGUMENT", f),
                    ("1 MiB", "HUGE", None, None),
                ]:
                    self.emit(f"    {spoiled} = {fixture}; {spoiled}.{f} = {expr};")
                    self.fallible(name, params, {"request": f"&{spoiled}"}, want, needle, f"{name}: request.{f}={variant}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    funcs, fields = parse(sys.argv[1])
    g = Gen()
    g.emit("/* Generated by tests/native/c/gen_hostile.py from include/wx_recover.h. Do not edit. */")
    g.emit('#include "hostile.h"')
    g.emit()
    for ret, name, params in funcs:
        g.gen_function(ret, name, params, fields)
    g.emit(f"const char *const HOSTILE_FUNCTIONS[] = {{{', '.join(chr(34) + n + chr(34) for _, n, _ in funcs)}, NULL}};")
    g.emit("void hostile_all(void) {")
    for _, name, _ in funcs:
        g.emit(f"    hostile_{name}();")
    g.emit("}")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(g.lines) + "\n")
    shown = "; ".join(f"{REQUESTS[t][0]}: {', '.join(f)}" for t, f in fields.items())
    print(f"gen_hostile: {len(funcs)} functions, {g.n} generated cases, request fields: {shown}")


if __name__ == "__main__":
    main()
