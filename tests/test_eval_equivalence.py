"""An eval variant with no overrides runs exactly what `persona generate` runs.

Same workspace, same segmentation, hold-out off, a non-zero price: the options resolve
equal, the persona files are identical except their timestamps, and token usage and cost
are equal. The model is a deterministic fake server (tests/fake_llm.py), so the comparison
is exact; the real model's personas are tested in test_persona_e2e.py.
"""

import csv
import json

import pytest

from tests.conftest import DEMO_CORPUS, DEMO_META
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.e2e


def small_corpus(tmp_path, per_group: int = 25):
    from vectorstore.readers import InputFile

    rows = [r.fields for r in InputFile(DEMO_CORPUS).rows()
            if not r.error and r.fields.get("text", "").strip() and r.fields.get("group")]
    picked, seen = [], {}
    for r in rows:
        if seen.get(r["group"], 0) < per_group:
            seen[r["group"]] = seen.get(r["group"], 0) + 1
            picked.append(r)
    path = tmp_path / "small.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(picked[0]))
        w.writeheader()
        w.writerows(picked)
    return path


def comparable(persona_file) -> dict:
    data = json.loads(persona_file.read_text(encoding="utf-8"))
    data["provenance"].pop("created_at")
    return data


def test_generate_and_a_default_eval_variant_write_the_same_personas(tmp_path, cli):
    ws = tmp_path / "ws"
    corpus = small_corpus(tmp_path)
    assert cli("-w", ws, "ingest", corpus, "--meta-cols", DEMO_META).code == 0
    assert cli("-w", ws, "segment").code == 0
    with FakeLLM() as llm:
        env = {"PERSONA_LLM__BASE_URL": llm.base_url, "PERSONA_LLM__MODEL": "fake-model",
               "PERSONA_PERSONA__PRICE_INPUT_PER_MILLION": "2.5",
               "PERSONA_PERSONA__PRICE_OUTPUT_PER_MILLION": "10"}
        gen = cli("-w", ws, "--json", "generate", "--no-cache", env=env)
        assert gen.code == 0, gen.stderr
        ev = cli("-w", ws, "--json", "eval", "--holdout", "0", "--no-stability", "--no-cache",
                 env=env)
        assert ev.code == 0, ev.stderr
    g, e = gen.json, ev.json
    variant = e["variants"]["default"]
    assert variant["options"] == g["options"]
    assert g["personas"] >= 2 and g["estimated_cost_usd"] > 0
    for key in ("llm_calls", "prompt_tokens", "completion_tokens", "estimated_cost_usd"):
        assert variant[key] == g[key], key
    ours = sorted((ws / "personas").glob("persona-*.json"))
    theirs = sorted((tmp_path / e["run_dir"] / "variants" / "default" / "personas")
                    .glob("persona-*.json"))
    assert [p.name for p in ours] == [p.name for p in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert comparable(a) == comparable(b), a.name
    assert e["segmentation_run"] == json.loads((ws / "segments.json").read_text())["run_id"]


def test_a_variant_overrides_only_what_it_names(tmp_path):
    from agent.config import load_settings
    from evals.variants import parse_variant

    base = load_settings(tmp_path / "ws", persona={"price_input_per_million": 3.0,
                                                   "min_support": 4})
    v = parse_variant("v2:prompts=2,temperature=0.3,level=segment,model=other")
    s = v.apply(base)
    assert s.persona.temperature == 0.3 and s.persona.level == "segment"
    assert s.llm.model == "other" and s.persona.prompt_versions["persona.system"] == 2
    assert s.persona.price_input_per_million == 3.0 and s.persona.min_support == 4
    assert base.persona.temperature == 0.0 and base.llm.model is None  # not changed
