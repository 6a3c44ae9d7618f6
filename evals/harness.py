"""Run several variants on the same data and segments, score them, write the results.

The harness is independent of how the pipeline is wired: it gets an ``EvalPipeline``
(built by the CLI, the composition root) that can prepare the data (one ingest and one
segmentation, in the eval's own workspace), generate personas for a variant into a given
directory with given records held out, and embed texts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import ValidationError

from agent.persona.results import GenerateResult
from agent.persona.schema import Persona, load_persona
from agent.workspace import atomic_write
from vectorstore.segment.artifact import Level, SegmentationRun

from .holdout import hold_out
from .metrics.base import GroupCase, RunContext
from .metrics.claims import PER_PERSONA as READER_METRICS
from .metrics.deterministic import PER_PERSONA, PER_RUN
from .variants import Variant


@dataclass
class Record:
    id: str
    text: str
    group: str          # parent group (or fine segment, at level fine)
    segment: str
    label: str | None


class EvalPipeline(Protocol):
    """What the harness needs from the application layer (``agent.project.evaluate``)."""

    def prepare(self, data: Path | None, label_col: str | None, seed: int
                ) -> SegmentationRun: ...
    def records(self, level: str, label_col: str | None) -> list[Record]: ...
    def segment_labels(self, seed: int) -> dict[str, str]: ...
    def generate(self, variant: Variant, exclude: set[str], out_dir: Path) -> GenerateResult: ...
    def embed(self, texts: list[str]) -> np.ndarray: ...


def run_eval(pipeline: EvalPipeline, data: Path | None, variants: list[Variant], run_dir: Path,
             label_col: str | None = None, holdout: float = 0.2, seed: int = 42,
             stability: bool = True, progress: Callable[[str], None] | None = None,
             finalize: Callable[[dict[str, Any], list[dict[str, Any]]], None] | None = None
             ) -> dict[str, Any]:
    """Prepare once, generate and score every variant, write results and reports.

    ``finalize(summary, rows)`` may add rows (e.g. the planted benchmark's recovery and
    canary leaks) before the results and reports are written."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    run_dir.mkdir(parents=True, exist_ok=True)
    say("ingest and segment (shared by every variant)")
    segments = pipeline.prepare(data, label_col, seed)
    embed = _cached(pipeline.embed)
    rows: list[dict[str, Any]] = []
    summary: dict[str, Any] = {"run_id": run_dir.name,
                               "data": str(data) if data else "the workspace's own records",
                               "label_col": label_col, "holdout": holdout, "seed": seed,
                               "segmentation_run": segments.run_id,
                               "variants": {}, "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    stability_ari = None
    if stability:
        say("stability: a second segmentation with another seed")
        stability_ari = _stability(pipeline, seed)
    for variant in variants:
        level = Level.parse(variant.settings.get("level", "group"))
        records = pipeline.records(level, label_col)
        members: dict[str, list[str]] = {}
        for r in records:
            members.setdefault(r.group, []).append(r.id)
        held = hold_out(members, holdout, seed)
        say(f"variant {variant.name}: generating ({variant.describe()})")
        vdir = run_dir / "variants" / variant.name
        v_started = time.perf_counter()
        gen = pipeline.generate(variant, held, vdir / "personas")
        gen_seconds = time.perf_counter() - v_started
        atomic_write(vdir / "held_out.json", json.dumps(sorted(held)))
        run = _context(variant, records, held, vdir / "personas", embed, gen, gen_seconds)
        say(f"variant {variant.name}: scoring")
        rows.extend(_score(run))
        if stability_ari is not None:
            rows.append(row(variant.name, None, "stability", "1", stability_ari,
                            f"ARI {stability_ari:.3f} between segmentations with seeds {seed} "
                            f"and {seed + 1}"))
        summary["variants"][variant.name] = {"settings": variant.describe(),
                                             "personas": gen.personas,
                                             "degraded": gen.degraded,
                                             "seconds": round(gen_seconds, 1),
                                             "options": gen.options,
                                             "llm_calls": gen.llm_calls,
                                             "prompt_tokens": gen.prompt_tokens,
                                             "completion_tokens": gen.completion_tokens,
                                             "estimated_cost_usd": gen.estimated_cost_usd,
                                             "label_agreement": run.extra.get("label_agreement")}
    rows.extend(_claim_overlap(run_dir, variants, embed))
    if finalize is not None:
        finalize(summary, rows)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    with open(run_dir / "results.jsonl", "w", encoding="utf-8") as f:
        for line in rows:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    from .report import aggregate, write_reports

    summary["aggregates"] = aggregate(rows)
    atomic_write(run_dir / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
    write_reports(run_dir, summary, rows)
    return summary


def _cached(embed):
    cache: dict[str, np.ndarray] = {}

    def run(texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            for t, v in zip(todo, embed(todo), strict=True):
                cache[t] = v
        return np.stack([cache[t] for t in texts]) if texts else np.zeros((0, 1))

    return run


def parse_persona(text: str) -> tuple[Persona | None, str | None]:
    """A persona file's content as a :class:`Persona`, or None and why it is not one."""
    try:
        return load_persona(text), None
    except ValidationError as exc:
        first = exc.errors()[0]
        return None, f"invalid at {'.'.join(map(str, first['loc']))}: {first['msg']}"
    except ValueError as exc:
        return None, f"not JSON: {exc}"


def load_personas(personas_dir: Path) -> tuple[dict[str, Persona], dict[str, str]]:
    """The personas of a generation by the id they describe, and why files did not load."""
    personas, errors = {}, {}
    for path in sorted(personas_dir.glob("persona-*.json")):
        p, error = parse_persona(path.read_text(encoding="utf-8"))
        if p is None:
            errors[path.stem.removeprefix("persona-")] = error
        else:
            personas[p.subject_id] = p
    return personas, errors


def _context(variant: Variant, records: list[Record], held: set[str], personas_dir: Path,
             embed, gen, seconds: float) -> RunContext:
    personas, errors = load_personas(personas_dir)
    by_group: dict[str, list[Record]] = {}
    for r in records:
        by_group.setdefault(r.group, []).append(r)
    cases = [GroupCase(variant.name, g, personas.get(g),
                       {r.id: r.text for r in rs if r.id not in held},
                       {r.id: r.text for r in rs if r.id in held}, len(rs), errors.get(g))
             for g, rs in sorted(by_group.items())]
    usage = {k: getattr(gen, k, 0) for k in ("llm_calls", "prompt_tokens", "completion_tokens",
                                             "estimated_cost_usd")}
    usage["seconds"] = round(seconds, 1)
    return RunContext(variant.name, cases, embed,
                      {r.id: r.text for r in records if r.id not in held},
                      {r.id: r.group for r in records},
                      {r.id: r.label for r in records if r.label is not None},
                      {r.id: r.segment for r in records}, usage)


def row(variant, group, metric, version, value, reason) -> dict[str, Any]:
    """One line of results.jsonl."""
    return {"variant": variant, "group": group, "metric": metric, "metric_version": version,
            "value": None if value is None else round(float(value), 6), "reason": reason}


def _score(run: RunContext) -> list[dict[str, Any]]:
    rows = []
    for metric in [*PER_PERSONA, *READER_METRICS]:  # cheap deterministic checks first
        for case in run.cases:
            r = metric.score(case, run)
            rows.append(row(run.variant, case.group_id, metric.name, metric.version, r.value,
                             r.reason))
    for metric in PER_RUN:
        overall, per_group = metric.score_run(run)
        rows.append(row(run.variant, None, metric.name, metric.version, overall.value,
                         overall.reason))
        for g, v in per_group.items():
            rows.append(row(run.variant, g, metric.name, metric.version, v, "per group"))
    return rows


def _claim_overlap(run_dir: Path, variants: list[Variant], embed) -> list[dict[str, Any]]:
    """Claim stability between generations: each variant against the first (the first
    against the second); needs two variants at the same level."""
    from .metrics.overlap import NAME, VERSION, claim_overlap

    if len(variants) < 2:
        return []

    def personas(v: Variant) -> dict[str, Persona]:
        return load_personas(run_dir / "variants" / v.name / "personas")[0]

    rows = []
    for i, v in enumerate(variants):
        other = variants[1] if i == 0 else variants[0]
        if v.settings.get("level") != other.settings.get("level"):
            continue
        overall, per = claim_overlap(personas(v), personas(other), embed)
        rows.append(row(v.name, None, NAME, VERSION, overall.value,
                        f"against {other.name}: {overall.reason}"))
        rows.extend(row(v.name, g, NAME, VERSION, x, f"against {other.name}")
                    for g, x in per.items())
    return rows


def _stability(pipeline: EvalPipeline, seed: int) -> float | None:
    from sklearn.metrics import adjusted_rand_score

    a = pipeline.segment_labels(seed)
    b = pipeline.segment_labels(seed + 1)
    ids = sorted(set(a) & set(b))
    if not ids:
        return None
    return float(adjusted_rand_score([a[i] for i in ids], [b[i] for i in ids]))
