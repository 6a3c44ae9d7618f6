"""Data lifecycle: ``persona forget`` (erasure requests) and ``persona reset``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from vectorstore.errors import InputError

from .app import JsonFlag, get_ctx


def register(app: typer.Typer) -> None:
    @app.command("forget")
    def forget(ctx: typer.Context,
               user: Annotated[str | None, typer.Option(
                   "--user", help="Erase every text by this user id (as in the source file).",
                   show_default=False)] = None,
               source: Annotated[str | None, typer.Option(
                   "--source", help="Erase every text from this source (file name).",
                   show_default=False)] = None,
               ids: Annotated[Path | None, typer.Option(
                   "--ids", help="Erase the records listed in FILE (one id per line).",
                   show_default=False)] = None,
               json_output: JsonFlag = False) -> None:
        """Erase records (an erasure request).

        Also removes every copy in the workspace: the embedded store's log and free pages
        (`chroma vacuum`), personas' claims and quotes and the deck (stripped and marked
        stale), segment users, aspect sets, the model's response cache, rejects and logs.
        A Chroma server keeps the texts in its log until it is vacuumed (forget says so).

        \b
        Example:
          persona forget --user someone@example.com
        """
        a = get_ctx(ctx, json_output)
        r = a.project().forget(user, source, ids)
        if r.deleted:
            a.human.print(f"erased {r.texts} texts ({r.deleted} records) for {r.what}; "
                          f"{r.records} records remain. Personas and the deck no longer quote "
                          "them; segments, personas and the deck are marked stale (rerun "
                          "`persona segment` and `persona generate`).")
            for path in r.left:
                a.err.print(f"warning: {path} still holds an erased text or user id "
                            "(persona does not write it): delete or edit it")
            if r.store_keeps:
                a.err.print(f"note: {r.store_keeps}")
        else:
            a.human.print(f"no records matched {r.what}; nothing was deleted")
        a.emit(r)

    @app.command("reset")
    def reset(ctx: typer.Context,
              yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
              json_output: JsonFlag = False) -> None:
        """Empty the workspace and its collection (keeps persona.toml).

        Also forgets the pinned store, so the next ingest may use another one.

        \b
        Example:
          persona reset --yes
        """
        a = get_ctx(ctx, json_output)
        project = a.project(check_pins=False)  # empties the store the workspace pinned
        store = project.settings.chroma.url or "the embedded store"
        target = (f"workspace {project.workspace.root} and collection "
                  f"{project.providers.collection_name} ({store})")
        if not yes:
            if not sys.stdin.isatty():
                raise InputError(f"reset would delete {target}; pass --yes to confirm")
            if not typer.confirm(f"Delete everything in {target}?", default=False):
                a.human.print("nothing deleted")
                raise typer.Exit(0)
        r = project.reset()
        a.human.print(f"reset {target}")
        a.emit(r)
