"""What a workspace remembers (its pinned store, its LLM endpoint) and what a failed ingest
leaves behind (nothing but the log). Real Chroma (embedded and `chroma run`), real embedder."""

import csv
import json
from urllib.parse import urlparse

import pytest

from agent.config import load_settings
from agent.project import build_project
from tests.conftest import DEMO_CORPUS, DEMO_META

pytestmark = pytest.mark.e2e


def demo_slice(tmp_path, n=30, name="reviews.csv"):
    """The first ``n`` rows of the demo corpus (its ``group`` column is left out)."""
    with open(DEMO_CORPUS, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:n]
    p = tmp_path / name
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["text", "user_id", *DEMO_META.split(",")],
                           extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return p


def test_a_chroma_server_workspace_is_remembered(tmp_path, cli, chroma_server, monkeypatch):
    ws = tmp_path / "ws2"
    data = demo_slice(tmp_path)
    r = cli("-w", ws, "--chroma-url", chroma_server, "--json", "ingest", data, "--embedder",
            "minilm", "--meta-cols", DEMO_META)
    assert r.code == 0, r.stderr
    stored = r.json["records"]
    # later commands find the server without the flag, and create no local store
    st = cli("-w", ws, "status", "--json")
    assert st.code == 0, st.stderr
    s = st.json
    assert s["records"] == stored > 0 and s["store"] == chroma_server
    assert s["pinned"]["chroma_url"] == chroma_server
    assert s["pinned"]["collection"] == s["collection"]
    assert s["pinned"]["embedder"].startswith("minilm")
    assert not (ws / "chroma").exists()
    human = cli("-w", ws, "status").stdout
    port = str(urlparse(chroma_server).port)
    assert "pinned on the first ingest" in human and port in human
    assert "no records yet" not in human
    # the same server given again (another spelling) is fine; another one is not
    assert cli("-w", ws, "--chroma-url", chroma_server + "/", "status").code == 0
    r = cli("-w", ws, "--chroma-url", "http://127.0.0.1:1", "status")
    assert r.code == 2
    assert f":{port}" in r.stderr and "--chroma-url" in r.stderr
    assert "-w NEW_DIR" in r.stderr and "persona reset" in r.stderr
    r = cli("-w", ws, "ingest", data, "--embedder", "multilingual")
    assert r.code == 2 and "embedder minilm" in r.stderr and "--embedder" in r.stderr
    r = cli("-w", ws, "status", env={"PERSONA_CHROMA__COLLECTION": "someone-else"})
    assert r.code == 2 and "PERSONA_CHROMA__COLLECTION" in r.stderr
    monkeypatch.delenv("PERSONA_CHROMA__COLLECTION")
    # an embedded workspace does not silently move to a server either
    local = tmp_path / "local"
    assert cli("-w", local, "ingest", data, "--embedder", "minilm").code == 0
    r = cli("-w", local, "--chroma-url", chroma_server, "status")
    assert r.code == 2 and "embedded store" in r.stderr
    # reset empties the pinned store (even with a contradicting flag) and forgets the pin
    assert cli("-w", ws, "--chroma-url", "http://127.0.0.1:1", "reset", "--yes").code == 0
    assert cli("-w", ws, "--chroma-url", chroma_server, "status", "--json").json["pinned"] is None


def test_the_llm_endpoint_is_a_default_any_command_overrides(tmp_path):
    ws = tmp_path / "ws"
    (ws / "logs").mkdir(parents=True)
    first = build_project(load_settings(ws, llm={"base_url": "http://127.0.0.1:9/v1",
                                                 "model": "team-model"}))
    first.providers.llm_runtime()  # the model is about to be used: remembered
    again = build_project(load_settings(ws))
    assert (again.settings.llm.base_url, again.settings.llm.model) == (
        "http://127.0.0.1:9/v1", "team-model")
    other = build_project(load_settings(ws, llm={"base_url": "http://127.0.0.1:10/v1"}))
    assert other.settings.llm.base_url == "http://127.0.0.1:10/v1"
    assert other.settings.llm.model is None  # an endpoint is taken as a whole
    assert json.loads((ws / "state.json").read_text())["llm"]["model"] == "team-model"
    variant = first.with_settings(first.settings.model_copy(
        update={"llm": first.settings.llm.model_copy(update={"model": "eval-variant"})}))
    variant.providers.llm_runtime()  # an eval variant's endpoint is never remembered
    assert build_project(load_settings(ws)).settings.llm.model == "team-model"


def entries(ws):
    return sorted(p.name for p in ws.iterdir())


def test_a_bad_file_into_a_fresh_workspace_leaves_only_logs(tmp_path, cli):
    ws = tmp_path / "ws"
    bad = tmp_path / "bad.csv"
    bad.write_text("name,stars\nbob,5\n", encoding="utf-8")
    good = demo_slice(tmp_path, 5)
    r = cli("-w", ws, "ingest", good, bad)  # a good file first: still nothing is stored
    assert r.code == 2 and "no text column" in r.stderr
    assert entries(ws) == ["logs"]
    assert "no text column" in (ws / "logs" / "persona.log").read_text()


class BrokenEmbedder:
    """An embedder whose model cannot run (like a missing or damaged model file)."""

    model_id = "minilm:broken"
    dim = 384

    def embed(self, texts):
        from vectorstore.errors import DependencyMissing

        raise DependencyMissing("the embedding model could not be loaded")

    def covers(self, language):
        return True


def test_a_failed_first_ingest_takes_back_its_store_and_state(tmp_path, cli, monkeypatch):
    from agent.project.providers import Providers

    ws = tmp_path / "ws"
    data = demo_slice(tmp_path, 8)
    real = Providers.embedder
    monkeypatch.setattr(Providers, "embedder", lambda self, kind, model: BrokenEmbedder())
    r = cli("-w", ws, "ingest", data, "--embedder", "minilm")
    assert r.code == 1 and "could not be loaded" in r.stderr
    assert set(entries(ws)) <= {"logs", ".lock"}  # no chroma/, state.json, secret.key
    monkeypatch.setattr(Providers, "embedder", real)
    r = cli("-w", ws, "--json", "ingest", data, "--embedder", "minilm")
    assert r.code == 0, r.stderr
    assert r.json["added"] == r.json["records"] > 0


def test_a_failed_ingest_changes_nothing_in_an_existing_workspace(tmp_path, cli, monkeypatch):
    from agent.project.providers import Providers

    ws = tmp_path / "ws"
    data = demo_slice(tmp_path, 12)
    assert cli("-w", ws, "ingest", data, "--embedder", "minilm").code == 0
    def rejects_file() -> bytes | None:   # no rejects yet: no file (it only ever grows)
        path = ws / "rejects.jsonl"
        return path.read_bytes() if path.exists() else None

    state, rejects = (ws / "state.json").read_bytes(), rejects_file()
    records = cli("-w", ws, "status", "--json").json["records"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,stars\nbob,5\n", encoding="utf-8")
    assert cli("-w", ws, "ingest", bad).code == 2
    more = demo_slice(tmp_path, 20, "more.csv")
    monkeypatch.setattr(Providers, "embedder", lambda self, kind, model: BrokenEmbedder())
    assert cli("-w", ws, "ingest", more).code == 1
    assert (ws / "state.json").read_bytes() == state
    assert rejects_file() == rejects
    assert (ws / "chroma").is_dir()
    monkeypatch.undo()
    assert cli("-w", ws, "status", "--json").json["records"] == records
