"""The server when it is exposed: body limits on streamed (chunked) bodies, a refusal to
listen beyond loopback without a token, and Host names checked against DNS rebinding.

Chunked bodies go to a real uvicorn server (the same one `persona serve` runs), and the
bytes the app pulls from uvicorn are counted at the app's door."""

from __future__ import annotations

import httpx
import pytest

from agent.config import load_settings
from agent.project import build_project
from tests.browser import served

MiB = 1024 * 1024


@pytest.fixture
def project(tmp_path):
    """A real project over an empty workspace: the routes used here never reach the store."""
    return build_project(load_settings(tmp_path / "ws"))


class Counted:
    """An ASGI wrapper that counts the request-body bytes the app received from the server."""

    def __init__(self, app):
        self.app, self.received = app, 0

    async def __call__(self, scope, receive, send):
        async def counted():
            message = await receive()
            self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


# -- 5: chunked bodies ---------------------------------------------------------------------------
def test_a_chunked_body_over_the_limit_gets_413_without_being_read(project):
    from agent.api.app import MAX_BODY, create_app

    total, piece = 32 * MiB, 64 * 1024
    sent = 0

    def body():  # no Content-Length: httpx sends a generator as Transfer-Encoding: chunked
        nonlocal sent
        yield b'{"question": "'
        while sent < total:
            sent += piece
            yield b"x" * piece
        yield b'"}'

    app = Counted(create_app(project, use_llm=False))
    with served(app) as url, httpx.Client(timeout=60) as client:
        r = client.post(f"{url}/ask", content=body(),
                        headers={"Content-Type": "application/json"})
    # The app stops pulling at the limit (the last message from uvicorn may overshoot it by
    # what uvicorn had buffered, at most a few hundred KB), and the server closes the
    # connection instead of draining the rest: the client could not send it all.
    assert app.received < MAX_BODY + 1 * MiB, f"the app read {app.received} bytes"
    assert sent < total, "the server read the whole 32 MB body"
    assert r.status_code == 413, r.text
    assert "too large" in r.json()["error"] and str(MAX_BODY) in r.json()["error"]


def test_a_chunked_body_under_the_limit_is_read_as_usual(project):
    from agent.api.app import create_app

    def body():
        yield b'{"question": "fees?", '
        yield b'"mode": "bogus"}'

    with served(create_app(project, use_llm=False)) as url:
        r = httpx.post(f"{url}/ask", content=body(),
                       headers={"Content-Type": "application/json"}, timeout=30)
    # The body reached validation whole: only the bad mode is reported.
    assert r.status_code == 422, r.text
    assert r.json()["error"].startswith("mode:")
