"""``persona eval`` and ``persona eval compare``."""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from agent.cli.context import AppContext
from agent.persona.generate import GenerateOptions, PersonaGenerator
from vectorstore.errors import InputError

from .app import JsonFlag, get_ctx

STRICT_EXIT = 3
eval_app = typer.Typer(help="Score personas of prompt/model variants side by side.",
                       invoke_without_command=True, no_args_is_help=False)


class CliEvalPipeline:
    """Wires the CLI's ingest, segment and generate stages into the eval harness, inside the
    eval's own workspace (never the user's personas)."""

    def __init__(self, app: AppContext, run_dir: Path):
        settings = app.settings.model_copy(deep=True)
        settings.workspace = run_dir / "workspace"
        settings.chroma.collection = None
        self.app = AppContext(settings, json_output=app.json_output, verbose=app.verbose)
        self.segments: dict[str, Any] | None = None

    def prepare(self, data: Path, label_col: str | None, seed: int) -> dict[str, Any]:
        from .ingest_cmd import _options, ingest_paths
        from .segment_cmd import build_segmenter, run_segment

        opts = _options(self.app, None, None, None, None, None, None, False, "auto", None)
        ingest_paths(self.app, [data], opts, None, None)
        if label_col and not self._has_label(label_col):
            raise InputError(f"{data}: no column {label_col!r} to use as labels (--label-col)")
        segmenter = build_segmenter("leiden", None, None, None, None, seed, 5, 12,
                                    self.app.settings.embedding.threads)
        self.segments = run_segment(self.app, segmenter, fresh=True)
        return self.segments

    def _has_label(self, label_col: str) -> bool:
        got = self.app.store().get(limit=50)
        return any(f"meta_{label_col}" in (m or {}) for m in got["metadatas"])

    def records(self, level: str, label_col: str | None):
        from evals.harness import Record

        key = "parent_id" if level == "group" else "segment_id"
        out = []
        for item in self.app.store().iter_records(include=("documents", "metadatas")):
            m = item["metadata"] or {}
            label = m.get(f"meta_{label_col}") if label_col else None
            out.append(Record(item["id"], item["document"] or "", m.get(key, "unassigned"),
                              m.get("segment_id", "unassigned"),
                              None if label is None else str(label)))
        return out

    def segment_labels(self, seed: int) -> dict[str, str]:
        from vectorstore.segment import LeidenSegmenter
        from vectorstore.segment.run import load_records

        data = load_records(self.app.store())
        seg = LeidenSegmenter(seed=seed).segment(data.ids, data.vectors)
        return {i: str(label) for i, label in zip(data.ids, seg.labels.tolist(), strict=True)}

    def generate(self, variant, exclude: set[str], out_dir: Path) -> dict[str, Any]:
        from agent.persona.evidence import support_threshold

        from .generate_cmd import LocalOrRemoteLLM

        settings = self.app.settings.model_copy(deep=True)
        for key in ("provider", "model", "base_url", "model_path"):
            if key in variant.settings:
                setattr(settings.llm, key, variant.settings[key])
        if "temperature" in variant.settings:
            settings.persona.temperature = variant.settings["temperature"]
        vapp = AppContext(settings, json_output=self.app.json_output, verbose=self.app.verbose)
        level = "segment" if variant.settings.get("level") == "fine" else "group"
        options = GenerateOptions(level=level, interview=variant.settings.get("interview",
                                                                              "guided"),
                                  prompt_versions=variant.prompt_versions,
                                  exclude_ids=frozenset(exclude),
                                  min_persona_size=settings.persona.min_persona_size,
                                  min_support=settings.persona.min_support)
        embedder_id = self.segments.get("embedder", "")
        with contextlib.ExitStack() as stack:
            gen = PersonaGenerator(vapp.store(), vapp.embedder_for_store(), self.segments, out_dir,
                                   options, LocalOrRemoteLLM(vapp, stack),
                                   lambda lang: support_threshold(embedder_id, lang))
            return gen.run()

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.app.embedder_for_store().embed(texts)


def _subset(data: Path, run_dir: Path, label_col: str | None, sample: int | None,
            split: str | None, seed: int) -> Path:
    """A seeded (stratified) sample and/or one split of ``data``, written as JSON Lines."""
    from collections import defaultdict

    from vectorstore.readers import InputFile

    rows = [r.fields for r in InputFile(data).rows() if r.fields]
    if split:
        rows = [r for r in rows if str(r.get("split")) == split]
        if not rows:
            raise InputError(f"{data}: no rows with split == {split!r}")
    if sample and sample < len(rows):
        rng = random.Random(seed)
        if label_col:
            by: dict[str, list] = defaultdict(list)
            for r in rows:
                by[str(r.get(label_col))].append(r)
            picked = []
            for key in sorted(by):  # proportional, at least one per label
                k = max(1, round(sample * len(by[key]) / len(rows)))
                picked += rng.sample(by[key], min(k, len(by[key])))
            rows = rng.sample(picked, min(sample, len(picked)))
        else:
            rows = rng.sample(rows, sample)
    run_dir.mkdir(parents=True, exist_ok=True)
    out = run_dir / f"data-{data.stem}.jsonl"
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    return out


def _planted_checks(pipeline: CliEvalPipeline, canaries: list[str], run_dir: Path):
    """Recovery of the planted groups and canary leaks, as result rows per variant."""
    def finalize(summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        from evals.harness import row
        from evals.planted import leaks, recovery

        records = pipeline.records("group", "group")
        rec = recovery({r.id: r.group for r in records},
                       {r.id: r.label for r in records if r.label})
        found = {k: v for k, v in leaks(canaries, run_dir).items() if not k.endswith(".csv")}
        summary["recovery"] = rec
        for v in summary["variants"]:
            rows.append(row(v, None, "recovery_ari", "1", rec["ari"],
                            f"planted groups: precision {rec['precision']:.3f}, recall "
                            f"{rec['recall']:.3f}, ARI {rec['ari']:.3f}"))
            rows.append(row(v, None, "canary_leaks", "1", float(len(found)),
                            f"{len(canaries)} canaries planted; found in {len(found)} files"))

    return finalize


def _run_dir(app: AppContext, data: Path, variants) -> Path:
    digest = hashlib.sha256((str(data.resolve()) + "|".join(v.describe() for v in variants))
                            .encode()).hexdigest()[:6]
    return app.workspace.root / "evals" / f"{time.strftime('%Y%m%d-%H%M%S')}-{digest}"


def _fail_under(values: list[str]) -> dict[str, float]:
    out = {}
    for v in values:
        metric, sep, bar = v.partition("=")
        try:
            out[metric.strip()] = float(bar)
        except ValueError:
            raise InputError(f"--fail-under {v!r}: expected METRIC=VALUE, e.g. "
                             "quote_grounding=0.95") from None
        if not sep:
            raise InputError(f"--fail-under {v!r}: expected METRIC=VALUE")
    return out


def print_summary(app: AppContext, s: dict[str, Any], run_dir: Path) -> None:
    c = app.human
    c.print(f"eval {s['run_id']}: {len(s['variants'])} variants, {s['seconds']} s → "
            f"{run_dir / 'report.md'} and {run_dir / 'report.html'}")
    metrics = sorted({m for v in s["aggregates"].values() for m in v})
    c.print(f"  {'metric':22}" + "".join(f"{v:>22}" for v in s["aggregates"]))
    for m in metrics:
        cells = []
        for v in s["aggregates"]:
            x = s["aggregates"][v].get(m, {}).get("value")
            cells.append(f"{'—' if x is None else f'{x:.3f}':>22}")
        c.print(f"  {m:22}" + "".join(cells))


@eval_app.callback()
def eval_main(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Option("--data", help="Texts to evaluate on (any "
                                              "ingest format).", show_default=False)] = None,
    label_col: Annotated[str | None, typer.Option("--label-col", help="Column with true group "
                                                  "labels (for label_agreement).",
                                                  show_default=False)] = None,
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="NAME:KEY=VALUE,... (keys: prompts, prompt.<id>, provider, model, "
        "base_url, model_path, interview, temperature, level). Repeatable.",
        show_default=False)] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="An eval spec YAML (see "
                                              "evals/specs/).", show_default=False)] = None,
    holdout: Annotated[float, typer.Option("--holdout", min=0.0, max=0.9,
                                           help="Share of each group held out.")] = 0.2,
    seed: Annotated[int, typer.Option("--seed", help="Seed for segmentation and hold-out.")] = 42,
    no_stability: Annotated[bool, typer.Option("--no-stability", help="Skip the second "
                                               "segmentation.")] = False,
    fail_under: Annotated[list[str] | None, typer.Option(
        "--fail-under", help="METRIC=VALUE: exit 3 when a variant scores below it.",
        show_default=False)] = None,
    sample: Annotated[int | None, typer.Option(
        "--sample", min=10, help="Evaluate on a seeded sample of this many rows (stratified "
        "by --label-col when given).", show_default=False)] = None,
    split: Annotated[str | None, typer.Option(
        "--split", help="Keep only rows whose 'split' column has this value (e.g. test).",
        show_default=False)] = None,
    planted: Annotated[bool, typer.Option(
        "--planted", help="Evaluate on a generated corpus of planted personas (English and "
        "Chinese) with random fake-PII canaries; reports group recovery and canary leaks.")
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Run the pipeline under several variants on the same data and segments; score and
    compare them (results.jsonl, report.md, report.html)."""
    if ctx.invoked_subcommand is not None:
        return
    from evals.harness import run_eval
    from evals.variants import load_spec, parse_variant

    a = get_ctx(ctx, json_output)
    variants = [parse_variant(v) for v in variant or []]
    if spec is not None:
        s = load_spec(spec)
        variants = s["variants"] + variants
        data = data or (Path(s["data"]) if s.get("data") else None)
        label_col = label_col or s.get("label_col")
        holdout = float(s.get("holdout", holdout))
        seed = int(s.get("seed", seed))
        sample = sample or s.get("sample")
        split = split or s.get("split")
    canaries: list[str] = []
    if planted:
        from evals.planted import build, plant_canaries, write_csv

        a.open_workspace()
        rows = build(random.Random(seed))
        canaries = plant_canaries(rows, 0.01)
        data = write_csv(rows, a.workspace.root / "evals" / f"planted-{seed}.csv")
        label_col = "group"
    if data is None:
        raise InputError("pass --data FILE, --planted, or a --spec that names its data")
    if not data.exists():
        raise InputError(f"{data}: no such file")
    if not variants:
        from evals.variants import build_variant

        variants = [build_variant("default", {})]
    if len({v.name for v in variants}) != len(variants):
        raise InputError("variant names must be unique")
    bars = _fail_under(fail_under or [])
    a.open_workspace()
    run_dir = _run_dir(a, data, variants)
    if sample or split:
        data = _subset(data, run_dir, label_col, sample, split, seed)

    def say(message: str) -> None:
        a.err.print(f"  {message}")

    pipeline = CliEvalPipeline(a, run_dir)
    finalize = _planted_checks(pipeline, canaries, run_dir) if planted else None
    summary = run_eval(pipeline, data, variants, run_dir, label_col, holdout, seed,
                       not no_stability, progress=say, finalize=finalize)
    if planted:  # the reports are written now: scan everything once more
        from evals.planted import leaks

        summary["canary_leaks"] = leaks(canaries, run_dir) | {
            f"logs/{k}": v for k, v in leaks(canaries, a.workspace.logs_dir).items()}
        if planted and data.exists():
            data.unlink()  # the only file that is meant to hold the canaries
    print_summary(a, summary, run_dir)
    failed = [f"{v}: {m} {s['aggregates'][v][m]['value']:.3f} < {bar}"
              for m, bar in bars.items() for v in summary["aggregates"]
              if summary["aggregates"][v].get(m, {}).get("value") is not None
              and summary["aggregates"][v][m]["value"] < bar]
    summary["run_dir"] = str(run_dir)
    summary["below_bar"] = failed
    a.emit(summary)
    for f in failed:
        a.err.print(f"  below --fail-under: {f}")
    if failed:
        raise typer.Exit(STRICT_EXIT)


@eval_app.command("compare")
def eval_compare(ctx: typer.Context,
                 run_a: Annotated[str, typer.Argument(help="Run id or directory.")],
                 run_b: Annotated[str, typer.Argument(help="Run id or directory.")],
                 json_output: JsonFlag = False) -> None:
    """Diff two stored eval runs metric by metric."""
    from evals.report import compare

    a = get_ctx(ctx, json_output)

    def load(run: str) -> dict[str, Any]:
        path = Path(run)
        if not path.is_dir():
            path = a.workspace.root / "evals" / run
        try:
            return json.loads((path / "summary.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"no eval run at {path} (expected summary.json there)") from None

    def fmt(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    rows = compare(load(run_a), load(run_b))
    for r in rows:
        delta = "" if r["delta"] is None else f"{r['delta']:+.3f}"
        a.human.print(f"  {r['variant']:>12} {r['metric']:22} {fmt(r['a']):>8} → "
                      f"{fmt(r['b']):>8} {delta}")
    a.emit({"a": run_a, "b": run_b, "rows": rows})
