"""Trust roots: a client with no ``ca_cert`` trusts what the system trusts. The shipped library
carries its own OpenSSL, whose built-in CA folder no distribution uses, so the library finds
the system's bundle itself, with ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` first (docs/platforms.md).
Each case runs in a fresh process: the bundle is located once per process."""

import json
import os
import subprocess
import sys
from pathlib import Path

PY_DIR = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, wx_recover
cfg, req = json.loads(sys.argv[1]), json.loads(sys.argv[2])
with wx_recover.Client(json.dumps(cfg)) as c:
    try:
        acc = c.submit(**req)
    except wx_recover.WxError as e:
        print(json.dumps({"error": e.status.name, "message": str(e)}))
    else:
        print(json.dumps({"wxpay_recover_no": acc.wxpay_recover_no}))
"""


def _run(sandbox, env_over, tmp_path):
    cfg = sandbox.config()
    ca_pem = cfg.pop("ca_cert")
    # The sandbox's CA, reachable only through the variables under test.
    ca_file = tmp_path / "sandbox-ca.pem"
    ca_file.write_text(ca_pem if ca_pem.startswith("-----BEGIN") else Path(ca_pem).read_text())
    cfg["deadline_ms"] = 5000
    cfg["max_attempts"] = 1
    req = sandbox.request_for(sandbox.take_order())
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    env["PYTHONPATH"] = str(PY_DIR)
    env.update({k: (str(ca_file) if v == "CA" else v) for k, v in env_over.items()})
    r = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cfg), json.dumps(req)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_a_client_without_ca_cert_trusts_a_ca_named_by_ssl_cert_file(sandbox, tmp_path):
    out = _run(sandbox, {"SSL_CERT_FILE": "CA"}, tmp_path)
    assert out.get("wxpay_recover_no"), out


def test_without_it_the_same_server_is_refused_before_anything_is_sent(sandbox, tmp_path):
    out = _run(sandbox, {}, tmp_path)
    assert out.get("error") == "NETWORK", out
    assert "certificate" in out["message"].lower(), out
