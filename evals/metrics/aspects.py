"""Aspect metrics against planted truth: recall, prevalence error, membership, facets.

Found aspects are matched one-to-one to the planted ones of the same group (Hungarian
method on the F1 of their member texts). A planted aspect is *recalled* when its match has
member F1 ≥ ``RECALLED``. Prevalence error is |planted share − found share| per planted
aspect (0 found share when unmatched). Membership precision and recall are counted over
matched pairs, per language of the member text. Facet accuracy is over matched pairs. Quote
agreement: the share of matched aspects whose quote (the member sentence a claim about the
aspect shows) comes from a text that says the planted aspect.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .base import MetricResult

NAME_VERSION = {"aspect_recall": "1", "aspect_recall_zh": "1", "prevalence_mae": "1",
                "membership_precision": "1", "membership_recall": "1", "aspect_facet_accuracy": "1",
                "quote_agreement": "1"}
RECALLED = 0.5


@dataclass
class Truth:
    """One planted aspect in one group."""

    group: str
    aspect: str
    facet: str
    members: set[str]
    share: float


@dataclass
class Found:
    group: str
    aspect: str
    facet: str
    members: set[str]
    share: float
    quote: str | None = None      # the text id of the quote a claim about it shows


@dataclass
class AspectScores:
    recalled: list[bool] = field(default_factory=list)
    recalled_zh: list[bool] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)
    facet_ok: list[bool] = field(default_factory=list)
    quote_ok: list[bool] = field(default_factory=list)
    tp: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fp: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fn: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pairs: list[tuple[Truth, Found | None, float]] = field(default_factory=list)

    def results(self) -> dict[str, MetricResult]:
        out = {
            "aspect_recall": _mean(self.recalled, "planted aspects found (member F1 ≥ "
                                                  f"{RECALLED})"),
            "aspect_recall_zh": _mean(self.recalled_zh, "Chinese-majority planted aspects "
                                                        "found"),
            "prevalence_mae": _mean(self.errors, "mean |planted − found share|"),
            "aspect_facet_accuracy": _mean(self.facet_ok, "matched aspects with the planted "
                                                          "facet"),
            "quote_agreement": _mean(self.quote_ok, "matched aspects whose quote says the "
                                                    "planted aspect"),
        }
        for lang in sorted(set(self.tp) | set(self.fp) | set(self.fn)):
            tp, fp, fn = self.tp[lang], self.fp[lang], self.fn[lang]
            out[f"membership_precision_{lang}"] = MetricResult(
                tp / (tp + fp) if tp + fp else None, f"{tp} of {tp + fp} member texts ({lang})")
            out[f"membership_recall_{lang}"] = MetricResult(
                tp / (tp + fn) if tp + fn else None, f"{tp} of {tp + fn} planted members ({lang})")
        return out


def _mean(values: list, what: str) -> MetricResult:
    if not values:
        return MetricResult(None, f"no cases ({what})")
    return MetricResult(float(np.mean(values)), f"{what}: {float(np.mean(values)):.3f} over "
                                                f"{len(values)}")


def score(truths: list[Truth], found: list[Found], lang_of: dict[str, str],
          scores: AspectScores | None = None) -> AspectScores:
    """Match per group and accumulate (``lang_of``: text id → language)."""
    from scipy.optimize import linear_sum_assignment

    s = scores or AspectScores()
    for group in sorted({t.group for t in truths}):
        ts = [t for t in truths if t.group == group]
        fs = [f for f in found if f.group == group and f.facet != "who"]
        f1 = np.zeros((len(ts), len(fs)))
        for i, t in enumerate(ts):
            for j, f in enumerate(fs):
                inter = len(t.members & f.members)
                f1[i, j] = 2 * inter / (len(t.members) + len(f.members)) if inter else 0.0
        match: dict[int, int] = {}
        if fs:
            rows, cols = linear_sum_assignment(-f1)
            match = {int(r): int(c) for r, c in zip(rows, cols, strict=True) if f1[r, c] > 0}
        for i, t in enumerate(ts):
            f = fs[match[i]] if i in match else None
            quality = f1[i, match[i]] if i in match else 0.0
            s.pairs.append((t, f, quality))
            zh = sum(lang_of.get(m) == "zh" for m in t.members) > len(t.members) / 2
            s.recalled.append(quality >= RECALLED)
            if zh:
                s.recalled_zh.append(quality >= RECALLED)
            s.errors.append(abs(t.share - (f.share if f else 0.0)))
            if f is None:
                for m in t.members:
                    s.fn[lang_of.get(m, "und")] += 1
                continue
            s.facet_ok.append(f.facet == t.facet)
            if f.quote is not None:
                s.quote_ok.append(f.quote in t.members)
            for m in f.members | t.members:
                lang = lang_of.get(m, "und")
                if m in f.members and m in t.members:
                    s.tp[lang] += 1
                elif m in f.members:
                    s.fp[lang] += 1
                else:
                    s.fn[lang] += 1
    return s
