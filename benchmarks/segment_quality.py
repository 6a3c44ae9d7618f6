"""Segment quality against labels: personakit vs K-means (true k), TF-IDF + K-means and
BERTopic, all on the same embeddings, in one run.

    python benchmarks/segment_quality.py --data ../shared/data/banking77/data.jsonl \\
        --label-col label --split test
    python benchmarks/segment_quality.py --data ../shared/data/banking77/data.jsonl --label-col label
    python benchmarks/segment_quality.py --data ../shared/data/online_shopping_10_cats/data.jsonl \\
        --label-col label --sample 20000

The embedder is personakit's default for the corpus (the `auto` language rule). personakit
gets no k; the K-means rows are given the true number of labels. ARI and NMI are reported
for personakit's fine segments and its parent groups. Seconds are the clustering step only,
warm (BERTopic's numba code is compiled on a small warm-up run first). BERTopic needs the
`bench` extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from common import embed_cached, load_jsonl, stratified_sample


def tfidf_kmeans(texts: list[str], k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    from vectorstore.segment.keywords import tokens

    vec = TfidfVectorizer(analyzer=tokens, min_df=2, sublinear_tf=True)
    x = vec.fit_transform(texts)
    return KMeans(k, n_init=4, random_state=seed).fit_predict(x)


def bertopic_runs(texts: list[str], vectors: np.ndarray) -> list[tuple[str, np.ndarray, float]]:
    from bertopic import BERTopic

    warm = BERTopic(verbose=False)  # compiles numba; not timed
    warm.fit_transform(texts[:600], embeddings=vectors[:600])
    started = time.perf_counter()
    model = BERTopic(verbose=False)
    topics, _ = model.fit_transform(texts, embeddings=vectors)
    seconds = time.perf_counter() - started
    topics = np.asarray(topics)
    out = [("BERTopic default (UMAP + HDBSCAN)", topics, seconds)]
    started = time.perf_counter()
    reduced = model.reduce_outliers(texts, topics.tolist())
    out.append(("BERTopic + reduce_outliers (c-TF-IDF)", np.asarray(reduced),
                seconds + time.perf_counter() - started))
    started = time.perf_counter()
    reduced = model.reduce_outliers(texts, topics.tolist(), strategy="embeddings",
                                    embeddings=vectors)
    out.append(("BERTopic + reduce_outliers (embeddings)", np.asarray(reduced),
                seconds + time.perf_counter() - started))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--label-col", default="label")
    ap.add_argument("--split", help="keep only rows whose 'split' field is this")
    ap.add_argument("--sample", type=int, help="stratified sample of this many rows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-bertopic", action="store_true")
    args = ap.parse_args()

    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score as ari
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from vectorstore.language import language_mix, non_english_share
    from vectorstore.segment import LeidenSegmenter

    rows = load_jsonl(args.data)
    if args.split:
        rows = [r for r in rows if r.get("split") == args.split]
    if args.sample:
        rows = stratified_sample(rows, args.sample, args.label_col, args.seed)
    texts = [r["text"] for r in rows]
    labels = np.array([str(r[args.label_col]) for r in rows])
    k = len(set(labels.tolist()))
    share = non_english_share(language_mix(texts[:2000]))
    kind = "multilingual" if share >= 0.05 else "minilm"
    vectors = embed_cached(texts, kind)
    ids = [f"r{i:07d}" for i in range(len(texts))]
    print(f"{args.data.parent.name}{' ' + args.split if args.split else ''}: {len(texts)} texts, "
          f"{k} labels, embedder {kind} (auto: {share:.0%} non-English)")

    results = []
    started = time.perf_counter()
    seg = LeidenSegmenter().segment(ids, vectors)
    seconds = time.perf_counter() - started
    for level, lab in (("segments", seg.labels), ("groups", seg.parents)):
        results.append((f"personakit default, {level} (no k)", lab, seconds,
                        float(np.mean(lab == -1))))
    started = time.perf_counter()
    km = KMeans(k, n_init=4, random_state=args.seed).fit_predict(vectors)
    results.append((f"{kind} + K-means (true k={k})", km, time.perf_counter() - started, 0.0))
    started = time.perf_counter()
    tk = tfidf_kmeans(texts, k, args.seed)
    results.append((f"TF-IDF + K-means (true k={k})", tk, time.perf_counter() - started, 0.0))
    if not args.no_bertopic:
        for name, lab, secs in bertopic_runs(texts, vectors):
            results.append((name, lab, secs, float(np.mean(lab == -1))))

    print(f"{'method':44} {'ARI':>6} {'NMI':>6} {'clusters':>8} {'unassigned':>10} {'seconds':>8}")
    for name, lab, secs, unassigned in results:
        n_clusters = len(set(lab.tolist()) - {-1})
        print(f"{name:44} {ari(labels, lab):6.3f} {nmi(labels, lab):6.3f} {n_clusters:8d} "
              f"{unassigned:10.1%} {secs:8.1f}")


if __name__ == "__main__":
    main()
