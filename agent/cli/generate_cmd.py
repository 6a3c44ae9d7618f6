"""``persona generate`` and ``persona deck``."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.project.results import DeckResult, GenerateResult
from vectorstore.errors import InputError
from vectorstore.segment.artifact import Level

from .app import JsonFlag, get_ctx
from .context import AppContext

STRICT_EXIT = 3
FAILED_EXIT = 1


def parse_level(app: AppContext, value: str | None) -> Level | None:
    if value is None:
        return None
    try:
        level = Level.parse(value)
    except ValueError:
        raise InputError(f"--level must be group or segment, not {value!r}") from None
    if value.strip().lower() == "fine":
        app.err.print("note: --level fine is deprecated; use --level segment")
    return level


def exit_if_failed(app: AppContext, s: GenerateResult) -> None:
    """Exit 1 when a persona could not be written at all (a bug, not a degraded persona)."""
    if s.failed:
        app.err.print(f"{len(s.failed)} persona(s) failed; the traceback is in "
                      f"{app.project().workspace.logs_dir / 'persona.log'}")
        raise typer.Exit(FAILED_EXIT)


def print_generate(app: AppContext, s: GenerateResult) -> None:
    c = app.human
    small = f" ({', '.join(s.skipped_small)})" if s.skipped_small else ""
    c.print(f"generate: {s.personas} personas ({s.generated} written, {s.kept} unchanged "
            f"and kept), {s.degraded} degraded, {len(s.skipped_small)} {s.level.plural} too "
            f"small{small}")
    c.print(f"  LLM calls {s.llm_calls}, cache hits {s.cache_hits}, tokens "
            f"{s.prompt_tokens} in / {s.completion_tokens} out, "
            f"~${s.estimated_cost_usd:.4f}, {s.seconds} s"
            f"{', model ' + s.model if s.model else ''}")
    if s.slowest_call:
        c.print(f"  slowest call {s.slowest_call['seconds']} s ({s.slowest_call['for']})")
    for t in s.targets:
        if t.status in ("generated", "kept"):
            flag = " (degraded)" if t.degraded else ""
            c.print(f"  {t.id:>4}  {t.name or ''}{flag}")
    for f in s.failed:
        c.print(f"  {f.id}: failed: {f.reason}")


def print_deck(app: AppContext, r: DeckResult) -> None:
    app.human.print(f"deck: {r.personas} personas → {r.html} (and {r.markdown})")


LevelOpt = Annotated[str | None, typer.Option(
    "--level", help="group: one persona per parent group; segment: one per fine segment "
    "('fine' is a deprecated alias) [default: group].", show_default=False)]
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
    def generate(ctx: typer.Context, level: LevelOpt = None, min_persona_size: MinPersona = None,
                 min_support: MinSupport = None, language: Language = None,
                 interview: Interview = None, concurrency: Concurrency = None,
                 only: Annotated[str | None, typer.Option(
                     "--only", help="Comma-separated group (or segment) ids to (re)generate.",
                     show_default=False)] = None,
                 no_cache: NoCache = False, strict: Strict = False,
                 json_output: JsonFlag = False) -> None:
        """Write an evidence-backed persona for every group.

        Code finds and counts the evidence in each group's texts; the model writes short,
        validated sentences. Unchanged groups are kept without a model call.

        \b
        Example:
          persona generate --only g1,g3
          PERSONA_LLM__BASE_URL=http://127.0.0.1:8080/v1 persona generate
        """
        a = get_ctx(ctx, json_output)
        if interview is not None and interview not in ("guided", "autonomous"):
            raise InputError(f"--interview must be guided or autonomous, not {interview!r}")
        project = a.project()
        ids = [x.strip() for x in only.split(",") if x.strip()] if only else None
        options = project.generate_options(
            level=parse_level(a, level), min_persona_size=min_persona_size,
            min_support=min_support, language=language, interview=interview,
            concurrency=concurrency, only=ids, no_cache=no_cache or None)
        s = project.generate(options)
        print_generate(a, s)
        a.emit(s)
        exit_if_failed(a, s)
        if strict and s.degraded:
            raise typer.Exit(STRICT_EXIT)

    @app.command("deck")
    def deck(ctx: typer.Context,
             pdf: Annotated[bool, typer.Option(
                 "--pdf", help="Also print the deck to deck/deck.pdf with headless "
                 "Chromium (exit 2 when none is found; the HTML is still written).")] = False,
             json_output: JsonFlag = False) -> None:
        """Rebuild the persona deck (deck/index.html and deck/deck.md).

        Run it after `persona label` to show the new names.

        \b
        Example:
          persona deck
          persona deck --pdf
        """
        from pathlib import Path

        a = get_ctx(ctx, json_output)
        r = a.project().deck()
        print_deck(a, r)
        out = r.model_dump(mode="json")
        if pdf:
            from agent.deck.pdf import print_pdf

            out["pdf"] = str(print_pdf(Path(r.html), Path(r.html).with_name("deck.pdf")))
            a.human.print(f"pdf: {out['pdf']}")
        a.emit(out)
