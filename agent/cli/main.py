"""``persona``: the command-line interface (DESIGN.md §2b)."""

from __future__ import annotations

import logging
import signal
import sys
import traceback

from agent.logs import log_file, new_error_id, scrub
from vectorstore.errors import PersonaError

from .app import app

log = logging.getLogger("persona")


def _register() -> None:
    from . import (
        ask_cmd,
        data_cmd,
        eval_cmd,
        generate_cmd,
        ingest_cmd,
        label_cmd,
        llm_cmd,
        prompts_cmd,
        segment_cmd,
        status_cmd,
    )

    for module in (ingest_cmd, segment_cmd, generate_cmd, ask_cmd, label_cmd, status_cmd,
                   data_cmd, prompts_cmd):
        module.register(app)
    app.add_typer(eval_cmd.eval_app, name="eval")
    app.add_typer(llm_cmd.llm_app, name="llm")
    _short_helps(app)


def _short_helps(typer_app) -> None:
    """Give every command its help's first sentence as the one line the command list
    shows, so the list is never cut off with "..." in a narrow terminal."""
    import inspect

    import typer.models

    def first(text: str | None) -> str | None:
        if not text:
            return None
        paragraph = inspect.cleandoc(text).split("\n\n")[0].replace("\n", " ")
        return paragraph.split(". ")[0].rstrip(".") + "."

    for info in typer_app.registered_commands:
        if not info.short_help:
            info.short_help = first(info.help or (info.callback and info.callback.__doc__))
    for group in typer_app.registered_groups:
        sub = group.typer_instance
        if isinstance(sub.info.short_help, typer.models.DefaultPlaceholder) or \
                not sub.info.short_help:
            sub.info.short_help = first(sub.info.help if isinstance(sub.info.help, str)
                                        else None)
        _short_helps(sub)


_register()


def _on_sigterm(signum, frame):  # turn SIGTERM into a normal exit so cleanup runs
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: every error becomes a message and an exit code."""
    import typer.main

    from .argv import normalise

    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        args = normalise(sys.argv[1:] if argv is None else argv, typer.main.get_command(app))
        app(args=args, prog_name="persona")
    except PersonaError as exc:
        log.debug("failed: %s", exc, exc_info=True)
        sys.stderr.write(f"error: {scrub(str(exc))}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:  # a bug: an error id here, the traceback in the log
        error_id = new_error_id()
        log.error("internal error %s", error_id, exc_info=True)
        path = log_file()
        where = f"the traceback is in {path}" if path else "rerun with -v to see the traceback"
        sys.stderr.write(f"internal error {error_id}: {type(exc).__name__}: {scrub(str(exc))}\n"
                         f"this is a bug in personakit; {where} (error id {error_id})\n")
        if "-v" in (argv or sys.argv) or "--verbose" in (argv or sys.argv):
            traceback.print_exc()
        sys.exit(1)


if __name__ == "__main__":
    main()
