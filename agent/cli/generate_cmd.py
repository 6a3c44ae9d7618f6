"""``persona generate`` and ``persona deck``."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.persona.generate import GenerateOptions, LLMContext, PersonaGenerator, read_personas
from agent.workspace import atomic_write
from vectorstore.errors import InputError

from .app import JsonFlag, get_ctx
from .context import AppContext
from .progress import count_progress
from .segment_cmd import read_segments

STRICT_EXIT = 3
FAILED_EXIT = 1


def exit_if_failed(app: AppContext, s: dict[str, Any]) -> None:
    """Exit 1 when a persona could not be written at all (a bug, not a degraded persona)."""
    if s["failed"]:
        app.err.print(f"{len(s['failed'])} persona(s) failed; the traceback is in "
                      f"{app.workspace.logs_dir / 'persona.log'}")
        raise typer.Exit(FAILED_EXIT)


class LocalOrRemoteLLM:
    """Starts the configured model only when a persona actually needs writing."""

    def __init__(self, app: AppContext, stack: contextlib.ExitStack):
        self.app = app
        self.stack = stack
        cfg = app.settings.llm
        self.identity = (f"{cfg.provider}|{cfg.base_url or ''}|{cfg.model or ''}|"
                         f"{cfg.model_path or 'packaged-smollm2'}|"
                         f"t={app.settings.persona.temperature}")

    def __call__(self) -> LLMContext:
        from agent.llm.cache import ResponseCache
        from agent.llm.structured import StructuredLLM

        rt = self.stack.enter_context(self.app.llm_runtime())
        caps = rt.capabilities()
        cache = ResponseCache(self.app.workspace.root / "cache" / "llm",
                              enabled=not self.app.no_cache)
        llm = StructuredLLM(rt.chat_model(max_tokens=200), caps.structured_mode, rt.model, cache,
                            temperature=self.app.settings.persona.temperature,
                            revive=rt.server.revive if rt.server else None)
        autonomous = None
        if caps.tool_calls:
            from agent.persona.autonomous import autonomous_interview

            def autonomous(group, validator, usage, _rt=rt, _app=self.app):
                return autonomous_interview(_rt.chat_model(max_tokens=400), group,
                                            _app.store(), _app.embedder_for_store(), validator,
                                            usage, read_segments(_app) or {})
        return LLMContext(llm=llm, model_name=rt.model, autonomous=autonomous,
                          count_tokens=rt.count_tokens,
                          context=self.app.settings.llm.context)


def personas_dir(app: AppContext) -> Path:
    return app.workspace.root / "personas"


def run_generate(app: AppContext, options: GenerateOptions) -> dict[str, Any]:
    from agent.persona.evidence import support_threshold
    from agent.persona.schema import json_schema

    ws = app.open_workspace()
    with ws.lock("generate", app.settings.lock_timeout), contextlib.ExitStack() as stack:
        segments = read_segments(app)
        if segments is None:
            raise InputError("no segments yet: run `persona segment` (or `persona run FILE`)")
        store = app.store()
        embedder = app.embedder_for_store()
        out = personas_dir(app)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "persona.schema.json", json.dumps(json_schema(), indent=2))
        fixed = app.settings.persona.support_threshold
        embedder_id = segments.get("embedder", "")
        threshold = fixed or (lambda lang: support_threshold(embedder_id, lang))
        targets = len(segments["groups" if options.level == "group" else "segments"])
        with count_progress(app, "personas", targets) as advance:
            gen = PersonaGenerator(store, embedder, segments, out, options,
                                   LocalOrRemoteLLM(app, stack), threshold,
                                   on_done=lambda *_: advance())
            summary = gen.run()
        summary["support_threshold"] = fixed or {
            lang: support_threshold(embedder_id, lang) for lang in ("en", "zh")}
        summary["out_dir"] = str(out)
        ws.record_stage("generate", personas=summary["personas"], degraded=summary["degraded"],
                        llm_calls=summary["llm_calls"])
        ws.mark_stale(["deck"], "personas changed")
    return summary


def build_deck(app: AppContext) -> dict[str, Any]:
    from agent.deck.mapping import segment_map
    from agent.deck.render import write_deck

    segments = read_segments(app)
    if segments is None:
        raise InputError("no segments yet: run `persona run FILE` first")
    personas = read_personas(personas_dir(app))
    if not personas:
        raise InputError("no personas yet: run `persona generate`")
    flagged = {p.segment_id: p.provenance.flagged_texts_excluded for p in personas}
    level_key = "parent_id" if personas[0].level == "group" else "segment_id"
    md_path, html_path = write_deck(app.workspace.root / "deck", personas, segments, flagged,
                                    segment_map(app.store(), level_key))
    app.workspace.record_stage("deck", personas=len(personas))
    return {"personas": len(personas), "markdown": str(md_path), "html": str(html_path)}


def print_generate(app: AppContext, s: dict[str, Any]) -> None:
    c = app.human
    c.print(f"generate: {s['personas']} personas ({s['generated']} written, {s['kept']} unchanged "
            f"and kept), {s['degraded']} degraded, {len(s['skipped_small'])} groups too small"
            f"{' (' + ', '.join(s['skipped_small']) + ')' if s['skipped_small'] else ''}")
    c.print(f"  LLM calls {s['llm_calls']}, cache hits {s['cache_hits']}, tokens "
            f"{s['prompt_tokens']} in / {s['completion_tokens']} out, "
            f"~${s['estimated_cost_usd']:.4f}, {s['seconds']} s"
            f"{', model ' + s['model'] if s['model'] else ''}")
    for g in s["groups"]:
        if g["status"] in ("generated", "kept"):
            flag = " (degraded)" if g.get("degraded") else ""
            c.print(f"  {g['id']:>4}  {g.get('name', '')}{flag}")
    for f in s["failed"]:
        c.print(f"  {f['id']}: failed: {f['reason']}")


def _options(app: AppContext, level, min_persona_size, min_support, language, interview,
             concurrency, only) -> GenerateOptions:
    p = app.settings.persona
    if level not in ("group", "fine", "segment"):
        raise InputError(f"--level must be group or fine, not {level!r}")
    mode = interview or p.interview
    if mode not in ("guided", "autonomous"):
        raise InputError(f"--interview must be guided or autonomous, not {mode!r}")
    return GenerateOptions(
        level="group" if level == "group" else "segment",
        min_persona_size=min_persona_size or p.min_persona_size,
        min_support=min_support or p.min_support, language=language or p.language,
        interview=mode, concurrency=concurrency or p.concurrency,
        only=[x.strip() for x in only.split(",") if x.strip()] if only else None,
        prompt_versions=dict(p.prompt_versions),
        price_per_million=(p.price_input_per_million, p.price_output_per_million))


Level = Annotated[str, typer.Option("--level", help="group: one persona per parent group; "
                                    "fine: one per fine segment.")]
MinPersona = Annotated[int | None, typer.Option(
    "--min-persona-size", min=1, help="Groups with fewer texts get no persona [default: 5].",
    show_default=False)]
MinSupport = Annotated[int | None, typer.Option(
    "--min-support", min=1, help="A claim needs at least this many supporting texts "
    "[default: 3].", show_default=False)]
Language = Annotated[str | None, typer.Option(
    "--language", help="Write personas in this language (en, zh, ...) [default: each "
    "group's dominant language].", show_default=False)]
Interview = Annotated[str | None, typer.Option(
    "--interview", help="guided (code retrieves, the model writes one sentence at a time; "
    "the default) or autonomous (a tool-calling agent, for capable models).",
    show_default=False)]
Concurrency = Annotated[int | None, typer.Option(
    "--concurrency", min=1, max=32, help="Groups processed at once [default: 1; the local "
    "server answers one request at a time].", show_default=False)]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not reuse cached LLM answers.")]
Strict = Annotated[bool, typer.Option("--strict", help="Exit 3 when a persona is degraded.")]


def register(app: typer.Typer) -> None:
    @app.command("generate")
    def generate(ctx: typer.Context, level: Level = "group", min_persona_size: MinPersona = None,
                 min_support: MinSupport = None, language: Language = None,
                 interview: Interview = None, concurrency: Concurrency = None,
                 only: Annotated[str | None, typer.Option(
                     "--only", help="Comma-separated group ids to (re)generate.",
                     show_default=False)] = None,
                 no_cache: NoCache = False, strict: Strict = False,
                 json_output: JsonFlag = False) -> None:
        """Interview every group's texts and write evidence-backed persona JSON."""
        a = get_ctx(ctx, json_output)
        a.no_cache = no_cache
        s = run_generate(a, _options(a, level, min_persona_size, min_support, language,
                                     interview, concurrency, only))
        print_generate(a, s)
        a.emit(s)
        exit_if_failed(a, s)
        if strict and s["degraded"]:
            raise typer.Exit(STRICT_EXIT)

    @app.command("deck")
    def deck(ctx: typer.Context, json_output: JsonFlag = False) -> None:
        """Rebuild deck/deck.md and deck/index.html from the stored personas."""
        a = get_ctx(ctx, json_output)
        r = build_deck(a)
        a.human.print(f"deck: {r['personas']} personas → {r['html']} and {r['markdown']}")
        a.emit(r)
