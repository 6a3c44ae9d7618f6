"""Which kind of claim a sentence makes: goal, pain point, behaviour, motivation, or who.

A multinomial logistic model over three kinds of evidence: the cue phrases of each facet
(``cues.py``, per language), negation, and the sentence's embedding (what labelled
sentences of each facet look like to the encoder). It is fitted on the labelled train split
by ``benchmarks/aspects.py --calibrate`` and stored in ``calibration.json`` per embedder; for an
embedder it was never fitted for, the cue-and-negation part alone is used. An aspect's facet
is decided from all its members together (mean probability), not from one sentence.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .cues import FACETS, cue_counts
from .membership import CALIBRATION

log = logging.getLogger(__name__)


def features(vecs: np.ndarray | None, texts: list[str], langs: list[str]) -> np.ndarray:
    cues = np.log1p(np.array([cue_counts(t, lang) for t, lang in zip(texts, langs, strict=True)],
                             dtype=np.float64).reshape(len(texts), -1))
    zh = np.array([[lang == "zh"] for lang in langs], dtype=np.float64).reshape(len(texts), 1)
    parts = [cues, zh] if vecs is None else [np.asarray(vecs, dtype=np.float64), cues, zh]
    return np.hstack(parts)


@dataclass(frozen=True)
class FacetModel:
    coef: np.ndarray          # [facets, features]
    intercept: np.ndarray     # [facets]
    uses_embeddings: bool
    classes: tuple[str, ...] = FACETS

    def probabilities(self, vecs: np.ndarray, texts: list[str], langs: list[str]) -> np.ndarray:
        x = features(vecs if self.uses_embeddings else None, texts, langs)
        z = x @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def facet_of(self, vecs: np.ndarray, texts: list[str], langs: list[str]) -> list[str]:
        p = self.probabilities(vecs, texts, langs)
        return [self.classes[i] for i in np.argmax(p, axis=1)]

    def unit_probabilities(self, vecs: np.ndarray, texts: list[str], langs: list[str],
                           kinds: list[str]) -> np.ndarray:
        """Per unit; a split-off self-description is a ``who`` unit by construction."""
        p = self.probabilities(vecs, texts, langs)
        who = self.classes.index("who")
        for k, kind in enumerate(kinds):
            if kind == "who":
                p[k] = 0.0
                p[k, who] = 1.0
        return p

    def scores(self, probs: np.ndarray) -> dict[str, float]:
        """An aspect's facet evidence: the mean probability over its member units."""
        mean = probs.mean(axis=0)
        return {f: round(float(v), 4) for f, v in zip(self.classes, mean, strict=True)}


@lru_cache(maxsize=8)
def facet_model(embedder: str) -> FacetModel:
    try:
        table = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    except FileNotFoundError:
        table = {}
    entry = (table.get(embedder) or {}).get("facets")
    if entry is None:
        entry = table.get("cues-only", {}).get("facets")
        if entry is None:
            raise RuntimeError(f"{CALIBRATION} has no facet model; run "
                               "benchmarks/aspects.py --calibrate")
        log.warning("no facet model for %s; using cue phrases and negation only", embedder)
    return FacetModel(np.asarray(entry["coef"]), np.asarray(entry["intercept"]),
                      entry["uses_embeddings"], tuple(entry["classes"]))
