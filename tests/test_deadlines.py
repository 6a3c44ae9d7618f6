"""Deadlines: a model server that refuses connections, or accepts them and never answers,
ends `persona generate` with exit 1 and one line that names the URL and what to check — no
traceback, and the persona files written before are left as they were.

No model server and no Chroma server: the workspace is embedded, and the "model" is the
fake OpenAI-compatible server of tests/fake_llm.py. Each failing run has a generous 60 s
wall-clock bound, the one such bound in the suite: it guards against a hang, the bug
these tests are about.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import DEMO_CORPUS, DEMO_META, ROOT, free_port
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.slow  # each run waits out a real deadline; test_llm_unit is the fast twin
DEADLINE = 10   # llm.timeout for the failing runs (the default is 60 s)
HANG_GUARD = 60


@pytest.fixture(scope="module")
def workspace_with_a_persona(tmp_path_factory):
    """The demo corpus ingested and segmented, and g1's persona written by the fake model."""
    from agent.config import load_settings
    from agent.project import build_project

    ws = tmp_path_factory.mktemp("deadlines") / "ws"
    project = build_project(load_settings(ws))
    project.ingest([DEMO_CORPUS], project.ingest_options(meta_cols=DEMO_META))
    project.segment()
    with FakeLLM() as fake:
        result = build_project(load_settings(ws, llm={"base_url": fake.base_url})).generate(
            project.generate_options(only=["g1"]))
    assert result.generated == 1 and fake.requests > 0
    return ws


def generate_against(ws, base_url: str, tmp_path, **env):
    """`persona generate --only g1 --no-cache` on a copy of ``ws`` against ``base_url``:
    (result, seconds). The model URL is part of a persona's inputs, so g1 is written again,
    and --no-cache makes every answer a request."""
    copy = tmp_path / "ws"
    shutil.copytree(ws, copy)
    before = {p.name: p.read_bytes() for p in (copy / "personas").glob("persona-*.json")}
    assert before
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "agent.cli", "-w", str(copy), "generate", "--only", "g1",
         "--no-cache"],
        capture_output=True, text=True, cwd=ROOT, timeout=HANG_GUARD, check=False,
        env={**os.environ, "PERSONA_LLM__BASE_URL": base_url,
             "PERSONA_LLM__TIMEOUT": str(DEADLINE), **env})
    seconds = time.monotonic() - started
    after = {p.name: p.read_bytes() for p in (copy / "personas").glob("persona-*.json")}
    assert after == before, "an earlier persona file was changed"
    return out, seconds


def one_line(out: subprocess.CompletedProcess) -> str:
    lines = [x for x in out.stderr.splitlines() if x.strip() and not x.startswith("still waiting")]
    assert out.returncode == 1, out.stderr[-2000:]
    assert "Traceback" not in out.stderr + out.stdout
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_closed_port_ends_with_one_line(workspace_with_a_persona, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    out, _ = generate_against(workspace_with_a_persona, url, tmp_path)
    line = one_line(out)
    assert f"cannot connect to the model server at {url}" in line
    assert "PERSONA_LLM__BASE_URL" in line


def test_silent_server_ends_at_the_deadline(workspace_with_a_persona, tmp_path):
    with FakeLLM(mode="silent") as fake:
        out, seconds = generate_against(workspace_with_a_persona, fake.base_url, tmp_path)
    line = one_line(out)
    assert f"the model server at {fake.base_url} did not answer within {DEADLINE} s" in line
    assert "PERSONA_LLM__TIMEOUT" in line
    assert seconds >= DEADLINE  # it waited for the deadline, and (HANG_GUARD) not for ever


def test_server_silent_in_a_persona_call_ends_at_the_deadline(workspace_with_a_persona,
                                                              tmp_path):
    # The model list and the four capability probes are answered; the persona's first
    # structured call (StructuredLLM) meets a silent server.
    with FakeLLM(silent_after=4) as fake:
        out, _ = generate_against(workspace_with_a_persona, fake.base_url, tmp_path,
                                  PERSONA_LLM__MODEL="fake-model")
    line = one_line(out)
    assert f"the model server at {fake.base_url} did not answer within {DEADLINE} s" in line
    assert fake.requests == 4


def test_an_outage_keeps_the_good_persona_and_writes_a_new_group_from_the_evidence(
        workspace_with_a_persona, tmp_path):
    copy = tmp_path / "ws"
    shutil.copytree(workspace_with_a_persona, copy)
    good = (copy / "personas" / "persona-g1.json").read_bytes()
    assert not (copy / "personas" / "persona-g2.json").exists()
    url = f"http://127.0.0.1:{free_port()}/v1"   # nothing listens there
    out = subprocess.run(
        [sys.executable, "-m", "agent.cli", "-w", str(copy), "generate", "--only", "g1,g2"],
        capture_output=True, text=True, cwd=ROOT, timeout=HANG_GUARD, check=False,
        env={**os.environ, "PERSONA_LLM__BASE_URL": url, "PERSONA_LLM__TIMEOUT": str(DEADLINE)})
    line = one_line(out)
    assert f"cannot connect to the model server at {url}" in line
    assert "g1 kept as it was" in line and "g2 written from the evidence alone" in line
    assert (copy / "personas" / "persona-g1.json").read_bytes() == good
    from agent.artifacts import read_persona

    g2 = read_persona(copy / "personas" / "persona-g2.json")
    assert g2 and g2.degraded and g2.claims()
    status = subprocess.run([sys.executable, "-m", "agent.cli", "-w", str(copy), "status",
                             "--json"], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "generate" in json.loads(status.stdout)["stale"]
