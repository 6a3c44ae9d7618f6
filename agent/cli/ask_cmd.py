"""``persona ask`` and ``persona serve``."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated

import typer

from vectorstore.errors import InputError

from .app import JsonFlag, get_ctx
from .context import AppContext


def answer(app: AppContext, question: str, mode: str, min_support: int | None, use_llm: bool,
           stream) -> dict:
    from agent.ask.build import build_engine

    if not question.strip():
        raise InputError("the question is empty")
    if len(question) > 2000:
        raise InputError("the question is too long (at most 2,000 characters)")
    engine = build_engine(app, min_support)
    with contextlib.ExitStack() as stack:
        chat = None
        if use_llm and not engine.facts(question).thin:
            rt = stack.enter_context(app.llm_runtime())
            chat = rt.chat_model(max_tokens=160 if mode == "guided" else 600)
        if mode == "autonomous" and chat is not None:
            from agent.ask.autonomous import autonomous_ask

            result = autonomous_ask(engine, chat, question)
        else:
            result = engine.ask(question, chat, on_token=stream)
    return result.as_dict()


def print_answer(app: AppContext, r: dict, streamed: bool) -> None:
    c = app.human
    if streamed:
        c.print("")
    c.print(r["answer"])
    if r.get("counted_as"):
        c.print(f"counted texts that say: {r['counted_as']}", style="dim", markup=False)
    if r["segments"]:
        c.print("segments: " + "; ".join(f"{s['name']} ({s['id']}): {s['count']} texts, "
                                          f"{s['share']:.0%}" for s in r["segments"]))
    for cit in r["citations"]:
        c.print(f"  [{cit['doc_id']} · {cit['segment_id']}] {cit['text']}")


def register(app: typer.Typer) -> None:
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
        """Ask a question about the segments; the answer cites texts and gives counts."""
        a = get_ctx(ctx, json_output)
        if mode not in ("guided", "autonomous"):
            raise InputError(f"--mode must be guided or autonomous, not {mode!r}")
        streamed = []

        def stream(token: str) -> None:
            if not a.json_output:
                streamed.append(token)
                sys.stdout.write(token)
                sys.stdout.flush()

        r = answer(a, question, mode, min_support, not no_llm, stream)
        if streamed and not r["model_wording"]:
            a.human.print("\n(that wording did not pass validation; the counts:)")
        print_answer(a, r, bool(streamed))
        a.emit(r)

    @app.command("serve")
    def serve(ctx: typer.Context,
              host: Annotated[str, typer.Option("--host", help="Listen address.")] = "127.0.0.1",
              port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
              token: Annotated[str | None, typer.Option(
                  "--token", help="Require 'Authorization: Bearer TOKEN' on every route "
                  "[default: $PERSONA_API_TOKEN].", show_default=False)] = None) -> None:
        """Serve the HTTP API and the web page (the deck, search and ask)."""
        import uvicorn

        from agent.api.app import create_app
        from agent.logs import register_secret

        a = get_ctx(ctx)
        token = token or os.environ.get("PERSONA_API_TOKEN") or None
        register_secret(token)
        api = create_app(a, token=token)
        a.err.print(f"serving {a.workspace.root} on http://{host}:{port}/ "
                    f"({'token required' if token else 'no token'}); Ctrl-C stops")
        uvicorn.run(api, host=host, port=port, log_level="warning", timeout_keep_alive=5,
                    limit_concurrency=256)
