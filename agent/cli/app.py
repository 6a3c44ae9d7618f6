"""The Typer application, its global options and shared option types."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.logs import setup_console

from .context import AppContext

app = typer.Typer(
    name="persona",
    help="Evidence-backed user segments and personas from what users write.\n\n"
         "Global options (-w/--workspace, --chroma-url, --collection, -v) go before or after "
         "the command. A workspace remembers its store (Chroma URL, collection, embedder) "
         "from its first ingest.\n\n\b\nExample:\n"
         "  persona run examples/app_reviews.csv --meta-cols rating,channel,date\n"
         "  persona ingest reviews.csv --workspace team-ws\n"
         "  persona list -w team-ws",
    no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout "
                                                       "(human text goes to stderr).")]


def _version(value: bool) -> None:
    if value:
        from agent import __version__

        typer.echo(f"persona (personakit) {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", "-w", help="Workspace directory [default: ./.persona, or "
                                  "$PERSONA_WORKSPACE].", show_default=False)] = None,
    chroma_url: Annotated[str | None, typer.Option(
        "--chroma-url", help="Use a Chroma server (http://HOST:PORT) instead of the embedded "
                             "store.", show_default=False)] = None,
    collection: Annotated[str | None, typer.Option(
        "--collection", help="Chroma collection [default: derived from the workspace path].",
        show_default=False)] = None,
    json_output: JsonFlag = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show progress details "
                                                                  "and info logs.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    setup_console(verbose)
    ctx.obj = AppContext(workspace, {"url": chroma_url, "collection": collection},
                         json_output=json_output, verbose=verbose)


def get_ctx(ctx: typer.Context, json_output: bool = False) -> AppContext:
    app_ctx: AppContext = ctx.obj
    if json_output:
        app_ctx.json_output = True
    return app_ctx
