"""The Redis test helper itself: a real server, killed and restarted on its port."""

import os
import socket

import pytest

from redis_server import RedisError, RedisServer


def test_start_kill_restart_stop():
    with RedisServer() as r:
        assert r.url == f"redis://127.0.0.1:{r.port}/0"
        assert r.ping()
        assert r.command("SET", "wx-recover:t", "v") == "OK"
        assert r.command("GET", "wx-recover:t") == b"v"
        assert r.keys("wx-recover:*") == ["wx-recover:t"]
        with pytest.raises(RedisError):
            r.command("NO-SUCH-COMMAND")
        port, folder = r.port, r.dir
        r.kill()
        assert not r.running and not r.ping()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        r.restart()
        assert (r.port, r.dir, r.starts) == (port, folder, 2)
        assert r.ping()
        assert r.keys("*") == [], "nothing is saved across a restart"
        # Nothing was written to its folder but the log.
        assert os.listdir(folder) == ["redis.log"]
    assert not r.running
    assert not os.path.exists(folder)


def test_password():
    with RedisServer(password="quota-test-pw") as r:
        assert r.url == f"redis://default:quota-test-pw@127.0.0.1:{r.port}/0"
        assert "quota-test-pw" not in r.shown_url
        assert r.ping() and r.keys("*") == []
        with pytest.raises(RedisError) as e:
            RedisServer._command(r.port, ["KEYS", "*"], 2.0)
        assert "NOAUTH" in str(e.value)
        r.kill()
        r.restart()
        assert r.ping(), "the password survives a restart"


def test_a_taken_port_is_an_error_that_says_so():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = RedisServer(port=s.getsockname()[1], start_timeout=3)
        with pytest.raises(RedisError) as e:
            r.start()
        r.stop()
    assert "did not answer PING" in str(e.value)
    assert len(str(e.value)) < 600
