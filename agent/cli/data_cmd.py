"""Data lifecycle: ``persona forget`` (erasure requests) and ``persona reset``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from agent.config import CONFIG_FILE
from agent.logs import detach_handlers
from vectorstore.errors import InputError
from vectorstore.records import is_first
from vectorstore.redact import pseudonymize

from .app import JsonFlag, get_ctx
from .context import AppContext

DERIVED = ["segment", "generate", "deck"]


def forget_records(app: AppContext, user: str | None, source: str | None,
                   ids_file: Path | None) -> dict:
    chosen = [x for x in (user, source, ids_file) if x is not None]
    if len(chosen) != 1:
        raise InputError("pass exactly one of --user, --source or --ids")
    ws = app.open_workspace()
    with ws.lock("forget", app.settings.lock_timeout):
        store = app.store()
        if user is not None:
            key = ws.pseudonym_key(app.settings.pseudonym_key.get_secret_value()
                                   if app.settings.pseudonym_key else None)
            matched = store.find("user", [user.strip(), pseudonymize(user, key)])
            what = "user"
        elif source is not None:
            matched = store.find("source", [source])
            what = f"source {source!r}"
        else:
            wanted = _read_ids(ids_file)
            matched = store.metadata_by_id(wanted)
            what = f"{len(wanted)} ids from {ids_file}"
        parents = [rid for rid, m in matched.items() if is_first(m)]
        chunks = store.find("chunk_of", parents) if parents else {}
        doomed = sorted(set(matched) | set(chunks))
        store.delete(doomed)
        if doomed:
            ws.mark_stale(DERIVED, f"records were erased by `persona forget` ({what})")
            ws.record_stage("forget", deleted=len(doomed), what=what)
    return {"deleted": len(doomed), "texts": len(parents), "what": what,
            "records": store.count()}


def _read_ids(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (expected one record id per line)") from None
    ids = [line.strip() for line in lines if line.strip()]
    if not ids:
        raise InputError(f"{path}: no ids in the file (expected one record id per line)")
    return ids


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
        """Delete records (an erasure request) and mark what was derived from them stale."""
        a = get_ctx(ctx, json_output)
        r = forget_records(a, user, source, ids)
        if r["deleted"]:
            a.human.print(f"erased {r['texts']} texts ({r['deleted']} records) for {r['what']}; "
                          f"{r['records']} records remain. Derived segments/personas are marked "
                          "stale.")
        else:
            a.human.print(f"no records matched {r['what']}; nothing was deleted")
        a.emit(r)

    @app.command("reset")
    def reset(ctx: typer.Context,
              yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
              json_output: JsonFlag = False) -> None:
        """Empty the workspace and its collection (keeps persona.toml)."""
        a = get_ctx(ctx, json_output)
        ws = a.workspace
        target = f"workspace {ws.root} and collection {a.collection_name}"
        if not yes:
            if not sys.stdin.isatty():
                raise InputError(f"reset would delete {target}; pass --yes to confirm")
            if not typer.confirm(f"Delete everything in {target}?", default=False):
                a.human.print("nothing deleted")
                raise typer.Exit(0)
        with ws.lock("reset", a.settings.lock_timeout):
            detach_handlers()  # the log file is about to be deleted
            a.store().drop()
            a._store = None
            removed = []
            for child in sorted(ws.root.iterdir()) if ws.root.exists() else []:
                if child.name in (CONFIG_FILE, ".lock"):
                    continue
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
                removed.append(child.name)
        a.human.print(f"reset {target}")
        a.emit({"reset": True, "workspace": str(ws.root), "collection": a.collection_name,
                "removed": removed})
