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


def test_monthly_sizes_trends_and_ratings(team, cli, tmp_path):
    seg = json.loads((team / "segments.json").read_text())
    assert (seg["date_column"], seg["rating_column"]) == ("date", "rating")
    periods = seg["periods"]
    assert periods == sorted(periods) and len(periods) >= 6 and periods[0].startswith("2026-")
    out = tmp_path / "records.jsonl"
    assert cli("-w", team, "export", "--out", out).code == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    for g in seg["groups"]:
        mine = [r for r in rows if r["parent_id"] == g["id"]]
        assert sum(g["monthly"].values()) == g["size"] == len(mine)  # every demo row is dated
        assert g["monthly"] == {m: sum(1 for r in mine if r["date"].startswith(m))
                                for m in sorted({r["date"][:7] for r in mine})}
        assert g["rating"] == round(sum(r["rating"] for r in mine) / len(mine), 2)
        t = g["trend"]
        assert (t["first_period"], t["last_period"]) == (periods[0], periods[-1])
        assert t["direction"] == ("steady" if abs(t["change"]) < 0.01 else
                                  "grew" if t["change"] > 0 else "shrank")
    from agent.api.app import create_app

    api = TestClient(create_app(build_project(load_settings(team)), use_llm=False))
    s = api.get("/segments").json()
    assert s["periods"] == periods and s["groups"][0]["monthly"] == seg["groups"][0]["monthly"]
    assert s["segments"][0]["trend"] is not None
    trends = api.get("/trends").json()
    assert trends["date_column"] == "date" and trends["note"] is None
    by_id = {g["id"]: g for g in seg["groups"]}
    for g in trends["groups"]:
        assert len(g["monthly"]) == len(periods)
        assert sum(g["monthly"]) == by_id[g["id"]]["size"]
    for direction in ("grew", "shrank"):
        assert set(trends[direction]) == {
            u["id"] for u in seg["groups"] + seg["segments"]
            if u["trend"] and u["trend"]["direction"] == direction}
    # the deck: a sparkline and the average rating on every card
    html = (team / "deck" / "index.html").read_text()
    cards = html.count('<article class="card"')
    assert cards == len(seg["groups"]) and html.count('<svg class="spark"') == cards
    assert html.count("average rating") == cards
    assert "Trend: texts per month by date" in (team / "deck" / "deck.md").read_text()


def test_search_shows_metadata_and_stays_within_a_group(team, cli):
    r = cli("-w", team, "--json", "search", "card blocked at the airport", "-k", "4")
    assert r.code == 0, r.stderr
    hits = r.json["hits"]
    assert len(hits) == 4 and all(h["group_name"] for h in hits)
    assert all(set(h["metadata"]) == {"rating", "channel", "date"} for h in hits)
    gid = hits[0]["group_id"]
    within = cli("-w", team, "--json", "search", "fees", "--group", gid).json["hits"]
    assert within and all(h["group_id"] == gid for h in within)
    human = cli("-w", team, "search", "fees", "--segment", within[0]["segment_id"]).stdout
    assert "rating" in human and "date 2026-" in human
    assert cli("-w", team, "search", "fees", "--group", "g99").code == 2
    assert cli("-w", team, "search", "fees", "--group", gid, "--segment", "s1").code == 2
    from agent.api.app import create_app

    api = TestClient(create_app(build_project(load_settings(team)), use_llm=False))
    hit = api.get("/search", params={"q": "fees", "k": 2}).json()["hits"][0]
    assert hit["metadata"]["date"].startswith("2026-") and hit["group_name"]


def test_date_and_rating_columns_are_found_by_name_and_values():
    from vectorstore.segment import trends

    rows = [{"meta_日期": f"2025-0{1 + i % 3}-1{i % 9}", "meta_time": "10:30",
             "meta_created_at": f"2025-02-0{1 + i % 8}T10:00:00Z", "meta_stars": 1 + i % 5,
             "meta_score": "high"} for i in range(30)]
    assert trends.detect_date_key(rows) == "meta_created_at"  # exact names in their order
    assert trends.detect_date_key([{k: v for k, v in r.items() if k != "meta_created_at"}
                                   for r in rows]) == "meta_日期"
    assert trends.detect_date_key([{"meta_time": "10:30"}, {"meta_time": "soon"}]) is None
    assert trends.detect_rating_key(rows) == "meta_stars"  # "score" holds no numbers
    assert trends.month_of(1_767_225_600) == "2026-01" and trends.month_of("2026-13") is None
    assert trends.periods(["2025-11", None, "2026-02"]) == ["2025-11", "2025-12", "2026-01",
                                                            "2026-02"]
    t = trends.trend({"2025-11": 1, "2026-02": 6}, {"2025-11": 10, "2026-02": 20},
                     "2025-11", "2026-02")
    assert t["direction"] == "grew" and t["change"] == 0.2


def test_export_personas_to_xlsx_and_csv_and_records_with_names(team, cli, tmp_path):
    import csv

    from openpyxl import load_workbook

    gid = "g1"
    assert cli("-w", team, "label", gid, "Grandparents").code == 0
    personas = [json.loads(p.read_text())
                for p in sorted((team / "personas").glob("persona-*.json"))]
    claims = {(p["group_id"], c["text"]): c for p in personas
              for f in ("goals", "pain_points", "behaviours", "motivations") for c in p[f]}
    out = tmp_path / "personas.xlsx"
    r = cli("-w", team, "--json", "export", "--personas", "--out", out)
    assert r.code == 0, r.stderr
    assert r.json["personas"] == len(personas) and r.json["claims"] == len(claims) > 0
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["claims", "personas"]
    rows = list(book["claims"].iter_rows(values_only=True))
    header, body = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert list(header[:10]) == ["level", "group_id", "segment_id", "name", "facet", "claim",
                                 "share", "support_count", "quote", "quote_doc_id"]
    assert len(body) == len(claims)
    texts = {}
    for row in body:
        c = claims[(row["group_id"], row["claim"])]
        assert row["share"] == c["prevalence"] and row["support_count"] == c["support_count"]
        assert row["facet"] in ("goals", "pain points", "behaviours", "motivations")
        assert row["quote"] and row["quote_doc_id"] in c["evidence_ids"]
        texts.setdefault(row["quote_doc_id"], row["quote"])
        expected = "Grandparents" if row["group_id"] == gid else next(
            p["name"] for p in personas if p["group_id"] == row["group_id"])
        assert row["name"] == expected
    people = list(book["personas"].iter_rows(values_only=True))
    assert len(people) == len(personas) + 1 and "Grandparents" in [r[3] for r in people]
    # the CSV has the same rows
    flat = tmp_path / "personas.csv"
    assert cli("-w", team, "export", "--personas", "--out", flat).code == 0
    with open(flat, encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == len(claims)
    assert cli("-w", team, "export", "--personas", "--out", tmp_path / "p.parquet").code == 2
    # the record export joins labels and persona names; every quote is a record's text
    rec = tmp_path / "records.csv"
    assert cli("-w", team, "export", "--out", rec).code == 0
    with open(rec, encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    assert {"group_label", "segment_label", "persona_name"} <= set(records[0])
    mine = [x for x in records if x["parent_id"] == gid]
    assert mine and all(x["group_label"] == "Grandparents" == x["persona_name"] for x in mine)
    other = next(x for x in records if x["parent_id"] not in (gid, "unassigned"))
    assert other["group_label"] == "" and other["persona_name"]
    by_id = {x["id"]: x["text"] for x in records}
    for doc, quote in texts.items():
        assert quote.rstrip(" …") in by_id[doc]
    assert cli("-w", team, "label", gid, "--clear").code == 0
