"""The deck reads like a deck: names on the size chart and in the map's legend, claims with
their share and one quote on the card face, ids behind a disclosure, a clean deck.md, and
``persona deck --pdf`` through headless Chromium. Hand-written personas: no model, no store."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from markdown_it import MarkdownIt

from agent.deck.mapping import MapData
from agent.deck.render import md, render_html, render_markdown
from agent.persona.schema import Persona, Quote
from tests.conftest import require
from vectorstore.segment.artifact import parse_segmentation

V1 = Path(__file__).parent / "fixtures" / "v1"
HEX = re.compile(r"\b[0-9a-f]{20}\b")


def _id(n: int) -> str:
    return f"{n:020x}"[-20:].replace("0", "a", 3)


def claim(text: str, share: float, quote: str, first: int, n: int = 40) -> dict:
    ids = [_id(first + i) for i in range(5)]
    return {"text": text, "evidence_ids": ids, "support_count": round(share * n),
            "prevalence": share, "users": 7, "quote": {"text": quote, "doc_id": ids[0]},
            "written_by": "model"}


def persona(gid: str, name: str, base: int) -> Persona:
    return Persona.model_validate({
        "id": f"persona-{gid}", "level": "group", "group_id": gid, "name": name,
        "tagline": "They care about money.", "summary": "They write about money (mostly fees).",
        "size": {"texts": 40, "users": 12}, "share": 0.4, "language": "en",
        "who": [claim("About a third of them describe themselves as students.", 0.33,
                      "As a student, I count every penny.", base)],
        "goals": [claim("About half of them ask for a student discount.", 0.52,
                        "Please add a student discount!", base + 10)],
        "pain_points": [claim("Some of them complain about hidden fees.", 0.18,
                              "Hidden fees ate half my paycheck.", base + 20)],
        "quotes": [{"text": "The free tier is fine.", "doc_id": _id(base + 30)}],
        "keywords": ["kwfee", "kwstudent"],
        "provenance": {"prompts": ["writer.claim@7", "writer.name@3"],
                       "chat_model": "SmolLM2-135M-Instruct.Q4_1", "embedder": "e5-small",
                       "segmentation_run": "20260101T000000-deadbeef", "inputs_hash": "h",
                       "created_at": "2026-01-01T00:00:00Z", "interview_mode": "guided",
                       "model_claims": 2, "claims_total": 3}})


def segmentation():
    groups = [{"id": g, "size": s, "share": s / 100, "keywords": kw, "segments": []}
              for g, s, kw in (("g1", 40, ["kwfee", "kwstudent", "kwcheap"]),
                               ("g2", 35, ["kwcard", "kwabroad"]),
                               ("g3", 25, ["kwkids", "kwpocket"]))]
    return parse_segmentation({
        "schema_version": 2, "run_id": "20260101T000000-deadbeef", "created_at": "t",
        "embedder": "e5-small", "params": {"method": "test"}, "records": 100, "groups": groups,
        "segments": []})


PERSONAS = [persona("g1", "Students on a budget", 1000), persona("g2", "Travellers abroad", 2000)]


def mapping() -> MapData:
    rng = np.random.default_rng(0)
    groups = ["g1"] * 30 + ["g2"] * 30 + ["g3"] * 20
    points = rng.random((len(groups), 2))
    return MapData(points, groups, {g: (0.5, 0.5) for g in ("g1", "g2", "g3")})


def outside_details(html: str) -> str:
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


def test_the_size_chart_shows_names_not_keywords():
    html = render_html(PERSONAS, segmentation(), {}, None, labels={"g2": "Globetrotters"})
    bars = re.findall(r'^<div class="bar(?: minor)?">.*$', html, flags=re.M)
    text = [re.sub(r"<[^>]+>", "", b) for b in bars]
    assert len(bars) == 3
    assert "Students on a budget" in text[0] and "40%" in text[0]
    assert "Globetrotters" in text[1] and "Travellers abroad" not in html  # the label wins
    assert "kwcard" not in text[1] and "kwfee" not in text[0]
    assert "kwkids, kwpocket" in text[2]  # a group without a persona: its keywords


def test_the_map_has_a_legend_entry_per_persona():
    html = render_html(PERSONAS, segmentation(), {}, mapping())
    legend = re.search(r'<ul class="legend">(.*?)</ul>', html, flags=re.S).group(1)
    entries = [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li>.*?</li>", legend)]
    assert entries[:2] == ["Students on a budget", "Travellers abroad"] and len(entries) == 3
    colours = re.findall(r"background:(#[0-9a-f]{6})", legend)
    assert len(set(colours)) == 3  # one colour per group, the map's
    for colour in colours:
        assert f'fill="{colour}"' in html
    assert "maplabel" not in html  # no bare ids on the map
    assert render_html(PERSONAS, segmentation(), {}, None).count('class="legend"') == 0


def test_the_card_face_shows_claims_with_share_and_one_quote_and_no_ids():
    html = render_html(PERSONAS, segmentation(), {}, mapping())
    face = outside_details(html)
    for p in PERSONAS:
        for _, c in [("who", p.who[0]), *p.claims()]:
            item = face[face.index(c.text):]
            item = item[:item.index("</li>")]
            assert f"{c.prevalence:.0%}" in item and c.quote.text in item
        for text in ("writer.claim@7", p.provenance.chat_model, p.provenance.segmentation_run,
                     p.id, "kwstudent"):
            assert text not in face, text
    assert not HEX.search(face)


def test_a_claim_counted_in_two_languages_shows_a_quote_in_each():
    p = persona("g1", "Students on a budget", 1000)
    c = p.pain_points[0]
    c.quote.lang = "en"
    c.other_quotes = [Quote(text="手续费吃掉了一半工资。", doc_id=_id(1099), lang="zh")]
    html = render_html([p], segmentation(), {}, mapping())
    item = outside_details(html)[outside_details(html).index(c.text):]
    item = item[:item.index("</li>")]
    assert c.quote.text in item and "手续费吃掉了一半工资。" in item
    assert "> “手续费吃掉了一半工资。”" in render_markdown([p], segmentation(), {})


def test_nearby_groups_differing_in_the_same_words_share_one_line():
    from agent.persona.schema import Differentiator

    p = persona("g1", "Students on a budget", 1000)
    words = ["kwfee", "kwstudent"]
    p.differentiators = [Differentiator(versus=g, text=f"vs {g}", distinctive_keywords=words)
                         for g in ("g2", "g3")]
    md_text = render_markdown([p], segmentation(), {})
    # the demo deck said the same sentence once per nearby group
    lines = [line for line in md_text.splitlines() if "talk more about" in line]
    assert lines == ["- Compared with kwcard, kwabroad and kwkids, kwpocket, they talk more "
                     "about kwfee, kwstudent"]   # (groups without a persona: their keywords)


def test_the_details_disclosure_holds_ids_prompts_and_model():
    html = render_html(PERSONAS, segmentation(), {}, None)
    details = re.findall(r"<details.*?</details>", html, flags=re.S)
    assert len(details) == len(PERSONAS) + 1  # one per card, one about the deck
    for p, d in zip(PERSONAS, details, strict=False):
        for _, c in p.claims():
            assert all(i in d for i in c.evidence_ids) and c.quote.doc_id in d
        assert p.quotes[0].doc_id in d and "writer.claim@7" in d and "writer.name@3" in d
        assert p.provenance.chat_model in d and "2 of 3" in d  # model-written claims kept
    assert "script-src 'none'" in html and "<script" not in html


PLAIN = ["They're 74 (retired) and love it! 5+ stars, #1 app.",
         "Pays rent - splits bills; uses snake_case names & ~20 % off.",
         "退款没到，怎么办？（急）", "100% of them want C:\\Users fixed.", "Score: 4.5/5 + free."]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_needs_no_markdown_escapes(text):
    assert md(text) == text
    assert "\\" not in md(text).replace("C:\\Users", "")


HOSTILE = {"[click](http://evil.example)": "<a", "![x](http://evil.example/x.png)": "<img",
           "<img src=x onerror=alert(1)>": "<img", "<script>alert(1)</script>": "<script",
           "**bold** and _em_": "<strong", "`code`": "<code", "# Heading": "<h1",
           "> quoted": "<blockquote", "- item": "<li", "1. item": "<ol", "---": "<hr",
           "&lt;script&gt;": "&lt;script", "<http://evil.example>": "<a"}


@pytest.mark.parametrize("text,markup", list(HOSTILE.items()))
def test_markdown_escaping_keeps_user_text_inert(text, markup):
    out = MarkdownIt("commonmark").render(md(text))
    assert markup not in out and out.startswith("<p>"), out
    assert "https\\://" in md("see https://evil.example") and "www\\." in md("www.evil.example")


def test_deck_md_has_no_stray_backslashes():
    out = render_markdown(PERSONAS, segmentation(), {})
    assert "\\" not in out, [line for line in out.splitlines() if "\\" in line]
    assert "## Students on a budget (g1)" in out and "(mostly fees)" in out
    assert "52% · 21 texts" in out and "“Please add a student discount!”" in out
    face = re.sub(r"<details>.*?</details>", "", out, flags=re.S)
    assert not HEX.search(face) and "writer.claim@7" not in face
    assert _id(1010) in out and "writer.claim@7" in out  # behind the disclosure
    rendered = MarkdownIt("commonmark").enable("table").render(out)
    assert "<table>" in rendered and rendered.count("<details>") == len(PERSONAS)


@pytest.fixture
def old_workspace(tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(V1, ws)
    return ws


def test_deck_pdf_without_chromium_exits_2_and_still_writes_the_html(cli, old_workspace,
                                                                   tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("-w", old_workspace, "deck", "--pdf",
            env={"PATH": str(empty), "PLAYWRIGHT_BROWSERS_PATH": str(empty)})
    assert r.code == 2, r.stderr
    assert "chromium" in r.stderr and "google-chrome" in r.stderr and str(empty) in r.stderr
    assert (old_workspace / "deck" / "index.html").is_file()
    assert not (old_workspace / "deck" / "deck.pdf").exists()


def test_deck_pdf_with_chromium(cli, old_workspace):
    from agent.deck.pdf import find_chromium

    require(find_chromium() is not None, "no Chromium on PATH (apt-get install chromium)")
    r = cli("-w", old_workspace, "--json", "deck", "--pdf")
    assert r.code == 0, r.stderr
    pdf = old_workspace / "deck" / "deck.pdf"
    assert r.json["pdf"] == str(pdf) and pdf.read_bytes()[:4] == b"%PDF"
    assert pdf.stat().st_size > 5_000


@pytest.fixture
def served_workspace(old_workspace):
    """The old workspace with today's personas (claims with quotes) written into it."""
    for f in (old_workspace / "personas").glob("persona-*.json"):
        f.unlink()
    for p in PERSONAS:
        (old_workspace / "personas" / f"{p.id}.json").write_text(p.model_dump_json(),
                                                                encoding="utf-8")
    return old_workspace


def _app(ws, token=None):
    from agent.api.app import create_app
    from agent.config import load_settings
    from agent.project import build_project

    return create_app(build_project(load_settings(ws)), token=token, use_llm=False)


def test_the_deck_is_served_at_deck(served_workspace):
    from fastapi.testclient import TestClient

    (served_workspace / "labels.json").write_text('{"labels": {"g2": "Globetrotters"}}')
    r = TestClient(_app(served_workspace)).get("/deck")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'none'" in r.headers["content-security-policy"]
    assert "Students on a budget" in r.text and "Globetrotters" in r.text  # labels, current
    assert r.text.count('<article class="card"') == 2 and "<script" not in r.text
    assert "Evidence and provenance" in r.text and _id(1010) in r.text


def test_the_deck_follows_the_token_rules(served_workspace):
    from fastapi.testclient import TestClient

    c = TestClient(_app(served_workspace, token="s3cret-token"))
    assert c.get("/deck").status_code == 401
    assert c.get("/deck", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/deck?token=wrong").status_code == 401
    assert c.get("/deck", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    assert c.get("/deck?token=s3cret-token").status_code == 200  # opened from the page's link
    assert c.get("/segments?token=s3cret-token").status_code == 401  # the API still needs a header


def test_no_personas_no_deck(old_workspace):
    from fastapi.testclient import TestClient

    for f in (old_workspace / "personas").glob("persona-*.json"):
        f.unlink()
    r = TestClient(_app(old_workspace)).get("/deck")
    assert r.status_code == 404 and "persona generate" in r.json()["error"]


@pytest.mark.e2e
def test_the_served_page_shows_full_personas_and_links_the_deck(served_workspace):
    from tests.browser import chromium_page, served

    with served(_app(served_workspace, token="tok")) as url, chromium_page() as (page, errors):
        page.goto(url + "/?token=tok")
        page.wait_for_selector("article.card .claim")
        face = page.inner_text("main")
        for p in PERSONAS:
            assert p.name in face
            for _, c in [("who", p.who[0]), *p.claims()]:
                assert c.text in face and f"{c.prevalence:.0%}" in face and c.quote.text in face
        assert not HEX.search(face) and "writer.claim@7" not in face
        assert page.locator("article.card details").count() == len(PERSONAS)
        page.locator("article.card details").first.evaluate("d => d.open = true")
        assert _id(1010) in page.inner_text("main")
        bars = page.inner_text("#bars")
        assert "Students on a budget" in bars and "Travellers abroad" in bars
        page.click("#deck-link")
        page.wait_for_selector("article.card")
        assert page.url.endswith("/deck?token=tok")
        assert page.evaluate("document.scripts.length") == 0
        assert "Students on a budget" in page.inner_text("main")
    assert not errors


def test_a_mixed_language_persona_says_what_its_texts_are_in():
    from types import SimpleNamespace

    from agent.deck.render import language_line

    p = SimpleNamespace(language="en")
    # the demo's older customers: about half of their texts are Chinese, and the card said
    # only "Written in English"
    mixed = SimpleNamespace(languages={"en": 58, "zh": 50, "und": 3})
    assert language_line(p, mixed) == "Texts: 52% English, 45% Chinese; written in English"
    assert language_line(p, SimpleNamespace(languages={"en": 97, "zh": 3})) == \
        "Written in English"
    assert language_line(SimpleNamespace(language="zh"), None) == "Written in Chinese"
