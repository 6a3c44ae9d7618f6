"""The membership decision: does this sentence say what this aspect says?

One mechanism for personas and for answers. Sentences are compared in a space of their
embedding joined with their facet probabilities (weight ``facet_weight``): an aspect is a
theme *and* a kind of claim, so "deliveries are late" (a pain point) and "delivery is fast,
that's why I stay" (a motivation) stay apart although they share a topic — on the labelled
train split this raised the AUC of "same aspect" from 0.82 to 0.90 across domains. A
sentence belongs to the aspect whose centre it is most similar to, when that similarity
reaches the threshold calibrated for its language and embedder, and when no other aspect is
nearly as close (``margin``). The
thresholds are fitted on the labelled train split (``benchmarks/aspects.py --calibrate``) and
stored in ``calibration.json``; an embedder that was never calibrated gets the multilingual
encoder's values and says so.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
CALIBRATION = Path(__file__).with_name("calibration.json")
FALLBACK_EMBEDDER = "multilingual:use-multilingual-v3"


@dataclass(frozen=True)
class Membership:
    resolution: float = 2.0        # Leiden resolution of the sentence graph (higher: more)
    merge: float = 0.62            # centres this similar are one aspect (same language)
    merge_cross: float = 0.62      # ... a mostly-English and a mostly-Chinese centre
    thresholds: dict[str, float] = field(default_factory=lambda: {"en": 0.40, "zh": 0.42})
    margin: float = 0.0            # the best aspect must beat the second by this much
    facet_weight: float = 0.6      # weight of the facet probabilities next to the embedding
    centre: float = 1.0            # share of the group's mean vector removed before comparing
    embedder: str = ""

    def space(self, vectors: np.ndarray, facet_probs: np.ndarray) -> np.ndarray:
        """Unit vectors in the comparison space: embedding ⊕ weighted facet probabilities."""
        joined = np.hstack([np.asarray(vectors, dtype=np.float32),
                            self.facet_weight * np.asarray(facet_probs, dtype=np.float32)])
        return joined / np.maximum(np.linalg.norm(joined, axis=1, keepdims=True), 1e-12)

    def threshold(self, lang: str) -> float:
        t = self.thresholds
        return t.get(lang, t.get("other", min(t.values())))

    def assign(self, vecs: np.ndarray, langs: list[str], centres: np.ndarray) -> np.ndarray:
        """For each unit, the index of its aspect, or -1."""
        if len(vecs) == 0 or len(centres) == 0:
            return np.full(len(vecs), -1)
        sims = vecs @ centres.T
        best = np.argmax(sims, axis=1)
        top = sims[np.arange(len(vecs)), best]
        second = (np.partition(sims, -2, axis=1)[:, -2] if sims.shape[1] > 1
                  else np.full(len(vecs), -1.0))
        limits = np.array([self.threshold(lang) for lang in langs])
        ok = (top >= limits) & (top - second >= self.margin)
        return np.where(ok, best, -1)

    def says(self, vecs: np.ndarray, langs: list[str], centre: np.ndarray) -> np.ndarray:
        """Whether each unit says what one aspect (``centre``) says, with no rival."""
        sims = vecs @ centre
        limits = np.array([self.threshold(lang) for lang in langs])
        return sims >= limits

    def describe(self) -> str:
        limits = ", ".join(f"{k} {v:.2f}" for k, v in sorted(self.thresholds.items()))
        return (f"resolution {self.resolution:.2f}, merge {self.merge:.2f} (across languages "
                f"{self.merge_cross:.2f}), assign {limits}, facet weight {self.facet_weight:.2f}, "
                f"centred {self.centre:.1f}")


@lru_cache(maxsize=8)
def calibrated(embedder: str) -> Membership:
    """The calibrated decision for ``embedder`` (fitted on the train split)."""
    try:
        table = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    except FileNotFoundError:
        table = {}
    entry = table.get(embedder)
    if entry is None:
        log.warning("no aspect calibration for %s; using %s's", embedder, FALLBACK_EMBEDDER)
        entry = table.get(FALLBACK_EMBEDDER, {})
    m = entry.get("membership", {})
    return Membership(resolution=m.get("resolution", 2.0), merge=m.get("merge", 0.62),
                      merge_cross=m.get("merge_cross", m.get("merge", 0.62)),
                      thresholds=m.get("thresholds", {"en": 0.40, "zh": 0.42}),
                      margin=m.get("margin", 0.0), facet_weight=m.get("facet_weight", 0.6),
                      centre=m.get("centre", 1.0),
                      embedder=embedder)
