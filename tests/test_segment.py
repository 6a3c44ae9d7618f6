"""Segmentation geometry, determinism, outliers, hierarchy, naming and keywords."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from vectorstore.segment import UNASSIGNED, HDBSCANSegmenter, KMeansSegmenter, LeidenSegmenter
from vectorstore.segment.keywords import class_tfidf, tokens
from vectorstore.segment.outliers import merge_small
from vectorstore.segment.stable_ids import stable_names


def blobs(n=600, centers=6, dim=32, std=1.0, seed=42):
    x, y = make_blobs(n_samples=n, centers=centers, n_features=dim, cluster_std=std,
                      random_state=seed, center_box=(-10, 10))
    x = x.astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return [f"r{i:06d}" for i in range(n)], x, y


@pytest.mark.parametrize("segmenter", [LeidenSegmenter(resolution=1.0), HDBSCANSegmenter(),
                                       KMeansSegmenter(n_clusters=6)])
def test_recovers_separated_blobs(segmenter):
    ids, x, y = blobs()
    seg = segmenter.segment(ids, x)
    assert adjusted_rand_score(y, seg.parents) > 0.95
    assert seg.unassigned_share <= 0.05


def test_same_records_in_any_order_give_identical_segments():
    ids, x, _ = blobs(n=900, centers=9, std=2.5)
    a = LeidenSegmenter().segment(ids, x)
    perm = np.random.default_rng(7).permutation(len(ids))
    b = LeidenSegmenter().segment([ids[i] for i in perm], x[perm])
    assert np.array_equal(a.labels[perm], b.labels)
    assert np.array_equal(a.parents[perm], b.parents)


def test_rows_already_sorted_by_id_are_not_copied():
    from vectorstore.segment.methods import _sorted_rows

    _, x, _ = blobs(n=50)
    assert np.shares_memory(_sorted_rows(x, np.arange(50)), x)  # 1.5 GB saved at 1M
    order = np.random.default_rng(0).permutation(50)
    moved = _sorted_rows(x, order)
    assert not np.shares_memory(moved, x) and np.array_equal(moved, x[order])


def test_row_mean_in_blocks_matches_numpy():
    from vectorstore.segment.outliers import row_mean

    _, x, _ = blobs(n=500)
    rows = np.random.default_rng(2).permutation(500)[:333]
    assert np.allclose(row_mean(x, rows, block=50), x[rows].mean(axis=0), atol=1e-6)
    assert np.array_equal(row_mean(x, rows[:40], block=50), x[rows[:40]].mean(axis=0))


def test_graph_built_in_slices_is_the_same_graph(monkeypatch):
    from vectorstore.segment import graph
    from vectorstore.segment.knn import knn

    _, x, _ = blobs(n=300)
    idx, sim = knn(x, 10)
    whole = graph.knn_graph(idx, sim, "squared")
    monkeypatch.setattr(graph, "EDGE_SLICE", 7)
    sliced = graph.knn_graph(idx, sim, "squared")
    assert whole.get_edgelist() == sliced.get_edgelist() and whole.ecount() > 300
    assert whole.es["weight"] == sliced.es["weight"]


@pytest.mark.slow
@pytest.mark.parametrize("exact_limit", [30_000, 5_000])  # exact kNN, then hnswlib
def test_determinism_on_20k_records_exact_and_approximate(exact_limit):
    ids, x, y = blobs(n=20_000, centers=40, dim=48, std=3.0, seed=3)
    a = LeidenSegmenter(exact_limit=exact_limit).segment(ids, x)
    perm = np.random.default_rng(11).permutation(len(ids))
    b = LeidenSegmenter(exact_limit=exact_limit).segment([ids[i] for i in perm], x[perm])
    assert np.array_equal(a.labels[perm], b.labels)
    assert a.params["exact_knn"] == (exact_limit >= 20_000)
    assert adjusted_rand_score(y, a.labels) > 0.8


def test_seed_does_not_move_clear_groups_and_is_recorded():
    ids, x, y = blobs()
    a = LeidenSegmenter(seed=1).segment(ids, x)
    b = LeidenSegmenter(seed=2).segment(ids, x)
    # Fine splits inside a homogeneous blob are arbitrary; the groups are not.
    assert adjusted_rand_score(a.parents, b.parents) > 0.95
    assert adjusted_rand_score(y, a.parents) > 0.95
    assert a.params["seed"] == 1 and a.params["method"] == "leiden"


@pytest.mark.parametrize("n", [1, 2, 3, 10])
def test_tiny_corpora(n):
    ids, x, _ = blobs(n=max(n, 6), centers=2)
    seg = LeidenSegmenter().segment(ids[:n], x[:n])
    assert len(seg.labels) == n and seg.n_segments >= 1
    assert (seg.labels != UNASSIGNED).all()


def test_identical_vectors_form_one_segment():
    x = np.tile(np.array([[0.6, 0.8, 0.0]], dtype=np.float32), (50, 1))
    seg = LeidenSegmenter().segment([f"r{i}" for i in range(50)], x)
    assert seg.n_segments == 1 and seg.unassigned_share == 0


def test_empty_input():
    seg = LeidenSegmenter().segment([], np.zeros((0, 8), dtype=np.float32))
    assert len(seg.labels) == 0


def test_small_communities_merge_or_stay_unassigned():
    rng = np.random.default_rng(0)
    a = rng.normal([1, 0, 0], 0.15, (50, 3))
    b = rng.normal([0, 1, 0], 0.15, (50, 3))
    near_a = rng.normal([0.95, 0.15, 0], 0.02, (3, 3))   # a small community next to a
    far = rng.normal([0, 0, -1], 0.02, (3, 3))           # far from everything
    x = np.vstack([a, b, near_a, far]).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels = np.array([0] * 50 + [1] * 50 + [2] * 3 + [3] * 3)
    out = merge_small(labels, x, min_size=5)
    assert (out[100:103] == 0).all()
    assert (out[103:] == UNASSIGNED).all()


def test_parent_groups_stay_within_bounds_and_nest():
    ids, x, _ = blobs(n=2000, centers=30, dim=16, std=1.5, seed=5)
    seg = LeidenSegmenter(resolution=3.0).segment(ids, x)
    assert seg.n_segments > 12
    assert 5 <= seg.n_groups <= 12
    for s in set(seg.labels.tolist()) - {UNASSIGNED}:  # a segment sits in exactly one group
        assert len(set(seg.parents[seg.labels == s].tolist())) == 1


def test_stable_names_follow_overlap():
    previous = ["s1"] * 10 + ["s2"] * 10 + [None] * 5
    labels = np.array([1] * 10 + [0] * 12 + [2] * 3)  # the old s2 is now the biggest label 0
    names = stable_names(labels, previous, "s")
    assert names[1] == "s1" and names[0] == "s2" and names[2] == "s3"
    assert stable_names(np.array([0, 0, 1]), [None, None, None], "s") == {
        UNASSIGNED: "unassigned", 0: "s1", 1: "s2"}


def test_tokens_and_class_tfidf():
    assert "credit card" in tokens("My credit card was declined")
    assert "the" not in tokens("the card and the phone")
    assert tokens("物流很快，但是客服太慢了") == ["物流", "很快", "客服", "太慢"]
    kw = class_tfidf({
        "a": ["my card was declined at the shop", "card declined again", "the app is great"],
        "b": ["the parcel delivery is late", "delivery late again", "the app is great"],
    }, top=2)
    assert set(kw["a"]) <= {"card", "declined", "card declined"}
    assert "app" not in kw["a"] + kw["b"]  # common to both: not distinctive
