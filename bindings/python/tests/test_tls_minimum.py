"""TLS 1.2 at least, whatever the machine's OpenSSL configuration allows: against a listener that
offers only TLS 1.0/1.1 the call fails with a clear error and no request reaches it, even when
an OpenSSL configuration (``OPENSSL_CONF``) would allow the old protocols. The same listener
offering TLS 1.2 receives the request, so the refusal is the protocol's alone.

The listener lowers its own security level to offer TLS 1.0/1.1; each client runs in a fresh
process so that the permissive configuration applies to it from the start."""

import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest

PY_DIR = Path(__file__).resolve().parents[1]

# What an old or careless system configuration could say: every protocol, any security level.
PERMISSIVE_CONF = """openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1
CipherString = DEFAULT@SECLEVEL=0
"""

CHILD = r"""
import json, sys, wx_recover
cfg, req = json.loads(sys.argv[1]), json.loads(sys.argv[2])
with wx_recover.Client(json.dumps(cfg)) as c:
    try:
        c.submit(**req)
        print(json.dumps({"ok": True}))
    except wx_recover.WxError as e:
        print(json.dumps({"error": e.status.name, "message": str(e), "attempts": e.attempts}))
"""


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA of the test's own and a server certificate for 127.0.0.1 signed by it."""
    d = tmp_path_factory.mktemp("tls-pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "2", "-subj", "/CN=wx-recover test CA", cwd=d)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr",
             "-subj", "/CN=127.0.0.1", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)
    (d / "openssl.cnf").write_text(PERMISSIVE_CONF)
    return d


class Listener:
    """One TLS listener on loopback; records whether any request bytes arrived."""

    def __init__(self, pki, newest):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pki / "srv.pem", pki / "srv.key")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = newest
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        self.ctx = ctx
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.protocols = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(20)
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.ctx.wrap_socket(raw, server_side=True) as conn:
                    self.protocols.append(conn.version())
                    conn.settimeout(5)
                    self.received += conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
            except (ssl.SSLError, OSError):
                pass

    def close(self):
        self.sock.close()


def _submit(sandbox, pki, port):
    cfg = sandbox.config()
    url = f"https://127.0.0.1:{port}"
    cfg.update(base_url=url, backup_url="", ca_cert=str(pki / "ca.pem"), max_attempts=1,
               deadline_ms=5000, timeout_ms=3000)
    req = sandbox.request_for(sandbox.take_order())
    env = dict(os.environ, PYTHONPATH=str(PY_DIR), OPENSSL_CONF=str(pki / "openssl.cnf"))
    r = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cfg), json.dumps(req)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_a_server_that_offers_only_tls_1_1_is_refused_before_anything_is_sent(sandbox, pki):
    server = Listener(pki, ssl.TLSVersion.TLSv1_1)
    try:
        out = _submit(sandbox, pki, server.port)
    finally:
        server.close()
    assert out.get("error") == "NETWORK", out
    assert "could not connect" in out["message"], out
    assert any(w in out["message"].lower() for w in ("protocol", "version")), out
    assert server.received == b"", "a request went out over TLS < 1.2"


def test_the_same_listener_offering_tls_1_2_receives_the_request(sandbox, pki):
    server = Listener(pki, ssl.TLSVersion.TLSv1_2)
    try:
        out = _submit(sandbox, pki, server.port)
    finally:
        server.close()
    assert server.protocols and server.protocols[0] == "TLSv1.2", server.protocols
    assert server.received.startswith(b"POST /v3/aggracct-bc/wb-channel/control-orders/recover"), server.received[:80]
    assert out.get("error") == "API", out  # the listener's 500


REDIS_CHILD = r"""
import json, sys, wx_recover
cfg, req = json.loads(sys.argv[1]), json.loads(sys.argv[2])
with wx_recover.Client(json.dumps(cfg)) as c:
    try:
        c.submit(**req)
        print(json.dumps({"ok": True}))
    except wx_recover.WxError as e:
        print(json.dumps({"error": e.status.name, "message": str(e)}))
"""


def _submit_with_redis_store(sandbox, pki, port):
    """A recover whose quota store is `rediss://` at the test listener, with the "fail"
    fallback: the store must be reached over TLS before anything goes to the platform."""
    cfg = sandbox.config()
    cfg.update(rate_limit_per_minute=100, rate_limit_store=f"rediss://127.0.0.1:{port}/0",
               rate_limit_store_fallback="fail", rate_limit_store_timeout_ms=2000, max_attempts=1)
    req = sandbox.request_for(sandbox.take_order())
    # The listener's CA is trusted through SSL_CERT_FILE, as a Redis CA would be.
    env = dict(os.environ, PYTHONPATH=str(PY_DIR), OPENSSL_CONF=str(pki / "openssl.cnf"),
               SSL_CERT_FILE=str(pki / "ca.pem"))
    r = subprocess.run([sys.executable, "-c", REDIS_CHILD, json.dumps(cfg), json.dumps(req)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_a_redis_store_offering_only_tls_1_1_is_refused_and_hears_nothing(sandbox, pki):
    server = Listener(pki, ssl.TLSVersion.TLSv1_1)
    try:
        out = _submit_with_redis_store(sandbox, pki, server.port)
    finally:
        server.close()
    # The store's TLS refusal is a store failure (the "fail" fallback: RATE_LIMITED, nothing
    # sent), never an internal error.
    assert out.get("error") == "RATE_LIMITED", out
    assert server.received == b"", "a Redis command went out over TLS < 1.2"


def test_the_same_redis_listener_at_tls_1_2_hears_the_store_s_commands(sandbox, pki):
    server = Listener(pki, ssl.TLSVersion.TLSv1_2)
    try:
        _submit_with_redis_store(sandbox, pki, server.port)
    finally:
        server.close()
    assert server.protocols and server.protocols[0] == "TLSv1.2", server.protocols
    assert server.received.startswith(b"*"), server.received[:40]  # a RESP command array
