"""Erasure that erases (issue 17, finding 2): after `persona forget`, the erased texts and
the user id occur in no file of the workspace — Chroma's write-ahead log and free pages, the
sentence-unit collection, aspects, personas, the deck, segment_users.json, the model cache
and the logs included — while everything else keeps working. With a Chroma server, forget
says what the server keeps. Real Chroma and a real embedder; the persona model is scripted
(it obeys, and its first answer to a prompt holding a planted text echoes that text, which
the log records)."""

import csv
import logging
from pathlib import Path

import pytest

from agent.config import load_settings
from agent.project import build_project
from tests.conftest import DEMO_CORPUS, DEMO_META
from tests.fakes import ScriptedChatModel, obedient, scripted_llm

pytestmark = pytest.mark.e2e
CANARY = "Zqxcanary"           # planted in the erased user's texts (Zqxcanary0, Zqxcanary1, ...)
USER = "carol-zqx-0917"        # their user id (not an e-mail: stored as it is)


PLANTED = 105   # every travellers' text of the demo: so the group's largest aspects, the ones
                # the model is asked about first, carry the canary in their examples


def planted_corpus(tmp_path: Path, planted: int = PLANTED) -> Path:
    """The demo corpus plus ``planted`` texts by USER: copies of travellers' texts with a
    canary word inside their first sentence (so quotes and aspect examples carry it)."""
    with open(DEMO_CORPUS, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    extra = []
    for i, r in enumerate([r for r in rows if r["group"] == "travellers"][:planted]):
        words = r["text"].split(" ")
        words.insert(2, f"{CANARY}{i}")
        extra.append({**r, "text": " ".join(words), "user_id": USER})
    path = tmp_path / "reviews.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["text", "user_id", *DEMO_META.split(",")],
                           extrasaction="ignore")
        w.writeheader()
        w.writerows(rows + extra)
    return path


def echoing_model():
    """Obedient, except that its first answer to a prompt holding a canary is not JSON but
    the planted comment itself (rejected, and logged with the answer)."""
    import re

    def reply(prompt: str) -> str:
        if CANARY in prompt and "previous answer was rejected" not in prompt:
            found = re.findall(rf"<comment>([^<]*{CANARY}[^<]*)</comment>", prompt)
            if found:
                return f"They said: {found[-1]}"
        return obedient(prompt)

    return ScriptedChatModel.of(fn=reply)


def files_holding(root: Path, needles: list[str]) -> dict[str, list[str]]:
    """Every file under ``root`` whose bytes hold one of ``needles`` (UTF-8), by path."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits = [n for n in needles if n.encode("utf-8") in data]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def test_forget_leaves_no_trace_in_any_file_of_an_embedded_workspace(tmp_path, cli, caplog):
    caplog.set_level(logging.DEBUG)  # as the CLI logs: the file log takes every level
    ws = tmp_path / "ws"
    data = planted_corpus(tmp_path)
    project = build_project(load_settings(ws), llm=scripted_llm(
        echoing_model(), cache_dir=ws / "cache" / "llm"))
    project.ingest([data], project.ingest_options(meta_cols=DEMO_META))
    project.segment()
    project.generate(project.generate_options(support_threshold=0.43))
    project.deck()
    project.ask("Who complains about hotel deposits abroad?", use_llm=False)  # aspects files
    before_records = project.status().records
    stored = len(project.providers.store().find("user", [USER]))   # the planted rows kept
    assert stored >= PLANTED - 3, stored                        # (a broken row is rejected)
    project.providers.forget_store()

    needles = [CANARY, USER]
    before = files_holding(ws, needles)
    # the setup is meaningful: the planted texts reached the store's files and what was
    # derived from them (users, personas or the deck, the log, the model cache)
    assert "chroma/chroma.sqlite3" in before and "segment_users.json" in before, before
    assert any(p.startswith(("personas/", "deck/")) for p in before), before
    assert "logs/persona.log" in before and any(p.startswith("cache/") for p in before), before

    r = cli("-w", ws, "--json", "forget", "--user", USER)
    assert r.code == 0, r.stderr
    out = r.json
    assert out["deleted"] == stored and out["records"] == before_records - stored

    left = files_holding(ws, needles)
    assert not left, f"after forget the erased text or user id is still in: {left}"

    # what is left still works, and says what changed
    after = build_project(load_settings(ws))
    status = after.status()
    assert status.records == before_records - stored
    assert {"generate", "deck"} <= set(status.stale)
    personas = after.artifacts.personas()
    assert personas and all(CANARY not in p.model_dump_json() for p in personas)
    hits = after.search("hotel deposits stay on hold for weeks", k=5)
    assert hits.as_json()["hits"]
    assert (ws / "deck" / "index.html").exists()  # regenerated, not left quoting the texts


def test_forget_on_a_chroma_server_says_what_the_server_keeps(tmp_path, cli, chroma_server):
    ws = tmp_path / "ws"
    data = tmp_path / "few.csv"
    data.write_text("text,user_id\n" + "".join(
        f"The card was blocked at the airport again ({i}),{'dave-42' if i < 3 else f'u{i}'}\n"
        for i in range(12)), encoding="utf-8")
    assert cli("-w", ws, "--chroma-url", chroma_server, "ingest", data, "--embedder",
               "minilm").code == 0
    r = cli("-w", ws, "--json", "forget", "--user", "dave-42")
    assert r.code == 0, r.stderr
    assert r.json["deleted"] == 3
    keeps = r.json.get("store_keeps") or ""
    assert "write-ahead log" in keeps and "chroma vacuum" in keeps, r.json
    assert "chroma vacuum" in r.stderr and chroma_server in r.stderr


def test_erasing_records_the_vector_index_has_not_synced_leaves_no_log_entry(tmp_path):
    """Chroma keeps a write in its log until the HNSW index persists (every 1,000
    operations): a few records added after a large ingest are still there, documents and
    metadata included, when they are deleted — vacuum alone cannot purge them."""
    import numpy as np

    from vectorstore.store import ChromaStore, erase_embedded

    path = tmp_path / "chroma"
    store = ChromaStore("erase-test", path=path)
    rng = np.random.default_rng(0)
    store.add([f"a{i}" for i in range(1200)], rng.random((1200, 8)),
              [f"an ordinary text {i}" for i in range(1200)], [{"user": "u"}] * 1200)
    store.add([f"s{i}" for i in range(5)], rng.random((5, 8)),
              [f"{CANARY} secret text {i}" for i in range(5)], [{"user": USER}] * 5)
    store.close()
    assert CANARY.encode() in (path / "chroma.sqlite3").read_bytes()
    erase_embedded(path, {"erase-test": [f"s{i}" for i in range(5)]})
    assert not files_holding(path, [CANARY, USER])
    store = ChromaStore("erase-test", path=path)
    assert store.count() == 1200
    assert len(store.query(rng.random(8), 5)["ids"]) == 5
    assert store.collection.configuration_json["hnsw"]["sync_threshold"] == 1000  # restored
    store.close()
