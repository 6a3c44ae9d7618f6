"""A tiny OpenAI-compatible server on loopback for tests of configuration and failure paths.

It is not a model: it answers every chat completion deterministically from the request
(the same request always gets the same answer, with token usage), so two runs of the same
configuration can be compared byte for byte. ``mode="silent"`` accepts connections and
never answers, the outage a deadline must end; ``silent_after=N`` answers the first N chat
completions (the capability probe takes four) and then goes silent; ``mode="error"`` answers
every chat completion with a 500. ``bodies`` keeps every chat-completion request. End-to-end quality tests
use the real local model instead (conftest's ``llm_server``).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = re.compile(r"[A-Za-z]{3,}|[\u4e00-\u9fff]")


def _answer(body: dict) -> str:
    """A deterministic reply: for a JSON schema, each string field gets a short sentence
    made of the request's own words, chosen by a hash of the request."""
    text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
    digest = int(hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest(), 16)
    words = WORDS.findall(text) or ["users"]
    fmt = body.get("response_format") or {}
    schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema")
    if not schema:
        return "A short reply."
    out = {}
    for i, (name, spec) in enumerate(sorted((schema.get("properties") or {}).items())):
        if spec.get("enum"):
            out[name] = spec["enum"][(digest >> i) % len(spec["enum"])]
        else:
            start = (digest >> (3 * i)) % len(words)
            picked = [words[(start + k) % len(words)] for k in range(8)]
            out[name] = "They " + " ".join(picked).lower() + "."
    return json.dumps(out, ensure_ascii=False)


class FakeLLM:
    """``with FakeLLM() as llm:`` → ``llm.base_url``; ``llm.requests`` counts completions."""

    def __init__(self, mode: str = "answer", silent_after: int | None = None):
        self.mode = mode
        self.silent_after = silent_after
        self.requests = 0
        self.bodies: list[dict] = []
        self._stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if fake.mode == "silent":
                    return fake._hang()
                self._send(200, {"object": "list", "data": [{"id": "fake-model",
                                                             "object": "model"}]})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if fake.mode == "silent" or (fake.silent_after is not None
                                             and fake.requests >= fake.silent_after):
                    return fake._hang()
                fake.requests += 1
                fake.bodies.append(body)
                if fake.mode == "error":
                    return self._send(500, {"error": {"message": "injected failure"}})
                content = _answer(body)
                prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
                usage = {"prompt_tokens": prompt // 4 + 1, "completion_tokens": len(content) // 4,
                         "total_tokens": prompt // 4 + 1 + len(content) // 4}
                self._send(200, {
                    "id": "cmpl-fake", "object": "chat.completion", "created": 0,
                    "model": body.get("model", "fake-model"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": usage})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def _hang(self) -> None:
        while not self._stop.wait(0.2):
            pass

    def __enter__(self) -> FakeLLM:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        time.sleep(0.05)
