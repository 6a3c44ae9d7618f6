"""Workspaces written by the previous release keep loading (migration on read)."""

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agent.artifacts import Artifacts
from agent.persona.schema import SCHEMA_VERSION, load_persona
from agent.workspace import Workspace
from vectorstore.segment.artifact import Level, parse_segmentation

V1 = Path(__file__).parent / "fixtures" / "v1"


@pytest.fixture
def old_workspace(tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(V1, ws)
    return ws


def test_a_version_1_segmentation_migrates(old_workspace):
    raw = json.loads((V1 / "segments.json").read_text())
    assert raw["schema_version"] == 1 and "k" in raw["params"]
    run = Artifacts(Workspace(old_workspace)).segmentation()
    assert run.schema_version == 2 and run.params.neighbors == raw["params"]["k"]
    assert run.run_id == raw["run_id"] and run.records == raw["records"]
    assert [g.id for g in run.groups] == [g["id"] for g in raw["groups"]]
    assert run.unit(Level.GROUP, "g1").segments == raw["groups"][0]["segments"]
    for seg in run.segments:
        assert run.unit(Level.GROUP, seg.parent) is not None
    # written back in the current schema, it reads the same
    again = parse_segmentation(json.loads(run.model_dump_json()))
    assert again == run


def test_version_1_personas_migrate_and_say_what_they_describe(old_workspace):
    for path in sorted((V1 / "personas").glob("persona-*.json")):
        raw = json.loads(path.read_text())
        assert raw["schema_version"] == "1.0" and raw["level"] == "group"
        p = load_persona(path.read_text())
        assert p.schema_version == SCHEMA_VERSION
        assert p.group_id == raw["segment_id"] and p.segment_id is None
        assert p.subject_id == raw["segment_id"] and p.name == raw["name"]
        assert [c.text for _, c in p.claims()] == [c["text"] for f in ("goals", "pain_points",
                                                                       "behaviours", "motivations")
                                                   for c in raw[f]]
    assert len(Artifacts(Workspace(old_workspace)).personas()) == 2


def test_a_version_1_segment_level_persona_migrates():
    raw = json.loads((V1 / "personas" / "persona-g1.json").read_text())
    raw.update(level="segment", segment_id="s3", id="persona-s3", sub_segments=[])
    p = load_persona(json.dumps(raw))
    assert p.level == "segment" and p.segment_id == "s3" and p.group_id is None


def test_the_api_serves_an_old_workspace(old_workspace):
    from agent.api.app import create_app
    from agent.config import load_settings
    from agent.project import build_project

    client = TestClient(create_app(build_project(load_settings(old_workspace)), use_llm=False))
    seg = client.get("/segments").json()
    assert seg["run_id"] == json.loads((V1 / "segments.json").read_text())["run_id"]
    personas = client.get("/personas").json()
    assert {p["group_id"] for p in personas} == {"g1", "g2"}
    assert client.get("/personas/g1").json()["level"] == "group"
