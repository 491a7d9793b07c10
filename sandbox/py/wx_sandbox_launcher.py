"""Starts wx-sandbox for Python tests and benchmarks, waits for its ready line, and drives its admin API.

Every Python harness of this repository (the binding's tests, the batch tests, the journal crash
storm, the quota fleet, the peer SDK test, the benchmarks) starts the sandbox through this one
module:

    sys.path.insert(0, str(ROOT / "sandbox" / "py"))
    from wx_sandbox_launcher import Sandbox, SandboxError

    sb = Sandbox(orders=50, rate_limit_per_minute=0)     # raises SandboxError if it cannot start
    try:
        sb.fault("system_error", count=2, path="recover")
        ...
    finally:
        sb.stop()

The sandbox prints ``ready <path to sandbox.json>`` on stdout once it listens; sandbox.json names
its URLs, keys, client configuration and seeded orders (``info`` here). Its stderr goes to a log
file (``log_path``), whose end is quoted when it fails to start. On Linux it is asked to receive
SIGTERM when the thread that started it ends (``PR_SET_PDEATHSIG``), so a crashed or killed
harness leaves no sandbox behind: start it from a thread that outlives it.

Control orders have a whole life in the sandbox: a punish (管控, ``POST .../control-orders/punish``)
places one, the PUNISH query follows it (EXECUTING, then SUCCESS with ``effect_state`` ACTIVE after
``recover_delay_ms``), and a recover naming the punish's ``out_request_no`` as
``related_webank_punish_no`` and its ``wxpay_punish_no`` as ``related_wxpay_punish_no`` (same
``mchid`` and ledger) lifts it (``effect_state`` RECOVERED once the recover is SUCCESS). To test a
failed punish, send ``punish_scene`` ``PUNISH_SCENE_FAILS`` (9999): it ends FAILED with
``error_code`` ``PUNISH_FAILED``. ``punishes()`` lists what the sandbox received, encrypted fields
decrypted.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import IO, Any, Callable, Dict, List, Optional, Sequence, Union

__all__ = ["Sandbox", "SandboxError", "find_binary", "REPO_ROOT", "PUNISH_SCENE_FAILS"]

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "WX_SANDBOX_BIN"
READY = "ready "
# An admin answer larger than this is cut (and then fails to parse): a guard, not a limit in use.
ADMIN_READ_LIMIT = 16 << 20
LOG_TAIL = 2000
# The punish_scene that makes a punish end FAILED (error_code PUNISH_FAILED); any other ends SUCCESS.
PUNISH_SCENE_FAILS = 9999

PathArg = Union[str, "os.PathLike[str]"]


class SandboxError(RuntimeError):
    """The sandbox binary is missing, or it did not print its ready line."""


def find_binary(binary: Optional[PathArg] = None) -> str:
    """The wx-sandbox to run: `binary` if given, else ``$WX_SANDBOX_BIN``, else the repository's
    target/release build, else its target/debug build. A named file that does not exist is an
    error, never a reason to take another one."""
    if binary is not None:
        path = os.fspath(binary)
        if not os.path.isfile(path):
            raise SandboxError(f"wx-sandbox binary not found at {path}")
        return path
    env = os.environ.get(ENV_VAR)
    if env:
        if not os.path.isfile(env):
            raise SandboxError(f"{ENV_VAR}={env} does not exist")
        return env
    for profile in ("release", "debug"):
        path = REPO_ROOT / "target" / profile / "wx-sandbox"
        if path.is_file():
            return str(path)
    raise SandboxError(
        f"wx-sandbox binary not found under {REPO_ROOT / 'target'} (build it: cargo build --release, "
        f"or set {ENV_VAR})"
    )


def _parent_death_signal() -> Optional[Callable[[], None]]:
    """A preexec function asking Linux to send SIGTERM to the child when its parent thread ends.
    prctl is looked up here, in the parent, so the forked child only makes the call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    u = ctypes.c_ulong
    args = (1, u(int(signal.SIGTERM)), u(0), u(0), u(0))  # PR_SET_PDEATHSIG

    def preexec() -> None:
        prctl(*args)

    return preexec


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return f"({e})"
    return data[-LOG_TAIL:].decode("utf-8", "replace")


class Sandbox:
    """One running wx-sandbox: its process, its sandbox.json (``info``) and its admin API.

    Keyword arguments become command-line options: ``orders``, ``rate_limit_per_minute`` and
    ``recover_delay_ms`` the usual ones, ``args`` any other. ``state_dir`` defaults to a new
    temporary folder (named with ``prefix``), kept after ``stop()``; ``log`` (the sandbox's
    stderr) defaults to ``sandbox.log`` in it."""

    def __init__(
        self,
        *,
        orders: Optional[int] = None,
        rate_limit_per_minute: Optional[int] = None,
        recover_delay_ms: Optional[int] = None,
        args: Sequence[str] = (),
        state_dir: Optional[PathArg] = None,
        log: Optional[PathArg] = None,
        binary: Optional[PathArg] = None,
        ready_timeout: float = 60.0,
        die_with_parent: bool = True,
        prefix: str = "wx-sandbox-",
    ) -> None:
        self.binary = find_binary(binary)
        self.state_dir = os.fspath(state_dir) if state_dir is not None else tempfile.mkdtemp(prefix=prefix)
        os.makedirs(self.state_dir, exist_ok=True)
        self.log_path = os.fspath(log) if log is not None else os.path.join(self.state_dir, "sandbox.log")
        argv = [self.binary, "--state-dir", self.state_dir]
        for option, value in (("--orders", orders), ("--rate-limit-per-minute", rate_limit_per_minute),
                              ("--recover-delay-ms", recover_delay_ms)):
            if value is not None:
                argv += [option, str(value)]
        argv += list(args)
        self._log: IO[bytes] = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log,
                preexec_fn=_parent_death_signal() if die_with_parent else None,
            )
        except BaseException:
            self._log.close()
            raise
        try:
            self.json_path = self._wait_ready(ready_timeout)
            with open(self.json_path, encoding="utf-8") as f:
                self.info: Dict[str, Any] = json.load(f)
        except BaseException:
            self._kill()
            raise

    def _wait_ready(self, timeout: float) -> str:
        """The path of the ready line; stdout is drained afterwards so the sandbox never blocks."""
        lines: List[str] = []
        seen = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            for raw in self.proc.stdout:
                if not lines:
                    lines.append(raw.decode("utf-8", "replace").strip())
                    seen.set()
            seen.set()

        threading.Thread(target=read, name="wx-sandbox-stdout", daemon=True).start()
        if seen.wait(timeout) and lines and lines[0].startswith(READY):
            return lines[0][len(READY):]
        if lines:
            # A wrong first line: let a sandbox that is failing finish writing why, and exit.
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        self._kill()
        first = f"first line {lines[0]!r}" if lines else f"no output in {timeout:g} s"
        raise SandboxError(
            f"wx-sandbox did not print its ready line ({first}, exit {self.proc.returncode}); "
            f"end of {self.log_path}:\n{_tail(self.log_path)}"
        )

    def _kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()

    # ----- what sandbox.json says -----

    @property
    def admin_url(self) -> str:
        return str(self.info["admin_url"]).rstrip("/")

    @property
    def config_path(self) -> str:
        """The client configuration the sandbox wrote for its own keys and URLs."""
        return str(self.info["client_config"])

    @property
    def orders(self) -> List[Dict[str, Any]]:
        """The seeded control orders (each with its ``outcome``), as sandbox.json lists them."""
        orders: List[Dict[str, Any]] = self.info["orders"]
        return orders

    @property
    def env_file(self) -> str:
        """The file the sandbox's own command line (``wx-sandbox fault ... --env-file``) reads."""
        return os.path.join(self.state_dir, "sandbox.env")

    def read_config(self) -> Dict[str, Any]:
        """A fresh copy of the client configuration."""
        with open(self.config_path, encoding="utf-8") as f:
            cfg: Dict[str, Any] = json.load(f)
        return cfg

    def write_config(self, path: PathArg, **overrides: Any) -> str:
        """Writes the client configuration with `overrides` to `path`; returns the path."""
        cfg = self.read_config()
        cfg.update(overrides)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        return os.fspath(path)

    # ----- the admin API -----

    def admin(self, method: str, path: str, body: Any = None, timeout: float = 30.0) -> Any:
        """One admin call; the JSON answer (None when empty). An HTTP error raises."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.admin_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read(ADMIN_READ_LIMIT)
        return json.loads(raw) if raw else None

    def fault(self, kind: str, count: int = 1, **fields: Any) -> None:
        """Arms `count` faults of `kind`; `fields` as the admin API takes them (``path``,
        ``listener``, ``ms``, ...)."""
        self.admin("POST", "/faults", {"kind": kind, "count": count, **fields})

    def reset(self) -> None:
        """Clears every fault and brings the listeners back up."""
        self.admin("POST", "/reset", {})

    def stats(self) -> Any:
        return self.admin("GET", "/stats")

    def rate(self, api: str = "recover") -> Any:
        """Arrivals, 429s and the busiest 60-s window of one API (``stats()["rate"][api]``; api is
        ``recover``, ``query``, ``certificates`` or ``punish``)."""
        return self.stats()["rate"][api]

    def recovers(self) -> Any:
        """Every recover the sandbox holds (``card_no`` decrypted, ``sgn_no``, ``req_scene`` when
        given)."""
        return self.admin("GET", "/recovers")

    def punishes(self) -> Any:
        """Every punish the sandbox holds: ``out_request_no``, ``wxpay_punish_no``, ``mchid``,
        ``bal_account_no`` and ``card_no`` decrypted, ``punish_scene`` with ``punish_scene_type``
        (the JSON type it arrived as), ``state``, ``effect_state``, ``accept_count``, ... A punish
        with ``punish_scene`` ``PUNISH_SCENE_FAILS`` ends FAILED."""
        return self.admin("GET", "/punishes")

    def sign_notification(self, request: Dict[str, Any]) -> Any:
        """A result notification signed and encrypted as the platform sends it (headers, body)."""
        return self.admin("POST", "/sign-notification", request)

    # ----- lifetime -----

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """SIGTERM, then SIGKILL after `timeout` seconds; closes the log. Returns the exit status
        (negative: the signal that ended it). Idempotent."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
