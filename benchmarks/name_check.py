"""How far the planted benchmarks' name check agrees with a reader's judgment.

    python benchmarks/name_check.py

``evals.metrics.claims.name_states_role`` decides whether a persona's name states its
planted group's role ("Small online shop owners" for "Small online sellers"?) by words: the
label's head or, in Chinese, its person word. ``evals/data/names/pairs.jsonl`` holds 275
(label, name) pairs in 20+ domains no planted corpus uses, each judged by whether a product
manager would take the name to describe the same people (synonyms and a wording a little
broader or narrower: yes; one occupation among many, a related group, a missing defining
trait: no). This prints the check's agreement with those judgments per language, and that
of a check by the multilingual encoder's similarity for comparison (its threshold chosen on
the labels of one half, reported on the other), so a "names stated" figure can be read with
its measurement error in mind.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aspects import ROOT, embed_cached

PAIRS = ROOT / "evals" / "data" / "names" / "pairs.jsonl"
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


def _unit(texts: list[str]) -> np.ndarray:
    v = np.asarray(embed_cached("multilingual", texts), dtype=np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def main() -> None:
    from evals.metrics.claims import name_states_role

    rows = [json.loads(x) for x in PAIRS.read_text(encoding="utf-8").splitlines() if x.strip()]
    sims = (_unit([r["name"] for r in rows]) * _unit([r["label"] for r in rows])).sum(axis=1)
    for r, s in zip(rows, sims, strict=True):
        r["words"] = name_states_role(r["name"], r["label"], r["lang"])
        r["sim"] = float(s)
        # halves by label, so a label's five names are all on one side
        r["half"] = int(hashlib.sha256(r["label"].encode()).hexdigest(), 16) % 2

    def rates(rs, decide) -> tuple[float, float, float]:
        said = np.array([decide(r) for r in rs])
        same = np.array([r["same"] for r in rs])
        return float((said == same).mean()), float(said[same].mean()), float(said[~same].mean())

    print("| language | pairs (same) | check by words: agreement, yes when same, yes when not "
          "| by similarity (threshold on half 0): agreement on half 1 |\n|---|---|---|---|")
    for lang in ("en", "zh"):
        rs = [r for r in rows if r["lang"] == lang]
        tune = [r for r in rs if r["half"] == 0]
        best = max(THRESHOLDS, key=lambda t: rates(tune, lambda r: r["sim"] >= t)[0])
        a, yes, no = rates(rs, lambda r: r["words"])
        held = rates([r for r in rs if r["half"] == 1], lambda r, t=best: r["sim"] >= t)
        print(f"| {lang} | {len(rs)} ({sum(r['same'] for r in rs)}) | {a:.2f}, {yes:.2f}, "
              f"{no:.2f} | {held[0]:.2f} (threshold {best}) |")


if __name__ == "__main__":
    main()
