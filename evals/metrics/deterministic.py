"""Cheap deterministic metrics, run before any LLM judge.

Per persona: ``schema_valid``, ``quote_grounding``, ``evidence_valid``, ``claim_support``.
Per variant (with per-group values for confidence intervals): ``persona_recall``,
``distinctiveness``, ``coverage``, ``label_agreement``, ``cost``.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from sklearn.metrics import roc_auc_score

from agent.persona.schema import Claim, Persona

from .base import GroupCase, MetricResult, RunContext, unit


def _norm(text: str) -> str:
    return " ".join(text.split())


def _claims(persona: Persona | None) -> list[Claim]:
    return [c for _, c in persona.claims()] if persona else []


class SchemaValid:
    name, version = "schema_valid", "1"

    def score(self, case: GroupCase, run: RunContext) -> MetricResult:
        if case.error is not None:
            return MetricResult(0.0, case.error)
        if case.persona is None:
            return MetricResult(None, "no persona for this group")
        return MetricResult(1.0, "parses against the persona schema")


class QuoteGrounding:
    name, version = "quote_grounding", "1"

    def score(self, case: GroupCase, run: RunContext) -> MetricResult:
        if case.persona is None:
            return MetricResult(None, "no persona")
        quotes = case.persona.quotes
        if not quotes:
            return MetricResult(None, "no quotes")
        pool = [_norm(t) for t in case.texts.values()]
        found = sum(1 for q in quotes if any(_norm(q.text) in t for t in pool))
        return MetricResult(found / len(quotes),
                            f"{found} of {len(quotes)} quotes occur verbatim in the group")


class EvidenceValid:
    name, version = "evidence_valid", "1"

    def score(self, case: GroupCase, run: RunContext) -> MetricResult:
        if case.persona is None:
            return MetricResult(None, "no persona")
        ids = [i for c in _claims(case.persona) for i in c.evidence_ids]
        ids += [q.doc_id for q in case.persona.quotes]
        if not ids:
            return MetricResult(None, "no evidence ids")
        bad = {"unknown": 0, "held_out": 0, "other_group": 0}
        for i in ids:
            if i in case.held_out:
                bad["held_out"] += 1
            elif i in case.texts:
                continue
            elif i in run.group_of:
                bad["other_group"] += 1
            else:
                bad["unknown"] += 1
        ok = len(ids) - sum(bad.values())
        detail = ", ".join(f"{k} {v}" for k, v in bad.items() if v) or "all valid"
        return MetricResult(ok / len(ids), f"{ok} of {len(ids)} evidence ids valid ({detail})")


class ClaimSupport:
    """Discriminative support: is a claim closer to the texts it cites than to texts of other
    groups? AUC of sim(claim, cited text) against sim(claim, other-group text) — a different
    method from the generator's threshold count, so it is not 1.0 by construction."""

    name, version = "claim_support", "1"
    negatives = 400

    def score(self, case: GroupCase, run: RunContext) -> MetricResult:
        if case.persona is None:
            return MetricResult(None, "no persona")
        claims = _claims(case.persona)
        if not claims:
            return MetricResult(None, "no claims")
        others = sorted(i for i, g in run.group_of.items()
                        if g != case.group_id and i in run.all_texts)
        rng = np.random.default_rng(0)
        if len(others) > self.negatives:
            others = list(rng.choice(others, self.negatives, replace=False))
        if not others:
            return MetricResult(None, "no other groups to compare with")
        neg = run.embed([run.all_texts[i] for i in others])
        aucs = []
        for c in claims:
            cited = [i for i in c.evidence_ids if i in run.all_texts]
            if not cited:
                aucs.append(0.0)
                continue
            cv = run.embed([c.text])[0]
            pos = run.embed([run.all_texts[i] for i in cited]) @ cv
            negs = neg @ cv
            aucs.append(float(roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(negs))],
                                            np.r_[pos, negs])))
        return MetricResult(float(np.mean(aucs)), f"mean AUC {np.mean(aucs):.3f} over "
                                                   f"{len(claims)} claims vs {len(others)} "
                                                   "texts of other groups")


def card_text(p: Persona) -> str:
    """The text a persona card shows (what persona_recall and distinctiveness embed)."""
    parts = [p.name, p.tagline, p.summary, *(c.text for c in _claims(p))]
    return " ".join(x for x in parts if x)


class PersonaRecall:
    """Predictive validity (after Clio's reconstruction test): each held-out text is given to
    the persona card nearest to it by embedding; per group, the share given to its own."""

    name, version = "persona_recall", "1"

    def score_run(self, run: RunContext) -> tuple[MetricResult, dict[str, float]]:
        cards = [(c.group_id, card_text(c.persona)) for c in run.cases if c.persona]
        held = [(c.group_id, t) for c in run.cases for t in c.held_out.values()]
        if len(cards) < 2 or not held:
            return MetricResult(None, "needs two personas and held-out texts"), {}
        cv = run.embed([t for _, t in cards])
        hv = run.embed([t for _, t in held])
        nearest = np.argmax(hv @ cv.T, axis=1)
        per: dict[str, list[bool]] = {}
        for (truth, _), k in zip(held, nearest, strict=True):
            per.setdefault(truth, []).append(cards[k][0] == truth)
        values = {g: float(np.mean(v)) for g, v in per.items()}
        macro = float(np.mean(list(values.values())))
        return MetricResult(macro, f"macro accuracy {macro:.3f} over {len(values)} groups, "
                                   f"{len(held)} held-out texts, {len(cards)} cards"), values


class Distinctiveness:
    name, version = "distinctiveness", "1"
    duplicate = 0.95

    def score_run(self, run: RunContext) -> tuple[MetricResult, dict[str, float]]:
        cases = [c for c in run.cases if c.persona]
        if len(cases) < 2:
            return MetricResult(None, "needs two personas"), {}
        v = unit(run.embed([card_text(c.persona) for c in cases]))
        sims = v @ v.T
        pairs = list(combinations(range(len(cases)), 2))
        mean = float(np.mean([sims[i, j] for i, j in pairs]))
        dupes = [f"{cases[i].group_id}~{cases[j].group_id}" for i, j in pairs
                 if sims[i, j] >= self.duplicate]
        per = {c.group_id: 1 - float(np.mean([sims[k, j] for j in range(len(cases)) if j != k]))
               for k, c in enumerate(cases)}
        note = f"; near-duplicates: {', '.join(dupes)}" if dupes else ""
        return MetricResult(1 - mean, f"1 - mean pairwise card similarity ({mean:.3f}){note}"), per


class Coverage:
    name, version = "coverage", "1"

    def score_run(self, run: RunContext) -> tuple[MetricResult, dict[str, float]]:
        total = sum(c.size for c in run.cases)
        ok = sum(c.size for c in run.cases if c.persona and not c.persona.degraded)
        per = {c.group_id: float(bool(c.persona and not c.persona.degraded)) for c in run.cases}
        if not total:
            return MetricResult(None, "no texts"), {}
        return MetricResult(ok / total, f"{ok} of {total} texts are in groups with a "
                                        "non-degraded persona"), per


class LabelAgreement:
    name, version = "label_agreement", "1"

    def score_run(self, run: RunContext) -> tuple[MetricResult, dict[str, float]]:
        from collections import Counter

        from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

        ids = [i for i in run.group_of if i in run.labels]
        if not ids:
            return MetricResult(None, "no labels given (--label-col)"), {}
        y = [run.labels[i] for i in ids]
        groups = [run.group_of[i] for i in ids]
        segs = [run.segments_of.get(i, "") for i in ids]
        purity = {}
        for c in run.cases:
            members = [run.labels[i] for i in ids if run.group_of[i] == c.group_id]
            if members and c.persona:
                purity[c.group_id] = Counter(members).most_common(1)[0][1] / len(members)
        run.extra["label_agreement"] = {
            "groups_ari": adjusted_rand_score(y, groups), "groups_nmi":
                normalized_mutual_info_score(y, groups),
            "segments_ari": adjusted_rand_score(y, segs),
            "segments_nmi": normalized_mutual_info_score(y, segs)}
        e = run.extra["label_agreement"]
        mean_purity = float(np.mean(list(purity.values()))) if purity else None
        return MetricResult(mean_purity, f"persona purity {mean_purity}; groups ARI "
                                         f"{e['groups_ari']:.3f} NMI {e['groups_nmi']:.3f}; "
                                         f"segments ARI {e['segments_ari']:.3f} NMI "
                                         f"{e['segments_nmi']:.3f}"), purity


class Cost:
    name, version = "cost", "1"

    def score_run(self, run: RunContext) -> tuple[MetricResult, dict[str, float]]:
        u = run.usage
        return (MetricResult(float(u.get("llm_calls", 0)),
                             f"{u.get('llm_calls', 0)} LLM calls, {u.get('prompt_tokens', 0)} "
                             f"prompt + {u.get('completion_tokens', 0)} completion tokens, "
                             f"{u.get('seconds', 0)} s, ~${u.get('estimated_cost_usd', 0):.4f}"),
                {})


PER_PERSONA = [SchemaValid(), QuoteGrounding(), EvidenceValid(), ClaimSupport()]
PER_RUN = [PersonaRecall(), Distinctiveness(), Coverage(), LabelAgreement(), Cost()]
