"""The operators' batch: a file of recovers, validated first, sent by a few threads sharing one
journaled client, with live progress, resume, follow-up queries and a report (docs/operators.md).

    wx-recover batch ORDERS --config FILE [--journal PATH] [--workers N] [--rate N]
                     [--skip-invalid] [--dry-run] [--wait [--wait-timeout S]] [--report PATH]
    wx-recover pending --journal PATH [--json]
    wx-recover reconcile --journal PATH --config FILE [--max-orders N] [--deadline-ms N]

Every rule about recovers stays in the core: the input rules (``validate_request``), the
journal (recording before sending, re-entry, conflicts, first outcomes), the rate limiter,
retries and reconciliation. The batch reads the file (batch_reading), hands rows to the core
(batch_running) and reports what the core's journal says about each one (batch_reporting);
batch_commands holds the commands themselves.

Exit status of ``batch`` (also in docs/operators.md):

====  ===========================================================================
0     every row ended ACCEPTED or SUCCEEDED (with ``--wait``: SUCCEEDED)
10    some row was refused, FAILED, EXPIRED, a journal conflict or an error
11    some row is still IN_DOUBT (or, with ``--wait``, still ACCEPTED): run again
12    invalid input: nothing was sent (or, with ``--skip-invalid``, invalid rows
      were skipped and everything else ended well)
13    interrupted (Ctrl-C or SIGTERM); the resume command was printed
14    the input file is missing or cannot be read: nothing was sent
2     the configuration or the library could not be used; 1 a usage error
====  ===========================================================================

When several apply, the first in the order 13, 11, 10, 12 wins.
"""

from __future__ import annotations

# The batch's parts, each with one job. Every name this module offered before the split stays
# importable from here.
from .batch_commands import COMMANDS, add_parsers, cmd_batch, cmd_pending, cmd_reconcile  # noqa: F401
from .batch_reading import CONFLICT, ERROR, FIELDS, INVALID, NOT_SENT, REQUIRED  # noqa: F401
from .batch_reading import InputError, Row, read_orders, validate  # noqa: F401
from .batch_reporting import EXIT_CONFIG, EXIT_IN_DOUBT, EXIT_INTERRUPTED, EXIT_INVALID  # noqa: F401
from .batch_reporting import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, REPORT_COLUMNS  # noqa: F401
from .batch_reporting import exit_code, resume_command, summary_table, tally, write_report  # noqa: F401
from .batch_reporting import EXIT_TABLE, EXIT_UNREADABLE, exit_table  # noqa: F401
from .batch_running import DEFAULT_DEADLINE_MS, QUOTA_WAIT_MS, Follower, Runner, open_client, submit_row  # noqa: F401

__all__ = ["add_parsers", "COMMANDS", "EXIT_OK", "EXIT_REFUSED", "EXIT_IN_DOUBT", "EXIT_INVALID", "EXIT_INTERRUPTED",
           "EXIT_UNREADABLE"]
