"""The shared order vector: the Python binding returns exactly the fields the core gives, the
same as the Rust, Java and C++ tests check (tests/vectors/)."""
import json
from pathlib import Path

import wx_recover

VECTORS = Path(__file__).resolve().parents[3] / "tests" / "vectors"


def test_the_shared_order_vector_reads_the_same_as_in_every_binding() -> None:
    expected = json.loads((VECTORS / "recover_order.expected.json").read_text(encoding="utf-8"))
    order = wx_recover.RecoverOrder.from_json((VECTORS / "recover_order.json").read_bytes())
    documented = [[n, v, True] for n, v in order.to_dict().items() if n in wx_recover.client.ORDER_FIELDS and v is not None]
    extra = [[n, v, False] for n, v in order.extra.items()]
    assert documented + extra == expected["fields"]
    assert order.state.name == expected["state"]
    assert order.punish_scene == "2"  # documented as a string, sent as an integer


def test_an_order_with_a_duplicate_key_is_a_bad_response() -> None:
    try:
        wx_recover.RecoverOrder.from_json(b'{"recover_state":"SUCCESS","recover_state":"FAILED"}')
    except wx_recover.BadResponse as e:
        assert "duplicate key" in str(e)
    else:
        raise AssertionError("a duplicate key was accepted")
