"""The PostgreSQL test helper itself: a real server, crashed and started again on its port,
with TLS, and its --serve mode (what the Rust, C and shell tests drive)."""

import json
import os
import socket
import subprocess
import sys

import pytest

from pg_server import PgError, PgServer, available, why_unavailable

HERE = os.path.dirname(os.path.abspath(__file__))


def test_the_binaries_are_installed():
    # Under `make test` a missing PostgreSQL is a failure, not a skip (scripts/deps.sh installs it).
    assert available(tls=True), why_unavailable(tls=True)


def test_start_crash_start_keeps_committed_rows():
    with PgServer(tag="selftest") as pg:
        assert pg.url == f"postgresql://wx:{pg.password}@127.0.0.1:{pg.port}/wx"
        assert pg.url_without_password == f"postgresql://wx@127.0.0.1:{pg.port}/wx"
        assert pg.password not in pg.shown_url
        assert pg.password.startswith("wxpw-")
        assert pg.psql("select 1") == "1\n"
        assert pg.psql("select current_user, current_database()", conninfo=pg.url) == "wx|wx\n"
        assert pg.psql("show fsync") == "on\n" and pg.psql("show synchronous_commit") == "on\n"
        assert os.path.isfile(os.path.join(pg.data_dir, "PG_VERSION"))
        assert not os.path.exists(os.path.join(pg.dir, "pwfile")), "the password file is deleted"
        with pytest.raises(PgError) as e:
            pg.psql("select 1", conninfo=pg.url.replace(pg.password, "wrong"))
        assert "password authentication failed" in str(e.value)
        with pytest.raises(PgError) as e:
            pg.psql("select * from no_such_table")
        assert "no_such_table" in str(e.value) and len(str(e.value)) < 1200

        pg.psql("create table t (k int primary key, v text); "
                "insert into t values (1, 'one'), (2, '核实无误')")
        port, data = pg.port, pg.data_dir
        dump = pg.pg_dump()
        assert b"CREATE TABLE public.t" in dump and "核实无误".encode() in dump
        assert pg.pg_dump() == dump, "two dumps of the same data are the same bytes"

        pg.crash()
        assert not pg.running
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        with pytest.raises(PgError):
            pg.psql("select 1")
        pg.start()
        assert (pg.port, pg.data_dir, pg.starts) == (port, data, 2)
        assert pg.psql("select k, v from t order by k") == "1|one\n2|核实无误\n"
        assert "redo" in pg.log_tail(), "the start after the crash ran crash recovery"
        assert pg.pg_dump() == dump
        pg.restart()
        assert pg.psql("select count(*) from t") == "2\n"
        folder = pg.dir
    assert not os.path.exists(folder)


def test_tls_verify_full_with_the_right_ca_only():
    with PgServer(tls=True, tag="selftest-tls") as pg:
        assert pg.url == (f"postgresql://wx:{pg.password}@127.0.0.1:{pg.port}/wx"
                          f"?sslmode=verify-full&sslrootcert={pg.ca_path}")
        ssl_in_use = "select ssl from pg_stat_ssl where pid = pg_backend_pid()"
        conninfo = (f"sslmode=verify-full sslrootcert={pg.ca_path} host=localhost "
                    f"port={pg.port} user=wx dbname=wx")
        assert pg.psql(ssl_in_use, conninfo=conninfo) == "t\n"
        assert pg.psql(ssl_in_use, conninfo=pg.url) == "t\n", "the IP SAN matches 127.0.0.1"
        with pytest.raises(PgError) as e:
            pg.psql("select 1", conninfo=conninfo.replace(pg.ca_path, pg.wrong_ca_path))
        assert "certificate verify failed" in str(e.value)
        with pytest.raises(PgError) as e:
            pg.psql("select 1", conninfo=pg.url_for(sslrootcert=pg.wrong_ca_path))
        assert "certificate verify failed" in str(e.value)
        key_mode = os.stat(os.path.join(pg.dir, "tls", "server.key")).st_mode & 0o777
        assert key_mode == 0o600


def test_serve_mode_and_its_control_commands():
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "pg_server.py"), "--serve",
                             "--tag", "selftest-serve"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert info["url"] == f"postgresql://wx:{info['password']}@127.0.0.1:{info['port']}/wx"
        assert info["ca"] is None and os.path.isdir(info["data_dir"])
        env = dict(os.environ, PGPASSWORD=info["password"])

        def psql(sql):
            return subprocess.run(info["psql_argv"] + ["-c", sql], env=env, capture_output=True,
                                  text=True, timeout=30)

        assert psql("create table t (k int); insert into t values (7)").returncode == 0
        for command in ("crash", "start", "stop", "start", "restart"):
            proc.stdin.write(command + "\n")
            proc.stdin.flush()
            assert proc.stdout.readline() == "ok\n", command
            if command == "crash":
                assert psql("select 1").returncode != 0
        assert psql("select k from t").stdout == "7\n"
        dump = subprocess.run(info["pg_dump_argv"], env=env, capture_output=True, timeout=30)
        assert dump.returncode == 0 and b"CREATE TABLE public.t" in dump.stdout
        proc.stdin.write("dance\n")
        proc.stdin.flush()
        assert proc.stdout.readline().startswith("error unknown command")
        proc.stdin.close()  # the end of stdin: stop, clean up, exit 0
        assert proc.wait(timeout=60) == 0
        assert not os.path.exists(info["dir"])
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", info["port"]), timeout=1).close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
