"""A real, throw-away ``redis-server`` for tests of the shared rate-limit store.

    with RedisServer() as r:            # free loopback port, own temp dir, no persistence
        cfg["rate_limit_store"] = r.url  # redis://127.0.0.1:PORT/0
        r.command("KEYS", "wx-recover:*")
        r.kill()                         # SIGKILL: the store is unreachable
        r.restart()                      # same port, empty (nothing is saved)

    RedisServer(password="...")          # --requirepass; url then carries default:PASSWORD@

The server is started with ``--port P --bind 127.0.0.1 --save '' --appendonly no --dir TMP``
and is ready once it answers ``PING``, checked over a raw socket in RESP (the protocol
documented by Redis), so no client package is needed. Every server a test started is stopped
when the ``with`` block ends, and at interpreter exit otherwise.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import List, Optional, Union

__all__ = ["RedisServer", "RedisError", "free_port"]

_LIVE: "set[RedisServer]" = set()

# Bounds on what the server may send us, so a confused peer cannot grow a test's memory or
# flood its messages.
_MAX_REPLY = 1 << 20
_MAX_SHOWN = 300


class RedisError(Exception):
    """The server could not be started or answered with an error."""


def _bounded(text: Union[str, bytes], limit: int = _MAX_SHOWN) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.replace("\r", " ")
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _encode(args) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


class _Reader:
    """Reads one RESP reply from a socket, refusing replies over ``_MAX_REPLY`` bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.total = 0

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("redis closed the connection")
        self.total += len(chunk)
        if self.total > _MAX_REPLY:
            raise RedisError(f"reply larger than {_MAX_REPLY} bytes")
        self.buf += chunk

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode("utf-8", "replace")
        if kind == b"-":
            raise RedisError(_bounded(rest))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RedisError(f"not a RESP reply: {_bounded(line)}")


class RedisServer:
    """One ``redis-server`` process on a loopback port; see the module docstring."""

    def __init__(self, port: Optional[int] = None, binary: str = "redis-server",
                 start_timeout: float = 10.0, password: Optional[str] = None) -> None:
        self.binary = shutil.which(binary) or binary
        self.port = port
        self.password = password
        self.start_timeout = start_timeout
        self.dir: Optional[str] = None
        self.proc: Optional[subprocess.Popen] = None
        self.starts = 0

    # ----- life cycle -----

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:PORT/0`` (with ``default:PASSWORD@`` when there is a password),
        the form ``rate_limit_store`` takes."""
        if self.port is None:
            raise RedisError("the server was never started")
        auth = f"default:{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    @property
    def shown_url(self) -> str:
        """``url`` without the password, for messages."""
        return self.url.replace(f":{self.password}@", ":***@") if self.password else self.url

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> "RedisServer":
        """Starts the server (on a free port the first time) and waits for PING."""
        if self.running:
            return self
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="wx-redis-")
        fixed = self.port is not None
        last = ""
        for _ in range(1 if fixed else 5):
            port = self.port if fixed else free_port()
            try:
                self._spawn(port)
                self.port = port
                _LIVE.add(self)
                self.starts += 1
                return self
            except RedisError as e:
                last = str(e)
        raise RedisError(last)

    def _spawn(self, port: int) -> None:
        assert self.dir is not None
        log = os.path.join(self.dir, "redis.log")
        # Opened in append mode so that a restart keeps the earlier run's lines.
        argv = [self.binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", self.dir, "--daemonize", "no"]
        if self.password:
            argv += ["--requirepass", self.password]
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if self._command(port, ["PING"], 1.0, self.password) == "PONG":
                    return
            except (OSError, RedisError):
                pass
            time.sleep(0.02)
        self._reap()
        raise RedisError(f"redis-server on port {port} did not answer PING within "
                         f"{self.start_timeout:.0f} s; its log ends: {_bounded(self._log_tail())}")

    def _log_tail(self) -> str:
        try:
            with open(os.path.join(self.dir or "", "redis.log"), "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError as e:
            return f"(no log: {e})"

    def _reap(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: the server disappears at once, keeping nothing (nothing is saved)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self._reap()

    def restart(self) -> "RedisServer":
        """Starts a fresh, empty server on the same port (after ``kill`` or ``stop``)."""
        if self.port is None:
            raise RedisError("restart before the first start")
        self.kill()
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                self._spawn(self.port)
                self.starts += 1
                _LIVE.add(self)
                return self
            except RedisError:
                # The port can be held for a moment by the old process's sockets.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL) and removes its temp dir."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._reap()
        _LIVE.discard(self)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----- talking to it -----

    @staticmethod
    def _command(port: int, args: List, timeout: float, password: Optional[str] = None):
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            reader = _Reader(s)
            if password:
                s.sendall(_encode(["AUTH", password]))
                reader.reply()
            s.sendall(_encode(args))
            return reader.reply()

    def command(self, *args, timeout: float = 5.0):
        """One command on a new connection; the decoded RESP reply (bulk strings as bytes)."""
        if self.port is None:
            raise RedisError("the server was never started")
        return self._command(self.port, list(args), timeout, self.password)

    def ping(self, timeout: float = 1.0) -> bool:
        try:
            return self.command("PING", timeout=timeout) == "PONG"
        except (OSError, RedisError):
            return False

    def keys(self, pattern: str) -> List[str]:
        """``KEYS pattern``, decoded (only for the small test instances this class starts)."""
        return sorted(k.decode("utf-8", "replace") for k in self.command("KEYS", pattern) or [])


@atexit.register
def _stop_all() -> None:
    for r in list(_LIVE):
        r.stop()
