"""`persona eval` end to end with the real local model: the planted-persona benchmark (group
recovery, random fake-PII canaries that must leak nowhere), held-out texts, the report."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_eval_metrics import changed_copy, check_compare

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def planted_run(llm_server, tmp_path_factory):
    ws = tmp_path_factory.mktemp("eval") / "ws"
    env = {**os.environ, "PERSONA_LLM__BASE_URL": llm_server.base_url}
    out = subprocess.run([sys.executable, "-m", "agent.cli", "-w", str(ws), "--json", "eval",
                          "--planted", "--variant", "v1:prompts=1", "--no-stability",
                          "--fail-under", "quote_grounding=0.99"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=1800,
                         check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout)
    return Path(summary["run_dir"]), summary


def test_planted_groups_are_recovered_and_no_canary_leaks(planted_run):
    _, summary = planted_run
    assert summary["recovery"]["ari"] > 0.8 and summary["recovery"]["recall"] > 0.85
    assert summary["canary_leaks"] == {}
    agg = summary["aggregates"]["v1"]
    assert agg["canary_leaks"]["value"] == 0
    for metric in ("schema_valid", "quote_grounding", "evidence_valid", "claim_support",
                   "persona_recall", "distinctiveness", "coverage", "label_agreement", "cost"):
        assert agg[metric]["value"] is not None, metric
    assert agg["schema_valid"]["value"] == 1.0 and agg["evidence_valid"]["value"] == 1.0


def test_results_and_reports_are_written(planted_run):
    run_dir, _ = planted_run
    rows = [json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines()]
    assert rows and all({"variant", "metric", "metric_version", "value", "reason"} <= set(r)
                        for r in rows)
    assert "quote_grounding" in (run_dir / "report.md").read_text()
    html = (run_dir / "report.html").read_text()
    assert "<svg" in html and "<script" not in html


def test_no_held_out_id_is_evidence_or_quote(planted_run):
    run_dir, _ = planted_run
    held = set(json.loads((run_dir / "variants" / "v1" / "held_out.json").read_text()))
    assert held
    for path in (run_dir / "variants" / "v1" / "personas").glob("persona-*.json"):
        p = json.loads(path.read_text())
        used = {q["doc_id"] for q in p["quotes"]}
        for field in ("goals", "pain_points", "behaviours", "motivations"):
            used |= {i for c in p[field] for i in c["evidence_ids"]}
        assert not used & held


def test_compare_two_runs(planted_run, tmp_path):
    run_dir, summary = planted_run
    other = changed_copy(run_dir, tmp_path, "v1", "quote_grounding", -0.25)
    out = subprocess.run([sys.executable, "-m", "agent.cli", "-w", str(run_dir.parent.parent),
                          "--json", "eval", "compare", str(run_dir), str(other)],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    check_compare(json.loads(out.stdout), summary, "v1", "quote_grounding", -0.25)
