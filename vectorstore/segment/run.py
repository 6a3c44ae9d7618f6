"""Segment a whole collection: read vectors from Chroma, segment, name, describe, write back.

The result lives in two places: ``segment_id`` / ``parent_id`` in every record's Chroma
metadata, and a :class:`~.artifact.SegmentationRun` (the caller writes it to
``segments.json``) with per segment: id, parent, size, share, keywords, central ids, metadata
and language stats, plus the run's parameters, seed, embedder and time. Per-user segment
distributions come back separately (they go to ``segment_users.json``).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..records import rec
from ..store import ChromaStore
from .artifact import Params, SegmentationRun, Stability
from .describe import describe
from .stable_ids import stable_names
from .types import UNASSIGNED, Segmenter

Progress = Callable[[str], None]
LABEL_BATCH = 1000


@dataclass
class Loaded:
    ids: list[str]
    vectors: np.ndarray
    documents: list[str]
    metadatas: list[dict[str, Any]]


def load_records(store: ChromaStore, progress: Progress | None = None) -> Loaded:
    """Every record with its embedding, text and metadata, sorted by id."""
    items = []
    for item in store.iter_records(include=("embeddings", "documents", "metadatas")):
        items.append(item)
        if progress and len(items) % 20000 == 0:
            progress(f"read {len(items)} records")
    if not items:
        raise InputError(f"collection {store.name!r} has no records; run `persona ingest FILE` "
                         "first")
    items.sort(key=lambda it: it["id"])
    vectors = np.empty((len(items), len(items[0]["embedding"])), dtype=np.float32)
    for i, it in enumerate(items):  # fill in place and let go of the per-record arrays
        vectors[i] = it.pop("embedding")
    return Loaded([it["id"] for it in items], vectors, [it["document"] or "" for it in items],
                  [it["metadata"] or {} for it in items])


Users = dict[str, Any]


def segment_store(store: ChromaStore, segmenter: Segmenter, embedder: str,
                  progress: Progress | None = None, fresh: bool = False
                  ) -> tuple[SegmentationRun, Users]:
    """Full segmentation of ``store``; returns the run and each user's segment distribution,
    and writes the labels back.

    Unless ``fresh``, the segmenter starts from the stored segment ids, so adding records
    changes little of what was there (``stability`` in the summary says how much).
    """
    started = time.perf_counter()
    data = load_records(store, progress)
    if progress:
        progress(f"segmenting {len(data.ids)} records")
    previous_seg = [m.get("segment_id") for m in data.metadatas]
    seg = segmenter.segment(data.ids, data.vectors, None if fresh else previous_seg)
    previous_grp = [m.get("parent_id") for m in data.metadatas]
    seg_names = stable_names(seg.labels, previous_seg, "s")
    grp_names = stable_names(seg.parents, previous_grp, "g")
    kept = _kept_share(seg.labels, previous_seg, seg_names)
    run, users = _summarise(data, seg.labels, seg.parents, seg_names, grp_names, embedder,
                            seg.params, started)
    run.stability = Stability(previous_ids_kept=kept)
    if progress:
        progress("writing segment ids to the store")
    run.records_updated = write_labels(store, data, seg.labels, seg.parents, seg_names,
                                       grp_names, progress)
    run.seconds = round(time.perf_counter() - started, 2)
    return run, users


def assign_new(store: ChromaStore, previous: SegmentationRun, k: int = 15,
               progress: Progress | None = None) -> tuple[SegmentationRun, Users | None]:
    """Give records without a segment the segment most of their nearest segmented neighbours
    have (similarity-weighted vote); existing ids and numbering do not change."""
    started = time.perf_counter()
    data = load_records(store, progress)
    names = [m.get("segment_id") for m in data.metadatas]
    todo = np.array([n is None for n in names])
    if not todo.any():
        return previous.model_copy(update={"assigned_new": 0}), None
    known = ~todo & np.array([n not in (None, "unassigned") for n in names])
    if not known.any():
        raise InputError("no segmented records to assign to; run `persona segment` first")
    seg_of = {s.id: s.parent for s in previous.segments}
    labels_known = np.array([names[i] for i in np.where(known)[0]], dtype=object)
    base = data.vectors[known]
    new_idx = np.where(todo)[0]
    assigned = []
    for s in range(0, len(new_idx), 2048):
        block = data.vectors[new_idx[s:s + 2048]]
        sims = block @ base.T
        kk = min(k, base.shape[0])
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        for row, cols in enumerate(top):
            votes: dict[str, float] = {}
            for c in cols:
                votes[labels_known[c]] = votes.get(labels_known[c], 0.0) + float(sims[row, c])
            assigned.append(max(sorted(votes), key=lambda name: votes[name]))
    seg_labels = np.array(names, dtype=object)
    seg_labels[new_idx] = assigned
    # Re-describe with the same names: sizes, keywords and central texts include newcomers.
    codes = {name: i for i, name in enumerate(sorted(set(seg_labels.tolist()) - {"unassigned"}))}
    codes["unassigned"] = UNASSIGNED
    labels = np.array([codes[x] for x in seg_labels], dtype=np.int64)
    grp_codes = {g: i for i, g in enumerate(sorted(set(seg_of.values())))}
    parents = np.array([grp_codes[seg_of[x]] if x in seg_of else UNASSIGNED for x in seg_labels],
                       dtype=np.int64)
    seg_names = {v: k for k, v in codes.items()}
    grp_names = {v: k for k, v in grp_codes.items()} | {UNASSIGNED: "unassigned"}
    run, users = _summarise(data, labels, parents, seg_names, grp_names, previous.embedder,
                            previous.params.model_dump(exclude_none=True), started)
    run.run_id = previous.run_id
    run.assigned_new = len(new_idx)
    run.stability = previous.stability
    run.records_updated = write_labels(store, data, labels, parents, seg_names, grp_names)
    run.seconds = round(time.perf_counter() - started, 2)
    return run, users


def write_labels(store: ChromaStore, data: Loaded, labels, parents, seg_names, grp_names,
                 progress: Progress | None = None) -> int:
    ids, metas = [], []
    for i, rid in enumerate(data.ids):
        seg, grp = seg_names[labels[i]], grp_names[parents[i]]
        m = data.metadatas[i]
        if m.get("segment_id") != seg or m.get("parent_id") != grp:
            ids.append(rid)
            metas.append({"segment_id": seg, "parent_id": grp})
    _write_batches(store, ids, metas, progress)
    return len(ids)


def _write_batches(store: ChromaStore, ids: list[str], metas: list[dict], progress) -> None:
    """Write label metadata batch by batch, saying how far it got.

    ``PERSONA_TEST_LABEL_PAUSE`` (seconds) is a test hook: pause after each batch, so a test
    can kill the run while the labels are half written (tests/test_labels_atomic.py)."""
    pause = float(os.environ.get("PERSONA_TEST_LABEL_PAUSE") or 0)
    for s in range(0, len(ids), LABEL_BATCH):
        store.update_metadata(ids[s:s + LABEL_BATCH], metas[s:s + LABEL_BATCH])
        if progress:
            progress(f"segment ids written to {min(s + LABEL_BATCH, len(ids))} of {len(ids)} "
                     "records")
        if pause and s + LABEL_BATCH < len(ids):
            time.sleep(pause)


def _summarise(data: Loaded, labels, parents, seg_names, grp_names, embedder, params,
               started) -> tuple[SegmentationRun, Users]:
    desc = describe(data.ids, labels, parents, data.vectors, data.documents, data.metadatas,
                    seg_names, grp_names)
    texts = sum(1 for m in data.metadatas if "text_hash" in m)
    unassigned = int((labels == UNASSIGNED).sum())
    digest = hashlib.sha256("\x1f".join(f"{i}:{seg_names[lab]}" for i, lab in
                                        zip(data.ids, labels.tolist(), strict=True)).encode())
    run = SegmentationRun(
        run_id=time.strftime("%Y%m%dT%H%M%S") + "-" + digest.hexdigest()[:8],
        created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        embedder=embedder, method=params.get("method"), seed=params.get("seed"),
        params=Params.model_validate(params), records=len(data.ids), texts=texts,
        rows=int(sum(rec(m).get("dup_count", 1) for m in data.metadatas if "text_hash" in m)),
        unassigned=unassigned, unassigned_share=round(unassigned / len(data.ids), 4),
        counts={"segments": len(desc["segments"]), "groups": len(desc["groups"])},
        groups=desc["groups"], segments=desc["segments"], date_column=desc["date_column"],
        periods=desc["periods"], rating_column=desc["rating_column"],
        elapsed_seconds=round(time.perf_counter() - started, 2))
    return run, desc["users"]


def _kept_share(labels: np.ndarray, previous: list[str | None], names: dict[int, str]) -> float | None:
    had = [(names[lab], p) for lab, p in zip(labels.tolist(), previous, strict=True) if p]
    if not had:
        return None
    return round(sum(1 for new, old in had if new == old) / len(had), 4)


__all__ = ["assign_new", "load_records", "segment_store"]
