"""validate_request: the core's input rules, without a client and without sending anything."""

from __future__ import annotations

import pytest

import wx_recover
from wx_recover import InvalidArgument

GOOD = dict(out_request_no="V-1", related_webank_punish_no="WBP1", related_wxpay_punish_no="1000",
            mchid="1900000100", bal_account_no="6230000011112222333", recover_reason="ok")


def test_a_good_request_passes():
    assert wx_recover.validate_request(**GOOD) is None
    assert wx_recover.validate_request(**{**GOOD, "recover_reason": None}) is None


@pytest.mark.parametrize("field,value,why", [
    ("out_request_no", "", "is required and must not be empty"),
    ("out_request_no", "x" * 65, "must be at most 64 bytes"),
    ("out_request_no", "WBP1", "must differ from related_webank_punish_no"),
    ("related_wxpay_punish_no", "a\nb", "must not contain control characters"),
    ("mchid", "m" * 257, "must be at most 256 bytes"),
    ("bal_account_no", "", "is required and must not be empty"),
    ("bal_account_no", "6" * 215, "must be at most 214 bytes"),
    ("recover_reason", "r" * 257, "must be at most 256 characters"),
])
def test_each_rule_names_its_field_and_never_the_ledger_id(field, value, why):
    with pytest.raises(InvalidArgument) as ei:
        wx_recover.validate_request(**{**GOOD, field: value})
    assert ei.value.message.startswith(f"invalid argument: {field}: {why}"), ei.value.message
    assert GOOD["bal_account_no"] not in ei.value.message
