"""The generate and deck stages: segments → persona files → the deck."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from agent.llm.errors import ModelUnavailable
from agent.llm.heartbeat import Heartbeat
from agent.persona.options import GenerateOptions
from agent.persona.results import GenerateResult
from vectorstore.errors import InputError

from .results import DeckResult

if TYPE_CHECKING:
    from .project import Project


def support_threshold(options: GenerateOptions, embedder_id: str):
    """A fixed threshold when configured, else the calibrated one per statement language."""
    from agent.persona.evidence import support_threshold as calibrated

    if options.support_threshold:
        return options.support_threshold
    return lambda lang: calibrated(embedder_id, lang)


def generate(project: Project, options: GenerateOptions,
             out_dir: Path | None = None) -> GenerateResult:
    """Write a persona per group (or segment) into ``out_dir`` (default: the workspace's)."""
    from agent.persona.evidence import support_threshold as calibrated
    from agent.persona.generate import PersonaGenerator

    ws = project.open_workspace()
    into_workspace = out_dir is None
    out = out_dir or project.artifacts.personas_dir
    with ws.lock("generate", project.settings.lock_timeout), contextlib.ExitStack() as stack:
        segments = project.artifacts.require_segmentation()
        p = project.providers
        store, embedder = p.store(), p.store_embedder()
        project.artifacts.write_persona_schema(out)
        targets = len(segments.units(options.level))
        finder = p.aspect_finder(options.min_support)
        model = p.persona_llm(stack, options.no_cache)
        with project.reporter.count("personas", targets) as advance:
            gen = PersonaGenerator(store, embedder, segments, out, options, model, finder,
                                   on_done=lambda *_: advance(),
                                   aspects_dir=out.parent / "aspects")
            with Heartbeat(project.reporter.info, deadline=project.settings.llm.timeout):
                result = gen.run()
        result.support_threshold = options.support_threshold or {
            lang: calibrated(segments.embedder, lang) for lang in ("en", "zh")}
        result.out_dir = str(out)
        if into_workspace:
            ws.record_stage("generate", personas=result.personas, degraded=result.degraded,
                            llm_calls=result.llm_calls)
            ws.mark_stale(["deck"], "personas changed")
            if result.outage:
                ws.mark_stale(["generate"], outage_note(result) + "; rerun `persona generate` "
                                            "once the model answers")
    if result.outage:
        raise ModelUnavailable(f"{result.outage} — {outage_note(result)}")
    return result


def outage_note(result: GenerateResult) -> str:
    """What an outage left: the personas kept as they were, those written from the evidence."""
    kept = [t.id for t in result.targets if t.status == "kept"]
    written = [t.id for t in result.targets if t.status == "generated" and t.degraded]
    parts = []
    if kept:
        stale = set(result.stale)
        parts.append(f"{', '.join(kept)} kept as {'they were' if len(kept) > 1 else 'it was'}" + (
            f" ({', '.join(x for x in kept if x in stale)} stale: inputs changed)"
            if stale else ""))
    if written:
        parts.append(f"{', '.join(written)} written from the evidence alone (degraded)")
    return "; ".join(parts) or "no persona was changed"


def deck(project: Project) -> DeckResult:
    from agent.deck.mapping import segment_map
    from agent.deck.render import write_deck

    segments = project.artifacts.segmentation()
    if segments is None:
        raise InputError("no segments yet: run `persona run FILE` first")
    personas = project.artifacts.personas()
    if not personas:
        raise InputError("no personas yet: run `persona generate`")
    flagged = {p.subject_id: p.provenance.flagged_texts_excluded for p in personas}
    level = personas[0].level
    md_path, html_path = write_deck(project.artifacts.deck_dir, personas, segments, flagged,
                                    segment_map(project.providers.store(), level),
                                    labels=project.artifacts.labels())
    project.workspace.record_stage("deck", personas=len(personas))
    return DeckResult(personas=len(personas), markdown=str(md_path), html=str(html_path))
