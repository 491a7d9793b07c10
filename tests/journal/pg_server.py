"""A real, throw-away PostgreSQL server for tests of the fleet journal.

    with PgServer() as pg:              # initdb in its own temp dir, free loopback port
        cfg["journal"] = pg.url          # postgresql://wx:PASSWORD@127.0.0.1:PORT/wx
        pg.psql("select count(*) from t")   # stdout of psql -A -t, as text
        pg.crash()                       # pg_ctl stop -m immediate: no shutdown checkpoint
        pg.start()                       # same port and data dir; crash recovery runs
        pg.pg_dump()                     # plain-text dump of database wx, as bytes

    PgServer(tls=True)                   # ssl=on with a server cert for localhost/127.0.0.1
        pg.url                           # ...?sslmode=verify-full&sslrootcert=CA
        pg.ca_path, pg.wrong_ca_path     # the CA that signed it, and an unrelated one
        pg.url_for(sslmode="verify-full", sslrootcert=pg.wrong_ca_path, host="localhost")

The cluster is made by ``initdb -U wx --auth=scram-sha-256 -E UTF8 --no-locale`` (the
password is passed in a 0600 file, deleted right after), database ``wx`` is created once the
server is up, and the server is started by ``pg_ctl -w -t 30 start`` with ``-c
listen_addresses=127.0.0.1 -p PORT -c unix_socket_directories=DATA -c fsync=on -c
synchronous_commit=on`` (plus ``ssl=on`` and the cert and key files with ``tls=True``). The
binaries are found with ``pg_config --bindir``, else in the highest
``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql`` package); ``available()`` says whether
they are there. PostgreSQL refuses to run as root, so as root initdb, pg_ctl and postgres run
as the ``postgres`` user (``runuser -u postgres --``), which then owns the temp dir; that dir is
made under ``$TMPDIR`` when the ``postgres`` user can reach it, else under ``/tmp``. psql and
pg_dump run as the caller, over TCP, with the password in ``PGPASSWORD`` (never in argv). The
TLS files are made with the ``openssl`` command. Every server a test started is stopped and its
temp dir removed when the ``with`` block ends (``close()``), and at interpreter exit otherwise.
Text from the server log in an error is its last 2000 characters.

For shell, C and Rust tests (tests/common/pg.rs), the module runs as a server process:

    python3 tests/journal/pg_server.py --serve [--tls] [--tag NAME] [--password PW]

It starts a server and prints one JSON line on stdout:

    {"url": ..., "url_without_password": ..., "port": ..., "password": ..., "data_dir": ...,
     "dir": ..., "log": ..., "ca": CA_OR_NULL, "wrong_ca": ..., "psql_argv": [...],
     "pg_dump_argv": [...], "stop_argv": [...]}

(``psql_argv`` wants ``-c SQL`` appended, and it and ``pg_dump_argv`` want PGPASSWORD set to
``password``; ``stop_argv`` stops the server at once, for a caller cleaning up after this
process died), then reads commands on stdin, one a line, each answered by one line on
stdout, ``ok`` or ``error MESSAGE``:

    crash     pg_ctl stop -m immediate          stop      pg_ctl stop -m fast
    start     start again, same port and data   restart   stop -m fast, then start
    quit      stop at once, clean up and exit (as does the end of stdin, or SIGTERM/SIGINT)

It exits 0 after a clean shutdown, 2 on a usage error and 3 when the server cannot be started
(the reason on stderr, no JSON line).
"""

from __future__ import annotations

import atexit
import glob
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from typing import List, Optional

__all__ = ["PgServer", "PgError", "free_port", "available", "why_unavailable", "bin_dir"]

_LIVE: "set[PgServer]" = set()

SERVER_USER = "postgres"  # who runs initdb, pg_ctl and postgres when we are root
USER = "wx"
DATABASE = "wx"

_MAX_SHOWN = 1000      # characters of a command's stderr in an error
_MAX_LOG_SHOWN = 2000  # characters of the end of the server log in an error
_AUTO = object()


class PgError(Exception):
    """The server could not be set up, started or stopped, or psql/pg_dump failed."""


def _bounded(text, limit: int = _MAX_SHOWN) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.replace("\r", " ").strip()
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_root() -> bool:
    return os.geteuid() == 0


def _runuser() -> Optional[str]:
    return shutil.which("runuser") or next(
        (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None)


def bin_dir() -> Optional[str]:
    """The directory holding initdb, pg_ctl and postgres, or None."""
    def complete(d: str) -> bool:
        return all(os.access(os.path.join(d, b), os.X_OK) for b in ("initdb", "pg_ctl", "postgres"))

    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 timeout=10, stdin=subprocess.DEVNULL)
            d = out.stdout.strip()
            if out.returncode == 0 and d and complete(d):
                return d
        except (OSError, subprocess.SubprocessError):
            pass

    def version(d: str):
        v = os.path.basename(os.path.dirname(d))
        return tuple(int(x) for x in re.findall(r"\d+", v)) or (0,)

    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if complete(d):
            return d
    return None


def _client(name: str, bindir: Optional[str]) -> Optional[str]:
    """psql or pg_dump: the server's version when it has one, else the one on PATH."""
    if bindir and os.access(os.path.join(bindir, name), os.X_OK):
        return os.path.join(bindir, name)
    return shutil.which(name)


_RESTRICT_KEY: dict = {}


def _has_restrict_key(pg_dump: str) -> bool:
    if pg_dump not in _RESTRICT_KEY:
        try:
            out = subprocess.run([pg_dump, "--help"], capture_output=True, text=True, timeout=10,
                                 stdin=subprocess.DEVNULL).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        _RESTRICT_KEY[pg_dump] = "--restrict-key" in out
    return _RESTRICT_KEY[pg_dump]


def why_unavailable(tls: bool = False) -> Optional[str]:
    """None when a server can be started here, else what is missing."""
    d = bin_dir()
    if d is None:
        return ("no PostgreSQL server binaries (initdb, pg_ctl, postgres): neither pg_config "
                "--bindir nor /usr/lib/postgresql/*/bin has them; install Debian's postgresql")
    for name in ("psql", "pg_dump"):
        if _client(name, d) is None:
            return f"no {name}"
    if _as_root():
        if _runuser() is None:
            return "running as root, but there is no runuser to run PostgreSQL as postgres"
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root, but there is no {SERVER_USER} user to run PostgreSQL as"
    if tls and shutil.which("openssl") is None:
        return "no openssl command (to make the test certificates)"
    return None


def available(tls: bool = False) -> bool:
    """Whether the binaries a server needs are installed (see ``why_unavailable``)."""
    return why_unavailable(tls) is None


def _clean_env() -> dict:
    """The environment without PG* variables (PGDATA, PGPORT, PGSSLMODE... would interfere)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _server_can_traverse(path: str) -> bool:
    if not _as_root():
        return True
    try:
        argv = [_runuser() or "runuser", "-u", SERVER_USER, "--", "test", "-x", path]
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _temp_root() -> str:
    root = tempfile.gettempdir()
    if _server_can_traverse(root):
        return root
    if _server_can_traverse("/tmp"):
        return "/tmp"
    raise PgError(f"the {SERVER_USER} user can reach neither {root} nor /tmp")


SECRETS_FILE = "wx-pg-secrets.txt"


def _record_secret(password: str) -> None:
    """Appends a test server's password to ``$TMPDIR/wx-pg-secrets.txt``, which outlives the
    server: ``make test-secrets`` (scripts/scan_secrets.py) then checks that no log line of any
    suite holds it. Test-only passwords of throw-away servers."""
    try:
        with open(os.path.join(tempfile.gettempdir(), SECRETS_FILE), "a") as f:
            f.write(password + "\n")
    except OSError:
        pass


class PgServer:
    """One PostgreSQL cluster and server on a loopback port; see the module docstring."""

    def __init__(self, tls: bool = False, password: Optional[str] = None, tag: str = "",
                 start_timeout: int = 30) -> None:
        self.tls = tls
        self.password = password or f"wxpw-{secrets.token_hex(8)}"
        _record_secret(self.password)
        self.tag = re.sub(r"[^A-Za-z0-9_-]", "-", tag)[:40]
        self.start_timeout = start_timeout
        self.port: Optional[int] = None
        self.dir: Optional[str] = None       # the temp dir: data/, server.log, tls/
        self.data_dir: Optional[str] = None
        self.log_path: Optional[str] = None
        self.ca_path: Optional[str] = None
        self.wrong_ca_path: Optional[str] = None
        self.cert_path: Optional[str] = None
        self.key_path: Optional[str] = None
        self.starts = 0
        self.bin_dir = bin_dir()
        self.psql_bin = _client("psql", self.bin_dir)
        self.pg_dump_bin = _client("pg_dump", self.bin_dir)
        self._initialized = False

    # ----- addresses -----

    def url_for(self, sslmode=_AUTO, sslrootcert=_AUTO, password: bool = True,
                host: str = "127.0.0.1", dbname: str = DATABASE) -> str:
        """A libpq URL. ``sslmode`` defaults to ``verify-full`` on a TLS server (none otherwise),
        ``sslrootcert`` to the server's CA when ``sslmode`` is set; pass None to leave either
        out. ``password=False`` leaves the password out."""
        if self.port is None:
            raise PgError("the server was never started")
        if sslmode is _AUTO:
            sslmode = "verify-full" if self.tls else None
        if sslrootcert is _AUTO:
            sslrootcert = self.ca_path if (self.tls and sslmode and sslmode != "disable") else None
        auth = USER + (":" + urllib.parse.quote(self.password, safe="") if password else "")
        hostpart = f"[{host}]" if ":" in host else host
        url = f"postgresql://{auth}@{hostpart}:{self.port}/{urllib.parse.quote(dbname, safe='')}"
        query = []
        if sslmode:
            query.append(f"sslmode={urllib.parse.quote(sslmode, safe='')}")
        if sslrootcert:
            query.append(f"sslrootcert={urllib.parse.quote(sslrootcert, safe='/')}")
        return url + ("?" + "&".join(query) if query else "")

    @property
    def url(self) -> str:
        """``postgresql://wx:PASSWORD@127.0.0.1:PORT/wx``, with
        ``?sslmode=verify-full&sslrootcert=CA`` on a TLS server."""
        return self.url_for()

    @property
    def url_without_password(self) -> str:
        return self.url_for(password=False)

    @property
    def shown_url(self) -> str:
        """``url`` with the password masked, for messages."""
        return self.url.replace(":" + urllib.parse.quote(self.password, safe="") + "@", ":***@")

    # ----- running commands -----

    def _server_argv(self, argv: List[str]) -> List[str]:
        return [_runuser() or "runuser", "-u", SERVER_USER, "--"] + argv if _as_root() else argv

    def _bin(self, name: str) -> str:
        assert self.bin_dir is not None
        return os.path.join(self.bin_dir, name)

    def _run_server_cmd(self, argv: List[str], what: str, timeout: float = 60.0,
                        check: bool = True) -> subprocess.CompletedProcess:
        try:
            done = subprocess.run(self._server_argv(argv), stdin=subprocess.DEVNULL,
                                  capture_output=True, cwd=self.dir, env=_clean_env(),
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PgError(f"{what} took over {timeout:.0f} s; the server log ends: "
                          f"{self.log_tail()}") from None
        except OSError as e:
            raise PgError(f"{what}: {e}") from None
        if check and done.returncode != 0:
            raise PgError(f"{what} failed (exit {done.returncode}): "
                          f"{_bounded(done.stderr + done.stdout)}; the server log ends: "
                          f"{self.log_tail()}")
        return done

    def log_tail(self) -> str:
        """The last 2000 characters of the server log."""
        try:
            with open(self.log_path or "", "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 8 * _MAX_LOG_SHOWN))
                text = f.read().decode("utf-8", "replace")
            return text[-_MAX_LOG_SHOWN:].strip() or "(empty)"
        except OSError as e:
            return f"(no log: {e})"

    def _client_env(self) -> dict:
        env = _clean_env()
        env.update(PGPASSWORD=self.password, PGCLIENTENCODING="UTF8", PGCONNECT_TIMEOUT="10")
        return env

    def _client_run(self, argv: List[str], what: str, timeout: float) -> bytes:
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                  env=self._client_env(), timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PgError(f"{what} took over {timeout:.0f} s") from None
        except OSError as e:
            raise PgError(f"{what}: {e}") from None
        if done.returncode != 0:
            raise PgError(f"{what} failed (exit {done.returncode}): {_bounded(done.stderr)}")
        return done.stdout

    def psql_argv(self, conninfo: Optional[str] = None) -> List[str]:
        """``psql -X -A -t -q -w -v ON_ERROR_STOP=1`` and where to connect: user wx, database
        wx on 127.0.0.1:PORT, or ``conninfo`` (a URL or ``key=value`` string). Append ``-c SQL``;
        run it with PGPASSWORD set."""
        if self.port is None or self.psql_bin is None:
            raise PgError("the server was never started")
        argv = [self.psql_bin, "-X", "-A", "-t", "-q", "-w", "-v", "ON_ERROR_STOP=1"]
        if conninfo is None:
            return argv + ["-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", DATABASE]
        return argv + ["-d", conninfo]

    def psql(self, sql: str, conninfo: Optional[str] = None, timeout: float = 60.0) -> str:
        """Runs ``sql`` with ``psql_argv(conninfo) + ["-c", sql]``; its stdout (rows one a line,
        columns separated by ``|``). Raises PgError, with the start of psql's stderr, when it
        fails."""
        argv = self.psql_argv(conninfo) + ["-c", sql]
        return self._client_run(argv, "psql", timeout).decode("utf-8", "replace")

    def pg_dump_argv(self) -> List[str]:
        """``pg_dump`` of database wx in plain text; run it with PGPASSWORD set. Where pg_dump
        has ``--restrict-key`` (15.14 and later), a fixed key is given, so that two dumps of
        the same data are the same bytes."""
        if self.port is None or self.pg_dump_bin is None:
            raise PgError("the server was never started")
        argv = [self.pg_dump_bin, "-w", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER,
                "-d", DATABASE, "-F", "p"]
        if _has_restrict_key(self.pg_dump_bin):
            argv.append("--restrict-key=wxrecovertest")
        return argv

    def pg_dump(self, timeout: float = 60.0) -> bytes:
        """A plain-text ``pg_dump`` of database wx (``pg_dump_argv()``)."""
        return self._client_run(self.pg_dump_argv(), "pg_dump", timeout)

    # ----- life cycle -----

    def _setup(self) -> None:
        """The temp dir, the TLS files and the cluster (initdb)."""
        why = why_unavailable(self.tls)
        if why is not None:
            raise PgError(why)
        prefix = f"wx-pg-{self.tag}-" if self.tag else "wx-pg-"
        self.dir = tempfile.mkdtemp(prefix=prefix, dir=_temp_root())
        _LIVE.add(self)
        self.data_dir = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "server.log")
        if self.tls:
            self._make_certificates(os.path.join(self.dir, "tls"))
        pwfile = os.path.join(self.dir, "pwfile")
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.password + "\n")
        try:
            if _as_root():
                pw = pwd.getpwnam(SERVER_USER)
                for root, dirs, files in os.walk(self.dir):
                    for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                        os.chown(name, pw.pw_uid, pw.pw_gid)
            self._run_server_cmd([self._bin("initdb"), "-D", self.data_dir, "-U", USER,
                                  "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                                  "--no-locale"], "initdb", timeout=120)
        finally:
            try:
                os.unlink(pwfile)
            except OSError:
                pass

    def _make_certificates(self, folder: str) -> None:
        os.makedirs(folder)

        def openssl(*args: str) -> None:
            try:
                done = subprocess.run(["openssl", *args], cwd=folder, stdin=subprocess.DEVNULL,
                                      capture_output=True, timeout=60)
            except (OSError, subprocess.SubprocessError) as e:
                raise PgError(f"openssl {args[0]}: {e}") from None
            if done.returncode != 0:
                raise PgError(f"openssl {' '.join(args[:2])} failed: {_bounded(done.stderr)}")

        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "30",
                "-subj", "/CN=wx-recover test CA", *ca_ext)
        openssl("req", "-x509", *ec, "-keyout", "wrong-ca.key", "-out", "wrong-ca.crt",
                "-days", "30", "-subj", "/CN=wx-recover unrelated test CA", *ca_ext)
        openssl("req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=localhost")
        with open(os.path.join(folder, "server.ext"), "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                    "basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n")
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-set_serial", "0x" + secrets.token_hex(8), "-days", "30",
                "-extfile", "server.ext", "-out", "server.crt")
        for name in ("ca.key", "wrong-ca.key", "server.csr", "server.ext"):
            os.unlink(os.path.join(folder, name))
        os.chmod(folder, 0o755)
        for name in os.listdir(folder):
            os.chmod(os.path.join(folder, name), 0o600 if name.endswith(".key") else 0o644)
        self.ca_path = os.path.join(folder, "ca.crt")
        self.wrong_ca_path = os.path.join(folder, "wrong-ca.crt")
        self.cert_path = os.path.join(folder, "server.crt")
        self.key_path = os.path.join(folder, "server.key")

    def _options(self, port: int) -> str:
        assert self.data_dir is not None
        # The Unix socket goes in the data dir when its path is plain and short enough
        # (sun_path holds 107 bytes); TCP is what the tests use, so otherwise there is none.
        sock = self.data_dir
        plain = re.fullmatch(r"[A-Za-z0-9/._-]+", sock)
        if not plain or len(sock) + len(f"/.s.PGSQL.{port}.lock") > 100:
            sock = ""
        opts = ["-c", "listen_addresses=127.0.0.1", "-p", str(port),
                "-c", f"unix_socket_directories={sock}",
                "-c", "fsync=on", "-c", "synchronous_commit=on"]
        if self.tls:
            opts += ["-c", "ssl=on", "-c", f"ssl_cert_file={self.cert_path}",
                     "-c", f"ssl_key_file={self.key_path}"]
        # pg_ctl hands -o to /bin/sh.
        return " ".join(shlex.quote(o) for o in opts)

    def _log_size(self) -> int:
        try:
            return os.path.getsize(self.log_path or "")
        except OSError:
            return 0

    def _log_since(self, offset: int) -> str:
        try:
            with open(self.log_path or "", "rb") as f:
                f.seek(offset)
                return f.read(1 << 20).decode("utf-8", "replace")
        except OSError:
            return ""

    def _pg_ctl_start(self, port: int) -> bool:
        """One start; False when the port was taken, PgError on any other failure."""
        before = self._log_size()
        done = self._run_server_cmd(
            [self._bin("pg_ctl"), "-D", self.data_dir, "-l", self.log_path, "-w",
             "-t", str(self.start_timeout), "-o", self._options(port), "start"],
            "pg_ctl start", timeout=self.start_timeout + 30, check=False)
        if done.returncode == 0:
            return True
        if "already in use" in self._log_since(before):
            return False
        raise PgError(f"pg_ctl start on port {port} failed (exit {done.returncode}): "
                      f"{_bounded(done.stderr + done.stdout)}; the server log ends: "
                      f"{self.log_tail()}")

    @property
    def running(self) -> bool:
        if self.data_dir is None or not os.path.isdir(self.data_dir):
            return False
        return self._run_server_cmd([self._bin("pg_ctl"), "-D", self.data_dir, "status"],
                                    "pg_ctl status", check=False).returncode == 0

    def start(self) -> "PgServer":
        """Starts the server: the first time makes the cluster on a free port and creates
        database wx; later, starts it again on the same port and data dir."""
        if self.dir is None:
            self._setup()
        elif self.running:
            return self
        if self.port is None:
            for _ in range(5):
                port = free_port()
                if self._pg_ctl_start(port):
                    self.port = port
                    break
            else:
                raise PgError("5 free ports in a row were taken before PostgreSQL could bind them")
        else:
            # After a crash the port may be held for a moment by someone else.
            deadline = time.monotonic() + 10
            while not self._pg_ctl_start(self.port):
                if time.monotonic() > deadline:
                    raise PgError(f"port {self.port} stayed in use; the server log ends: "
                                  f"{self.log_tail()}")
                time.sleep(0.2)
        self.starts += 1
        if not self._initialized:
            self.psql(f'CREATE DATABASE "{DATABASE}"',
                      conninfo=f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres")
            self._initialized = True
        return self

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m MODE`` (smart, fast or immediate); nothing when it is not running."""
        if mode not in ("smart", "fast", "immediate"):
            raise ValueError(f"stop mode {mode!r}")
        if not self.running:
            return
        self._run_server_cmd([self._bin("pg_ctl"), "-D", self.data_dir, "-w", "-t",
                              str(self.start_timeout), "-m", mode, "stop"],
                             f"pg_ctl stop -m {mode}", timeout=self.start_timeout + 30)

    def crash(self) -> None:
        """``pg_ctl stop -m immediate``: every server process quits without a checkpoint; the
        next start runs crash recovery from the WAL."""
        self.stop("immediate")

    def restart(self) -> "PgServer":
        """A clean stop (``-m fast``) and a start on the same port and data dir."""
        self.stop("fast")
        return self.start()

    def stop_argv(self) -> List[str]:
        """The command that stops this server at once (for a caller cleaning up after us)."""
        return self._server_argv([self._bin("pg_ctl"), "-D", self.data_dir or "", "-w",
                                  "-m", "immediate", "stop"])

    def close(self, mode: str = "fast") -> None:
        """Stops the server (``-m mode``, then ``immediate`` if that fails) and removes its
        temp dir."""
        if self.dir is not None:
            try:
                self.stop(mode)
            except PgError:
                try:
                    self.stop("immediate")
                except PgError:
                    pass
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        _LIVE.discard(self)

    def __enter__(self) -> "PgServer":
        try:
            return self.start()
        except BaseException:
            self.close("immediate")
            raise

    def __exit__(self, *exc) -> None:
        self.close()


@atexit.register
def _stop_all() -> None:
    for s in list(_LIVE):
        s.close("immediate")


# ----- --serve -----

class _Terminated(BaseException):
    pass


def _on_signal(signum, frame) -> None:
    raise _Terminated()


def _say(line: str) -> None:
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        pass


def _serve(argv: List[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="pg_server.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--serve", action="store_true", required=True)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--tag", default="")
    p.add_argument("--password", default=None)
    args = p.parse_args(argv)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    server = PgServer(tls=args.tls, password=args.password, tag=args.tag)
    try:
        try:
            server.start()
        except PgError as e:
            print(f"pg_server: {_bounded(str(e), 3000)}", file=sys.stderr)
            return 3
        _say(json.dumps({
            "url": server.url, "url_without_password": server.url_without_password,
            "port": server.port, "password": server.password, "data_dir": server.data_dir,
            "dir": server.dir, "log": server.log_path, "ca": server.ca_path,
            "wrong_ca": server.wrong_ca_path, "psql_argv": server.psql_argv(),
            "pg_dump_argv": server.pg_dump_argv(), "stop_argv": server.stop_argv()}))
        actions = {"crash": server.crash, "stop": lambda: server.stop("fast"),
                   "start": server.start, "restart": server.restart}
        for line in sys.stdin:
            command = line.strip()
            if not command:
                continue
            if command == "quit":
                break
            action = actions.get(command)
            if action is None:
                _say(f"error unknown command {_bounded(command, 80)!r}")
                continue
            try:
                action()
                _say("ok")
            except PgError as e:
                _say("error " + _bounded(str(e), 3000).replace("\n", "\\n"))
        return 0
    except _Terminated:
        return 0
    finally:
        # Signals now would only interrupt the clean-up.
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        server.close("immediate")


if __name__ == "__main__":
    if "--serve" not in sys.argv[1:]:
        print(__doc__, file=sys.stderr)
        print("usage: pg_server.py --serve [--tls] [--tag NAME] [--password PW]", file=sys.stderr)
        sys.exit(2)
    sys.exit(_serve(sys.argv[1:]))
