"""A 2-D map of the segments: PCA of (a sample of) the record embeddings."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA

from vectorstore.segment.artifact import Level
from vectorstore.store import ChromaStore

MAX_POINTS = 3000


@dataclass
class MapData:
    points: np.ndarray        # [n, 2] in 0..1
    groups: list[str]         # group id per point
    centres: dict[str, tuple[float, float]]


def segment_map(store: ChromaStore, level: Level | str = Level.GROUP, seed: int = 0
                ) -> MapData | None:
    """Points coloured by the group (or segment) they belong to."""
    key = Level.parse(level).key
    items = [(it["embedding"], (it["metadata"] or {}).get(key)) for it in
             store.iter_records(include=("embeddings", "metadatas"))]
    items = [(v, g) for v, g in items if g and g != "unassigned"]
    if len(items) < 3:
        return None
    if len(items) > MAX_POINTS:
        items = random.Random(seed).sample(items, MAX_POINTS)
    x = np.asarray([v for v, _ in items], dtype=np.float32)
    p = PCA(n_components=2, svd_solver="full").fit_transform(x)
    for d in range(2):  # a deterministic orientation
        if p[np.argmax(np.abs(p[:, d])), d] < 0:
            p[:, d] = -p[:, d]
    lo, hi = p.min(axis=0), p.max(axis=0)
    p = (p - lo) / np.maximum(hi - lo, 1e-9)
    groups = [g for _, g in items]
    centres = {}
    for g in sorted(set(groups)):
        m = np.array([gg == g for gg in groups])
        centres[g] = tuple(float(v) for v in p[m].mean(axis=0))
    return MapData(p, groups, centres)
