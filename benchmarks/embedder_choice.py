"""At what share of non-English texts should `--embedder auto` pick the multilingual model?

    python benchmarks/embedder_choice.py [--english N] [--seed 0]

Mixes English banking77 queries (77 intents) with Chinese online_shopping_10_cats reviews
(10 categories) at several Chinese shares, embeds the same texts with MiniLM (English-only)
and with multilingual USE, clusters each with K-means given the true number of labels, and
prints ARI against the labels — overall and on the Chinese part alone. The threshold in
`embedding.auto_threshold` comes from this table.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
SHARES = [0.0, 0.02, 0.05, 0.1, 0.2, 0.5]


def load(name: str, n: int, rng: random.Random) -> list[dict]:
    with open(DATA / name / "data.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return rng.sample(rows, n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--english", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    from vectorstore.embedders.minilm import SentenceTransformerEmbedder
    from vectorstore.embedders.multilingual import MultilingualUSEEmbedder

    rng = random.Random(args.seed)
    en = load("banking77", args.english, rng)
    zh = load("online_shopping_10_cats", args.english, rng)
    texts = [r["text"] for r in en + zh]
    labels = [f"en:{r['label']}" for r in en] + [f"zh:{r['label']}" for r in zh]
    vectors = {"minilm": SentenceTransformerEmbedder(threads=2).embed(texts),
               "multilingual": MultilingualUSEEmbedder(threads=2).embed(texts)}
    print(f"{len(en)} English banking77 texts + Chinese reviews at each share; K-means (true k), "
          f"seed {args.seed}")
    print(f"{'zh share':>8} {'n':>5} {'k':>3} | {'ARI minilm':>10} {'ARI multi':>10} | "
          f"{'zh-part minilm':>14} {'zh-part multi':>13}")
    for share in SHARES:
        n_zh = round(len(en) * share / (1 - share))
        idx = list(range(len(en))) + list(range(len(en), len(en) + n_zh))
        y = [labels[i] for i in idx]
        k = len(set(y))
        zh_mask = np.array([lab.startswith("zh:") for lab in y])
        scores = {}
        for name, v in vectors.items():
            pred = KMeans(k, n_init=3, random_state=args.seed).fit_predict(v[idx])
            overall = adjusted_rand_score(y, pred)
            zh_part = (adjusted_rand_score(np.array(y)[zh_mask], pred[zh_mask])
                       if zh_mask.sum() > 1 else float("nan"))
            scores[name] = (overall, zh_part)
        print(f"{share:8.0%} {len(idx):5d} {k:3d} | {scores['minilm'][0]:10.3f} "
              f"{scores['multilingual'][0]:10.3f} | {scores['minilm'][1]:14.3f} "
              f"{scores['multilingual'][1]:13.3f}")


if __name__ == "__main__":
    main()
