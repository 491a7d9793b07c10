"""The package's modules stay small and each says its job, and every name the package offered before its modules were split is still importable where it was."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "wx_recover"

# What each module offered before client.py and batch.py were split by job (its own names).
BEFORE_THE_SPLIT = {
    "wx_recover": [
        "ApiError", "BadResponse", "Client", "ClientClosed", "ClientStats", "ConfigError", "EndpointStats",
        "InternalError", "InvalidArgument", "JournalEntry", "JournalState", "LOGGER_NAME", "LastError",
        "LibraryError", "NetworkError", "Notification", "RateLimited", "ReconcileReport", "RecoverAccepted",
        "RecoverOrder", "RecoverState", "Status", "TRACE", "Timeout", "UnverifiedResponse", "WxError", "build_info",
        "library_candidates", "load_library", "pending_at", "prometheus_text", "prometheus_text_many",
        "validate_request", "version", "__version__",
    ],
    "wx_recover.client": [
        "Client", "LOGGER_NAME", "LoggerArg", "NOTIFICATION_FIELDS", "Notification", "ORDER_FIELDS", "PathArg",
        "RecoverAccepted", "RecoverOrder", "RecoverState", "TRACE", "build_info", "pending_at", "validate_request",
        "version", "_loggers",
    ],
    "wx_recover.batch": [
        "COMMANDS", "CONFLICT", "DEFAULT_DEADLINE_MS", "ERROR", "EXIT_CONFIG", "EXIT_INTERRUPTED", "EXIT_INVALID",
        "EXIT_IN_DOUBT", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "FIELDS", "Follower", "INVALID", "InputError",
        "NOT_SENT", "QUOTA_WAIT_MS", "REPORT_COLUMNS", "REQUIRED", "Row", "Runner", "add_parsers", "cmd_batch",
        "cmd_pending", "cmd_reconcile", "exit_code", "open_client", "read_orders", "resume_command", "submit_row",
        "summary_table", "tally", "validate", "write_report",
    ],
}


@pytest.mark.parametrize("module", sorted(BEFORE_THE_SPLIT))
def test_every_name_offered_before_the_split_is_still_importable_from_the_same_module(module):
    m = importlib.import_module(module)
    missing = [name for name in BEFORE_THE_SPLIT[module] if not hasattr(m, name)]
    assert not missing, f"{module} no longer offers {missing}"
    for name in getattr(m, "__all__", []):
        assert hasattr(m, name), f"{module}.__all__ names {name}, which it lacks"


def test_a_name_reached_through_two_modules_is_one_object():
    import wx_recover
    from wx_recover import batch, batch_reading, client, logbridge, records

    assert wx_recover.RecoverOrder is client.RecoverOrder is records.RecoverOrder
    assert client.ORDER_FIELDS is records.ORDER_FIELDS
    # The logging tests look loggers up here: it must be the registry the callback reads.
    assert client._loggers is logbridge.loggers
    assert batch.Row is batch_reading.Row


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_each_module_is_under_600_lines_and_its_docstring_says_its_job(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 600, f"{path.name} has {len(text.splitlines())} lines"
    doc = ast.get_docstring(ast.parse(text))
    assert doc and doc.splitlines()[0].strip(), f"{path.name} does not start with a docstring"
