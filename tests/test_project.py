"""The Project and its stages in-process: an embedded store, the real embedders and a
scripted model — no model server, no Chroma server (the fast layer). One workspace for the
module; each test says what it may change."""

import json
import re

import pytest

from agent.config import load_settings
from agent.llm.errors import ModelUnavailable
from agent.project import build_project
from tests.conftest import DEMO_META
from tests.fakes import ScriptedChatModel, obedient, scripted_llm
from tests.test_eval_equivalence import small_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return small_corpus(tmp_path_factory.mktemp("corpus"), per_group=20)


@pytest.fixture(scope="module")
def ran(tmp_path_factory, corpus):
    """`persona run` on a small slice of the demo corpus, then the same run again."""
    ws = tmp_path_factory.mktemp("project") / "ws"
    model = ScriptedChatModel.of(fn=obedient)
    project = build_project(load_settings(ws), llm=scripted_llm(model))
    options = project.ingest_options(meta_cols=DEMO_META)
    first = project.run([corpus], options)
    calls = len(model.prompts)
    second = project.run([corpus], options)
    return project, first, second, calls, len(model.prompts) - calls


def test_run_does_every_stage_and_a_rerun_only_missing_work(ran):
    project, first, second, calls, calls_again = ran
    assert first.ingest.added == first.ingest.records > 100
    assert first.generate.personas == len(first.segment.groups) >= 3
    assert first.generate.degraded == 0 and calls == first.generate.llm_calls > 0
    assert first.deck.personas == first.generate.personas
    html = (project.artifacts.deck_dir / "index.html").read_text(encoding="utf-8")
    assert all(p.name in html for p in project.artifacts.personas())
    assert second.ingest.added == 0 and second.segment.kept_previous
    assert second.generate.kept == first.generate.personas and calls_again == 0
    slowest = first.generate.slowest_call   # which call was slowest, named by what it was for
    assert slowest and re.split(r"[./]", slowest["for"])[0] in {
        p.subject_id for p in project.artifacts.personas()}
    status = project.status()
    assert status.records == first.ingest.records and not status.stale
    assert {"ingest", "segment", "generate", "deck"} <= set(status.stages)


def test_search_ask_and_export_read_what_the_stages_wrote(ran, tmp_path):
    project, first, *_ = ran
    hits = project.search("the monthly fee is too expensive for students", k=5).hits
    assert len(hits) == 5 and all(h.group_id and h.segment_id for h in hits)
    answer = project.ask("Which users say the monthly fee is too expensive for a student "
                         "budget?", min_support=2, use_llm=False)
    assert answer.counts and answer.counts[0].count >= 2 and answer.citations
    out = project.export(tmp_path / "records.jsonl")
    rows = [json.loads(x) for x in (tmp_path / "records.jsonl").read_text().splitlines()]
    assert out.records == len(rows) == first.ingest.records
    assert all(r["parent_id"] for r in rows)


def test_an_unavailable_model_stops_generate_and_keeps_the_personas(ran, tmp_path):
    project, *_ = ran
    before = {p.name: p.read_bytes() for p in project.artifacts.personas_dir.glob("*.json")}

    def down():
        raise ModelUnavailable("cannot connect to the model server at http://127.0.0.1:9/v1")

    other = build_project(project.settings, llm=down)
    with pytest.raises(ModelUnavailable):
        other.generate(other.generate_options(min_support=2))  # new inputs: must regenerate
    after = {p.name: p.read_bytes() for p in project.artifacts.personas_dir.glob("*.json")}
    assert after == before


def test_prompts_are_listed_and_validated(ran):
    project, *_ = ran
    refs = [p.ref for p in project.prompts().prompts]
    assert "writer.aspect@v1" in refs and "ask.answer@v1" in refs
    assert all(p.locked for p in project.prompts().prompts)
