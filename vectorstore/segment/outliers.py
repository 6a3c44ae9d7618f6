"""Small communities: merge each into the segment it is most connected to in the kNN graph
(or, without a graph, the nearest centroid); leave it unassigned only when it is farther
from every segment than almost all assigned texts are from their own.

Everything here is linear in the number of records (grouping by sorting, not by scanning the
labels once per community), so a million records with thousands of tiny communities stay fast.
"""

from __future__ import annotations

import numpy as np

from .types import UNASSIGNED

MAX_PASSES = 5
BLOCK = 32_768  # rows copied at a time when a computation touches most of the corpus


def default_min_size(n: int) -> int:
    """``--min-segment-size`` when not given: grows slowly with the corpus (≈ √n / 8, 3–50;
    tuned with the resolution in benchmarks/segment_tune.py)."""
    return int(max(3, min(50, round(np.sqrt(max(n, 1)) / 8))))


def members_by_label(labels: np.ndarray) -> dict[int, np.ndarray]:
    """Indices of each label's members, in one sort."""
    order = np.argsort(labels, kind="stable")
    values, starts = np.unique(labels[order], return_index=True)
    return {int(v): order[s:e] for v, s, e in
            zip(values, starts, [*starts[1:], len(labels)], strict=True)}


def row_mean(vectors: np.ndarray, rows: np.ndarray, block: int = BLOCK) -> np.ndarray:
    """``vectors[rows].mean(axis=0)`` without copying more than ``block`` rows at a time."""
    if len(rows) <= block:
        return vectors[rows].mean(axis=0)
    total = np.zeros(vectors.shape[1], dtype=np.float64)
    for s in range(0, len(rows), block):
        total += vectors[rows[s:s + block]].sum(axis=0, dtype=np.float64)
    return (total / len(rows)).astype(vectors.dtype)


def centroids(labels: np.ndarray, vectors: np.ndarray, ids: list[int]) -> np.ndarray:
    groups = members_by_label(labels)
    c = np.stack([row_mean(vectors, groups[i]) for i in ids])
    return c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)


def merge_small(labels: np.ndarray, vectors: np.ndarray, min_size: int,
                neighbours: tuple[np.ndarray, np.ndarray] | None = None,
                far_quantile: float = 0.01) -> np.ndarray:
    """Relabel communities (and noise, label -1) smaller than ``min_size``.

    With the kNN lists (``neighbours`` = indices, similarities), a small community joins
    the big segment its members' neighbours belong to most (similarity-weighted); it is
    left unassigned when its members' closest neighbour in that segment is less similar
    than the ``far_quantile`` of every text's nearest-neighbour similarity — that is, it is
    far from everything. Without kNN lists, centroids decide.
    """
    labels = labels.copy()
    ids, counts = np.unique(labels[labels != UNASSIGNED], return_counts=True)
    big = [int(i) for i, c in zip(ids, counts, strict=True) if c >= min_size]
    if not big:  # no structure at this size (e.g. near-identical texts): one segment
        return np.zeros_like(labels)
    big_set = set(big)
    if neighbours is not None and neighbours[0].shape[1]:
        idx, sim = neighbours
        floor = float(np.quantile(sim[:, 0], far_quantile))
        for _ in range(MAX_PASSES):  # chains of small communities resolve over passes
            if not _attach_by_neighbours(labels, idx, sim, big_set, floor):
                break
    return _attach_by_centroid(labels, vectors, big, far_quantile * 2)


def _attach_by_neighbours(labels, idx, sim, big_set, floor) -> bool:
    groups = members_by_label(labels)
    small = sorted(lab for lab in groups if lab not in big_set and lab != UNASSIGNED)
    moved = False
    is_big = np.zeros(int(labels.max()) + 2, dtype=bool)
    is_big[list(big_set)] = True
    for s in small:
        members = groups[s]
        nb = labels[idx[members]]
        w = np.clip(sim[members], 0, None)
        ok = (nb >= 0) & is_big[np.where(nb >= 0, nb, -1)]
        if not ok.any():
            continue  # only small neighbours so far: try again after they move
        cand, inv = np.unique(nb[ok], return_inverse=True)
        votes = np.bincount(inv, weights=w[ok])
        target = int(cand[np.argmax(votes)])
        closest = np.where(nb == target, sim[members], -np.inf).max(axis=1)
        labels[members] = target if float(np.median(closest)) >= floor else UNASSIGNED
        moved = True
    return moved


def _attach_by_centroid(labels, vectors, big, far_quantile) -> np.ndarray:
    big_arr = np.array(sorted(big))
    cents = centroids(labels, vectors, big_arr.tolist())
    rows = np.flatnonzero(np.isin(labels, big_arr))
    own = np.empty(len(rows), dtype=np.float32)
    for s in range(0, len(rows), BLOCK):  # each text's similarity to its own centroid
        r = rows[s:s + BLOCK]
        own[s:s + BLOCK] = np.einsum("ij,ij->i", vectors[r],
                                     cents[np.searchsorted(big_arr, labels[r])])
    floor = float(np.quantile(own, far_quantile))
    groups = members_by_label(labels)
    rest = sorted(lab for lab in groups if lab != UNASSIGNED and lab not in set(big))
    for s in rest:  # small communities with no edge to a big segment
        members = groups[s]
        sims = vectors[members] @ cents.T
        best = int(np.argmax(np.median(sims, axis=0)))
        labels[members] = big_arr[best] if float(np.median(sims[:, best])) >= floor else UNASSIGNED
    noise = labels == UNASSIGNED
    if noise.any():  # noise points (hdbscan) are judged one by one
        sims = vectors[noise] @ cents.T
        best = np.argmax(sims, axis=1)
        ok = sims[np.arange(len(best)), best] >= floor
        labels[np.where(noise)[0][ok]] = big_arr[best[ok]]
    return labels


def merge_indistinct(labels: np.ndarray, vectors: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Join two segments when their texts are, on average, as similar across the pair as
    inside either one: nothing in the embeddings tells them apart.

    Modularity cuts any graph into communities, including one where every neighbour is
    equally similar (identical texts, whose kNN lists are then ordered by id only); such a
    cut is an artefact. Mean similarities come from the segments' mean vectors (``a · b``
    averaged over all pairs, each text with itself included, which makes "inside" a little
    higher and the test conservative), so this costs one pass over the rows. Requiring the
    pair to match the tighter of the two leaves real segments alone, a diffuse one beside
    a tight one included.
    """
    segs = sorted(set(labels.tolist()) - {UNASSIGNED})
    if len(segs) < 2:
        return labels
    groups = members_by_label(labels)
    means = np.stack([row_mean(vectors, groups[s]) for s in segs]).astype(np.float64)
    cross = means @ means.T
    within = np.diag(cross).copy()
    close = cross >= np.maximum(within[:, None], within[None, :]) - tol
    np.fill_diagonal(close, False)
    if not close.any():
        return labels
    root = list(range(len(segs)))  # union-find over the segments that cannot be told apart

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(close)), strict=True):
        a, b = find(int(i)), find(int(j))
        root[max(a, b)] = min(a, b)
    out = labels.copy()
    for pos, s in enumerate(segs):
        out[groups[s]] = segs[find(pos)]
    return out


def compact(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0..m-1 by decreasing size (ties by first occurrence); keep -1."""
    ids, first, inverse, counts = np.unique(labels, return_index=True, return_inverse=True,
                                            return_counts=True)
    order = sorted((i for i in range(len(ids)) if ids[i] != UNASSIGNED),
                   key=lambda i: (-counts[i], first[i]))
    new_of = np.full(len(ids), UNASSIGNED, dtype=labels.dtype)
    new_of[order] = np.arange(len(order), dtype=labels.dtype)
    return new_of[inverse.ravel()]
