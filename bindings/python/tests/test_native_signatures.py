"""The ctypes declarations of the binding (``_native.SIGNATURES`` and every Structure) agree with include/wx_recover.h, and the checker that says so does catch each kind of difference."""

from __future__ import annotations

import importlib
import pkgutil
import re
from ctypes import CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_size_t, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Any, List, Tuple

import pytest

import c_header
import wx_recover
from wx_recover import _native

HEADER = Path(__file__).resolve().parents[3] / "include" / "wx_recover.h"


def binding_structures() -> List[Any]:
    """Every ctypes Structure defined in any module of the package."""
    found = {}
    for info in pkgutil.iter_modules(wx_recover.__path__):
        module = importlib.import_module(f"wx_recover.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Structure) and value.__module__.startswith("wx_recover"):
                found[value.__qualname__, value.__module__] = value
    return list(found.values())


@pytest.fixture(scope="module")
def header() -> c_header.Header:
    return c_header.parse_header(HEADER.read_text(encoding="utf-8"))


# ----- the real header and the real table -----


def test_every_header_function_is_in_signatures_with_the_same_arguments_and_return_type(header):
    problems = c_header.check_signatures(header, _native.SIGNATURES)
    assert not problems, "SIGNATURES differs from include/wx_recover.h:\n" + "\n".join(problems)


def test_every_ctypes_structure_of_the_binding_matches_its_header_struct_field_by_field(header):
    structures = binding_structures()
    names = {s.__name__ for s in structures}
    # The discovery itself must find the mirrors the calls use.
    assert {"wx_recover_request", "wx_stats", "wx_endpoint_stats", "wx_reconcile_options"} <= names, names
    problems = c_header.check_structures(header, structures)
    assert not problems, "ctypes Structures differ from include/wx_recover.h:\n" + "\n".join(problems)


def test_the_parser_reads_every_function_struct_and_callback_of_the_header(header):
    text = HEADER.read_text(encoding="utf-8")
    # A crude second reading: every line that starts a declaration of a wx_ function.
    declared = set(re.findall(r"(?m)^(?!typedef)[A-Za-z_][\w ]*[ *](wx_\w+)\(", text))
    assert len(declared) > 50
    assert set(header.functions) == declared
    assert set(header.structs) == set(re.findall(r"(?m)^\} (\w+);", text)) - set(header.enums)
    assert set(header.callbacks) == set(re.findall(r"\(\*(\w+)\)", text))


# ----- the checker, on a small header written for it -----

TINY = """
#include <stdint.h>
/* A block comment with a declaration in it: int not_a_function(void); */
// t_status, with (parentheses); and semicolons;
typedef enum {
  // the first value
  T_OK = 0,
  T_BAD = 1,
} t_status;

typedef struct t_handle t_handle;

typedef struct {
  uint32_t first;
  uint64_t second;
  const char *label;
} t_pair;

typedef void (*t_cb)(void *user_data, int level, const char *message);

#ifdef __cplusplus
extern "C" {
#endif  // __cplusplus

t_status t_open(const char *path, t_handle **out);
uint32_t t_count(const t_handle *h, size_t index);
char *t_name(const t_handle *h);
void t_free(char *s);
t_status t_fill(const t_handle *h,
                t_pair *out,
                t_cb callback);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus
"""


class t_pair(Structure):
    _fields_ = [("first", c_uint32), ("second", c_uint64), ("label", c_char_p)]


T_CB = CFUNCTYPE(None, c_void_p, c_int, c_char_p)

GOOD: List[Tuple[str, List[Any], Any]] = [
    ("t_open", [c_char_p, POINTER(c_void_p)], c_int),
    ("t_count", [c_void_p, c_size_t], c_uint32),
    ("t_name", [c_void_p], c_void_p),
    ("t_free", [c_void_p], None),
    ("t_fill", [c_void_p, POINTER(t_pair), T_CB], c_int),
]


def tiny() -> c_header.Header:
    return c_header.parse_header(TINY)


def replaced(name: str, argtypes: Any = None, restype: Any = "same") -> List[Tuple[str, List[Any], Any]]:
    out = []
    for n, a, r in GOOD:
        if n == name:
            a = a if argtypes is None else argtypes
            r = r if restype == "same" else restype
        out.append((n, a, r))
    return out


def test_the_checker_finds_nothing_to_say_about_a_matching_table():
    h = tiny()
    assert set(h.functions) == {"t_open", "t_count", "t_name", "t_free", "t_fill"}
    assert c_header.check_signatures(h, GOOD) == []
    assert c_header.check_structures(h, [t_pair]) == []


def test_a_header_function_missing_from_the_table_is_named():
    problems = c_header.check_signatures(tiny(), [s for s in GOOD if s[0] != "t_count"])
    assert problems == ["t_count: declared in the header but missing from SIGNATURES"]


def test_a_table_entry_the_header_lacks_is_named():
    problems = c_header.check_signatures(tiny(), GOOD + [("t_close", [c_void_p], None)])
    assert problems == ["t_close: in SIGNATURES but not declared in the header"]


def test_a_different_argument_count_is_named_with_the_header_arguments():
    problems = c_header.check_signatures(tiny(), replaced("t_count", [c_void_p]))
    assert problems == ["t_count: the header declares 2 arguments (h, index), SIGNATURES 1"]


def test_an_argument_of_another_size_is_named_with_its_position_and_name():
    problems = c_header.check_signatures(tiny(), replaced("t_count", [c_void_p, c_uint32]))
    assert len(problems) == 1
    assert problems[0].startswith("t_count: argument 2 (index): C size_t needs ")
    assert "binding c_uint" in problems[0]


def test_a_handle_declared_as_a_string_is_caught():
    problems = c_header.check_signatures(tiny(), replaced("t_count", [c_char_p, c_size_t]))
    assert problems == ["t_count: argument 1 (h): C const t_handle * (a handle) needs c_void_p, binding c_char_p"]


def test_an_out_pointer_declared_as_a_plain_pointer_value_is_caught():
    problems = c_header.check_signatures(tiny(), replaced("t_open", [c_char_p, c_char_p]))
    assert problems == ["t_open: argument 2 (out): C t_handle ** needs c_void_p or POINTER(...), binding c_char_p"]


def test_an_owned_string_returned_as_c_char_p_is_caught():
    # c_char_p would copy the text and lose the pointer that t_free needs.
    problems = c_header.check_signatures(tiny(), replaced("t_name", restype=c_char_p))
    assert problems == ["t_name: return type: C char * (owned by the library) needs c_void_p, binding c_char_p"]


def test_a_wrong_return_type_is_caught():
    problems = c_header.check_signatures(tiny(), replaced("t_count", restype=c_uint64))
    assert len(problems) == 1 and problems[0].startswith("t_count: return type: C uint32_t needs c_uint")


def test_a_callback_with_other_arguments_is_caught():
    problems = c_header.check_signatures(
        tiny(), replaced("t_fill", [c_void_p, POINTER(t_pair), CFUNCTYPE(None, c_void_p, c_uint64, c_char_p)]))
    assert len(problems) == 1
    assert problems[0].startswith("t_fill: argument 3 (callback): callback t_cb argument 2 (level): C int needs c_int")


def test_a_pointer_to_the_wrong_structure_is_caught():
    class t_other(Structure):
        _fields_ = [("first", c_uint32)]

    problems = c_header.check_signatures(tiny(), replaced("t_fill", [c_void_p, POINTER(t_other), T_CB]))
    assert len(problems) == 1
    assert problems[0].startswith("t_fill: argument 2 (out): C t_pair * vs binding POINTER(t_other): ")


def test_a_structure_with_fields_swapped_is_caught():
    class t_pair(Structure):  # noqa: N801 - the C name, as the binding names its mirrors
        _fields_ = [("second", c_uint64), ("first", c_uint32), ("label", c_char_p)]

    problems = c_header.check_structures(tiny(), [t_pair])
    assert problems == ["Structure t_pair: fields ['second', 'first', 'label'], the header "
                        "['first', 'second', 'label'] (names and order must be the same)"]


def test_a_structure_field_of_another_type_is_caught():
    class t_pair(Structure):  # noqa: N801
        _fields_ = [("first", c_uint64), ("second", c_uint64), ("label", c_char_p)]

    problems = c_header.check_structures(tiny(), [t_pair])
    assert len(problems) == 1 and problems[0].startswith("Structure t_pair: field first: C uint32_t needs ")


def test_a_structure_the_header_does_not_declare_is_caught():
    class t_missing(Structure):
        _fields_ = [("first", c_uint32)]

    assert c_header.check_structures(tiny(), [t_missing]) == [
        "Structure t_missing: no struct of that name in the header"]
