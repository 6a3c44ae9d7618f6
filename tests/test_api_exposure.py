"""The server when it is exposed: body limits on streamed (chunked) bodies, a refusal to
listen beyond loopback without a token, and Host names checked against DNS rebinding.

Chunked bodies go to a real uvicorn server (the same one `persona serve` runs), and the
bytes the app pulls from uvicorn are counted at the app's door."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

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


# -- 6: exposure ---------------------------------------------------------------------------------
@pytest.fixture
def uvicorn_run(monkeypatch):
    """Record what `persona serve` would run instead of binding a port."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "myhost.lan"])
def test_serve_refuses_a_non_loopback_address_without_a_token(cli, workspace, uvicorn_run,
                                                              monkeypatch, host):
    monkeypatch.delenv("PERSONA_API_TOKEN", raising=False)
    r = cli("serve", "--host", host, "-w", workspace)
    assert r.code == 2, (r.code, r.stderr)
    assert not uvicorn_run, "serve bound the address anyway"
    assert "--token" in r.stderr and "--insecure" in r.stderr, r.stderr


def test_serve_binds_beyond_loopback_with_a_token_or_insecure(cli, workspace, uvicorn_run,
                                                              monkeypatch):
    monkeypatch.delenv("PERSONA_API_TOKEN", raising=False)
    r = cli("serve", "--host", "0.0.0.0", "--token", "s3cret-token", "-w", workspace)
    assert r.code == 0, r.stderr
    r = cli("serve", "--host", "0.0.0.0", "--insecure", "-w", workspace)
    assert r.code == 0, r.stderr
    assert "warning" in r.stderr.lower() and "anyone" in r.stderr, r.stderr
    for host in ("127.0.0.1", "localhost", "::1"):  # loopback needs neither
        assert cli("serve", "--host", host, "-w", workspace).code == 0
    assert [c["host"] for c in uvicorn_run] == ["0.0.0.0", "0.0.0.0", "127.0.0.1",
                                                "localhost", "::1"]


def _host(app, host: str) -> httpx.Response:
    return TestClient(app).get("/openapi.json", headers={"Host": host})


def test_serve_accepts_only_known_host_names(cli, workspace, uvicorn_run, monkeypatch):
    monkeypatch.delenv("PERSONA_API_TOKEN", raising=False)
    assert cli("serve", "--port", "8123", "-w", workspace).code == 0
    app = uvicorn_run[-1]["app"]
    for ok in ("localhost", "localhost:8123", "127.0.0.1:8123", "[::1]:8123", "LOCALHOST"):
        assert _host(app, ok).status_code == 200, ok
    r = _host(app, "attacker.example")
    assert r.status_code == 400, r.text[:300]
    assert "attacker.example" in r.json()["error"] and "--allowed-host" in r.json()["error"]
    assert _host(app, "attacker.example:8123").status_code == 400
    assert _host(app, "127.0.0.1.attacker.example").status_code == 400


def test_serve_accepts_the_bound_address_and_allowed_hosts(cli, workspace, uvicorn_run):
    r = cli("serve", "--host", "192.168.1.5", "--token", "s3cret-token", "--allowed-host",
            "persona.lan", "--allowed-host", "reviews.example.org", "-w", workspace)
    assert r.code == 0, r.stderr
    app = uvicorn_run[-1]["app"]
    auth = {"Authorization": "Bearer s3cret-token"}
    for ok in ("192.168.1.5:8000", "persona.lan", "reviews.example.org:8000", "localhost"):
        r = TestClient(app).get("/openapi.json", headers={"Host": ok, **auth})
        assert r.status_code == 200, (ok, r.text)
    r = TestClient(app).get("/openapi.json", headers={"Host": "attacker.example", **auth})
    assert r.status_code == 400 and "--allowed-host" in r.json()["error"]


def test_an_allowed_host_that_is_not_a_host_name_is_refused(cli, workspace, uvicorn_run):
    r = cli("serve", "--allowed-host", "http://persona.lan/", "-w", workspace)
    assert r.code == 2 and "--allowed-host" in r.stderr and "persona.lan" in r.stderr, r.stderr
    assert not uvicorn_run
    assert cli("serve", "--allowed-host", "*.example.org", "-w", workspace).code == 0
    app = uvicorn_run[-1]["app"]
    assert _host(app, "reviews.example.org").status_code == 200
    assert _host(app, "example.org.attacker.example").status_code == 400
