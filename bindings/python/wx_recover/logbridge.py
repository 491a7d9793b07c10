"""The bridge from the library's log callback to Python's logging: levels, the one C callback, and each client's logger.

Every client shares ONE C callback that lives as long as the module, so the library can never
call a freed trampoline, even during a logger swap. ``user_data`` is the client's token, fixed
for the client's lifetime; the token maps to the logger in use now. A line for a token no
longer registered (client closed) is dropped.
"""

from __future__ import annotations

import itertools
import logging
from typing import Dict, Optional, Union

from ._native import WX_LOG_FN
from .conversions import invalid

__all__ = ["LOGGER_NAME", "TRACE"]

#: Name of the standard-library logger that receives the library's lines by default.
LOGGER_NAME = "wx_recover"
#: Python level for the library's TRACE lines (below DEBUG); registered as "TRACE".
TRACE = 5
if logging.getLevelName(TRACE) == f"Level {TRACE}":
    logging.addLevelName(TRACE, "TRACE")
# As a library should: no output unless the application configures logging (otherwise
# logging.lastResort would print WARNING lines to stderr, e.g. into the CLI's JSON stderr).
logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())

# wx_log_level (1 = ERROR … 5 = TRACE) -> Python level, most severe first.
C_TO_PY = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG, 5: TRACE}


def max_c_level(py_level: int) -> int:
    """The most verbose wx_log_level at or above the Python threshold `py_level` (0: none)."""
    best = 0
    for c_level, py in C_TO_PY.items():
        if py >= py_level:
            best = max(best, c_level)
    return best


def logger_c_level(logger: logging.Logger) -> int:
    """The most verbose wx_log_level the logger would emit now (0: none, so logging off)."""
    for c_level in (5, 4, 3, 2, 1):
        if logger.isEnabledFor(C_TO_PY[c_level]):
            return c_level
    return 0


def py_level(level: Union[int, str]) -> int:
    """A Python logging level from a number or a level name ("DEBUG", "trace", ...)."""
    if isinstance(level, bool) or not isinstance(level, (int, str)):
        raise invalid("level", f"must be a logging level (int or name), not {type(level).__name__}")
    if isinstance(level, str):
        value = logging.getLevelName(level.upper())
        if not isinstance(value, int):
            raise invalid("level", f"unknown logging level name {level!r}")
        return value
    return level


# The logger of every client with logging on, by the client's token.
loggers: Dict[int, logging.Logger] = {}
tokens = itertools.count(1)


def _on_log(user_data: Optional[int], level: int, message: Optional[bytes]) -> None:
    # Runs on the thread making the library call. Must never raise into C: catch everything
    # (including during interpreter shutdown, when globals may already be gone).
    try:
        logger = loggers.get(user_data or 0)
        if logger is None or message is None:
            return
        py = C_TO_PY.get(level, logging.ERROR)
        if logger.isEnabledFor(py):
            logger.log(py, message.decode("utf-8", "replace"))
    except BaseException:  # noqa: BLE001 - nothing may propagate into the C library
        pass


LOG_CALLBACK = WX_LOG_FN(_on_log)
NO_CALLBACK = WX_LOG_FN()  # a NULL wx_log_fn (ctypes refuses None for a CFUNCTYPE argument)


class _Default:
    """Marker: no `logger` argument given (use logging.getLogger("wx_recover"))."""


DEFAULT = _Default()
LoggerArg = Union[logging.Logger, None, _Default]
