"""End to end: the real embedders, an embedded Chroma and a `chroma run` server."""

import csv

import numpy as np
import pytest

from tests.conftest import DEMO_CORPUS

pytestmark = pytest.mark.e2e


def test_demo_corpus_picks_multilingual_and_stores_everything(tmp_path, cli, copy_demo):
    ws = tmp_path / "ws"
    r = cli("-w", ws, "--json", "ingest", copy_demo)
    assert r.code == 0, r.stderr
    s = r.json
    assert s["embedder"] == "multilingual:use-multilingual-v3"
    assert s["read"] == s["added"] + s["updated"] + s["unchanged"] + s["duplicates"] + s["rejected"]
    assert s["rejected"] == 4 and s["duplicates"] >= 4
    assert {"email", "phone", "card", "id_number", "user_id"} <= set(s["redactions"])
    st = cli("-w", ws, "--json", "status").json
    assert st["languages"]["en"] > 250 and st["languages"]["zh"] > 250
    assert st["users"] > 90
    again = cli("-w", ws, "--json", "ingest", copy_demo)
    assert again.json["added"] == 0 and again.json["records_written"] == 0


def test_english_text_picks_minilm_and_embeddings_are_normalised(tmp_path, cli):
    p = tmp_path / "en.csv"
    with open(p, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text"])
        w.writerows([[f"My card payment number {i} was declined at the shop"] for i in range(20)])
    ws = tmp_path / "ws"
    r = cli("-w", ws, "--json", "ingest", p)
    assert r.json["embedder"] == "minilm:all-MiniLM-L6-v2"
    from agent.workspace import Workspace
    from vectorstore.store import ChromaStore

    store = ChromaStore(Workspace(ws).default_collection(), path=ws / "chroma")
    got = store.get(include=["embeddings"], limit=5)
    vecs = np.asarray(got["embeddings"])
    assert vecs.shape == (5, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)


def test_chinese_never_goes_to_the_english_model_by_default(tmp_path, cli):
    p = tmp_path / "zh.txt"
    p.write_text("\n".join(["物流很快，包装很好"] * 3 + [f"第{i}次买了，质量不错" for i in range(10)]),
                 encoding="utf-8")
    r = cli("-w", tmp_path / "ws", "--json", "ingest", p)
    assert r.code == 0 and r.json["embedder"].startswith("multilingual")


def test_english_collection_warns_on_chinese_texts(tmp_path, cli):
    ws = tmp_path / "ws"
    en = tmp_path / "en.txt"
    en.write_text("the app is great\nsearch is slow\n", encoding="utf-8")
    cli("-w", ws, "ingest", en)
    zh = tmp_path / "zh.txt"
    zh.write_text("物流很快，包装很好\n质量不错，下次还买\n", encoding="utf-8")
    r = cli("-w", ws, "--json", "ingest", zh)
    assert r.code == 0 and "does not cover" in r.json["warning"]


def test_semantic_neighbours_are_sensible(tmp_path):
    from vectorstore.embedders.multilingual import MultilingualUSEEmbedder

    emb = MultilingualUSEEmbedder(threads=2)
    v = emb.embed(["我的快递还没到", "my parcel has not arrived yet", "the soup was too salty"])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.1  # cross-lingual: same meaning is closer


def test_ingest_against_a_chroma_server(tmp_path, cli, chroma_server):
    ws = tmp_path / "ws"
    args = ("-w", ws, "--chroma-url", chroma_server, "--collection", "server-test")
    r = cli(*args, "--json", "ingest", DEMO_CORPUS, "--embedder", "multilingual")
    assert r.code == 0, r.stderr
    added = r.json["added"]
    assert added > 600
    again = cli(*args, "--json", "ingest", DEMO_CORPUS)
    assert again.json["added"] == 0 and again.json["unchanged"] == added
    st = cli(*args, "status", "--json").json
    assert st["records"] == added and st["store"] == chroma_server
    assert not (ws / "chroma").exists()  # nothing went to the embedded store


def test_unreachable_chroma_server_is_a_clear_error(tmp_path, cli):
    from tests.conftest import free_port

    r = cli("-w", tmp_path / "ws", "--chroma-url", f"http://127.0.0.1:{free_port()}", "status")
    assert r.code == 1 and "cannot reach the Chroma server" in r.stderr
    assert "Traceback" not in r.stderr
