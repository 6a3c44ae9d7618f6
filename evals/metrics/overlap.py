"""Claim stability between two generations: how many claims of one reappear in the other.

Two generations of the same groups (two variants of an eval, or the same variant run twice)
are compared group by group: a claim of A has a counterpart in B when their embeddings'
cosine similarity is at least ``MATCH``. The value is the F1 of both directions, so neither
a persona with many claims nor one with few can score high alone.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from agent.persona.schema import Persona

from .base import MetricResult, unit
from .deterministic import _claims

NAME, VERSION = "claim_overlap", "1"
MATCH = 0.8


def _texts(persona: Persona | None) -> list[str]:
    return [c.text for c in _claims(persona) if c.text]


def claim_overlap(a: dict[str, Persona | None], b: dict[str, Persona | None],
                  embed: Callable[[list[str]], np.ndarray]
                  ) -> tuple[MetricResult, dict[str, float]]:
    """``a`` and ``b`` map group id → persona; returns the macro F1 and per-group F1."""
    per: dict[str, float] = {}
    for g in sorted(set(a) & set(b)):
        ta, tb = _texts(a[g]), _texts(b[g])
        if not ta and not tb:
            continue
        if not ta or not tb:
            per[g] = 0.0
            continue
        sims = unit(embed(ta)) @ unit(embed(tb)).T
        recall = float(np.mean(sims.max(axis=1) >= MATCH))    # A's claims found in B
        precision = float(np.mean(sims.max(axis=0) >= MATCH))  # B's claims found in A
        per[g] = 0.0 if recall + precision == 0 else 2 * recall * precision / (recall + precision)
    if not per:
        return MetricResult(None, "no group has claims in both generations"), {}
    macro = float(np.mean(list(per.values())))
    return MetricResult(macro, f"F1 of claims matched at cosine ≥ {MATCH} over {len(per)} "
                               "groups"), per
