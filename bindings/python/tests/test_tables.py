"""The tables the binding shares with the C header agree with it: the stats fields (written from
include/wx_recover.h by scripts/gen_tables.py), the statuses and their exception classes, the
journal and recover states, and the documented order fields (from the core's table, read at run
time through the library). Each checker is shown to name what differs on a modified copy."""

from __future__ import annotations

import ctypes
import enum
import json
import re
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Sequence, Type

import pytest

import c_header
import wx_recover
from wx_recover import JournalState, RecoverOrder, RecoverState, Status, _tables
from wx_recover.errors import WxError, error_class
from wx_recover.records import ORDER_FIELDS

ROOT = Path(__file__).resolve().parents[3]
HEADER = ROOT / "include" / "wx_recover.h"
MODEL = ROOT / "src" / "protocol" / "model.rs"
sys.path.insert(0, str(ROOT / "scripts"))
import gen_tables  # noqa: E402


@pytest.fixture(scope="module")
def header_text() -> str:
    return HEADER.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def header(header_text: str) -> c_header.Header:
    return c_header.parse_header(header_text)


def read_repo(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def with_line_after(text: str, anchor: str, line: str) -> str:
    """The header with `line` inserted after the first line that contains `anchor`."""
    at = text.index("\n", text.index(anchor)) + 1
    return text[:at] + line + "\n" + text[at:]


# ----- stats: generated from the header -----


def test_every_generated_stats_table_and_region_matches_the_header(header_text):
    problems = gen_tables.check(header_text, read_repo)
    assert not problems, "\n".join(problems)


def test_the_generated_python_table_lists_the_header_structs_field_by_field(header):
    assert [n for n, *_ in _tables.ENDPOINT_STATS] == [p.name for p in header.structs["wx_endpoint_stats"]]
    assert [n for n, *_ in _tables.STATS] == [p.name for p in header.structs["wx_stats"]]
    assert {n: [c for c, _, _ in v] for n, v in _tables.ENUMS.items()} == {
        n: header.enums[n] for n in ("wx_host", "wx_breaker_state", "wx_quota_store")}
    assert [v for _, v, _ in _tables.ENUMS["wx_breaker_state"]] == [0, 1, 2, 3]


def test_every_field_the_prometheus_writer_words_itself_is_a_field_of_the_header(header):
    # The shipped metrics keep their help text and names; a key that no longer names a field
    # would silently give a renamed field the default wording.
    from wx_recover import stats

    assert set(stats._ENDPOINT_HELP) <= {p.name for p in header.structs["wx_endpoint_stats"]}
    assert set(stats._CLIENT_METRICS) <= {p.name for p in header.structs["wx_stats"]}


def with_cache_hits(header_text: str) -> str:
    """The header with one more counter in wx_endpoint_stats."""
    return with_line_after(header_text, "  uint64_t verification_failures;",
                           "  // Answers served from a cache.\n  uint64_t cache_hits;")


def test_a_counter_added_to_the_header_makes_every_generated_file_stale_and_names_it(header_text):
    changed = with_cache_hits(header_text)
    problems = gen_tables.check(changed, read_repo)
    assert [p.split(": stale")[0] for p in problems] == [
        "bindings/python/wx_recover/_tables.py",
        "bindings/java/src/main/native/wx_tables.h",
        "bindings/python/wx_recover/stats.py (EndpointStats)",
        "bindings/java/src/main/java/io/wxrecover/WxStats.java (EndpointStats)",
        "bindings/java/src/main/java/io/wxrecover/WxStats.java (WxStats)",  # the same fields at other offsets
        "include/wx_recover.hpp (EndpointStats)",
        "include/wx_recover.hpp (stats conversions)",
    ]
    for p in problems:
        assert "make header" in p
    lacking = [p for p in problems if ": lacks cache_hits" in p or ": lacks cacheHits" in p]
    assert len(lacking) == 6, problems


def test_regenerating_for_a_new_counter_carries_it_into_every_binding(header_text):
    files = gen_tables.expected(with_cache_hits(header_text), read_repo)
    assert "('cache_hits', 'c_uint64', 'counter', 'Answers served from a cache.')" in files[
        "bindings/python/wx_recover/_tables.py"]
    assert "#: Answers served from a cache.\n    cache_hits: int = 0" in files["bindings/python/wx_recover/stats.py"]
    glue = files["bindings/java/src/main/native/wx_tables.h"]
    assert "X(cache_hits)" in glue and "#define WX_ENDPOINT_STATS_COUNT 10" in glue and "#define WX_STATS_LONGS 36" in glue
    java = files[gen_tables.WX_STATS_JAVA]
    assert "public long cacheHits() {" in java and "static final int LENGTH = 10;" in java
    assert "a[at + 9]" in java and "pick(QuotaStore.values(), a[34])" in java
    cpp = files["include/wx_recover.hpp"]
    assert "std::uint64_t cache_hits = 0;" in cpp and "r.cache_hits = e.cache_hits;" in cpp
    assert "sizeof(wx_endpoint_stats) == 10 * sizeof(std::uint64_t)" in cpp


def test_a_field_the_header_no_longer_has_is_named_as_left_over(header_text):
    changed = header_text.replace("  // 429 answers (FREQUENCY_LIMITED) received from the platform.\n  uint64_t throttled;\n", "")
    problems = gen_tables.check(changed, read_repo)
    assert problems
    assert len(problems) == 7
    for p in problems:
        if "(WxStats)" in p:
            assert ": the same fields, other text (first difference: -" in p, p
        else:
            assert ": has throttled, which the header does not (first difference: " in p, p


def test_a_new_top_level_counter_follows_the_shipped_fields_in_every_public_order(header_text):
    changed = with_line_after(header_text, "  uint64_t quota_store_errors;", "  // Calls that waited for a lease.\n"
                              "  uint64_t lease_waits;")
    files = gen_tables.expected(changed, read_repo)
    assert "quota_store_errors: int\n    #: Calls that waited for a lease.\n    lease_waits: int" in files[
        "bindings/python/wx_recover/stats.py"]
    assert "long quotaStoreErrors, long leaseWaits) {" in files[gen_tables.WX_STATS_JAVA]
    assert "#define WX_STATS_LONGS 34" in files["bindings/java/src/main/native/wx_tables.h"]


def test_a_stats_field_of_a_type_no_binding_has_stops_the_generator_with_its_name(header_text):
    changed = with_line_after(header_text, "  uint64_t quota_store_errors;", "  double error_ratio;")
    assert gen_tables.check(changed, read_repo) == [
        "wx_stats.error_ratio: type double has no counterpart in the bindings; give it one in scripts/gen_tables.py"]


def test_a_region_whose_markers_were_removed_is_named():
    def read(path: str) -> str:
        text = read_repo(path)
        return text.replace("# end of generated ClientStats", "") if path.endswith("stats.py") else text

    problems = gen_tables.check(HEADER.read_text(encoding="utf-8"), read)
    assert problems == ["bindings/python/wx_recover/stats.py: no line '# end of generated ClientStats' after its start"]


def test_enum_names_drop_the_words_every_constant_shares():
    assert gen_tables.short_names(["WX_BREAKER_CLOSED", "WX_BREAKER_HALF_OPEN"]) == ["closed", "half_open"]
    assert gen_tables.short_names(["WX_OK", "WX_INVALID_ARGUMENT"]) == ["ok", "invalid_argument"]
    assert gen_tables.short_names(["WX_HOST_PRIMARY"]) == ["primary"]


def test_the_parser_reads_enum_values_and_the_comments_above_fields():
    h = c_header.parse_header("""
// Where it stands.
typedef enum {
  // The first.
  T_A = 3,
  T_B,
  T_C = 0x10,
} t_state;

// Counters.
typedef struct {
  // Calls made.
  uint64_t calls;
  uint8_t flag;
} t_counts;
""")
    assert [(c.name, c.value, c.doc) for c in h.constants["t_state"]] == [
        ("T_A", 3, "The first."), ("T_B", 4, ""), ("T_C", 16, "")]
    assert h.docs == {"t_state": "Where it stands.", "t_counts": "Counters."}
    assert h.field_docs[("t_counts", "calls")] == "Calls made."
    assert h.field_docs[("t_counts", "flag")] == ""


# ----- statuses, journal states, recover states: checked against the header -----


def enum_differences(header: c_header.Header, c_enum: str, prefix: str, binding: Type[enum.Enum],
                     extra: Sequence[str] = ()) -> List[str]:
    """Every constant of the C enum that the binding's enum lacks or numbers differently, and
    every binding constant (but `extra`) the C enum lacks, one line each, naming it."""
    c_values: Dict[str, int] = {c.name: c.value for c in header.constants[c_enum]}
    ours: Mapping[str, int] = {m.name: int(m.value) for m in binding if m.name not in extra}
    problems = []
    for name, value in c_values.items():
        short = name[len(prefix):]
        if short not in ours:
            problems.append(f"{c_enum}: {name} = {value} has no {binding.__name__}.{short}")
        elif ours[short] != value:
            problems.append(f"{c_enum}: {name} is {value}, {binding.__name__}.{short} is {ours[short]}")
    for short, value in ours.items():
        if prefix + short not in c_values:
            problems.append(f"{binding.__name__}.{short} = {value} is not in {c_enum}")
    return problems


def test_status_mirrors_wx_status_constant_by_constant(header):
    assert enum_differences(header, "wx_status", "WX_", Status) == []


def test_every_failing_status_has_an_exception_class_of_its_own(header):
    failing = [c for c in header.constants["wx_status"] if c.name != "WX_OK"]
    classes = {c.name: error_class(c.value) for c in failing}
    lacking = [name for name, cls in classes.items() if cls is WxError]
    assert not lacking, f"statuses with no exception class (errors.py _BY_STATUS): {lacking}"
    assert len(set(classes.values())) == len(failing)
    assert all(issubclass(cls, WxError) for cls in classes.values())


def test_journal_state_mirrors_wx_journal_state_constant_by_constant(header):
    assert enum_differences(header, "wx_journal_state", "WX_JOURNAL_", JournalState) == []


def test_recover_state_mirrors_wx_recover_state_constant_by_constant(header):
    assert enum_differences(header, "wx_recover_state", "WX_STATE_", RecoverState) == []


def test_every_log_level_of_the_header_has_a_python_logging_level(header):
    from wx_recover.logbridge import C_TO_PY

    assert sorted(C_TO_PY) == sorted(c.value for c in header.constants["wx_log_level"])


def test_a_status_the_header_adds_is_named(header_text):
    changed = with_line_after(header_text, "  WX_INTERNAL = 9,", "  // Someone else holds it.\n  WX_CONFLICT = 10,")
    h = c_header.parse_header(changed)
    assert enum_differences(h, "wx_status", "WX_", Status) == ["wx_status: WX_CONFLICT = 10 has no Status.CONFLICT"]
    assert error_class(10) is WxError  # what a test of the exception classes then reports


def test_a_renumbered_or_removed_journal_state_is_named(header_text):
    changed = header_text.replace("WX_JOURNAL_EXPIRED = 6,", "WX_JOURNAL_EXPIRED = 7,").replace(
        "  WX_JOURNAL_REFUSED = 5,\n", "")
    assert enum_differences(c_header.parse_header(changed), "wx_journal_state", "WX_JOURNAL_", JournalState) == [
        "wx_journal_state: WX_JOURNAL_EXPIRED is 7, JournalState.EXPIRED is 6",
        "JournalState.REFUSED = 5 is not in wx_journal_state",
    ]


# ----- order fields: the core's table, read at run time through the library -----


def core_order_fields(model_rs: str) -> List[str]:
    """The documented `recover_order` fields as the core declares them (the
    `recover_order_fields!(...)` list in src/protocol/model.rs), in table order."""
    m = re.search(r"^recover_order_fields!\((.*?)^\);", model_rs, re.S | re.M)
    assert m, "no recover_order_fields!(...) list in src/protocol/model.rs"
    names = []
    for line in m.group(1).splitlines():
        s = line.strip()
        if s and not s.startswith(("//", "#[")):
            names.append(re.fullmatch(r"(\w+),?", s).group(1))  # type: ignore[union-attr]
    return names


def library_documented_fields(names: Sequence[str]) -> List[str]:
    """The fields the library lists as documented for an order carrying every name given."""
    lib = wx_recover.load_library()
    raw = json.dumps({n: f"v-{n}" for n in names}).encode()
    out: List[str] = []
    o, err = ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.wx_order_parse(raw, len(raw), ctypes.byref(o), ctypes.byref(err)) == 0
    try:
        for i in range(lib.wx_order_field_count(o)):
            if lib.wx_order_field_documented(o, i):
                out.append(lib.wx_order_field_name(o, i).decode())
    finally:
        lib.wx_order_free(o)
    return out


def order_differences(core: Sequence[str]) -> List[str]:
    """Every documented field the binding's RecoverOrder does not carry as an attribute (read
    through the library), and every ORDER_FIELDS name the core does not document."""
    order = RecoverOrder.from_json(json.dumps({n: f"v-{n}" for n in core}))
    problems = []
    for name in core:
        if name not in ORDER_FIELDS:
            problems.append(f"{name}: documented by the core, missing from records.ORDER_FIELDS")
        elif getattr(order, name, None) != f"v-{name}":
            problems.append(f"{name}: RecoverOrder.{name} is {getattr(order, name, None)!r}, not the field's value")
    problems += [f"{name}: in records.ORDER_FIELDS, not documented by the core" for name in ORDER_FIELDS
                 if name not in core]
    if not problems and list(ORDER_FIELDS) != list(core):
        problems.append(f"records.ORDER_FIELDS is in another order than the core's table: {list(core)}")
    return problems


def test_the_core_table_of_order_fields_is_what_the_library_documents():
    core = core_order_fields(MODEL.read_text(encoding="utf-8"))
    assert len(core) >= 12
    # An undocumented name alongside: the library must tell it apart.
    assert library_documented_fields(core + ["vendor_trace"]) == core


def test_every_documented_order_field_is_a_recover_order_attribute_in_the_core_order():
    assert order_differences(core_order_fields(MODEL.read_text(encoding="utf-8"))) == []


def test_an_order_field_the_core_adds_is_named():
    core = core_order_fields(MODEL.read_text(encoding="utf-8")) + ["recover_channel"]
    assert order_differences(core) == ["recover_channel: documented by the core, missing from records.ORDER_FIELDS"]


def test_an_order_field_the_core_drops_is_named():
    core = [n for n in core_order_fields(MODEL.read_text(encoding="utf-8")) if n != "punish_scene"]
    assert order_differences(core) == ["punish_scene: in records.ORDER_FIELDS, not documented by the core"]


def test_the_reader_of_the_core_table_skips_doc_comments_and_attributes():
    text = "recover_order_fields!(\n    a_no,\n    /// RFC 3339.\n    #[allow(x)]\n    b_time,\n);\n"
    assert core_order_fields(text) == ["a_no", "b_time"]
