"""The ingest stage: files → the workspace's collection (vectorstore does the row work)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.ingest import IngestOptions, Ingestor, open_inputs, sample_texts
from vectorstore.tokens import TokenCounter

from .results import IngestResult

if TYPE_CHECKING:
    from .project import Project

log = logging.getLogger(__name__)
DOWNSTREAM = ["segment", "generate", "deck"]


def ingest(project: Project, paths: list[Path], options: IngestOptions) -> IngestResult:
    """Ingest ``paths`` into the workspace's collection."""
    ws = project.open_workspace()
    p = project.providers
    with ws.lock("ingest", project.settings.lock_timeout):
        store = p.store()
        inputs = open_inputs(paths, options)
        rejects = None
        try:
            info = store.info()
            sample = None if info.get("embedder_kind") else sample_texts(paths, options)
            kind, model, reason = p.resolve_embedder(info, sample)
            project.reporter.info(f"embedder: {kind}{f' ({model})' if model else ''} — {reason}")
            emb = p.embedder(kind, model)
            if not info.get("embedder_kind"):
                store.set_info(embedder=emb.model_id, embedder_kind=kind, embedder_model=model,
                               embedding_dim=emb.dim, created_at=int(time.time()),
                               workspace=str(ws.root.resolve()))
            rejects = RejectLog(ws.rejects_path)
            with project.reporter.bytes("ingest") as progress:
                ingestor = Ingestor(store, emb, TokenCounter(), options,
                                    ws.pseudonym_key(project.pseudonym_secret()),
                                    on_reject=rejects.write, on_progress=progress)
                summary = ingestor.run(inputs)
        finally:
            for f, _ in inputs:
                f.close()
            if rejects is not None:
                rejects.close()
        result = IngestResult(**summary.as_dict(), embedder=emb.model_id, embedder_reason=reason,
                              collection=store.name, records=store.count(),
                              rejects_file=str(ws.rejects_path) if summary.rejected else None)
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


class RejectLog:
    """``rejects.jsonl``: the rows the current ingest rejected (rewritten per run)."""

    def __init__(self, path: Path):
        self.path = path
        self._f = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def write(self, file: str, row: Any, reason: str) -> None:
        self._f.write(json.dumps({"file": file, "row": row, "reason": reason},
                                 ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._f.close()
