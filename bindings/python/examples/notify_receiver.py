#!/usr/bin/env python3
"""A minimal WeChat Pay result-notification receiver, standard library only.

Every notification is handed, with its headers and exact body bytes, to
``Client.parse_notification`` (signature, replay window, AES-256-GCM decryption all happen in
the C library). Verified: answer 204. Anything else: answer 500 with a JSON failure body so the
platform retries later.

Receiver only (your client configuration must include ``apiv3_key``):
    python3 notify_receiver.py --config client.json --port 8080

Self-contained demo against the sandbox (what ``make demo`` runs): starts this receiver on a
free port, starts wx-sandbox with ``--notify-url`` pointing at it, submits one recover and
waits until its notification arrives, is verified, decrypted and answered 2xx:
    python3 notify_receiver.py --demo target/release/wx-sandbox
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import wx_recover  # noqa: E402

MAX_BODY = 1 << 20


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, client_factory: Callable[[], wx_recover.Client]) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self._factory = client_factory
        self._client: Optional[wx_recover.Client] = None
        self._lock = threading.Lock()
        self.verified = threading.Event()
        self.last: Optional[wx_recover.Notification] = None

    def client(self) -> wx_recover.Client:
        # Created on first use: in the demo the sandbox writes the config after we listen.
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return self._answer(400, "bad Content-Length")
        body = self.rfile.read(length)
        try:
            n = self.server.client().parse_notification(self.headers, body)
        except wx_recover.WxError as e:
            # Unverified or undecryptable: refuse, the platform will retry.
            print(f"notification REFUSED: {e}", flush=True)
            return self._answer(500, str(e.status.name if hasattr(e, "status") else "FAIL"))
        order = n.order
        print(
            f"notification {n.id}: {n.event_type} ({n.summary}) verified and decrypted: "
            f"out_request_no={order and order.out_request_no} wxpay_recover_no={order and order.wxpay_recover_no} "
            f"recover_state={order and order.recover_state}",
            flush=True,
        )
        self.server.last = n
        self.send_response(204)
        self.end_headers()
        self.server.verified.set()

    def _answer(self, status: int, message: str) -> None:
        data = json.dumps({"code": "FAIL", "message": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt: str, *args: Any) -> None:
        pass  # one line per notification is printed above; headers are never logged


def demo(sandbox_bin: str) -> int:
    state = tempfile.mkdtemp(prefix="wx-notify-demo-")
    config_path = os.path.join(state, "client.json")
    receiver = Receiver(0, lambda: wx_recover.Client.from_file(config_path))
    url = f"http://127.0.0.1:{receiver.server_address[1]}/wxpay/notify"
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    print(f"receiver listening on {url}", flush=True)
    # The repository's one sandbox launcher (sandbox/py): this mode runs from a checkout.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "sandbox", "py"))
    from wx_sandbox_launcher import Sandbox, SandboxError

    try:
        sandbox = Sandbox(binary=sandbox_bin, state_dir=state, orders=5, args=["--notify-url", url])
    except SandboxError as e:
        print(f"sandbox did not start: {e}", file=sys.stderr)
        return 1
    try:
        info = sandbox.info
        order = info["orders"][0]
        client = receiver.client()
        accepted = client.submit(
            out_request_no="DEMO" + uuid.uuid4().hex[:20].upper(),
            related_webank_punish_no=order["related_webank_punish_no"],
            related_wxpay_punish_no=order["related_wxpay_punish_no"],
            mchid=order["mchid"],
            bal_account_no=order["bal_account_no"],
            recover_reason="demo",
        )
        print(f"recover accepted: wxpay_recover_no={accepted.wxpay_recover_no}; waiting for the notification", flush=True)
        if not receiver.verified.wait(30):
            print("no verified notification within 30 s", file=sys.stderr)
            return 1
        assert receiver.last is not None
        if receiver.last.order.wxpay_recover_no != accepted.wxpay_recover_no:
            print("notification is about another recover", file=sys.stderr)
            return 1
        print("demo OK: notification received, verified, decrypted and answered 204", flush=True)
        return 0
    finally:
        sandbox.stop()
        receiver.shutdown()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", help="client configuration JSON (with apiv3_key)")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--demo", metavar="WX_SANDBOX_BIN", help="run the self-contained sandbox demo")
    args = ap.parse_args()
    if args.demo:
        return demo(args.demo)
    if not args.config:
        ap.error("--config is required (or --demo)")
    receiver = Receiver(args.port, lambda: wx_recover.Client.from_file(args.config))
    receiver.client()  # fail fast on a bad configuration
    print(f"listening on http://127.0.0.1:{receiver.server_address[1]}/", flush=True)
    try:
        receiver.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
