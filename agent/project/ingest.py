"""The ingest stage: files → the workspace's collection (vectorstore does the row work)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.ingest import IngestOptions, Ingestor, open_inputs, sample_texts
from vectorstore.tokens import TokenCounter

from .results import IngestResult

if TYPE_CHECKING:
    from .project import Project

log = logging.getLogger(__name__)
DOWNSTREAM = ["segment", "generate", "deck"]
KEEP_ON_FAILURE = {"logs", ".lock"}  # the log says what failed; the lock file stays put


def ingest(project: Project, paths: list[Path], options: IngestOptions) -> IngestResult:
    """Ingest ``paths`` into the workspace's collection.

    The inputs are opened and their columns planned before anything is created, so unusable
    input leaves the workspace as it was (its log aside). A first ingest that fails later
    (a model that cannot load, a store that goes away) takes back the store and state it
    created; a later one keeps everything already stored and only marks what depends on the
    records stale if it wrote some (a rerun duplicates nothing: ids are deterministic).
    """
    ws = project.open_workspace()   # the directory and its log, which records a failure too
    inputs = open_inputs(paths, options)
    try:
        with ws.lock("ingest", project.settings.lock_timeout):
            before = {child.name for child in ws.root.iterdir()}
            state = ws.read_state()
            attempt = _Attempt(first="store" not in state and "ingest" not in state.get("stages", {}))
            try:
                return _ingest(project, paths, options, inputs, attempt)
            except BaseException:
                _undo(project, attempt, before)
                raise
    finally:
        for f, _ in inputs:
            f.close()


@dataclass
class _Attempt:
    """What one ingest has done so far (for undoing a failed one)."""

    first: bool              # a new workspace (then: a collection that held no records)
    created_collection: bool = False   # the collection did not exist before
    ingestor: Ingestor | None = None


def _ingest(project: Project, paths: list[Path], options: IngestOptions, inputs,
            attempt: _Attempt) -> IngestResult:
    ws, p = project.workspace, project.providers
    store = p.store()
    existed = store.exists()
    info = store.info() if existed else {}
    attempt.first = not info.get("embedder_kind")   # e.g. a collection shared on a server
    attempt.created_collection = not existed
    sample = sample_texts(paths, options) if attempt.first else None
    kind, model, reason = p.resolve_embedder(info, sample)
    project.reporter.info(f"embedder: {kind}{f' ({model})' if model else ''} — {reason}")
    emb = p.embedder(kind, model)
    if attempt.first:
        store.set_info(embedder=emb.model_id, embedder_kind=kind, embedder_model=model,
                       embedding_dim=emb.dim, created_at=int(time.time()),
                       workspace=str(ws.root.resolve()))
    rejects = RejectLog(ws.rejects_path)
    try:
        with project.reporter.bytes("ingest") as progress:
            attempt.ingestor = Ingestor(store, emb, TokenCounter(), options,
                                        ws.pseudonym_key(project.pseudonym_secret()),
                                        on_reject=rejects.write, on_progress=progress)
            summary = attempt.ingestor.run(inputs)
    except BaseException:
        rejects.discard()
        raise
    rejects.commit()
    result = IngestResult(**summary.as_dict(), embedder=emb.model_id, embedder_reason=reason,
                          collection=store.name, records=store.count(),
                          rejects_file=str(ws.rejects_path) if summary.rejected else None,
                          rejects_run=rejects.run if summary.rejected else None)
    uncovered = {lang: n for lang, n in summary.languages.items() if not emb.covers(lang)}
    if summary.added and sum(uncovered.values()) > summary.added / 2:
        result.warning = language_warning(sorted(uncovered), emb.model_id, kind)
        log.warning(result.warning)
    p.pin_store()
    ws.record_stage("ingest", files=result.files, read=summary.read, added=summary.added,
                    updated=summary.updated, records=result.records)
    if summary.added or summary.updated or summary.records_deleted:
        ws.mark_stale(DOWNSTREAM, "records were added, changed or removed by ingest")
    return result


def language_warning(languages: list[str], model_id: str, kind: str) -> str:
    """What to do when most new texts are in languages the collection's embedder does not
    cover: never the advice to use the embedder already in use."""
    better = ("--embedder openai --embedding-model NAME (any OpenAI-compatible multilingual "
              "model)" if kind == "multilingual" else "--embedder multilingual")
    return (f"most new texts are in {', '.join(languages)}, which {model_id} does not cover; "
            f"segments will be poor. Start a new workspace with {better} (-w NEW_DIR, or "
            "`persona reset` first)")


def _undo(project: Project, attempt: _Attempt, before: set[str]) -> None:
    """Take back what a failed ingest created (best effort: the error that made it fail is
    the one the user sees)."""
    ws, p = project.workspace, project.providers
    if not attempt.first:
        s = attempt.ingestor.summary if attempt.ingestor is not None else None
        if s is not None and (s.records_written or s.records_deleted):
            with contextlib.suppress(Exception):
                ws.mark_stale(DOWNSTREAM, "an ingest failed part-way after writing records; "
                                          "rerun it (nothing is duplicated)")
        return
    if attempt.created_collection:
        try:
            p.store().drop()
        except Exception as exc:  # noqa: BLE001 - cleanup after a failure: the first error stands
            log.warning("could not delete the collection the failed ingest created: %s", exc)
    p.forget_store()
    for child in ws.root.iterdir():
        if child.name in before or child.name in KEEP_ON_FAILURE:
            continue
        try:
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        except OSError as exc:
            log.warning("could not remove %s after the failed ingest: %s", child, exc)


class RejectLog:
    """``rejects.jsonl``: the rows ingests rejected, each entry with its ingest's ``run`` id
    and time (``at``). A run's entries are written beside the file and appended on success
    (earlier runs' entries kept, the whole file replaced at once), so a failed ingest adds
    nothing and an ingest that rejects nothing leaves the file as it was."""

    def __init__(self, path: Path):
        self.path = path
        self.run = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        self._at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.written = 0
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self._tmp = Path(tmp)
        self._f = os.fdopen(fd, "w", encoding="utf-8")

    def write(self, file: str, row: Any, reason: str) -> None:
        self._f.write(json.dumps({"file": file, "row": row, "reason": reason, "run": self.run,
                                  "at": self._at}, ensure_ascii=False) + "\n")
        self.written += 1

    def commit(self) -> None:
        self._f.close()
        if not self.written:
            self._tmp.unlink(missing_ok=True)
            return
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                with contextlib.suppress(FileNotFoundError), open(self.path, "rb") as old:
                    shutil.copyfileobj(old, out)
                    if old.tell() and not _ends_with_newline(self.path):
                        out.write(b"\n")
                with open(self._tmp, "rb") as new:
                    shutil.copyfileobj(new, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        finally:
            self._tmp.unlink(missing_ok=True)

    def discard(self) -> None:
        self._f.close()
        self._tmp.unlink(missing_ok=True)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"
