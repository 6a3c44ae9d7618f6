"""Parent groups: Leiden on the graph of fine segments, at the resolution that gives the
best-modularity partition with a number of groups a deck can show (5–12 by default)."""

from __future__ import annotations

import numpy as np

from .outliers import row_mean
from .types import UNASSIGNED

RESOLUTIONS = tuple(np.round(np.geomspace(0.02, 4.0, 40), 4))


def parent_groups(neighbours: tuple[np.ndarray, np.ndarray], labels: np.ndarray,
                  vectors: np.ndarray, seed: int, min_groups: int = 5,
                  max_groups: int = 12, weighting: str = "cosine") -> np.ndarray:
    """A parent label per record, consistent with ``labels`` (whole segments move).

    When the graph itself cannot be cut into few enough groups (parts of it are not
    connected at all), the closest groups are merged by centroid similarity (average
    linkage) until ``max_groups`` remain.
    """
    import igraph as ig

    from .graph import leiden

    segs = sorted(set(labels.tolist()) - {UNASSIGNED})
    parents = np.full_like(labels, UNASSIGNED)
    if not segs:
        return parents
    if len(segs) <= min_groups:
        for s in segs:
            parents[labels == s] = s
        return parents
    from .graph import edge_weights

    idx, sim = neighbours
    pos = np.full(int(labels.max()) + 1, -1)
    pos[segs] = np.arange(len(segs))
    a = np.repeat(labels, idx.shape[1])
    b = labels[idx.ravel()]
    w = edge_weights(sim.ravel(), weighting)
    keep = (a != UNASSIGNED) & (b != UNASSIGNED)
    a, b, w = pos[a[keep]], pos[b[keep]], w[keep]
    m = len(segs)
    weight = np.zeros((m, m))
    np.add.at(weight, (np.minimum(a, b), np.maximum(a, b)), w)
    ii, jj = np.nonzero(weight)
    seg_graph = ig.Graph(n=m, edges=list(zip(ii.tolist(), jj.tolist(), strict=True)),
                         directed=False)
    seg_graph.es["weight"] = weight[ii, jj].tolist()
    best, fallback = None, None
    for gamma in RESOLUTIONS:
        memb = leiden(seg_graph, float(gamma), seed)
        count = len(set(memb.tolist()))
        q = seg_graph.modularity(memb.tolist(), weights="weight")
        if min_groups <= count <= max_groups and (best is None or q > best[0]):
            best = (q, memb)
        gap = min(abs(count - min_groups), abs(count - max_groups))
        if fallback is None or gap < fallback[0]:
            fallback = (gap, memb)
    memb = (best or fallback)[1]
    if len(set(memb.tolist())) > max_groups:
        memb = _merge_closest(memb, labels, segs, vectors, max_groups)
    for s in segs:
        parents[labels == s] = memb[pos[s]]
    return parents


def _merge_closest(memb: np.ndarray, labels: np.ndarray, segs: list[int], vectors: np.ndarray,
                   max_groups: int) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage

    groups = sorted(set(memb.tolist()))
    cents = []
    for g in groups:
        members = [s for s, m in zip(segs, memb.tolist(), strict=True) if m == g]
        c = row_mean(vectors, np.flatnonzero(np.isin(labels, members)))
        cents.append(c / max(float(np.linalg.norm(c)), 1e-12))
    tree = linkage(np.asarray(cents, dtype=np.float64), method="average", metric="cosine")
    merged = fcluster(tree, t=max_groups, criterion="maxclust")
    lookup = dict(zip(groups, merged.tolist(), strict=True))
    return np.array([lookup[m] for m in memb.tolist()], dtype=np.int64)
