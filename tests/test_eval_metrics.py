"""Eval metrics on small handmade cases with known answers, and that each moves the right way."""

import copy
import json

import numpy as np
import pytest

from evals.harness import parse_persona
from evals.metrics.base import GroupCase, RunContext
from evals.metrics.deterministic import (
    ClaimSupport,
    Coverage,
    Distinctiveness,
    EvidenceValid,
    LabelAgreement,
    PersonaRecall,
    QuoteGrounding,
    SchemaValid,
)
from evals.report import aggregate, bootstrap, winners
from tests.fakes import BagOfWordsEmbedder

TEXTS = {
    "a1": "the student fee is too expensive", "a2": "student discount please",
    "a3": "the fee for students is too high", "b1": "my card was blocked abroad",
    "b2": "exchange rate abroad is bad", "b3": "card blocked at the airport abroad",
}
HELD = {"a4": "students need a cheaper fee", "b4": "blocked card when travelling abroad"}
GROUP_OF = {**{k: "g1" for k in ("a1", "a2", "a3", "a4")},
            **{k: "g2" for k in ("b1", "b2", "b3", "b4")}}


def persona(gid, name, claims, quotes, degraded=False):
    claim = [{"text": t, "evidence_ids": ev, "support_count": len(ev), "prevalence": 0.5}
             for t, ev in claims]
    return {"schema_version": "2.0", "id": f"persona-{gid}", "group_id": gid, "level": "group",
            "name": name, "tagline": name + " tagline", "summary": name + " summary",
            "size": {"texts": 3, "users": 2}, "share": 0.5, "goals": claim, "pain_points": [],
            "behaviours": [], "motivations": [],
            "quotes": [{"text": q, "doc_id": d} for q, d in quotes], "keywords": [],
            "sub_segments": [], "differentiators": [], "language": "en", "degraded": degraded,
            "degraded_reason": "x" if degraded else None,
            "provenance": {"prompts": [], "chat_model": "m", "embedder": "e",
                           "segmentation_run": "r", "inputs_hash": "h", "created_at": "t",
                           "interview_mode": "guided"}}


def good():
    p1 = persona("g1", "student fee", [("the student fee is too expensive", ["a1", "a3"])],
                 [("student discount please", "a2")])
    p2 = persona("g2", "card blocked abroad", [("card blocked abroad", ["b1", "b3"])],
                 [("exchange rate abroad is bad", "b2")])
    return {"g1": p1, "g2": p2}


def run_of(personas, labels=None):
    """Cases as the harness builds them: each persona dict parsed as a persona file."""
    emb = BagOfWordsEmbedder()
    cases = []
    for g in ("g1", "g2"):
        parsed, error = (parse_persona(json.dumps(personas[g])) if g in personas
                         else (None, None))
        cases.append(GroupCase("v", g, parsed,
                               {k: v for k, v in TEXTS.items() if GROUP_OF[k] == g},
                               {k: v for k, v in HELD.items() if GROUP_OF[k] == g}, 4, error))
    return RunContext("v", cases, emb.embed, dict(TEXTS), dict(GROUP_OF), labels or {},
                      {k: GROUP_OF[k] + "s" for k in GROUP_OF}, {"llm_calls": 3})


def test_schema_valid():
    run = run_of(good())
    assert SchemaValid().score(run.cases[0], run).value == 1.0
    broken = copy.deepcopy(good())
    broken["g1"]["surprise"] = 1
    run = run_of(broken)
    r = SchemaValid().score(run.cases[0], run)
    assert r.value == 0.0 and "surprise" in r.reason


def test_quote_grounding_exact_and_fabricated_quote_lowers_it():
    run = run_of(good())
    assert QuoteGrounding().score(run.cases[0], run).value == 1.0
    fake = good()
    fake["g1"]["quotes"].append({"text": "students adore the new logo", "doc_id": "a1"})
    run = run_of(fake)
    assert QuoteGrounding().score(run.cases[0], run).value == 0.5


def test_evidence_valid_counts_unknown_held_out_and_other_group_ids():
    p = good()
    p["g1"]["goals"][0]["evidence_ids"] = ["a1", "a4", "b1", "zz"]  # ok, held out, other, unknown
    run = run_of(p)
    r = EvidenceValid().score(run.cases[0], run)
    assert r.value == pytest.approx(2 / 5)  # a1 and the quote's a2 of 5 ids
    assert "held_out 1" in r.reason and "other_group 1" in r.reason and "unknown 1" in r.reason


def test_claim_support_drops_when_a_claim_cites_another_groups_texts():
    run = run_of(good())
    right = ClaimSupport().score(run.cases[0], run).value
    assert right == 1.0
    wrong = good()
    wrong["g1"]["goals"][0]["evidence_ids"] = ["b1", "b3"]
    run = run_of(wrong)
    assert ClaimSupport().score(run.cases[0], run).value < right


def test_persona_recall_drops_when_a_card_is_copied_from_another_group():
    result, per = PersonaRecall().score_run(run_of(good()))
    assert result.value == 1.0 and per == {"g1": 1.0, "g2": 1.0}
    copied = good()
    copied["g2"] = {**copy.deepcopy(copied["g1"]), "group_id": "g2", "id": "persona-g2"}
    result, per = PersonaRecall().score_run(run_of(copied))
    assert result.value < 1.0


def test_distinctiveness_drops_for_a_duplicated_persona():
    d1, _ = Distinctiveness().score_run(run_of(good()))
    dup = good()
    dup["g2"] = {**copy.deepcopy(dup["g1"]), "group_id": "g2"}
    d2, _ = Distinctiveness().score_run(run_of(dup))
    assert d2.value == pytest.approx(0.0, abs=1e-6) and d2.value < d1.value
    assert "near-duplicates: g1~g2" in d2.reason


def test_coverage_and_label_agreement():
    p = good()
    p["g2"]["degraded"] = True
    r, per = Coverage().score_run(run_of(p))
    assert r.value == 0.5 and per == {"g1": 1.0, "g2": 0.0}
    labels = {k: ("x" if GROUP_OF[k] == "g1" else "y") for k in GROUP_OF}
    run = run_of(good(), labels)
    r, purity = LabelAgreement().score_run(run)
    assert r.value == 1.0 and purity == {"g1": 1.0, "g2": 1.0}
    assert run.extra["label_agreement"]["groups_ari"] == 1.0


def test_bootstrap_aggregate_and_winner():
    lo, hi = bootstrap([1.0, 1.0, 1.0])
    assert lo == hi == 1.0
    rows = []
    for v, vals in (("a", [0.9, 0.95, 0.92, 0.97, 0.93]), ("b", [0.2, 0.3, 0.25, 0.22, 0.28])):
        rows += [{"variant": v, "group": f"g{i}", "metric": "quote_grounding",
                  "metric_version": "1", "value": x, "reason": ""} for i, x in enumerate(vals)]
    agg = aggregate(rows)
    assert agg["a"]["quote_grounding"]["value"] == pytest.approx(np.mean([0.9, 0.95, 0.92,
                                                                          0.97, 0.93]))
    assert winners(agg) == {"quote_grounding": "a"}


def test_variants_and_specs(tmp_path):
    from evals.variants import load_spec, parse_variant
    from vectorstore.errors import InputError

    v = parse_variant("v2:prompts=2,interview=guided,temperature=0.3")
    assert v.prompt_versions["writer.tagline"] == 2 and v.prompt_versions["writer.aspect"] == 1
    # a version written for other variables is never picked (writer.name v3 is the first
    # the writer can fill in), so every prompt set runs
    assert "writer.name" not in v.prompt_versions
    assert parse_variant("v3:prompts=3").prompt_versions["writer.name"] == 3
    assert v.settings == {"interview": "guided", "temperature": 0.3}
    assert parse_variant("base").describe() == "defaults"
    for bad in ("x:colour=red", "x:prompts=zz", "x:prompt.writer.aspect=9", "x:level=huge",
                "bad name:prompts=1", "x:prompts"):
        with pytest.raises(InputError):
            parse_variant(bad)
    spec = tmp_path / "s.yaml"
    spec.write_text("data: d.csv\nvariants:\n  a:\n    prompts: 1\n  b:\n    prompts: 2\n")
    loaded = load_spec(spec)
    assert [x.name for x in loaded["variants"]] == ["a", "b"] and loaded["data"] == "d.csv"
    spec.write_text("variants: 3\n")
    with pytest.raises(InputError, match="variants"):
        load_spec(spec)


def test_claim_overlap_between_two_generations():
    from evals.metrics.overlap import claim_overlap

    def typed(personas):
        return {g: parse_persona(json.dumps(p))[0] for g, p in personas.items()}

    emb = BagOfWordsEmbedder().embed
    same = claim_overlap(typed(good()), typed(copy.deepcopy(good())), emb)
    assert same[0].value == 1.0 and same[1] == {"g1": 1.0, "g2": 1.0}
    other = copy.deepcopy(good())
    other["g2"]["goals"][0]["text"] = "they love the new dark mode"  # a different claim
    moved = claim_overlap(typed(good()), typed(other), emb)
    assert moved[1] == {"g1": 1.0, "g2": 0.0} and moved[0].value == 0.5
    other["g1"]["goals"].append({**other["g1"]["goals"][0], "text": "they want a cheaper plan"})
    half = claim_overlap(typed(good()), typed(other), emb)[1]["g1"]  # recall 1, precision 1/2
    assert half == pytest.approx(2 / 3)
    assert claim_overlap({"g1": None}, {"g1": None}, emb)[0].value is None


def changed_copy(run_dir, tmp_path, variant: str, metric: str, by: float):
    """A copy of the eval run at ``run_dir`` with one aggregate moved by ``by``."""
    import shutil

    other = tmp_path / "changed-run"
    shutil.copytree(run_dir, other)
    summary = json.loads((other / "summary.json").read_text(encoding="utf-8"))
    summary["aggregates"][variant][metric]["value"] += by
    (other / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return other


def check_compare(out_json: dict, summary: dict, variant: str, metric: str, by: float) -> None:
    """`persona eval compare A B` reports exactly the change made, and nothing else."""
    rows = {(r["variant"], r["metric"]): r for r in out_json["rows"]}
    assert set(rows) == {(v, m) for v, ms in summary["aggregates"].items() for m in ms}
    assert rows[(variant, metric)]["delta"] == pytest.approx(by)
    assert rows[(variant, metric)]["b"] == pytest.approx(rows[(variant, metric)]["a"] + by)
    assert all(r["delta"] in (0, None) for k, r in rows.items() if k != (variant, metric))


def test_compare_reports_what_changed(tmp_path, cli):
    rows = [{"variant": v, "group": f"g{i}", "metric": m, "metric_version": "1",
             "value": x + i / 100, "reason": ""}
            for v in ("v1", "v2") for m, x in (("quote_grounding", 0.9), ("coverage", 0.5))
            for i in range(4)]
    run = tmp_path / "run"
    run.mkdir()
    summary = {"aggregates": aggregate(rows)}
    (run / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    other = changed_copy(run, tmp_path, "v2", "coverage", -0.25)
    r = cli("-w", tmp_path / "ws", "--json", "eval", "compare", run, other)
    assert r.code == 0, r.stderr
    check_compare(r.json, summary, "v2", "coverage", -0.25)
