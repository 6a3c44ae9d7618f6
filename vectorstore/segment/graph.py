"""Community detection on the kNN graph with Leiden (leidenalg + igraph)."""

from __future__ import annotations

import numpy as np

CONVERGE_UP_TO = 200_000
EDGE_SLICE = 2_000_000


def knn_graph(idx: np.ndarray, sim: np.ndarray, weighting: str = "cosine"):
    """An undirected weighted igraph from kNN lists (mutual edges keep the larger weight).

    Written for a million nodes: 32-bit node numbers, temporaries released as soon as they
    are used, no Python loops.
    """
    import igraph as ig

    n, k = idx.shape
    node = np.int32 if n < 2**31 else np.int64
    rows = np.repeat(np.arange(n, dtype=node), k)
    cols = idx.ravel().astype(node)
    w = edge_weights(sim.ravel(), weighting)
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    del rows, cols
    keep = lo != hi
    lo, hi, w = lo[keep], hi[keep], w[keep]
    del keep
    # Deduplicate (a–b and b–a) keeping the max weight.
    key = lo.astype(np.int64) * n + hi
    order = np.lexsort((-w, key))
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    del key
    chosen = order[first]
    del order, first
    edges = np.column_stack([lo[chosen], hi[chosen]])
    weights = w[chosen]
    del lo, hi, w, chosen
    # igraph turns an edge array into Python tuples before copying it: in slices of
    # EDGE_SLICE that costs ~100 MB at a time instead of ~2 GB at once for a million nodes.
    g = ig.Graph(n=n, directed=False)
    for s in range(0, len(edges), EDGE_SLICE):
        g.add_edges(edges[s:s + EDGE_SLICE])
    del edges
    g.es["weight"] = weights
    return g


def edge_weights(s: np.ndarray, weighting: str) -> np.ndarray:
    s = np.clip(s.astype(np.float64), 0.0, 1.0)
    if weighting == "cosine":
        return s + 1e-6
    if weighting == "binary":
        return np.ones_like(s)
    if weighting == "squared":
        return s * s + 1e-6
    raise ValueError(f"unknown weighting {weighting!r}")


def leiden(graph, resolution: float, seed: int, initial: list[int] | None = None,
           weights: str | None = "weight") -> np.ndarray:
    """Leiden with the RB-configuration (modularity) quality at ``resolution``.

    From scratch it iterates until nothing improves (two iterations above
    ``CONVERGE_UP_TO`` nodes, where each one takes minutes). Started from ``initial`` communities
    (last run's segments plus newcomers) it makes one pass: enough to absorb new records
    and fix what they changed, without re-deciding every old boundary (measured: 90–97% of
    old records keep their segment after adding 10% new texts, versus 88–97% when
    iterating to convergence).
    """
    import leidenalg

    if initial is not None:
        iterations = 1
    elif graph.vcount() <= CONVERGE_UP_TO:
        iterations = -1
    else:  # measured at 100k: 1, 2, 3 and "until stable" gave the same partition (ARI 0.992)
        iterations = 2
    part = leidenalg.find_partition(graph, leidenalg.RBConfigurationVertexPartition,
                                    initial_membership=initial, weights=weights,
                                    resolution_parameter=resolution, seed=seed,
                                    n_iterations=iterations)
    return np.asarray(part.membership, dtype=np.int64)


def modularity(graph, membership: np.ndarray) -> float:
    return float(graph.modularity(membership.tolist(), weights="weight"))
