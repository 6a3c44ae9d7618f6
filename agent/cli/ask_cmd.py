"""``persona ask`` and ``persona serve``."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from .app import JsonFlag, get_ctx
from .context import AppContext


def print_answer(app: AppContext, r, streamed: bool) -> None:
    c = app.human
    if streamed:
        c.print("")
    c.print(r.answer)
    if r.counted_as:
        c.print(f"counted texts that say: {r.counted_as}", style="dim", markup=False)
    if r.counts:
        c.print(f"{r.level}s: " + "; ".join(f"{s.name} ({s.id}): {s.count} texts, "
                                            f"{s.share:.0%}" for s in r.counts))
    for cit in r.citations:
        c.print(f"  [{cit.doc_id} · {cit.group_id}] {cit.text}")


def print_search(app: AppContext, r) -> None:
    c = app.human
    where = f" in {r.group or r.segment}" if (r.group or r.segment) else ""
    if not r.hits:
        c.print(f"no texts{where} for {r.query!r}")
        return
    c.print(f"{len(r.hits)} texts closest to {r.query!r}{where}:")
    for n, h in enumerate(r.hits, 1):
        group = f"{h.group_id} {h.group_name}" if h.group_name else (h.group_id or "unassigned")
        c.print(f"{n:>3}. [{h.score:.3f}] {group} · {h.segment_id} · {h.doc_id}")
        c.print(f"     {h.text}")
        meta = " · ".join(f"{k} {v}" for k, v in h.metadata.items())
        if meta or h.source:
            c.print(f"     {meta}{' · ' if meta and h.source else ''}"
                    f"{f'from {h.source}' if h.source else ''}", style="dim")


def register(app: typer.Typer) -> None:
    @app.command("search")
    def search(ctx: typer.Context,
               query: Annotated[str, typer.Argument(metavar="QUERY",
                                                    help="What the texts should say.")],
               group: Annotated[str | None, typer.Option(
                   "--group", help="Only texts of this group (g3).", show_default=False)] = None,
               segment: Annotated[str | None, typer.Option(
                   "--segment", help="Only texts of this segment (s12).",
                   show_default=False)] = None,
               k: Annotated[int, typer.Option("-k", "--k", min=1, max=50,
                                              help="How many texts to show.")] = 10,
               json_output: JsonFlag = False) -> None:
        """Find the stored texts closest to a query, with their metadata.

        Each text comes with its group and segment (by name) and the columns kept from the
        source file (date, rating, ...).

        \b
        Example:
          persona search "card blocked abroad" --group g5 -k 5
        """
        a = get_ctx(ctx, json_output)
        r = a.project().search(query, group=group, segment=segment, k=k)
        print_search(a, r)
        a.emit(r)


    @app.command("ask")
    def ask(ctx: typer.Context,
            question: Annotated[str, typer.Argument(help="A question about your users.")],
            mode: Annotated[str, typer.Option("--mode", help="guided (code counts and cites; "
                                              "the model phrases) or autonomous (a "
                                              "tool-calling agent).")] = "guided",
            min_support: Annotated[int | None, typer.Option(
                "--min-support", min=1, help="Counts below this are not reported [default: 3].",
                show_default=False)] = None,
            no_llm: Annotated[bool, typer.Option("--no-llm", help="Answer from the counts "
                                                 "alone, without a model.")] = False,
            json_output: JsonFlag = False) -> None:
        """Ask about your users; the answer counts and cites texts.

        \b
        Example:
          persona ask "What do students complain about most?"
          persona ask "哪个用户群最在意手续费？" --no-llm --json
        """
        a = get_ctx(ctx, json_output)
        streamed = []

        def stream(token: str) -> None:
            if not a.json_output:
                streamed.append(token)
                sys.stdout.write(token)
                sys.stdout.flush()

        r = a.project().ask(question, mode, min_support, not no_llm, stream)
        if streamed and not r.model_wording:
            a.human.print("\n(that wording did not pass validation; the counts:)")
        print_answer(a, r, bool(streamed))
        a.emit(r.as_dict())

    @app.command("serve")
    def serve(ctx: typer.Context,
              host: Annotated[str, typer.Option("--host", help="Listen address.")] = "127.0.0.1",
              port: Annotated[int, typer.Option(
                  "--port", min=1, max=65535, help="TCP port for the API and the web page: "
                  "open http://HOST:PORT/ in a browser.")] = 8000,
              token: Annotated[str | None, typer.Option(
                  "--token", help="Require 'Authorization: Bearer TOKEN' on every route "
                  "[default: $PERSONA_API_TOKEN].", show_default=False)] = None) -> None:
        """Serve the HTTP API and the web page.

        The page shows the personas and lets you search, ask and rename groups.

        \b
        Example:
          persona serve --port 8000      # then open http://127.0.0.1:8000/
        """
        import uvicorn

        from agent.api.app import create_app
        from agent.logs import register_secret

        a = get_ctx(ctx)
        token = token or os.environ.get("PERSONA_API_TOKEN") or None
        register_secret(token)
        project = a.project()
        api = create_app(project, token=token)
        a.err.print(f"serving {project.workspace.root} on http://{host}:{port}/ "
                    f"({'token required' if token else 'no token'}); Ctrl-C stops")
        uvicorn.run(api, host=host, port=port, log_level="warning", timeout_keep_alive=5,
                    limit_concurrency=256)
