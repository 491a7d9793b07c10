#!/usr/bin/env python3
"""Scans the log every test suite wrote (WX_RECOVER_LOG=trace) for secrets.

Usage: scan_secrets.py LOG_FILE STATE_ROOT

Secrets come from every sandbox state folder under STATE_ROOT (its APIv3 key, the body of its
merchant private key, every order's plaintext bal_account_no) and from the passwords of the PostgreSQL test servers
(wx-pg-secrets.txt); on top of those, any
Authorization value, PEM marker or long base64 run counts as a leak.
"""
import json
import pathlib
import re
import sys

LONG_BASE64 = re.compile(r"[A-Za-z0-9+/=]{100,}")


def secrets_of(state_root: pathlib.Path) -> set[str]:
    found: set[str] = set()
    for contract in state_root.rglob("sandbox.json"):
        try:
            info = json.loads(contract.read_text())
        except (OSError, ValueError):
            continue
        found.add(info["apiv3_key"])
        try:
            pem = pathlib.Path(info["merchant_private_key"]).read_text()
            found.update(l for l in pem.splitlines() if not l.startswith("-----") and len(l) >= 16)
        except OSError:
            pass
        found.update(o["bal_account_no"] for o in info.get("orders", []))
    # The passwords of the PostgreSQL servers the fleet-journal tests started
    # (tests/journal/pg_server.py records each one there).
    for record in state_root.rglob("wx-pg-secrets.txt"):
        found.update(l.strip() for l in record.read_text().splitlines() if len(l.strip()) >= 8)
    return found


def main() -> int:
    log, root = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    secrets = secrets_of(root)
    if not lines:
        print(f"secrets-scan: {log} is empty: the suites did not log; nothing was checked")
        print("secrets-scan: 0 passed, 1 failed")
        return 1
    if not secrets:
        print(f"secrets-scan: no sandbox state under {root}: nothing to compare against")
        print("secrets-scan: 0 passed, 1 failed")
        return 1
    leaks = []
    for n, line in enumerate(lines, 1):
        why = None
        if 'signature="' in line or "WECHATPAY2-SHA256-RSA2048 mchid" in line:
            why = "an Authorization value"
        elif "PRIVATE KEY" in line:
            why = "a PEM private key marker"
        elif LONG_BASE64.search(line):
            why = "a long base64 run (key, signature or ciphertext)"
        else:
            hit = next((s for s in secrets if s in line), None)
            if hit is not None:
                why = "a known secret (APIv3 key, key material or plaintext bal_account_no)"
        if why:
            leaks.append(f"{log}:{n}: {why}")
    print(f"secrets-scan: {len(lines)} log lines against {len(secrets)} secrets from "
          f"{sum(1 for _ in root.rglob('sandbox.json'))} sandboxes")
    for leak in leaks[:20]:
        print("  LEAK", leak)
    print(f"secrets-scan: {0 if leaks else 1} passed, {1 if leaks else 0} failed")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())
