"""The smaller findings of issue 17 (item 9), one test each: a dead model endpoint, the
user's own loopback address in messages and logs, the rejects history, private workspace
files, numbers in the text column, bidi controls, a header-only file, the embedding
dimension in status. Ingest runs in-process with the hash embedder (tests/conftest.py)."""

import json
import logging
import os
import socket
import stat
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT, HashEmbedder


@pytest.fixture
def hashed(monkeypatch):
    """Every embedder the CLI asks for is the hash embedder (fast, deterministic)."""
    import agent.project.providers as providers

    monkeypatch.setattr(providers, "_EMBEDDERS", {})
    monkeypatch.setattr(providers.Providers, "_new_embedder",
                        lambda self, kind, model: HashEmbedder())


def csv_file(path, rows, header="text,user_id"):
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on return: connecting is refused


# -- a dead model endpoint ----------------------------------------------------------------------
def test_a_dead_model_endpoint_is_one_line_with_its_address_as_given(tmp_path):
    port = closed_port()
    url = f"http://127.0.0.1:{port}/v1"
    out = subprocess.run([sys.executable, "-m", "agent.cli", "-w", str(tmp_path / "ws"), "llm",
                          "check"], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT),
                              "PERSONA_LLM__BASE_URL": url, "PERSONA_LLM__MODEL": "m",
                              "PERSONA_LLM__TIMEOUT": "3", "PERSONA_LLM__MAX_RETRIES": "0"},
                         check=False)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    lines = [x for x in out.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "<IP>" not in lines[0]


def test_the_scrubber_keeps_the_users_own_loopback_address():
    from agent.logs import RedactingFilter, scrub

    # not a configured endpoint: the local model server persona starts, a Chroma on loopback
    msg = ("llama.cpp server at http://127.0.0.1:41877/v1 did not answer; chroma at "
           "[::1]:8000 and 127.0.0.5 refused; a visitor from 203.0.113.9 and 2001:db8::7")
    kept = scrub(msg)
    assert "http://127.0.0.1:41877/v1" in kept and "[::1]:8000" in kept and "127.0.0.5" in kept
    assert "203.0.113.9" not in kept and "2001:db8::7" not in kept and kept.count("<IP>") == 2
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "cannot reach %s",
                               ("http://127.0.0.1:9/v1",), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "cannot reach http://127.0.0.1:9/v1"


# -- rejects ------------------------------------------------------------------------------------
def test_rejects_keep_earlier_runs_and_each_entry_names_its_run(tmp_path, cli, hashed):
    ws = tmp_path / "ws"
    a = csv_file(tmp_path / "a.csv", ["good one here,u1", ",u2", "\u202e,u3"])
    b = csv_file(tmp_path / "b.csv", ["another good text,u4", ",u5"])
    assert cli("-w", ws, "ingest", a, "--embedder", "minilm").code == 0
    assert cli("-w", ws, "ingest", b).code == 0
    assert cli("-w", ws, "ingest", b).code == 0  # its rejects again, under a third run
    entries = [json.loads(x) for x in (ws / "rejects.jsonl").read_text().splitlines()]
    assert [(os.path.basename(e["file"]), e["row"]) for e in entries] == \
        [("a.csv", 3), ("a.csv", 4), ("b.csv", 3), ("b.csv", 3)]  # line numbers
    runs = [e["run"] for e in entries]
    assert runs[0] == runs[1] and len({runs[0], runs[2], runs[3]}) == 3
    assert all(e["at"] for e in entries)
    # an ingest that reads no rows keeps the history too
    empty = csv_file(tmp_path / "empty.csv", [])
    assert cli("-w", ws, "ingest", empty).code == 2
    assert len((ws / "rejects.jsonl").read_text().splitlines()) == 4


# -- permissions --------------------------------------------------------------------------------
def test_workspace_files_and_folders_are_private(tmp_path, cli, hashed):
    ws = tmp_path / "ws"
    data = csv_file(tmp_path / "t.csv", [f"text number {i} about cards,u{i}" for i in range(30)]
                    + [",u99"])
    assert cli("-w", ws, "ingest", data, "--embedder", "minilm").code == 0
    assert cli("-w", ws, "segment").code == 0
    assert cli("-w", ws, "status").code == 0
    open_to_others = []
    for root, dirs, files in os.walk(ws):
        for name in dirs + files:
            path = os.path.join(root, name)
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            if mode & 0o077:
                open_to_others.append(f"{oct(mode)} {os.path.relpath(path, ws)}")
    if stat.S_IMODE(os.stat(ws).st_mode) & 0o077:
        open_to_others.append(f"{oct(stat.S_IMODE(os.stat(ws).st_mode))} .")
    assert not open_to_others, open_to_others
    names = {os.path.relpath(os.path.join(r, n), ws) for r, _, fs in os.walk(ws) for n in fs}
    assert {"chroma/chroma.sqlite3", "logs/persona.log", "rejects.jsonl"} <= names
    # what an older version left open is made private by the next command that writes
    os.chmod(ws / "chroma" / "chroma.sqlite3", 0o644)
    os.chmod(ws / "logs", 0o755)
    assert cli("-w", ws, "segment").code == 0
    assert stat.S_IMODE(os.stat(ws / "chroma" / "chroma.sqlite3").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(ws / "logs").st_mode) == 0o700


# -- numbers, bidi, a header-only file ----------------------------------------------------------
def test_numbers_in_the_text_column_of_parquet_and_json_are_rejected(tmp_path, cli, hashed):
    ws = tmp_path / "ws"
    pq.write_table(pa.table({"text": [1, 2, 3], "user_id": ["a", "b", "c"]}),
                   tmp_path / "ints.parquet")
    (tmp_path / "nums.jsonl").write_text('{"text": 5}\n{"text": 2.5}\n{"text": "words"}\n')
    r = cli("-w", ws, "--json", "ingest", tmp_path / "ints.parquet", "--embedder", "minilm")
    assert r.code == 0 and r.json["rejected"] == 3 and r.json["added"] == 0, r.stdout
    r = cli("-w", ws, "--json", "ingest", tmp_path / "nums.jsonl")
    assert r.json["rejected"] == 2 and r.json["added"] == 1
    reasons = [json.loads(x)["reason"] for x in (ws / "rejects.jsonl").read_text().splitlines()]
    assert all("holds a number" in x and "--text-col" in x for x in reasons)
    named = cli("-w", ws, "--json", "ingest", tmp_path / "ints.parquet", "--text-col", "text")
    assert named.json["added"] == 3 and named.json["rejected"] == 0


def test_bidi_controls_are_removed_and_a_text_of_only_them_is_rejected(tmp_path, cli, hashed):
    from vectorstore.clean import clean_text

    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    assert clean_text(controls) == ""
    assert clean_text("pay \u202eevil\u202c now \u2067x\u2069") == "pay evil now x"
    ws = tmp_path / "ws"
    data = csv_file(tmp_path / "b.csv", ["\u202e\u202e,u1", f"{controls},u2",
                                         "refund \u202edeclined\u202c please,u3"])
    r = cli("-w", ws, "--json", "ingest", data, "--embedder", "minilm")
    assert r.code == 0 and r.json["added"] == 1 and r.json["rejected"] == 2, r.stdout
    out = tmp_path / "out.jsonl"
    assert cli("-w", ws, "export", "--out", out).code == 0
    assert [json.loads(x)["text"] for x in out.read_text().splitlines()] == \
        ["refund declined please"]


def test_a_header_only_csv_exits_2_with_a_line_naming_the_file(tmp_path, cli, hashed):
    data = csv_file(tmp_path / "header_only.csv", [])
    r = cli("-w", tmp_path / "ws", "ingest", data, "--embedder", "minilm")
    assert r.code == 2
    assert "header_only.csv" in r.stderr and "no rows" in r.stderr, r.stderr


# -- the embedding dimension in status ----------------------------------------------------------
def test_status_shows_the_dimension_it_can_learn_not_0_d(tmp_path, cli, hashed):
    from agent.config import load_settings
    from agent.project import build_project

    ws = tmp_path / "ws"
    data = csv_file(tmp_path / "t.csv", ["first text,u1", "second text,u2"])
    assert cli("-w", ws, "ingest", data, "--embedder", "minilm").code == 0
    store = build_project(load_settings(ws)).providers.store()
    store.set_info(embedding_dim=0)  # what an OpenAI-compatible embedder recorded before
    r = cli("-w", ws, "status")
    assert "(16-d)" in r.stdout and "0-d" not in r.stdout, r.stdout
    assert cli("-w", ws, "--json", "status").json["embedding_dim"] == 16
