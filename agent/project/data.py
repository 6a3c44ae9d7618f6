"""Data lifecycle: status, export, forget (erasure requests) and reset."""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from agent.config import CONFIG_FILE
from agent.logs import detach_handlers
from vectorstore.errors import InputError
from vectorstore.records import is_first
from vectorstore.redact import pseudonymize
from vectorstore.store import EMBEDDED_KEEPS, SERVER_KEEPS, erase_embedded

from .erasure import Eraser, Traces
from .results import (
    ExportResult,
    ForgetResult,
    InterruptedRun,
    ResetResult,
    SegmentationSummary,
    StatusResult,
)

if TYPE_CHECKING:
    from .project import Project

log = logging.getLogger(__name__)
DERIVED = ["segment", "generate", "deck"]


def status(project: Project) -> StatusResult:
    ws = project.workspace
    # Only look: an embedded store that is not there yet is not created by asking.
    store = project.providers.store() if (ws.chroma_path.exists() or project.settings.chroma.url) \
        else None
    info = store.info() if store else {}
    languages: Counter = Counter()
    users: set[str] = set()
    sources: Counter = Counter()
    records = texts = chunks = labelled = uncommitted = 0
    if store and info:
        view = store.label_view()
        for item in store.iter_records(include=("metadatas",), raw=True):
            m = item["metadata"] or {}
            if view is not None:
                uncommitted += view.uncommitted(m) is not None
                m = view.resolve(m)
            labelled += "segment_id" in m
            records += 1
            if not is_first(m):
                chunks += 1
                continue
            texts += 1
            languages[m.get("lang", "und")] += 1
            sources[m.get("source", "?")] += 1
            if m.get("user"):
                users.add(m["user"])
    state = ws.read_state() if ws.root.exists() else {}
    return StatusResult(
        workspace=str(ws.root), store=store.location if store else None,
        collection=project.providers.collection_name, records=records, texts=texts,
        chunks=chunks, embedder=info.get("embedder"),
        embedding_dim=_dimension(store, info) if records else info.get("embedding_dim") or None,
        languages=dict(languages.most_common()), users=len(users),
        sources=dict(sources.most_common()), stages=state.get("stages", {}),
        stale=state.get("stale", {}),
        segmentation=_segmentation_summary(project, labelled, uncommitted),
        pinned=ws.pinned_store(), llm=ws.llm_endpoint())


def _dimension(store, info) -> int | None:
    """The collection's embedding dimension: as recorded, else (an OpenAI-compatible model
    recorded before it was probed: 0) the length of a stored vector; None when unknown."""
    if info.get("embedding_dim"):
        return int(info["embedding_dim"])
    got = store.get(limit=1, include=("embeddings",))
    vectors = got.get("embeddings")
    return len(vectors[0]) if vectors is not None and len(vectors) and len(vectors[0]) else None


def _segmentation_summary(project: Project, labelled: int, uncommitted: int
                          ) -> SegmentationSummary | None:
    pending = project.artifacts.pending_segmentation() if project.workspace.root.exists() \
        else None
    interrupted = None
    if pending is not None or uncommitted:
        pending = pending or {}
        interrupted = InterruptedRun(kind=pending.get("kind"), started_at=pending.get("started_at"),
                                     records_written=uncommitted,
                                     running=bool(pending.get("running")))
    try:
        run = project.artifacts.segmentation()
    except InputError as exc:
        return SegmentationSummary(error=str(exc), interrupted=interrupted)
    if run is None:
        return SegmentationSummary(interrupted=interrupted) if interrupted else None
    return SegmentationSummary(run_id=run.run_id, created_at=run.created_at, method=run.method,
                               segments=run.counts.segments, groups=run.counts.groups,
                               unassigned_share=run.unassigned_share, labelled=labelled,
                               interrupted=interrupted)


def export(project: Project, out: Path) -> ExportResult:
    from .exports import export_records_joined

    return export_records_joined(project, out)


def forget(project: Project, user: str | None = None, source: str | None = None,
           ids_file: Path | None = None) -> ForgetResult:
    """Erase records, and every copy of them in the workspace: the store (its log and free
    pages included, on an embedded store), the sentence units, the personas' claims and quotes
    and the deck (stripped now, marked stale), segments.json, segment_users.json, aspect sets,
    the model's response cache, rejects.jsonl and the logs. On a Chroma server, the result
    says what the server keeps until it is compacted."""
    chosen = [x for x in (user, source, ids_file) if x is not None]
    if len(chosen) != 1:
        raise InputError("pass exactly one of --user, --source or --ids")
    ws = project.open_workspace()
    providers = project.providers
    with ws.lock("forget", project.settings.lock_timeout):
        store = providers.store()
        named: set[str] = set()
        if user is not None:
            key = ws.pseudonym_key(project.pseudonym_secret())
            named = {user.strip(), pseudonymize(user, key)}
            matched = store.find("user", sorted(named))
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
        if not doomed:
            return ForgetResult(deleted=0, texts=0, what=what, records=store.count())
        texts, users = _contents(store, doomed)
        units = providers.units_store()
        unit_ids = sorted(units.find("record", doomed)) if units.exists() else []
        url = project.settings.chroma.url
        if url:
            store.delete(doomed)
            units.delete(unit_ids)
            units.close()
            keeps = SERVER_KEEPS.format(url=url)
        else:  # the embedded store: purge Chroma's log and free pages too
            units.close()
            providers.forget_store()
            erase_embedded(ws.chroma_path, {providers.collection_name: doomed,
                                            units.name: unit_ids})
            store = providers.store()
            keeps = EMBEDDED_KEEPS
        gone = {u for u in users | named if u and not store.find("user", [u])}
        remaining = (item["document"] or "" for item in store.iter_records(
            include=("documents",)))
        traces = Traces(texts, doomed, gone | named, remaining)
        done = _erase_from_files(project, traces, gone, what)
        left = [str(p.relative_to(ws.root)) for p in done.pop("left")]
        in_store = [p for p in left if p.startswith(ws.chroma_path.name + "/")]
        if in_store:  # not expected after the purge: say so rather than claim it is clean
            keeps = (f"{', '.join(in_store)} still hold(s) an erased text or user id; "
                     f"{keeps}")
    return ForgetResult(deleted=len(doomed), texts=len(parents), what=what,
                        records=store.count(), store_keeps=keeps, left=left, **done)


def _contents(store, ids: list[str]) -> tuple[list[str], set[str]]:
    """The documents and user ids of records ``ids``."""
    texts: list[str] = []
    users: set[str] = set()
    for start in range(0, len(ids), 500):
        got = store.get(ids=ids[start:start + 500], include=("documents", "metadatas"))
        texts.extend(d for d in got["documents"] or [] if d)
        users.update(str(m["user"]) for m in got["metadatas"] or [] if m and m.get("user"))
    return texts, users


def _erase_from_files(project: Project, traces: Traces, users: set[str],
                      what: str) -> dict:
    """Strip the erased records from every file the workspace derived from them."""
    from . import generate

    ws, artifacts = project.workspace, project.artifacts
    eraser = Eraser(ws.root, traces)
    eraser.personas(artifacts.personas_dir)
    eraser.segmentation(artifacts.segments_path)
    eraser.users(artifacts.users_path, users)
    eraser.aspects(artifacts.aspects_dir)
    eraser.remove_tree(ws.root / "cache")  # model answers may quote any text they were sent
    eraser.lines(ws.rejects_path)
    if artifacts.deck_dir.is_dir():
        try:
            generate.deck(project)  # again, from the stripped personas
            eraser.done.changed.append(str(artifacts.deck_dir.relative_to(ws.root)) + "/")
        except InputError:
            eraser.remove_tree(artifacts.deck_dir)
    ws.mark_stale(DERIVED, f"records were erased by `persona forget` ({what})")
    ws.record_stage("forget", deleted=len(traces.ids), what=what)
    eraser.logs(ws.logs_dir)  # last: this command's own lines included
    left = eraser.sweep(skip=set())  # the store's files included
    evals = ws.root / "evals"
    for run in sorted({evals / p.relative_to(evals).parts[0] for p in left
                       if evals in p.parents}):
        eraser.remove_tree(run)  # an evaluation's copies of the data and its outputs
    left = [p for p in left if p.exists()]
    for p in left:
        log.warning("%s still holds an erased text or user id: delete or edit it",
                    p.relative_to(ws.root))
    return {"changed": sorted(set(eraser.done.changed)), "removed": eraser.done.removed,
            "left": left}


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


def reset(project: Project) -> ResetResult:
    """Empty the workspace and its collection (keeps persona.toml)."""
    ws = project.workspace
    collection = project.providers.collection_name
    with ws.lock("reset", project.settings.lock_timeout):
        detach_handlers()  # the log file is about to be deleted
        project.providers.store().drop()
        project.providers.forget_store()
        removed = []
        for child in sorted(ws.root.iterdir()) if ws.root.exists() else []:
            if child.name in (CONFIG_FILE, ".lock"):
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
            removed.append(child.name)
    return ResetResult(workspace=str(ws.root), collection=collection, removed=removed)
