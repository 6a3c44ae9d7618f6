"""The segmenters: kNN graph + Leiden (default), HDBSCAN, and K-means with a given k.

All three sort records by id before doing anything, so the result never depends on the
order records arrive in, and all three share the same post-processing: small communities
merged or unassigned (``outliers``), then parent groups (``hierarchy``). Corpora smaller
than the sizes the defaults were tuned on get fewer graph neighbours and a resolution held
below the density at which segments can no longer form; ``params["notes"]`` then says that
the corpus size set the number of segments (``notes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import notes
from .graph import knn_graph, leiden
from .hierarchy import parent_groups
from .knn import EXACT_LIMIT, knn
from .outliers import compact, default_min_size, merge_indistinct, merge_small
from .types import UNASSIGNED, Segmentation

# Chosen on banking77's train split (benchmarks/segment_tune.py); see docs/segments.md.
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
# Leiden (RB modularity) keeps texts together only where the graph is denser than about
# gamma * k / n (the share of all texts a text is linked to): at the scaled resolution that
# passes 1 below ~150 texts, so no community can form and everything collapsed into one
# segment. The resolution is therefore held to DENSITY_BOUND * n / k. With k = 15 the bound
# meets the scaled curve at ~1,000 texts, the smallest tuned size, so nothing changes above
# it. 0.15 was chosen on banking77 train and app_reviews subsamples of 30–1,000 texts with
# 6–77 labels, seeds 100–104 (benchmarks/segment_small.py reports seeds 0–4). Lower values
# suit corpora with a few broad themes, higher ones many narrow themes; 0.15 is between.
DENSITY_BOUND = 0.15
# Graph neighbours for small corpora: about sqrt(n) (the usual kNN rule of thumb), so that a
# theme of a few texts is not mostly linked to other themes (15 neighbours of 46 texts are a
# third of the corpus). Never fewer than MIN_K, never more than the configured k.
MIN_K = 5
# Below this many texts the corpus is one segment: two segments would hold under 10 texts
# each, too few for a persona's counted claims (--min-support 3 texts per claim). A choice,
# not a limit of the graph: 12 texts of two distinct banking77 intents do split cleanly.
MIN_TEXTS = 20


def graph_k(k: int, n: int) -> int:
    """Neighbours per text in the graph of ``n`` records: ``k``, or about sqrt(n) when fewer."""
    return max(1, min(k, max(MIN_K, round(float(np.sqrt(n)))), n - 1))


def scaled_resolution(resolution: float, n: int) -> float:
    """The resolution scaled to ``n`` records, before the density bound."""
    return resolution * (REFERENCE_SIZE / max(n, SMALLEST_TUNED)) ** SCALING_EXPONENT


def density_limit(n: int, k: int) -> float:
    """The highest resolution at which a segment of ``n`` records with ``k`` neighbours
    each can still form (see DENSITY_BOUND)."""
    return DENSITY_BOUND * n / max(k, 1)


def effective_resolution(resolution: float, n: int, k: int = DEFAULT_K) -> float:
    """The Leiden resolution actually used for ``n`` records and a graph of ``k`` neighbours."""
    return min(scaled_resolution(resolution, n), density_limit(n, k))


def resolution_bounded(resolution: float, n: int, k: int = DEFAULT_K) -> bool:
    """True when the corpus is too small for the granularity ``resolution`` asks for."""
    return density_limit(n, k) < scaled_resolution(resolution, n)


@dataclass
class _Base:
    min_segment_size: int | None = None
    seed: int = DEFAULT_SEED
    k: int = DEFAULT_K                 # graph neighbours, at most (see graph_k); parents too
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
        if n < MIN_TEXTS:
            labels = np.zeros(n, dtype=np.int64)
            return self._unsort(order, labels, labels.copy(), n, notes=[notes.too_few(n)])
        idx, sim = knn(x, graph_k(self.k, n), self.exact_limit, self.seed, self.threads)
        graph = knn_graph(idx, sim, self.weighting)
        initial = None
        if previous is not None and any(p and p != "unassigned" for p in previous):
            initial = warm_start([previous[i] for i in order], idx)
        raw = self.fine_labels(x, graph, initial)
        min_size = self.min_segment_size or default_min_size(n)
        labels = compact(merge_indistinct(merge_small(raw, x, min_size, (idx, sim)), x))
        parents = compact(parent_groups((idx, sim), labels, x, self.seed, self.min_groups,
                                        self.max_groups, self.weighting))
        size_notes = self.size_notes(n, len(set(labels.tolist()) - {UNASSIGNED}))
        return self._unsort(order, labels, parents, n, min_size=min_size,
                            warm_start=initial is not None, notes=size_notes)

    def _unsort(self, order, labels, parents, n, **extra) -> Segmentation:
        out_l = np.empty_like(labels)
        out_p = np.empty_like(parents)
        out_l[order] = labels
        out_p[order] = parents
        return Segmentation(out_l, out_p, {**self.params(n), **extra})

    def fine_labels(self, x: np.ndarray, graph, initial: list[int] | None) -> np.ndarray:
        raise NotImplementedError

    def size_notes(self, n: int, segments: int) -> list[str]:
        """Sentences for ``params["notes"]`` when the corpus size, not the settings, decided
        how many segments there are (a method with no such limit says nothing)."""
        return []

    def params(self, n: int) -> dict:
        return {"method": self.method, "neighbors": self.k, "weighting": self.weighting,
                "seed": self.seed, "min_groups": self.min_groups, "max_groups": self.max_groups,
                "exact_knn": n <= self.exact_limit, "notes": []}


@dataclass
class LeidenSegmenter(_Base):
    """kNN graph (cosine) + Leiden; the number of segments comes from the data."""

    resolution: float = DEFAULT_RESOLUTION
    method = "leiden"

    def fine_labels(self, x, graph, initial):
        n = len(x)
        return leiden(graph, effective_resolution(self.resolution, n, graph_k(self.k, n)),
                      self.seed, initial)

    def size_notes(self, n, segments):
        if resolution_bounded(self.resolution, n, graph_k(self.k, n)):
            return [notes.most_supported(n, segments)]
        return []

    def params(self, n):
        k = graph_k(self.k, n)
        return {**super().params(n), "resolution": self.resolution,
                "effective_resolution": round(effective_resolution(self.resolution, n, k), 4)}


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
