"""What a product team does after the first run: name groups (labels that stick), read
trends and metadata, search, and export personas for a spreadsheet. The demo corpus, a real
embedder and Chroma; personas come from a scripted model (tests/fakes.py)."""

import json

import pytest
from fastapi.testclient import TestClient

from agent.config import load_settings
from agent.project import build_project
from tests.conftest import DEMO_CORPUS, DEMO_META
from tests.fakes import ScriptedChatModel, obedient, scripted_llm

pytestmark = pytest.mark.e2e
QUESTION = "I'd like to see what my teenager buys"


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    """A workspace with the demo corpus ingested, segmented, with personas and a deck."""
    ws = tmp_path_factory.mktemp("team") / "ws"
    project = build_project(load_settings(ws),
                            llm=scripted_llm(ScriptedChatModel.of(fn=obedient)))
    project.ingest([DEMO_CORPUS], project.ingest_options(meta_cols=DEMO_META))
    project.segment()
    project.generate(project.generate_options(support_threshold=0.43))
    project.deck()
    return ws


def persona_file(ws, gid):
    return json.loads((ws / "personas" / f"persona-{gid}.json").read_text())


def test_a_label_replaces_the_name_everywhere_it_is_shown(team, cli):
    first = cli("-w", team, "--json", "ask", QUESTION, "--no-llm")
    assert first.code == 0, first.stderr
    gid = first.json["counts"][0]["id"]
    generated = persona_file(team, gid)["name"]
    r = cli("-w", team, "--json", "label", gid, "Parents")
    assert r.code == 0, r.stderr
    assert r.json == {"id": gid, "level": "group", "label": "Parents", "previous": None,
                      "name": "Parents"}
    assert json.loads((team / "labels.json").read_text())["labels"] == {gid: "Parents"}
    # persona list: by label, with the generated name beside it, and sizes
    listed = cli("-w", team, "--json", "list", "--segments").json
    row = next(g for g in listed["groups"] if g["id"] == gid)
    assert (row["name"], row["name_from"], row["persona_name"]) == ("Parents", "label", generated)
    assert row["size"] > 0 and row["segments"] and all(s["size"] > 0 for s in row["segments"])
    assert sum(g["size"] for g in listed["groups"]) <= listed["records"]
    human = cli("-w", team, "list").stdout
    assert "Parents" in human and f"persona: {generated}" in human
    # answers, the deck and the API show the label; the persona file keeps its name
    again = cli("-w", team, "--json", "ask", QUESTION, "--no-llm").json
    assert again["counts"][0]["name"] == "Parents" and "Parents" in again["answer"]
    assert cli("-w", team, "deck").code == 0
    assert "Parents" in (team / "deck" / "index.html").read_text()
    assert f"## Parents ({gid})" in (team / "deck" / "deck.md").read_text()
    assert persona_file(team, gid)["name"] == generated
    from agent.api.app import create_app

    api = TestClient(create_app(build_project(load_settings(team)), use_llm=False))
    short = next(p for p in api.get("/personas").json() if p["group_id"] == gid)
    assert (short["name"], short["generated_name"], short["label"]) == (
        "Parents", generated, "Parents")
    assert api.get(f"/personas/{gid}").json()["name"] == "Parents"
    assert next(g for g in api.get("/segments").json()["groups"] if g["id"] == gid)[
        "name"] == "Parents"
    # the page's rename control: PUT /labels/{id}
    r = api.put(f"/labels/{gid}", json={"label": "  Careful   parents "})
    assert r.status_code == 200 and r.json()["label"] == "Careful parents"
    assert api.get(f"/personas/{gid}").json()["name"] == "Careful parents"
    assert api.get("/labels").json() == {"labels": {gid: "Careful parents"}}
    assert api.put("/labels/g999", json={"label": "x"}).status_code == 404
    assert api.put(f"/labels/{gid}", json={"label": "x" * 61}).status_code == 422
    assert api.put(f"/labels/{gid}", json={"name": "x"}).status_code == 422
    assert "rename" in api.get("/static/app.js").text
    # clearing brings the generated name back
    assert api.put(f"/labels/{gid}", json={"label": None}).json()["name"] == generated
    r = cli("-w", team, "label", "g999", "Nobody")
    assert r.code == 2 and "persona list --segments" in r.stderr
    assert cli("-w", team, "label", gid).code == 2  # a name or --clear


def members(cli, ws, tmp_path, gid):
    out = tmp_path / "records.jsonl"
    assert cli("-w", ws, "export", "--out", out).code == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    return {r["id"] for r in rows if r["parent_id"] == gid}


def test_a_label_survives_a_fresh_resegmentation(tmp_path, cli):
    ws = tmp_path / "ws"
    assert cli("-w", ws, "ingest", DEMO_CORPUS, "--meta-cols", DEMO_META).code == 0
    assert cli("-w", ws, "segment").code == 0
    gid = "g2"
    before = members(cli, ws, tmp_path, gid)
    assert cli("-w", ws, "label", gid, "Travellers").code == 0
    r = cli("-w", ws, "--json", "segment", "--fresh", "--seed", "7")
    assert r.code == 0, r.stderr
    after = members(cli, ws, tmp_path, gid)
    assert len(before & after) / len(before | after) >= 0.6  # the same group, by overlap
    listed = cli("-w", ws, "--json", "list").json
    assert next(g for g in listed["groups"] if g["id"] == gid)["name"] == "Travellers"
    assert listed["orphan_labels"] == {}
