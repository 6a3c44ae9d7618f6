"""The workspace directory: store, state, rejects, logs, the write lock and secrets.

Layout::

    <workspace>/persona.toml     configuration (optional)
    <workspace>/chroma/          the embedded Chroma store (unless --chroma-url)
    <workspace>/state.json       which stages ran, when, and what is stale; the pinned store
                                 identity and the remembered LLM endpoint
    <workspace>/rejects.jsonl    rows ingests rejected (file, row, reason, run), runs appended
    <workspace>/logs/            logs, with PII and API keys redacted
    <workspace>/secret.key       key for user-id pseudonyms (created on first use, 0600)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vectorstore.errors import PersonaError


class WorkspaceBusy(PersonaError):
    """Another persona command holds the workspace's write lock."""


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``path`` via a temporary file and rename, so readers never see half a file.
    Kept by hand: it is mkstemp + fsync + os.replace, and atomicwrites is unmaintained."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class StoreIdentity(BaseModel):
    """Where a workspace's records live, pinned on its first ingest (``state.json`` "store")."""

    model_config = ConfigDict(extra="ignore")

    chroma_url: str | None = Field(None, description="Chroma server; None: the embedded store")
    collection: str
    embedder: str | None = Field(None, description="model id the collection was built with")
    embedder_kind: str | None = None
    embedder_model: str | None = None
    embedding_dim: int | None = None
    pinned_at: str | None = Field(default_factory=lambda: _now())

    def where(self) -> str:
        """The store in words: "the Chroma server at URL" or "the embedded store"."""
        return (f"the Chroma server at {self.chroma_url}" if self.chroma_url
                else "the embedded store")


class LLMEndpoint(BaseModel):
    """The model endpoint a workspace remembers as its default (``state.json`` "llm")."""

    model_config = ConfigDict(extra="ignore")

    provider: str | None = None
    base_url: str | None = None
    model: str | None = None

    def values(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)


class Workspace:
    def __init__(self, root: Path):
        self.root = Path(root)

    # -- paths ------------------------------------------------------------------------------------
    @property
    def chroma_path(self) -> Path:
        return self.root / "chroma"

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    @property
    def rejects_path(self) -> Path:
        return self.root / "rejects.jsonl"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def ensure(self) -> Workspace:
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(exist_ok=True)
        return self

    def default_collection(self) -> str:
        """The workspace's collection name: chosen once from its absolute path (unique on a
        shared Chroma server) and recorded in state.json, so a moved or copied workspace keeps
        finding its embedded store."""
        recorded = self.read_state().get("collection")
        if recorded:
            return recorded
        name = self._path_collection()
        if self.root.is_dir():
            state = self.read_state()
            state["collection"] = name
            atomic_write(self.state_path, json.dumps(state, indent=2, ensure_ascii=False))
        return name

    def _path_collection(self) -> str:
        resolved = self.root.resolve()
        base = resolved.parent.name if resolved.name.startswith(".") else resolved.name
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-_")[:40] or "workspace"
        digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:8]
        return f"pk-{slug}-{digest}"

    # -- state ------------------------------------------------------------------------------------
    def read_state(self) -> dict[str, Any]:
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise PersonaError(f"{self.state_path} is damaged; delete it (stages will show as "
                               "not run) or run `persona reset`") from None

    def record_stage(self, stage: str, **info: Any) -> None:
        state = self.read_state()
        state.setdefault("stages", {})[stage] = {"at": _now(), **info}
        state.get("stale", {}).pop(stage, None)
        atomic_write(self.state_path, json.dumps(state, indent=2, ensure_ascii=False))

    def mark_stale(self, stages: list[str], reason: str) -> None:
        state = self.read_state()
        ran = state.get("stages", {})
        for stage in stages:
            if stage in ran:
                state.setdefault("stale", {})[stage] = {"at": _now(), "reason": reason}
        atomic_write(self.state_path, json.dumps(state, indent=2, ensure_ascii=False))

    def _update_state(self, **values: Any) -> None:
        state = self.read_state()
        state.update(values)
        atomic_write(self.state_path, json.dumps(state, indent=2, ensure_ascii=False))

    # -- what the workspace remembers -------------------------------------------------------------
    def pinned_store(self) -> StoreIdentity | None:
        """The store identity pinned on the first ingest, or None (new, or older workspace)."""
        return self._remembered("store", StoreIdentity)

    def pin_store(self, identity: StoreIdentity) -> None:
        self._update_state(store=identity.model_dump(), collection=identity.collection)

    def llm_endpoint(self) -> LLMEndpoint | None:
        """The LLM endpoint the last command that named one used, or None."""
        return self._remembered("llm", LLMEndpoint)

    def remember_llm(self, endpoint: LLMEndpoint) -> None:
        self._update_state(llm={**endpoint.values(), "at": _now()})

    def _remembered(self, key: str, model: type[BaseModel]) -> Any:
        value = self.read_state().get(key)
        if not value:
            return None
        try:
            return model.model_validate(value)
        except ValidationError:
            raise PersonaError(f"{self.state_path} is damaged ({key!r}); delete it or run "
                               "`persona reset`") from None

    # -- secrets ----------------------------------------------------------------------------------
    def pseudonym_key(self, configured: str | None = None) -> bytes:
        if configured:
            return configured.encode("utf-8")
        path = self.root / "secret.key"
        try:
            return bytes.fromhex(path.read_text().strip())
        except FileNotFoundError:
            key = secrets.token_bytes(32)
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(key.hex())
            return key

    # -- lock -------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, command: str, timeout: float) -> Iterator[None]:
        """Hold the workspace's write lock (``.lock``, filelock); wait up to ``timeout``
        seconds for it. Who holds it (pid and command) is written next to it, in
        ``.lock.holder``, so a command that gives up can say who to wait for."""
        from filelock import FileLock, Timeout

        self.ensure()
        holder = self.root / ".lock.holder"
        lock = FileLock(self.root / ".lock", timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            try:
                who = holder.read_text(encoding="utf-8").strip()
            except OSError:
                who = ""
            raise WorkspaceBusy(
                f"workspace {self.root} is busy ({who or 'another persona command'}); "
                f"waited {timeout:g} s. Wait for it to finish, or raise "
                "PERSONA_LOCK_TIMEOUT") from None
        try:
            atomic_write(holder, f"pid {os.getpid()}: persona {command}")
            yield
        finally:
            with contextlib.suppress(OSError):
                holder.unlink()
            lock.release()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
