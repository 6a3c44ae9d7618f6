"""Choose the Leiden segmenter's defaults on banking77's *train* split only.

    python benchmarks/segment_tune.py

Grid over neighbours k, resolution and edge weighting; prints ARI / NMI against the intent
labels (fine level) and the number of segments. The defaults in
``vectorstore/segment/methods.py`` are the best mean of ARI and NMI here; the figures
reported in docs/segments.md come from other data (the test split and the Chinese reviews) via
``benchmarks/segment_quality.py``.
"""

from __future__ import annotations

import itertools
import time

from common import SHARED, embed_cached, load_jsonl


def main() -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from vectorstore.segment.methods import LeidenSegmenter

    rows = [r for r in load_jsonl(SHARED / "banking77" / "data.jsonl") if r["split"] == "train"]
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    ids = [f"t{i:06d}" for i in range(len(rows))]
    vectors = embed_cached(texts, "minilm")
    print(f"banking77 train: {len(rows)} texts, {len(set(labels))} labels, MiniLM")
    print(f"{'k':>3} {'weighting':>9} {'res':>5} | {'segs':>4} {'ARI':>6} {'NMI':>6} {'mean':>6} {'s':>5}")
    results = []
    for k, weighting, res in itertools.product([10, 15, 20, 30], ["cosine", "binary", "squared"],
                                                [1.0, 1.5, 2.0, 3.0, 4.0]):
        t = time.perf_counter()
        seg = LeidenSegmenter(k=k, weighting=weighting, resolution=res).segment(ids, vectors)
        a = adjusted_rand_score(labels, seg.labels)
        m = normalized_mutual_info_score(labels, seg.labels)
        results.append(((a + m) / 2, k, weighting, res))
        print(f"{k:3d} {weighting:>9} {res:5.1f} | {seg.n_segments:4d} {a:6.3f} {m:6.3f} "
              f"{(a + m) / 2:6.3f} {time.perf_counter() - t:5.1f}", flush=True)
    best = max(results)
    print(f"best: k={best[1]} weighting={best[2]} resolution={best[3]} (mean {best[0]:.3f})")


if __name__ == "__main__":
    main()
