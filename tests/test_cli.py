"""The CLI contract: exit codes, messages, --json, lock, forget, reset, embedder mismatch,
help texts and where global options may go. In-process with the embedded store and no
model: the fast layer."""

import json
import re
import subprocess
import sys
import textwrap

import pytest
import typer.main

from agent.cli.argv import normalise
from agent.cli.main import app
from tests.conftest import DEMO_CORPUS


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_help_lists_commands(cli):
    r = cli("--help")
    assert r.code == 0
    for cmd in ("ingest", "status", "run", "forget", "reset", "llm", "prompts"):
        assert cmd in r.stdout
    from importlib.metadata import version

    v = cli("--version")
    assert v.code == 0 and v.stdout.strip() == f"persona (personakit) {version('personakit')}"


@pytest.mark.parametrize("content, needle", [
    ("name,stars\nbob,5\n", "no text column"),
    ("", "empty (0 bytes)"),
])
def test_unusable_input_exits_2_with_one_line(tmp_path, cli, workspace, content, needle):
    p = write(tmp_path, "in.csv", content)
    r = cli("-w", workspace, "ingest", p)
    assert r.code == 2
    assert needle in r.stderr and "in.csv" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_binary_file_and_unknown_column(tmp_path, cli, workspace):
    p = tmp_path / "blob.csv"
    p.write_bytes(bytes(range(256)) * 10)
    r = cli("-w", workspace, "ingest", p)
    assert r.code == 2 and "binary" in r.stderr
    q = write(tmp_path, "ok.csv", "text\nhello\n")
    r = cli("-w", workspace, "ingest", q, "--text-col", "body")
    assert r.code == 2 and "unknown column 'body'" in r.stderr and "text" in r.stderr


def test_bad_flag_value_exits_2(cli, workspace, tmp_path):
    q = write(tmp_path, "ok.csv", "text\nhello\n")
    assert cli("-w", workspace, "ingest", q, "--embedder", "bert").code == 2
    assert cli("-w", workspace, "ingest", q, "--chunk-tokens", "3").code == 2


def test_ingest_json_summary_status_and_strict(tmp_path, cli, workspace):
    p = write(tmp_path, "r.csv", "text,user_id\nthe app is great,u1\n,u2\nsearch is slow,u1\n")
    r = cli("-w", workspace, "--json", "ingest", p, "--embedder", "minilm", "--strict")
    assert r.code == 3  # finished, but a row was rejected
    s = r.json
    assert (s["read"], s["added"], s["rejected"]) == (3, 2, 1)
    assert s["read"] == s["added"] + s["updated"] + s["unchanged"] + s["duplicates"] + s["rejected"]
    rejects = [json.loads(x) for x in (workspace / "rejects.jsonl").read_text().splitlines()]
    assert [{k: v for k, v in e.items() if k not in ("run", "at")} for e in rejects] == \
        [{"file": str(p), "row": 3, "reason": "empty text after cleaning"}]
    assert rejects[0]["run"] == s["rejects_run"]
    st = cli("-w", workspace, "status", "--json").json
    assert st["records"] == 2 and st["users"] == 1 and st["embedder"].startswith("minilm")
    assert st["languages"] == {"en": 2} and "ingest" in st["stages"]


def test_embedder_mismatch_is_a_clear_error(tmp_path, cli, workspace):
    p = write(tmp_path, "r.csv", "text\nthe app is great\n")
    assert cli("-w", workspace, "ingest", p, "--embedder", "minilm").code == 0
    r = cli("-w", workspace, "ingest", p, "--embedder", "multilingual")
    assert r.code == 2
    assert "embedder minilm" in r.stderr and "-w NEW_DIR" in r.stderr


def test_forget_user_and_source(tmp_path, cli, workspace):
    p = write(tmp_path, "r.csv", "text,user_id\nfirst,alice@example.com\nsecond,bob\nthird,bob\n")
    assert cli("-w", workspace, "ingest", p, "--embedder", "minilm").code == 0
    r = cli("-w", workspace, "--json", "forget", "--user", "alice@example.com")
    assert r.code == 0 and r.json["deleted"] == 1  # found through the pseudonym
    assert cli("-w", workspace, "--json", "forget", "--user", "bob").json["deleted"] == 2
    st = cli("-w", workspace, "status", "--json").json
    assert st["records"] == 0
    assert "forget" in st["stages"]
    r = cli("-w", workspace, "forget", "--user", "x", "--source", "y")
    assert r.code == 2 and "exactly one" in r.stderr


def test_forget_ids_file(tmp_path, cli, workspace):
    p = write(tmp_path, "r.csv", "id,text\na1,first text\na2,second text\n")
    cli("-w", workspace, "ingest", p, "--id-col", "id", "--embedder", "minilm")
    ids = write(tmp_path, "ids.txt", "a1\nmissing\n")
    r = cli("-w", workspace, "--json", "forget", "--ids", ids)
    assert r.json["deleted"] == 1 and r.json["records"] == 1


def test_reset_needs_confirmation(tmp_path, cli, workspace):
    p = write(tmp_path, "r.csv", "text\nhello there\n")
    cli("-w", workspace, "ingest", p, "--embedder", "minilm")
    (workspace / "persona.toml").write_text("lock_timeout = 3\n")
    r = cli("-w", workspace, "reset")
    assert r.code == 2 and "--yes" in r.stderr
    assert cli("-w", workspace, "reset", "--yes").code == 0
    assert cli("-w", workspace, "status", "--json").json["records"] == 0
    assert (workspace / "persona.toml").exists()


def test_lock_blocks_a_second_writer(tmp_path, cli, workspace):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from agent.workspace import Workspace
        with Workspace(Path({str(workspace)!r})).lock("ingest", 5):
            print("locked", flush=True)
            time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        p = write(tmp_path, "r.csv", "text\nhello\n")
        r = cli("-w", workspace, "ingest", p, env={"PERSONA_LOCK_TIMEOUT": "0.5"})
        assert r.code == 1
        assert "busy" in r.stderr and "persona ingest" in r.stderr
    finally:
        holder.kill()
        holder.wait()


def test_config_precedence_file_env_flag(tmp_path, cli, workspace):
    from agent.config import load_settings

    workspace.mkdir()
    (workspace / "persona.toml").write_text(
        '[chroma]\ncollection = "from-file"\n[ingest]\nchunk_tokens = 100\n'
        '[llm]\nprovider = "openai"\n')
    s = load_settings(workspace)
    assert s.chroma.collection == "from-file" and s.ingest.chunk_tokens == 100
    import os
    os.environ["PERSONA_CHROMA__COLLECTION"] = "from-env"
    os.environ["OPENAI_BASE_URL"] = "http://127.0.0.1:9/v1"
    try:
        s = load_settings(workspace)
        assert s.chroma.collection == "from-env" and s.llm.base_url == "http://127.0.0.1:9/v1"
        s = load_settings(workspace, chroma={"collection": "from-flag"})
        assert s.chroma.collection == "from-flag" and s.ingest.chunk_tokens == 100
    finally:
        del os.environ["PERSONA_CHROMA__COLLECTION"], os.environ["OPENAI_BASE_URL"]


def test_invalid_config_exits_2(cli, workspace):
    workspace.mkdir()
    (workspace / "persona.toml").write_text("[ingest]\nchunk_tokens = 'many'\n")
    r = cli("-w", workspace, "status")
    assert r.code == 2 and "ingest.chunk_tokens" in r.stderr
    (workspace / "persona.toml").write_text("[ingest\n")
    r = cli("-w", workspace, "status")
    assert r.code == 2 and "not valid TOML" in r.stderr


def test_demo_corpus_properties():
    import csv as _csv

    with open(DEMO_CORPUS, encoding="utf-8") as f:
        rows = list(_csv.reader(f))
    header, body = rows[0], rows[1:]
    assert {"text", "user_id", "group"} <= set(header)
    good = [r for r in body if len(r) == len(header) and r[0].strip()]
    groups = {r[header.index("group")] for r in good}
    assert len(good) >= 600 and len(groups) >= 6
    zh = sum(any("\u4e00" <= ch <= "\u9fff" for ch in r[0]) for r in good)
    assert 0.2 < zh / len(good) < 0.8


# -- CLI habits: help at 80 columns, global options before or after the command -------------
CLI_ROOT = typer.main.get_command(app)


def command_paths(command=CLI_ROOT, path=()):
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from command_paths(sub, (*path, name))


@pytest.mark.parametrize("path", list(command_paths()), ids=lambda p: " ".join(p) or "persona")
def test_every_help_has_an_example_and_nothing_is_cut_off(cli, path):
    r = cli(*path, "--help", env={"COLUMNS": "80"})
    assert r.code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "Example:" in r.stdout, f"`persona {' '.join(path)} --help` shows no example"
    cut = [line for line in lines if line.rstrip().endswith("...")
           and not line.startswith("Usage:")]  # "PATH..." in a usage line means "one or more"
    assert not cut, r.stdout
    assert max(len(line) for line in lines) <= 80, r.stdout


def test_serve_port_is_described(cli):
    out = cli("serve", "--help", env={"COLUMNS": "80"}).stdout
    port = out[out.index("--port"):out.index("--token")]
    assert "web page" in port and "8000" in port


def test_global_options_work_after_the_command(cli, tmp_path):
    data = tmp_path / "r.csv"
    data.write_text("text\nthe app is great\nsearch is slow\ncards are blocked abroad\n",
                    encoding="utf-8")
    ws = tmp_path / "ws"
    r = cli("ingest", data, "--workspace", ws, "--embedder", "minilm", "--json")
    assert r.code == 0, r.stderr
    assert (ws / "state.json").exists() and not (tmp_path / ".persona").exists()
    assert cli("status", "-w", ws, "--json").json["records"] == 3
    assert cli("status", "--json", f"--workspace={ws}", "-v").json["records"] == 3
    assert cli("-w", ws, "status", "--workspace", f"{ws}/").code == 0  # the same, twice
    r = cli("-w", ws, "status", "-w", tmp_path / "other")
    assert r.code == 2 and "--workspace was given twice" in r.stderr
    r = cli("status", "-w", ws, "--collection", "a-1", "--collection", "b-2")
    assert r.code == 2 and "--collection was given twice" in r.stderr


def test_option_values_and_double_dash_are_left_alone():
    assert normalise(["ingest", "f.csv", "--text-col", "-w", "-w", "ws"], CLI_ROOT) == [
        "--workspace", "ws", "ingest", "f.csv", "--text-col", "-w"]
    assert normalise(["ask", "--", "-v"], CLI_ROOT) == ["ask", "--", "-v"]
    assert normalise(["eval", "compare", "a", "b", "-v"], CLI_ROOT) == [
        "--verbose", "eval", "compare", "a", "b"]
    assert normalise(["-w", "ws", "status"], CLI_ROOT) == ["--workspace", "ws", "status"]


def test_a_bug_prints_an_error_id_and_the_log_path(tmp_path, cli, workspace, monkeypatch):
    import agent.project.ingest as ingest_stage

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(ingest_stage, "open_inputs", broken)
    p = write(tmp_path, "r.csv", "text\nhello there\n")
    r = cli("-w", workspace, "ingest", p)
    assert r.code == 1 and "Traceback" not in r.stderr
    m = re.search(r"internal error ([0-9a-f]{10}): KeyError", r.stderr)
    log_path = workspace / "logs" / "persona.log"
    assert m and str(log_path) in r.stderr, r.stderr
    logged = log_path.read_text()
    assert f"internal error {m.group(1)}" in logged and "Traceback" in logged


def test_an_error_id_is_never_redacted_as_a_phone_number(monkeypatch):
    import uuid

    from agent.logs import new_error_id
    from vectorstore.redact import redact

    # a uuid whose first hex digits are all decimal digits (about one in a hundred)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID("47854212360000000000000000000000"))
    error_id = new_error_id()
    assert redact("internal error 4785421236").counts      # what the old id format hit
    line = redact(f"internal error {error_id}")
    assert not line.counts and error_id in line.text
