"""Segment a whole collection: read vectors from Chroma, segment, name, describe, write back.

The result lives in two places: ``segment_id`` / ``parent_id`` in every record's Chroma
metadata, and a :class:`~.artifact.SegmentationRun` (the caller writes it to
``segments.json``) with per segment: id, parent, size, share, keywords, central ids, metadata
and language stats, plus the run's parameters, seed, embedder and time. Per-user segment
distributions come back separately (they go to ``segment_users.json``).

Labels are written under a new tag, each keeping the committed label it replaces, and the
run's ``label_tags`` say which tags its labels carry: until the caller writes the run to
``segments.json`` readers see the previous segmentation whole (:mod:`vectorstore.labels`).
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
from ..labels import RUN_KEY, Slot, new_tag, relabel
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
    metadatas: list[dict[str, Any]]  # as readers see them: the committed labels
    slots: list[Slot | None]          # the committed label as stored, per record


def load_records(store: ChromaStore, progress: Progress | None = None) -> Loaded:
    """Every record with its embedding, text and metadata, sorted by id."""
    view = store.label_view()
    items = []
    for item in store.iter_records(include=("embeddings", "documents", "metadatas"), raw=True):
        raw = item["metadata"] or {}
        if view is None:  # every stored label counts (untagged ones have tag None)
            item["slot"] = (Slot(raw.get("segment_id"), raw.get("parent_id"), raw.get(RUN_KEY),
                                 True) if "segment_id" in raw or "parent_id" in raw else None)
        else:
            item["slot"], item["metadata"] = view.slot(raw), view.resolve(raw)
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
                  [it["metadata"] or {} for it in items], [it["slot"] for it in items])


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
    run.records_updated, run.label_tags = write_labels(store, data, seg.labels, seg.parents,
                                                       seg_names, grp_names, progress)
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
    run.records_updated, run.label_tags = write_labels(store, data, labels, parents, seg_names,
                                                       grp_names, progress)
    run.seconds = round(time.perf_counter() - started, 2)
    return run, users


def write_labels(store: ChromaStore, data: Loaded, labels, parents, seg_names, grp_names,
                 progress: Progress | None = None) -> tuple[int, list[str]]:
    """Give every record its new label; returns how many were written and the tags the
    labels carry afterwards (the run's ``label_tags``).

    A record keeps its stored label when that is its own, committed and unchanged; any
    other is written under a new tag with the committed label beside it, so readers of the
    committed run see no change until the run is committed."""
    tag = new_tag()
    ids, metas, tags = [], [], set()
    for i, rid in enumerate(data.ids):
        seg, grp = seg_names[labels[i]], grp_names[parents[i]]
        slot = data.slots[i]
        if slot is not None and slot.current and slot.tag and (slot.segment, slot.group) == \
                (seg, grp):
            tags.add(slot.tag)
            continue
        ids.append(rid)
        metas.append(relabel(slot if slot is not None and slot.tag else None, seg, grp, tag))
    if ids:
        tags.add(tag)
    _write_batches(store, ids, metas, progress)
    return len(ids), sorted(tags)


def tag_labels(store: ChromaStore, tag: str, progress: Progress | None = None) -> int:
    """Tag every stored label that has no tag yet with ``tag`` (labels unchanged): how a
    segmentation made before labels were tagged becomes one whose ``label_tags`` is
    ``[tag]``. Safe to kill and repeat: readers of such a segmentation read labels as stored."""
    ids = [it["id"] for it in store.iter_records(raw=True)
           if RUN_KEY not in (m := it["metadata"] or {}) and ("segment_id" in m or
                                                              "parent_id" in m)]
    _write_batches(store, ids, [{RUN_KEY: tag}] * len(ids), progress)
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
