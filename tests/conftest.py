"""Shared fixtures: real embedders, a real Chroma (embedded and `chroma run`), the real
local LLM server, and a helper that runs the `persona` CLI in-process.

Tests that need something optional (``../shared/data``, Chromium, a server binary) skip with
a reason on a user's machine, and fail instead where ``CI`` is set, so a green CI always
means the tests ran.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
DEMO_CORPUS = ROOT / "examples" / "app_reviews.csv"
#: the demo's metadata columns: everything but ``group``, its ground truth (never ingested)
DEMO_META = "rating,channel,date"


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` is false, or fail when running in CI."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def shared_data(name: str) -> Path:
    path = SHARED_DATA / name / "data.jsonl"
    require(path.is_file(), f"{path} is not here (the labelled corpora live in ../shared/data "
                            "beside the repository)")
    return path


class HashEmbedder:
    """A deterministic stand-in for unit tests of ingest control flow (not of quality)."""

    model_id = "test:hash"
    dim = 16
    languages = None

    def __init__(self):
        self.calls = 0
        self.texts = 0

    def embed(self, texts):
        self.calls += 1
        self.texts += len(texts)
        rows = []
        for t in texts:
            h = hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest()
            v = np.frombuffer(h[:16], dtype=np.uint8).astype(np.float32) + 1.0
            rows.append(v / np.linalg.norm(v))
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)

    def covers(self, language: str) -> bool:
        return True


@pytest.fixture
def hash_embedder():
    return HashEmbedder()


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def cli(monkeypatch):
    """Run ``persona ARGS`` in-process; returns exit code, stdout and stderr."""
    from agent.cli.main import main

    def run(*args: str, env: dict[str, str] | None = None) -> CliResult:
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main([str(a) for a in args])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def workspace(tmp_path):
    return tmp_path / "ws"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """A `chroma run` server on loopback that a test can stop and start again."""

    def __init__(self, path: Path):
        self.exe = Path(sys.executable).with_name("chroma")
        require(self.exe.is_file(), "the chroma command is not installed")
        self.path, self.port, self.proc = path, free_port(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen([str(self.exe), "run", "--path", str(self.path), "--host",
                                      "127.0.0.1", "--port", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("chroma did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)



@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on loopback for the whole session."""
    exe = Path(sys.executable).with_name("chroma")
    require(exe.is_file(), "the `chroma` command (from chromadb) is not installed")
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(path / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([str(exe), "run", "--path", str(path / "data"), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=log, stderr=log,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"chroma run did not start: {(path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory):
    """The real local model server (llama.cpp + SmolLM2-135M), shared by the session."""
    from agent.llm.server import LocalLLMServer

    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        require(False, "llama-cpp-python is not installed (make install)")
    log = tmp_path_factory.mktemp("llm") / "server.log"
    # threads as `persona` starts it: forcing 2 threads on 2 cores stalled the server for over
    # a minute at a time while the test process was embedding (benchmarks/personas.py)
    server = LocalLLMServer(log_path=log).start()
    yield server
    server.stop()


@pytest.fixture
def copy_demo(tmp_path):
    dst = tmp_path / "app_reviews.csv"
    shutil.copy(DEMO_CORPUS, dst)
    return dst
