"""The segmenters: kNN graph + Leiden (default), HDBSCAN, and K-means with a given k.

All three sort records by id before doing anything, so the result never depends on the
order records arrive in, and all three share the same post-processing: small communities
merged or unassigned (``outliers``), then parent groups (``hierarchy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .graph import knn_graph, leiden
from .hierarchy import parent_groups
from .knn import EXACT_LIMIT, knn
from .outliers import compact, default_min_size, merge_indistinct, merge_small
from .types import UNASSIGNED, Segmentation

# Chosen on banking77's train split (benchmarks/segment_tune.py); see README "Segmentation".
DEFAULT_K = 15
DEFAULT_RESOLUTION = 4.0      # Leiden resolution for a corpus of REFERENCE_SIZE texts
DEFAULT_WEIGHTING = "squared"
DEFAULT_SEED = 42
# Modularity finds more communities in bigger graphs at a fixed resolution, so the
# resolution is scaled with corpus size: gamma = resolution * (REFERENCE_SIZE / n) ** 0.75.
# Tuned on train subsamples of 1,000 / 3,080 / 10,003 texts (exponents 0 – 1 tried).
# Below SMALLEST_TUNED texts there was no evidence to scale further, so it stops there.
REFERENCE_SIZE = 10_000
SCALING_EXPONENT = 0.75
SMALLEST_TUNED = 3_000


def effective_resolution(resolution: float, n: int) -> float:
    """The Leiden resolution actually used for ``n`` records."""
    return resolution * (REFERENCE_SIZE / max(n, SMALLEST_TUNED)) ** SCALING_EXPONENT


@dataclass
class _Base:
    min_segment_size: int | None = None
    seed: int = DEFAULT_SEED
    k: int = DEFAULT_K                 # graph neighbours (used for parent groups too)
    weighting: str = DEFAULT_WEIGHTING
    min_groups: int = 5
    max_groups: int = 12
    exact_limit: int = EXACT_LIMIT
    threads: int = 2

    def segment(self, ids: Sequence[str], vectors: np.ndarray,
                previous: Sequence[str | None] | None = None) -> Segmentation:
        n = len(ids)
        if n == 0:
            return Segmentation(np.zeros(0, np.int64), np.zeros(0, np.int64), self.params(0))
        order = np.argsort(np.asarray(ids, dtype=object).astype(str), kind="stable")
        x = _sorted_rows(vectors, order)
        if n < 3:
            labels = np.zeros(n, dtype=np.int64)
            return self._unsort(order, labels, labels.copy(), n)
        idx, sim = knn(x, self.k, self.exact_limit, self.seed, self.threads)
        graph = knn_graph(idx, sim, self.weighting)
        initial = None
        if previous is not None and any(p and p != "unassigned" for p in previous):
            initial = warm_start([previous[i] for i in order], idx)
        raw = self.fine_labels(x, graph, initial)
        min_size = self.min_segment_size or default_min_size(n)
        labels = compact(merge_indistinct(merge_small(raw, x, min_size, (idx, sim)), x))
        parents = compact(parent_groups((idx, sim), labels, x, self.seed, self.min_groups,
                                        self.max_groups, self.weighting))
        return self._unsort(order, labels, parents, n, min_size=min_size,
                            warm_start=initial is not None)

    def _unsort(self, order, labels, parents, n, **extra) -> Segmentation:
        out_l = np.empty_like(labels)
        out_p = np.empty_like(parents)
        out_l[order] = labels
        out_p[order] = parents
        return Segmentation(out_l, out_p, {**self.params(n), **extra})

    def fine_labels(self, x: np.ndarray, graph, initial: list[int] | None) -> np.ndarray:
        raise NotImplementedError

    def params(self, n: int) -> dict:
        return {"method": self.method, "neighbors": self.k, "weighting": self.weighting,
                "seed": self.seed, "min_groups": self.min_groups, "max_groups": self.max_groups,
                "exact_knn": n <= self.exact_limit}


@dataclass
class LeidenSegmenter(_Base):
    """kNN graph (cosine) + Leiden; the number of segments comes from the data."""

    resolution: float = DEFAULT_RESOLUTION
    method = "leiden"

    def fine_labels(self, x, graph, initial):
        return leiden(graph, effective_resolution(self.resolution, len(x)), self.seed, initial)

    def params(self, n):
        return {**super().params(n), "resolution": self.resolution,
                "effective_resolution": round(effective_resolution(self.resolution, n), 4)}


@dataclass
class HDBSCANSegmenter(_Base):
    """scikit-learn's HDBSCAN on the vectors (noise points go through outlier merging)."""

    min_cluster_size: int | None = None
    method = "hdbscan"

    def fine_labels(self, x, graph, initial):
        from sklearn.cluster import HDBSCAN

        size = self.min_cluster_size or self.min_segment_size or default_min_size(len(x))
        return HDBSCAN(min_cluster_size=max(2, size), metric="euclidean",
                       copy=True).fit_predict(x).astype(np.int64)

    def params(self, n):
        return {**super().params(n), "min_cluster_size": self.min_cluster_size}


@dataclass
class KMeansSegmenter(_Base):
    """K-means with ``n_clusters`` segments (when you know how many you want)."""

    n_clusters: int = 10
    method = "kmeans"

    def fine_labels(self, x, graph, initial):
        from sklearn.cluster import KMeans

        k = max(1, min(self.n_clusters, len(x)))
        return KMeans(k, n_init=4, random_state=self.seed).fit_predict(x).astype(np.int64)

    def params(self, n):
        return {**super().params(n), "n_clusters": self.n_clusters}


def _sorted_rows(vectors: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``vectors[order]`` as contiguous float32, without a copy when already in order.

    At a million 384-d vectors each copy is 1.5 GB, and callers (``load_records``) usually
    pass rows already sorted by id.
    """
    if np.array_equal(order, np.arange(len(order))):
        return np.ascontiguousarray(vectors, dtype=np.float32)
    return np.ascontiguousarray(vectors[order], dtype=np.float32)


def warm_start(previous: list[str | None], idx: np.ndarray) -> list[int]:
    """Initial communities from last run's names; a new record starts in the community most
    of its neighbours were in (or alone when none of them had one)."""
    codes: dict[str, int] = {}
    init = [codes.setdefault(p, len(codes)) if p and p != "unassigned" else -1 for p in previous]
    for _ in range(3):  # newcomers next to newcomers resolve over a few passes
        for i, lab in enumerate(init):
            if lab == -1:
                votes = [init[j] for j in idx[i] if init[j] != -1]
                if votes:
                    init[i] = max(sorted(set(votes)), key=votes.count)
    fresh = len(codes)
    for i, lab in enumerate(init):
        if lab == -1:
            init[i], fresh = fresh, fresh + 1
    return init


__all__ = ["UNASSIGNED", "HDBSCANSegmenter", "KMeansSegmenter", "LeidenSegmenter"]
