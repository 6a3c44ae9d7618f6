"""Build an AskEngine for a workspace (shared by the CLI and the HTTP API)."""

from __future__ import annotations

from agent.persona.evidence import SupportCounter, support_threshold
from agent.persona.generate import read_personas
from vectorstore.errors import InputError

from .engine import AskEngine


def build_engine(app, min_support: int | None = None) -> AskEngine:
    from agent.cli.segment_cmd import read_segments

    segments = read_segments(app)
    if segments is None:
        raise InputError("no segments yet: run `persona run FILE` (or ingest and segment) first")
    embedder = app.embedder_for_store()
    embedder_id = segments.get("embedder", "")
    fixed = app.settings.persona.support_threshold
    counter = SupportCounter(embedder, fixed or (lambda lang: support_threshold(embedder_id,
                                                                                lang)))
    personas = read_personas(app.workspace.root / "personas")
    return AskEngine(app.store(), embedder, segments, personas, counter,
                     min_support or app.settings.persona.min_support)
