"""k-nearest-neighbour graphs over unit vectors (cosine similarity = dot product).

Exact for small corpora (blocked matrix products, memory ~ block × n), approximate with
hnswlib for large ones. The approximate index is built single-threaded with a fixed seed,
so the same vectors in the same order always give the same graph; only the queries, which
do not change the index, run in parallel.
"""

from __future__ import annotations

import numpy as np

EXACT_LIMIT = 30_000


def knn(vectors: np.ndarray, k: int, exact_limit: int = EXACT_LIMIT, seed: int = 0,
        threads: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest other rows of each row: (indices [n, k], similarities [n, k])."""
    n = len(vectors)
    k = min(k, n - 1)
    if k < 1:
        return np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0), dtype=np.float32)
    if n <= exact_limit:
        return _exact(vectors, k)
    return _hnsw(vectors, k, seed, threads)


def _exact(x: np.ndarray, k: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    n = len(x)
    idx = np.empty((n, k), dtype=np.int64)
    sim = np.empty((n, k), dtype=np.float32)
    for s in range(0, n, block):
        e = min(n, s + block)
        scores = x[s:e] @ x.T
        scores[np.arange(e - s), np.arange(s, e)] = -np.inf  # not your own neighbour
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(scores, part, axis=1)
        # Ties broken by index, so the result does not depend on argpartition's internals.
        order = np.lexsort((part, -part_scores), axis=1)
        idx[s:e] = np.take_along_axis(part, order, axis=1)
        sim[s:e] = np.take_along_axis(part_scores, order, axis=1)
    return idx, sim


def _hnsw(x: np.ndarray, k: int, seed: int, threads: int) -> tuple[np.ndarray, np.ndarray]:
    import hnswlib

    n, d = x.shape
    index = hnswlib.Index(space="ip", dim=d)
    index.init_index(max_elements=n, ef_construction=100, M=16, random_seed=seed)
    index.set_num_threads(1)  # deterministic construction
    index.add_items(x, np.arange(n))
    index.set_ef(max(50, 2 * k))
    index.set_num_threads(max(1, threads))
    labels, dist = index.knn_query(x, k=k + 1)
    del index  # its copy of the vectors and links: ~1.7 GB at a million rows
    labels = labels.astype(np.int64)
    sims = (1.0 - dist).astype(np.float32)
    del dist
    # Drop each row's own index (usually, not always, in the first column; an exact
    # duplicate can come first) and keep the first k of the rest: the k + 1 distinct labels
    # hnswlib returns always leave at least k. A stable sort moves the kept columns forward.
    keep = labels != np.arange(n)[:, None]
    front = np.argsort(~keep, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(labels, front, axis=1), np.take_along_axis(sims, front, axis=1)
