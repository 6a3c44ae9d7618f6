"""The composition root: builds the store, embedders and LLM runtime from settings.

Defaults are decided here and only here; library code receives finished components.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from agent.config import Settings
from agent.logs import attach_file, register_secret
from agent.workspace import Workspace
from vectorstore.embedders.base import BatchEmbedder
from vectorstore.errors import EmbedderMismatch, InputError
from vectorstore.language import language_mix, non_english_share
from vectorstore.store import ChromaStore

log = logging.getLogger(__name__)
_EMBEDDERS: dict[tuple, BatchEmbedder] = {}


@dataclass
class AppContext:
    settings: Settings
    json_output: bool = False
    verbose: bool = False
    no_cache: bool = False
    _store: ChromaStore | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.workspace = Workspace(self.settings.workspace)
        self.err = Console(stderr=True, highlight=False, markup=False)
        self.out = Console(highlight=False, soft_wrap=True, markup=False)
        if self.settings.llm.api_key:
            register_secret(self.settings.llm.api_key.get_secret_value())

    # -- output -----------------------------------------------------------------------------------
    @property
    def human(self) -> Console:
        """Where human-readable text goes: stderr under --json, else stdout."""
        return self.err if self.json_output else self.out

    def emit(self, payload: dict[str, Any]) -> None:
        if self.json_output:
            sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()

    def open_workspace(self) -> Workspace:
        self.workspace.ensure()
        attach_file(self.workspace.logs_dir)
        return self.workspace

    # -- store ------------------------------------------------------------------------------------
    @property
    def collection_name(self) -> str:
        return self.settings.chroma.collection or self.workspace.default_collection()

    def store(self) -> ChromaStore:
        if self._store is None:
            url = self.settings.chroma.url
            self._store = ChromaStore(self.collection_name,
                                      path=None if url else self.workspace.chroma_path, url=url)
        return self._store

    # -- embedders --------------------------------------------------------------------------------
    def requested_embedder(self) -> tuple[str, str | None]:
        e = self.settings.embedding
        return e.embedder, e.model

    def resolve_embedder(self, info: dict[str, Any], sample: list[str] | None
                         ) -> tuple[str, str | None, str]:
        """Pick (kind, model, reason) for a collection with ``info`` (empty if new)."""
        kind, model = self.requested_embedder()
        stored_kind, stored_model = info.get("embedder_kind"), info.get("embedder_model") or None
        if stored_kind:
            if kind != "auto" and (kind != stored_kind or (model and model != stored_model)):
                wanted = f"{kind}" + (f" ({model})" if model else "")
                raise EmbedderMismatch(
                    f"collection {self.collection_name!r} was built with {info.get('embedder')} "
                    f"({info.get('embedding_dim')}-d); it cannot take {wanted} vectors. Keep its "
                    f"embedder (drop --embedder or pass --embedder {stored_kind}), or use a new "
                    "collection (--collection NEW, or `persona reset` to start over)")
            return stored_kind, stored_model, "kept from the collection"
        if kind != "auto":
            return kind, model, "asked for"
        share = non_english_share(language_mix(sample or []))
        threshold = self.settings.embedding.auto_threshold
        if share >= threshold:
            return "multilingual", model, (f"auto: {share:.0%} of sampled texts are not English "
                                           f"(threshold {threshold:.0%})")
        return "minilm", model, f"auto: {share:.0%} of sampled texts are not English"

    def build_embedder(self, kind: str, model: str | None) -> BatchEmbedder:
        """Build (or reuse: models are loaded once per process) an embedder."""
        e = self.settings.embedding
        key = (kind, model, e.batch_size, e.threads)
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = self._new_embedder(kind, model)
        return _EMBEDDERS[key]

    def _new_embedder(self, kind: str, model: str | None) -> BatchEmbedder:
        e = self.settings.embedding
        threads = e.threads
        if kind == "minilm":
            from vectorstore.embedders.minilm import SentenceTransformerEmbedder

            return SentenceTransformerEmbedder(model, batch_size=e.batch_size, threads=threads)
        if kind == "multilingual":
            from vectorstore.embedders.multilingual import MultilingualUSEEmbedder

            return MultilingualUSEEmbedder(model, batch_size=e.batch_size, threads=threads)
        if kind == "openai":
            from vectorstore.embedders.openai_api import OpenAIEmbedder

            llm = self.settings.llm
            return OpenAIEmbedder(model or "text-embedding-3-small",
                                  api_key=llm.api_key.get_secret_value() if llm.api_key else None,
                                  base_url=llm.base_url)
        raise ValueError(f"unknown embedder kind {kind!r}")

    def embedder_for_store(self) -> BatchEmbedder:
        """The embedder a collection was built with (for queries and later stages)."""
        info = self.store().info()
        if not info.get("embedder_kind"):
            raise InputError(f"collection {self.collection_name!r} is empty; run "
                             "`persona ingest FILE` first")
        return self.build_embedder(info["embedder_kind"], info.get("embedder_model"))

    # -- LLM ------------------------------------------------------------------------------------------
    def llm_runtime(self):
        from agent.llm.runtime import LLMRuntime

        ws = self.open_workspace()
        return LLMRuntime(self.settings.llm, cache_file=ws.root / "llm_capabilities.json",
                          server_log=ws.logs_dir / "llm-server.log")

