"""Small communities: merge each into the segment it is most connected to in the kNN graph
(or, without a graph, the nearest centroid); leave it unassigned only when it is farther
from every segment than almost all assigned texts are from their own."""

from __future__ import annotations

import numpy as np

from .types import UNASSIGNED

MAX_PASSES = 5


def default_min_size(n: int) -> int:
    """``--min-segment-size`` when not given: grows slowly with the corpus (≈ √n / 8, 3–50;
    tuned with the resolution in benchmarks/segment_tune.py)."""
    return int(max(3, min(50, round(np.sqrt(max(n, 1)) / 8))))


def centroids(labels: np.ndarray, vectors: np.ndarray, ids: list[int]) -> np.ndarray:
    c = np.stack([vectors[labels == i].mean(axis=0) for i in ids])
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
    if neighbours is not None and neighbours[0].shape[1]:
        idx, sim = neighbours
        floor = float(np.quantile(sim[:, 0], far_quantile))
        big_set = set(big)
        for _ in range(MAX_PASSES):  # chains of small communities resolve over passes
            if not _attach_by_neighbours(labels, idx, sim, big_set, floor):
                break
    return _attach_by_centroid(labels, vectors, big, far_quantile * 2)


def _attach_by_neighbours(labels, idx, sim, big_set, floor) -> bool:
    small = sorted(set(labels.tolist()) - big_set - {UNASSIGNED})
    moved = False
    for s in small:
        members = np.where(labels == s)[0]
        nb_labels = labels[idx[members]]
        votes: dict[int, float] = {}
        for lab, w in zip(nb_labels.ravel().tolist(), sim[members].ravel().tolist(), strict=True):
            if lab in big_set:
                votes[lab] = votes.get(lab, 0.0) + max(w, 0.0)
        if not votes:
            continue  # only small neighbours so far: try again after they move
        target = max(sorted(votes), key=votes.__getitem__)
        closest = np.where(nb_labels == target, sim[members], -np.inf).max(axis=1)
        labels[members] = target if float(np.median(closest)) >= floor else UNASSIGNED
        moved = True
    return moved


def _attach_by_centroid(labels, vectors, big, far_quantile) -> np.ndarray:
    big_arr = np.array(sorted(big))
    cents = centroids(labels, vectors, big_arr.tolist())
    in_big = np.isin(labels, big_arr)
    own = np.einsum("ij,ij->i", vectors[in_big], cents[np.searchsorted(big_arr, labels[in_big])])
    floor = float(np.quantile(own, far_quantile))
    rest = sorted(set(labels[~in_big].tolist()) - {UNASSIGNED})
    for s in rest:  # small communities with no edge to a big segment
        mask = labels == s
        sims = vectors[mask] @ cents.T
        best = int(np.argmax(np.median(sims, axis=0)))
        labels[mask] = big_arr[best] if float(np.median(sims[:, best])) >= floor else UNASSIGNED
    noise = labels == UNASSIGNED
    if noise.any():  # noise points (hdbscan) are judged one by one
        sims = vectors[noise] @ cents.T
        best = np.argmax(sims, axis=1)
        ok = sims[np.arange(len(best)), best] >= floor
        labels[np.where(noise)[0][ok]] = big_arr[best[ok]]
    return labels


def compact(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0..m-1 by decreasing size (ties by first occurrence); keep -1."""
    out = np.full_like(labels, UNASSIGNED)
    ids, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted((i for i in range(len(ids)) if ids[i] != UNASSIGNED),
                   key=lambda i: (-counts[i], first[i]))
    for new, i in enumerate(order):
        out[labels == ids[i]] = new
    return out
