"""The composition root's parts: the store, the embedders and the LLM, built from settings.

Defaults are decided here and only here; library code receives finished components.
Embedding models are loaded once per process (they take seconds and hundreds of MB).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from agent.artifacts import CommittedLabels
from agent.config import Settings
from agent.workspace import LLMEndpoint, StoreIdentity, Workspace
from vectorstore.embedders.base import BatchEmbedder
from vectorstore.errors import EmbedderMismatch, InputError
from vectorstore.language import language_mix, non_english_share
from vectorstore.store import ChromaStore

log = logging.getLogger(__name__)
_EMBEDDERS: dict[tuple, BatchEmbedder] = {}
_EMBEDDERS_LOCK = threading.Lock()
EMBEDDER_KINDS = ("auto", "minilm", "multilingual", "openai")


class Providers:
    """Builds, once, what the stages use: the Chroma store, embedders, the model runtime."""

    def __init__(self, settings: Settings, workspace: Workspace,
                 store: ChromaStore | None = None, llm: Callable[[], Any] | None = None,
                 endpoint: LLMEndpoint | None = None):
        self.settings = settings
        self.workspace = workspace
        self._store = store
        self.llm = llm   # a ready persona model (tests, benchmarks); None: from the settings
        self._endpoint = endpoint  # the LLM endpoint this command named, to remember

    # -- what the workspace remembers -------------------------------------------------------------
    def pin_store(self) -> StoreIdentity | None:
        """Pin the store identity once the collection holds records (the first ingest, or
        the first command on a workspace made before pinning existed)."""
        pinned = self.workspace.pinned_store()
        if pinned is not None and pinned.embedder:
            return pinned
        info = self.store().info()
        if not info.get("embedder_kind"):
            return pinned
        identity = StoreIdentity(chroma_url=self.settings.chroma.url,
                                 collection=self.collection_name, embedder=info.get("embedder"),
                                 embedder_kind=info.get("embedder_kind"),
                                 embedder_model=info.get("embedder_model") or None,
                                 embedding_dim=info.get("embedding_dim"))
        self.workspace.pin_store(identity)
        return identity

    def remember_llm(self) -> None:
        """Remember the LLM endpoint this command named as the workspace's default."""
        if self._endpoint is None or not self.workspace.root.is_dir():
            return
        known = self.workspace.llm_endpoint()
        if known is None or known.values() != self._endpoint.values():
            self.workspace.remember_llm(self._endpoint)

    # -- store ------------------------------------------------------------------------------------
    @property
    def collection_name(self) -> str:
        return self.settings.chroma.collection or self.workspace.default_collection()

    def store(self) -> ChromaStore:
        if self._store is None:
            url = self.settings.chroma.url
            self._store = ChromaStore(self.collection_name,
                                      path=None if url else self.workspace.chroma_path, url=url)
        if self._store.labels is None:  # readers see the committed segmentation's labels only
            self._store.labels = CommittedLabels(self.workspace.root / "segments.json")
        return self._store

    def forget_store(self) -> None:
        """Close and drop the cached store handle (after the collection was deleted)."""
        if self._store is not None:
            self._store.close()
        self._store = None

    # -- embedders --------------------------------------------------------------------------------
    def resolve_embedder(self, info: dict[str, Any], sample: list[str] | None
                         ) -> tuple[str, str | None, str]:
        """Pick (kind, model, reason) for a collection with ``info`` (empty if new)."""
        e = self.settings.embedding
        kind, model = e.embedder, e.model
        stored_kind, stored_model = info.get("embedder_kind"), info.get("embedder_model") or None
        if stored_kind:
            if kind != "auto" and (kind != stored_kind or (model and model != stored_model)):
                wanted = f"{kind}" + (f" ({model})" if model else "")
                raise EmbedderMismatch(
                    f"collection {self.collection_name!r} was built with {info.get('embedder')} "
                    f"({info.get('embedding_dim')}-d); it cannot take {wanted} vectors. Keep its "
                    f"embedder (drop --embedder or pass --embedder {stored_kind}), or start a new "
                    "workspace (-w NEW_DIR, or `persona reset` to empty this one)")
            return stored_kind, stored_model, "kept from the collection"
        pinned = self.workspace.pinned_store()
        if pinned is not None and pinned.embedder_kind and kind == "auto":
            return pinned.embedder_kind, pinned.embedder_model, "pinned by the workspace"
        if kind != "auto":
            return kind, model, "asked for"
        share = non_english_share(language_mix(sample or []))
        threshold = e.auto_threshold
        if share >= threshold:
            return "multilingual", model, (f"auto: {share:.0%} of sampled texts are not English "
                                           f"(threshold {threshold:.0%})")
        return "minilm", model, f"auto: {share:.0%} of sampled texts are not English"

    def embedder(self, kind: str, model: str | None) -> BatchEmbedder:
        """Build (or reuse: models are loaded once per process) an embedder."""
        e = self.settings.embedding
        key = (kind, model, e.batch_size, e.threads)
        with _EMBEDDERS_LOCK:
            if key not in _EMBEDDERS:
                _EMBEDDERS[key] = self._new_embedder(kind, model)
            return _EMBEDDERS[key]

    def _new_embedder(self, kind: str, model: str | None) -> BatchEmbedder:
        e = self.settings.embedding
        if kind == "minilm":
            from vectorstore.embedders.minilm import SentenceTransformerEmbedder

            return SentenceTransformerEmbedder(model, batch_size=e.batch_size, threads=e.threads)
        if kind == "multilingual":
            from vectorstore.embedders.multilingual import MultilingualUSEEmbedder

            return MultilingualUSEEmbedder(model, batch_size=e.batch_size, threads=e.threads)
        if kind == "openai":
            from vectorstore.embedders.openai_api import OpenAIEmbedder

            llm = self.settings.llm
            return OpenAIEmbedder(model or "text-embedding-3-small",
                                  api_key=llm.api_key.get_secret_value() if llm.api_key else None,
                                  base_url=llm.base_url)
        raise InputError(f"unknown embedder {kind!r}; use one of {', '.join(EMBEDDER_KINDS)}")

    def store_embedder(self) -> BatchEmbedder:
        """The embedder the collection was built with (for queries and later stages)."""
        info = self.store().info()
        if not info.get("embedder_kind"):
            raise InputError(f"collection {self.collection_name!r} is empty; run "
                             "`persona ingest FILE` first")
        return self.embedder(info["embedder_kind"], info.get("embedder_model"))

    # -- LLM --------------------------------------------------------------------------------------
    def llm_runtime(self):
        """A model runtime (not started: use it as a context manager)."""
        from agent.llm.runtime import LLMRuntime

        ws = self.workspace.ensure()
        self.remember_llm()
        return LLMRuntime(self.settings.llm, cache_file=ws.root / "llm_capabilities.json",
                          server_log=ws.logs_dir / "llm-server.log")

    def local_server(self, model_path=None, host: str = "127.0.0.1", port: int | None = None,
                     context: int | None = None):
        """The local llama.cpp server (not started) for ``persona llm serve``."""
        from agent.llm.server import LocalLLMServer

        cfg = self.settings.llm
        ws = self.workspace.ensure()
        return LocalLLMServer(model_path or cfg.model_path, context=context or cfg.context,
                              host=host, port=port, threads=cfg.threads,
                              log_path=ws.logs_dir / "llm-server.log",
                              startup_timeout=cfg.startup_timeout)

    def persona_llm(self, stack: contextlib.ExitStack, no_cache: bool = False) -> PersonaLLM:
        self.remember_llm()
        return PersonaLLM(self, stack, no_cache)

    def units(self):
        """The sentence units of the collection's records (a companion collection)."""
        from vectorstore.units import UnitStore

        return UnitStore(self.units_store(), self.store_embedder())

    def units_store(self) -> ChromaStore:
        """The companion collection of sentence units, as a plain store (no embedder)."""
        from vectorstore.units import UnitStore

        url = self.settings.chroma.url
        name = UnitStore.collection_name(self.collection_name)
        return ChromaStore(name, path=None if url else self.workspace.chroma_path, url=url)

    def aspect_finder(self, min_support: int):
        from agent.aspects.finder import AspectFinder

        info = self.store().info()
        return AspectFinder.for_embedder(self.units(), info.get("embedder", ""), min_support)

    def copy(self, settings: Settings) -> Providers:
        """Providers for other settings on the same workspace, store and model override (an
        eval variant's endpoint is never remembered as the workspace's)."""
        return Providers(settings, self.workspace, store=self.store(), llm=self.llm)


class PersonaLLM:
    """Starts the configured model only when a persona actually needs writing.

    ``identity`` names the model configuration without starting anything; it is part of a
    persona's inputs hash, so a persona is kept when nothing that makes it changed.
    """

    def __init__(self, providers: Providers, stack: contextlib.ExitStack, no_cache: bool):
        self.providers = providers
        self.stack = stack
        self.no_cache = no_cache
        cfg = providers.settings.llm
        self.identity = (f"{cfg.provider}|{cfg.base_url or ''}|{cfg.model or ''}|"
                         f"{cfg.model_path or 'packaged-smollm2'}|"
                         f"t={providers.settings.persona.temperature}")

    def __call__(self):
        from agent.llm.cache import ResponseCache
        from agent.llm.structured import StructuredLLM
        from agent.persona.generate import LLMContext

        p = self.providers
        if p.llm is not None:
            return p.llm()
        rt = self.stack.enter_context(p.llm_runtime())
        caps = rt.capabilities()
        cache = ResponseCache(p.workspace.root / "cache" / "llm", enabled=not self.no_cache)
        llm = StructuredLLM(rt.chat_model(max_tokens=200), caps.structured_mode, rt.model, cache,
                            temperature=p.settings.persona.temperature,
                            revive=rt.server.revive if rt.server else None,
                            deadlines=rt.deadlines)
        autonomous = None
        if caps.tool_calls:
            from agent.persona.autonomous import autonomous_interview

            def autonomous(group, usage, segments, _rt=rt):
                return autonomous_interview(_rt.chat_model(max_tokens=400), group, p.store(),
                                            p.store_embedder(), usage, segments)
        return LLMContext(llm=llm, model_name=rt.model, autonomous=autonomous,
                          count_tokens=rt.count_tokens, context=p.settings.llm.context)
