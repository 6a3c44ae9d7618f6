"""What a workspace remembers, applied to the settings by the composition root.

* The **store identity** (Chroma URL or the embedded store, collection, embedder) is pinned on
  the workspace's first ingest. Later commands use the pinned values without any flag; a
  flag, ``PERSONA_*`` variable or ``persona.toml`` value that contradicts them is an error
  (exit 2) that names the remembered value and how to start a new workspace — silently
  opening another, empty store is what made a workspace look empty and segmented at once.
* The **LLM endpoint** (provider, base_url, model) is only a default: a command that names one
  uses it (and the workspace remembers it when the model is used); a command that names none
  uses the remembered one. Evals and tests override it freely.

"Names one" means the value was given by a source (flag, variable or file), not defaulted:
pydantic's ``model_fields_set``, so the settings sources stay untouched.
"""

from __future__ import annotations

import os
import tomllib
from typing import Any

from agent.config import CONFIG_FILE, Settings
from agent.workspace import LLMEndpoint, StoreIdentity, Workspace
from vectorstore.errors import InputError

LLM_KEYS = ("provider", "base_url", "model")
#: setting → (flag, the settings section and field)
PINNED = {"url": ("--chroma-url", "chroma", "url"),
          "collection": ("--collection", "chroma", "collection"),
          "embedder": ("--embedder", "embedding", "embedder"),
          "model": ("--embedding-model", "embedding", "model")}


class PinConflict(InputError):
    """A setting contradicts the store identity the workspace pinned."""


def normalise_url(url: str | None) -> str | None:
    """``HTTP://Host:8000/`` and ``http://host:8000`` name the same server."""
    if not url or not url.strip():
        return None
    url = url.strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


def apply_pins(settings: Settings, workspace: Workspace, check: bool = True
               ) -> tuple[Settings, LLMEndpoint | None]:
    """``settings`` with the workspace's pinned store and remembered LLM endpoint applied.

    Returns the settings and the endpoint this command names (to remember once the model is
    used), or None when it names none. With ``check`` (the default) a setting that contradicts
    the pinned store raises :class:`PinConflict`; without it (``persona reset``) the pinned
    store simply wins.
    """
    out = settings.model_copy(deep=True)
    pinned = workspace.pinned_store()
    if pinned is not None:
        if check:
            problem = conflict(settings, pinned)
            if problem:
                raise PinConflict(_message(workspace, pinned, *problem))
        out.chroma.url = pinned.chroma_url
        out.chroma.collection = pinned.collection
    named = {k: getattr(settings.llm, k) for k in LLM_KEYS
             if k in settings.llm.model_fields_set and getattr(settings.llm, k) is not None}
    if named:
        return out, LLMEndpoint(**named)
    remembered = workspace.llm_endpoint()
    if remembered is not None:
        for key, value in remembered.values().items():
            setattr(out.llm, key, value)
    return out, None


def conflict(settings: Settings, pinned: StoreIdentity) -> tuple[str, Any] | None:
    """(setting, the value asked for) of the first contradiction, or None."""
    chroma, emb = settings.chroma, settings.embedding
    if "url" in chroma.model_fields_set and \
            normalise_url(chroma.url) != normalise_url(pinned.chroma_url):
        return "url", chroma.url
    if "collection" in chroma.model_fields_set and chroma.collection \
            and chroma.collection != pinned.collection:
        return "collection", chroma.collection
    if pinned.embedder_kind:
        if "embedder" in emb.model_fields_set and emb.embedder not in ("auto",
                                                                       pinned.embedder_kind):
            return "embedder", emb.embedder
        if "model" in emb.model_fields_set and emb.model and emb.model != pinned.embedder_model:
            return "model", emb.model
    return None


def _message(workspace: Workspace, pinned: StoreIdentity, setting: str, asked: Any) -> str:
    flag, section, field = PINNED[setting]
    source = _source(workspace, section, field, asked) or flag
    what = {"url": f"the Chroma server at {asked}" if asked else "the embedded store",
            "collection": f"collection {asked!r}", "embedder": f"embedder {asked}",
            "model": f"embedding model {asked}"}[setting]
    return (f"workspace {workspace.root} keeps its records in {describe(pinned)}, pinned on its "
            f"first ingest, but {source} asks for {what}. Drop {source} to keep using this "
            "workspace, or start a new one: -w NEW_DIR (or `persona reset` to empty this one "
            "first)")


def describe(pinned: StoreIdentity) -> str:
    """The pinned store in one phrase, for messages and ``persona status``."""
    embedder = f", embedder {pinned.embedder}" if pinned.embedder else ""
    return f"{pinned.where()} (collection {pinned.collection}{embedder})"


def _source(workspace: Workspace, section: str, field: str, value: Any) -> str | None:
    """Which source gave ``value``: a PERSONA_* variable or persona.toml (else a flag)."""
    name = f"PERSONA_{section}__{field}".upper()
    env = {k.upper(): v for k, v in os.environ.items()}
    if name in env and env[name] == str(value):
        return name
    path = workspace.root / CONFIG_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if str((data.get(section) or {}).get(field)) == str(value):
        return f"{field} in {path} [{section}]"
    return None
