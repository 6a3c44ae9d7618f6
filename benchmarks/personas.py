"""Persona quality and cost on the local model, against a naive one-prompt baseline.

    python benchmarks/personas.py                    # demo corpus + 1,000 banking77 test texts
    python benchmarks/personas.py --only demo

For each corpus: ingest + segment into a fresh workspace, then
* personakit: `persona generate` (guided interview, small validated calls);
* naive baseline: per group, a random sample of its texts stuffed into one prompt that asks
  for the whole persona (name, tagline, summary, claims, quotes) as one JSON object.
Both are scored the same way: quotes found verbatim in the group, claims with at least
--min-support supporting texts (the calibrated similarity), LLM calls, tokens and seconds
per persona, and the slowest single model call (which must stay under 30 s, half the default
per-call deadline ``llm.timeout``, so the deadline never cuts a legitimate call). The local
model server is started once and shared.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, SHARED, load_jsonl, stratified_sample

from agent.config import LLMConfig

DEADLINE_MARGIN = 0.5  # the slowest legitimate call must stay under half the deadline

NAIVE_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["name", "tagline", "summary", "goals", "pain_points", "quotes"],
    "properties": {
        "name": {"type": "string"}, "tagline": {"type": "string"},
        "summary": {"type": "string"},
        "goals": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "pain_points": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "quotes": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    },
}


def persona(ws: Path, *args: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-m", "agent.cli", "-w", str(ws), "--json", *args],
                         capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    if out.returncode not in (0, 3):
        log = ws / "logs" / "persona.log"
        tail = log.read_text(encoding="utf-8")[-4000:] if log.is_file() else ""
        sys.exit(f"persona {' '.join(args)} failed:\n{out.stderr[-3000:]}\n"
                 f"last lines of {log}:\n{tail}")
    return json.loads(out.stdout)


def naive(ws: Path, base_url: str, model: str, sample: int, seed: int) -> dict:
    import openai

    from agent.config import load_settings
    from agent.persona.evidence import SupportCounter, is_verbatim, support_threshold
    from agent.persona.group import load_group
    from agent.project import build_project

    project = build_project(load_settings(ws))
    segments = project.artifacts.require_segmentation()
    emb = project.providers.store_embedder()
    counter = SupportCounter(emb, support_threshold(segments.embedder))
    client = openai.OpenAI(base_url=base_url, api_key="none", timeout=600, max_retries=0)
    rng = random.Random(seed)
    rows = []
    for g in segments.groups:
        group = load_group(project.providers.store(), "group", g.id, g, segments.records)
        if group.size < 5:
            continue
        texts = rng.sample(group.texts, min(sample, group.size))
        prompt = ("Here are comments from one group of app users:\n" +
                  "\n".join(f"- {t}" for t in texts) +
                  "\n\nWrite a persona for this group as JSON with name, tagline, summary, goals, "
                  "pain_points and quotes (verbatim sentences from the comments).")
        started = time.perf_counter()
        try:
            r = client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": prompt}], temperature=0,
                response_format={"type": "json_object", "schema": NAIVE_SCHEMA},
                extra_body={"max_tokens": 600})
            content, usage = r.choices[0].message.content, r.usage
            data = json.loads(content)
            ok = True
        except (openai.OpenAIError, ValueError):  # no answer, or not JSON: a failed persona
            data, usage, ok = {}, None, False
        seconds = time.perf_counter() - started
        quotes = [q for q in data.get("quotes", []) if isinstance(q, str)]
        claims = [c for k in ("goals", "pain_points") for c in data.get(k, []) if isinstance(c, str)]
        supported = [c for c in claims if counter.count(c, group).count >= 3]
        rows.append({"ok": ok, "quotes": len(quotes),
                     "verbatim": sum(is_verbatim(q, group.texts) for q in quotes),
                     "claims": len(claims), "supported": len(supported), "seconds": seconds,
                     "tokens": (usage.prompt_tokens + usage.completion_tokens) if usage else 0})
    return {
        "personas": sum(r["ok"] for r in rows), "groups": len(rows),
        "quote_grounding": _ratio(sum(r["verbatim"] for r in rows), sum(r["quotes"] for r in rows)),
        "claims_unsupported": _ratio(sum(r["claims"] - r["supported"] for r in rows),
                                     sum(r["claims"] for r in rows)),
        "llm_calls_per_persona": 1.0,
        "tokens_per_persona": statistics.mean(r["tokens"] for r in rows) if rows else 0,
        "seconds_per_persona": statistics.mean(r["seconds"] for r in rows) if rows else 0,
        "slowest_call_seconds": max((r["seconds"] for r in rows), default=None),
    }


def personakit_scores(ws: Path, gen: dict) -> dict:
    from agent.config import load_settings
    from agent.persona.evidence import is_verbatim
    from agent.project import build_project

    project = build_project(load_settings(ws))
    personas = project.artifacts.personas()
    quotes = verbatim = claims = 0
    for p in personas:
        got = project.providers.store().get(where={"parent_id": p.subject_id},
                                            include=["documents"])
        docs = dict(zip(got["ids"], got["documents"], strict=True))
        for q in p.quotes:
            quotes += 1
            verbatim += q.doc_id in docs and is_verbatim(q.text, [docs[q.doc_id]])
        claims += len(p.claims())
    n = max(len(personas), 1)
    return {"personas": len(personas), "degraded": _ratio(sum(p.degraded for p in personas),
                                                          len(personas)),
            "quote_grounding": _ratio(verbatim, quotes),
            "claims_kept": claims, "claims_dropped": gen["claims_dropped"],
            "llm_calls_per_persona": gen["llm_calls"] / n,
            "tokens_per_persona": (gen["prompt_tokens"] + gen["completion_tokens"]) / n,
            "seconds_per_persona": gen["seconds"] / n,
            "slowest_call_seconds": gen.get("slowest_call_seconds")}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def corpora(only: str | None):
    demo = ROOT / "examples" / "app_reviews.csv"
    out = [("demo corpus", demo)]
    b77 = SHARED / "banking77" / "data.jsonl"
    if b77.exists():
        rows = stratified_sample([r for r in load_jsonl(b77) if r["split"] == "test"], 1000,
                                 "label", seed=0)
        path = Path(tempfile.mkdtemp()) / "banking77_test_1000.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        out.append(("banking77 test, 1,000", path))
    return [c for c in out if not only or only in c[0]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="demo or banking77")
    ap.add_argument("--sample", type=int, default=25, help="texts per group for the baseline")
    args = ap.parse_args()
    import os

    from agent.llm.server import LocalLLMServer

    # The server as `persona` starts it (llama.cpp picks its threads): forcing 2 threads on 2
    # cores stalled it for over a minute at a time while this process was embedding.
    with LocalLLMServer() as server:
        env = {**os.environ, "PERSONA_LLM__BASE_URL": server.base_url}
        for name, path in corpora(args.only):
            with tempfile.TemporaryDirectory() as tmp:
                ws = Path(tmp) / "ws"
                persona(ws, "ingest", str(path), env=env)
                persona(ws, "segment", env=env)
                gen = persona(ws, "generate", "--no-cache", env=env)
                ours = personakit_scores(ws, gen)
                base = naive(ws, server.base_url, server.alias, args.sample, 0)
            print(f"\n{name}")
            print(f"{'':28} {'personakit':>12} {'naive one-prompt':>17}")
            for key, label in [("personas", "personas produced"), ("degraded", "share degraded"),
                               ("quote_grounding", "quotes verbatim"),
                               ("claims_dropped", "claims dropped (unsupported)"),
                               ("claims_unsupported", "claims unsupported (kept)"),
                               ("llm_calls_per_persona", "LLM calls / persona"),
                               ("tokens_per_persona", "tokens / persona"),
                               ("seconds_per_persona", "seconds / persona"),
                               ("slowest_call_seconds", "slowest model call, s")]:
                print(f"{label:28} {_fmt(ours.get(key)):>12} {_fmt(base.get(key)):>17}")
            slowest = ours.get("slowest_call_seconds") or 0.0
            limit = DEADLINE_MARGIN * LLMConfig().timeout
            print(f"slowest personakit model call {slowest:.2f} s "
                  f"({'within' if slowest < limit else 'OVER'} {limit:g} s, half the default "
                  "per-call deadline llm.timeout)")


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


if __name__ == "__main__":
    main()
