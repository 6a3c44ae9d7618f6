"""``persona``: the command-line interface (DESIGN.md §2b)."""

from __future__ import annotations

import logging
import signal
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from agent.config import load_settings
from agent.logs import scrub, setup_console
from vectorstore.errors import PersonaError

from .context import AppContext

log = logging.getLogger("persona")

app = typer.Typer(
    name="persona",
    help="Evidence-backed user segments and personas from what users write.",
    no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout "
                                                       "(human text goes to stderr).")]


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
) -> None:
    setup_console(verbose)
    settings = load_settings(workspace, chroma={"url": chroma_url, "collection": collection})
    ctx.obj = AppContext(settings, json_output=json_output, verbose=verbose)


def get_ctx(ctx: typer.Context, json_output: bool = False) -> AppContext:
    app_ctx: AppContext = ctx.obj
    if json_output:
        app_ctx.json_output = True
    return app_ctx


def _register() -> None:
    from . import data_cmd, ingest_cmd, llm_cmd, status_cmd

    for module in (ingest_cmd, status_cmd, data_cmd):
        module.register(app)
    app.add_typer(llm_cmd.llm_app, name="llm")


_register()


def _on_sigterm(signum, frame):  # turn SIGTERM into a normal exit so cleanup runs
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: every error becomes a message and an exit code."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app(args=argv, prog_name="persona")
    except PersonaError as exc:
        log.debug("failed: %s", exc, exc_info=True)
        sys.stderr.write(f"error: {scrub(str(exc))}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:  # a bug: say so, keep the traceback in the log
        log.error("internal error", exc_info=True)
        sys.stderr.write(f"internal error: {type(exc).__name__}: {scrub(str(exc))}\n"
                         "this is a bug in personakit; the traceback is in the workspace's "
                         "logs/persona.log (or rerun with -v)\n")
        if "-v" in (argv or sys.argv) or "--verbose" in (argv or sys.argv):
            traceback.print_exc()
        sys.exit(1)


if __name__ == "__main__":
    main()
