"""The HTTP API: routes, validation and status codes, token auth, a stopped Chroma; the ask
engine's honesty rules. Personas here come from a scripted model and the store is embedded,
so most of this runs in the fast layer; the real local model's answers are tested in
test_persona_e2e.py."""

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agent.config import load_settings
from agent.project import Project, build_project
from tests.conftest import DEMO_CORPUS, DEMO_META, ChromaServer
from tests.fakes import ScriptedChatModel, obedient, scripted_llm


def build_workspace(ws: Path, chroma_url: str | None = None) -> Project:
    project = build_project(load_settings(ws, chroma={"url": chroma_url}),
                            llm=scripted_llm(ScriptedChatModel.of(fn=obedient)))
    project.ingest([DEMO_CORPUS], project.ingest_options(meta_cols=DEMO_META))
    project.segment()
    project.generate(project.generate_options(support_threshold=0.43))
    return project


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ws = tmp_path_factory.mktemp("api") / "ws"
    return build_workspace(ws)


@pytest.fixture(scope="module")
def client(world):
    from agent.api.app import create_app

    return TestClient(create_app(world, use_llm=False))


def test_segments_personas_and_openapi(client):
    seg = client.get("/segments").json()
    assert 5 <= len(seg["groups"]) <= 12 and seg["records"] > 600
    personas = client.get("/personas").json()
    assert len(personas) == len(seg["groups"])
    one = client.get(f"/personas/{personas[0]['id']}").json()
    assert one["id"] == personas[0]["id"] and one["goals"] is not None
    # the demo mixes English and Chinese texts: the card says so, as the deck does
    assert one["language_line"].startswith("Texts: ") and "Chinese" in one["language_line"]
    assert personas[0]["level"] == "group" and personas[0]["segment_id"] is None
    assert client.get(f"/personas/{personas[0]['group_id']}").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/segments", "/personas", "/personas/{persona_id}", "/ask", "/search"} <= set(
        spec["paths"])


def test_search(client):
    r = client.get("/search", params={"q": "card blocked abroad at the airport", "k": 3})
    hits = r.json()["hits"]
    assert r.status_code == 200 and len(hits) == 3 and all(h["doc_id"] for h in hits)
    group, seg = hits[0]["group_id"], hits[0]["segment_id"]
    within = client.get("/search", params={"q": "fees", "group": group}).json()["hits"]
    assert within and all(h["group_id"] == group for h in within)
    within = client.get("/search", params={"q": "fees", "segment": seg}).json()["hits"]
    assert within and all(h["segment_id"] == seg for h in within)


@pytest.mark.parametrize("method, url, kwargs, status", [
    ("post", "/ask", {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
     400),
    ("post", "/ask", {"json": {}}, 422),
    ("post", "/ask", {"json": {"question": "hi", "surprise": 1}}, 422),
    ("post", "/ask", {"json": {"question": "hi", "mode": "wild"}}, 422),
    ("post", "/ask", {"json": {"question": "x" * 3000}}, 413),
    ("post", "/ask", {"content": b"x" * 20000, "headers": {"Content-Type": "application/json"}},
     413),
    ("get", "/personas/nope", {}, 404),
    ("get", "/personas/..%2F..%2Fetc%2Fpasswd", {}, 404),
    ("get", "/search", {"params": {"q": "x", "group": "g999"}}, 404),
    ("get", "/search", {"params": {"q": "x", "segment": "g1"}}, 404),
    ("get", "/search", {}, 422),
    ("get", "/static/../../pyproject.toml", {}, 404),
])
def test_errors_are_json_with_the_right_status(client, method, url, kwargs, status):
    r = getattr(client, method)(url, **kwargs)
    assert r.status_code == status, r.text
    assert "error" in r.json() and r.json()["error"]


def test_token_is_required_on_every_route_when_set(world):
    from agent.api.app import create_app

    c = TestClient(create_app(world, token="s3cret-token", use_llm=False))
    for url in ("/segments", "/personas", "/search?q=x", "/openapi.json"):
        assert c.get(url).status_code == 401
        assert c.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.post("/ask", json={"question": "x"}).status_code == 401
    ok = c.get("/segments", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200


def test_ask_from_counts_cites_and_declines(client, world):
    r = client.post("/ask", json={"question": "Which users say the monthly fee is too "
                                              "expensive for a student budget?"}).json()
    assert r["level"] == "group" and r["counts"] and r["counts"][0]["count"] >= 3
    top = r["counts"][0]["id"]
    assert r["citations"] and any(c["group_id"] == top for c in r["citations"])
    declined = client.post("/ask", json={"question": "What did user u1042 write about their "
                                                     "address?"}).json()
    assert declined["declined"] and not declined["citations"]
    thin = client.post("/ask", json={"question": "Which users discuss volcano insurance for "
                                                 "penguins?"}).json()
    assert thin["thin"] and not thin["counts"]
    streamed = client.post("/ask", json={"question": "Who wants student discounts?",
                                         "stream": True})
    events = [json.loads(x[6:]) for x in streamed.text.split("\n\n") if x.startswith("data: ")]
    assert events[-1]["type"] == "final" and events[-1]["counts"]


def test_counts_below_min_support_are_not_reported(world):
    r = world.ask("Which users want student discounts?", min_support=1000, use_llm=False)
    assert r.thin and r.counted_ids == []
    assert all(c.count is None and c.users is None and c.share is None for c in r.counts)
    assert "fewer than 1000" in r.answer or not r.counts


@pytest.mark.parametrize("raised, status", [
    ("bug", 500), ("store", 503), ("model", 503), ("model_failing", 503), ("input", 400)])
def test_503_only_for_an_unavailable_dependency_and_500_with_an_id_for_a_bug(
        tmp_path, monkeypatch, caplog, raised, status):
    from agent.api.app import create_app
    from agent.llm.errors import LLMCallFailed, ModelUnavailable
    from vectorstore.errors import InputError, StoreUnavailable

    errors = {"bug": KeyError("a bug"), "store": StoreUnavailable("cannot reach the Chroma "
                                                                  "server"),
              "model": ModelUnavailable("cannot connect to the model server"),
              "model_failing": LLMCallFailed("the model server keeps failing (500)"),
              "input": InputError("no segments yet")}
    project = build_project(load_settings(tmp_path / "ws"))

    def engine(*_a, **_k):
        raise errors[raised]

    monkeypatch.setattr(project, "ask_engine", engine)
    client = TestClient(create_app(project, use_llm=False), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="agent.api.app"):
        r = client.post("/ask", json={"question": "Who wants a refund?"})
    assert r.status_code == status, r.text
    body = r.json()
    if status == 500:
        assert body["error_id"] and body["error_id"] in body["error"]
        logged = [rec for rec in caplog.records if body["error_id"] in rec.getMessage()]
        assert logged and logged[0].exc_info and "Retry-After" not in r.headers
    else:
        assert "error_id" not in body and not caplog.records
        assert ("Retry-After" in r.headers) == (status == 503)


@pytest.mark.e2e
def test_chroma_stopped_gives_503(tmp_path):
    from agent.api.app import create_app

    server = ChromaServer(tmp_path / "db")
    server.start()
    try:
        app = build_workspace(tmp_path / "ws", chroma_url=server.url)
        c = TestClient(create_app(app, use_llm=False))
        assert c.get("/search", params={"q": "fees"}).status_code == 200
    finally:
        server.stop()
    cold = TestClient(create_app(build_project(load_settings(tmp_path / "ws",
                                                             chroma={"url": server.url})),
                                 use_llm=False))
    r = cold.get("/search", params={"q": "fees"})
    assert r.status_code == 503 and "Chroma" in r.json()["error"]
    r = cold.post("/ask", json={"question": "fees?"})
    assert r.status_code == 503


@pytest.mark.e2e
def test_page_in_headless_chromium(world):
    from agent.api.app import create_app
    from tests.browser import chromium_page, served

    # One persona gets a Chinese name: the page must render it.
    first = sorted(world.artifacts.personas_dir.glob("persona-*.json"))[0]
    data = json.loads(first.read_text())
    data["name"] = "学生党用户"
    first.write_text(json.dumps(data, ensure_ascii=False))
    names = [p.name for p in world.artifacts.personas()]
    with served(create_app(world, use_llm=False)) as url, chromium_page() as (page, errors):
        page.goto(url + "/")
        page.wait_for_selector("article.card")
        page.wait_for_selector("#map circle", timeout=30_000)
        assert page.locator("#map circle").count() > 100
        text = page.inner_text("main")
        assert all(n in text for n in names) and "学生党用户" in text
        page.fill("#ask-input", "Which users say the monthly fee is too expensive for a "
                                "student budget?")
        page.click("#ask-form button")
        page.wait_for_selector("#ask-citations li", timeout=60_000)
        assert page.locator("#ask-citations li").count() >= 1
        assert page.inner_text("#ask-answer").strip()
        page.fill("#search-input", "exchange rate abroad")
        page.click("#search-form button")
        page.wait_for_selector("#search-results li")
        shot = Path(__file__).parent / "artifacts" / "page.png"
        shot.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
    assert not errors
