"""An HTTP proxy in front of the real model server that counts requests and can inject
faults.

``schedule`` is consumed one item per chat-completion request: ``ok``, ``timeout`` (answer
later than the client waits), ``500``, ``429`` (with Retry-After), ``truncated`` (a 200 with
half a JSON body), ``garbage`` (a 200 with random bytes), ``drop`` (close the connection
without answering). When the schedule is used up every request passes through.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse


class Proxy:
    def __init__(self, target_base_url: str, schedule: list[str] | None = None,
                 delay: float = 5.0):
        t = urlparse(target_base_url)
        self.host, self.port = t.hostname, t.port
        self.schedule = list(schedule or [])
        self.delay = delay
        self.counts: dict[str, int] = {}
        self.seen: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = "ok"
                with proxy._lock:
                    key = f"{self.command} {self.path.split('?')[0]}"
                    proxy.counts[key] = proxy.counts.get(key, 0) + 1
                    if self.path.endswith("/chat/completions"):
                        fault = proxy.schedule.pop(0) if proxy.schedule else "ok"
                        proxy.seen.append(fault)
                if fault == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if fault == "timeout":
                    time.sleep(proxy.delay)
                if fault in ("500", "429"):
                    self._reply(int(fault), b'{"error": {"message": "injected fault"}}',
                                {"Retry-After": "1"} if fault == "429" else {})
                    return
                conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=300)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                if fault == "truncated":
                    data = data[: len(data) // 2]
                elif fault == "garbage":
                    data = os.urandom(200)
                self._reply(resp.status, data,
                            {"Content-Type": resp.getheader("Content-Type", "application/json")})

            def _reply(self, status: int, data: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            do_GET = do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def completions(self) -> int:
        return self.counts.get("POST /v1/chat/completions", 0)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
