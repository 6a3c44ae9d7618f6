"""The eval stage: variants of the user's settings, run through the same ``generate``.

A variant is the project's settings with overrides (prompt versions, model, provider,
interview mode, temperature, level); it generates with :meth:`Project.generate` into the
eval's own directory, so a prompt comparison scores exactly the configuration a user runs.
Data comes from ``--data`` (ingested and segmented in the eval's own workspace, labels kept
out of the store) or, without it, from the project's own records and segmentation.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vectorstore.errors import InputError
from vectorstore.segment.artifact import Level

if TYPE_CHECKING:
    from evals.harness import Record
    from evals.variants import Variant

    from .project import Project

INPUT_PREFIX = "data-"   # the eval's copies of its input data in the run directory


def _is_input(relative: str) -> bool:
    return Path(relative).name.startswith(INPUT_PREFIX)


class EvalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    data: Path | None = Field(None, description="None: the project's own records")
    label_col: str | None = None
    variants: list[Any] = Field(default_factory=list)   # evals.variants.Variant
    holdout: float = Field(0.2, ge=0, le=0.9)
    seed: int = 42
    stability: bool = True
    sample: int | None = None
    split: str | None = None
    planted: bool = False
    no_cache: bool = False


class ProjectPipeline:
    """The harness's view of the pipeline (``evals.harness.EvalPipeline``)."""

    def __init__(self, project: Project, run_dir: Path, no_cache: bool = False):
        self.user = project
        self.run_dir = run_dir
        self.no_cache = no_cache
        self.project = project       # replaced by the eval's own workspace when data is given
        self.labels: dict[str, str] = {}

    def prepare(self, data: Path | None, label_col: str | None, seed: int):
        from .segment import SegmentOptions

        if data is None:  # the user's workspace as it is: its records and segmentation
            if label_col:
                raise InputError("--label-col needs --data (labels come from that file)")
            return self.project.artifacts.require_segmentation()
        self.project = self.user.for_workspace(self.run_dir / "workspace")
        data, self.labels = _with_ids(data, self.run_dir, label_col)
        columns = _columns(data)
        meta = [c for c in columns if c not in ("id", "text", label_col)]
        self.project.ingest([data], self.project.ingest_options(
            id_col="id", meta_cols=",".join(meta) if meta else None))
        self.project.segment(SegmentOptions(seed=seed, fresh=True))
        return self.project.artifacts.require_segmentation()

    def records(self, level: str, label_col: str | None) -> list[Record]:
        from evals.harness import Record

        lv = Level.parse(level)
        out = []
        for item in self.project.providers.store().iter_records(include=("documents",
                                                                         "metadatas")):
            m = item["metadata"] or {}
            out.append(Record(item["id"], item["document"] or "", m.get(lv.key, "unassigned"),
                              m.get("segment_id", "unassigned"), self.labels.get(item["id"])))
        return out

    def segment_labels(self, seed: int) -> dict[str, str]:
        from vectorstore.segment import LeidenSegmenter
        from vectorstore.segment.run import load_records

        data = load_records(self.project.providers.store())
        seg = LeidenSegmenter(seed=seed).segment(data.ids, data.vectors)
        return {i: str(label) for i, label in zip(data.ids, seg.labels.tolist(), strict=True)}

    def generate(self, variant: Variant, exclude: set[str], out_dir: Path):
        vproject = self.project.with_settings(variant.apply(self.project.settings))
        options = vproject.generate_options(exclude_ids=frozenset(exclude),
                                            no_cache=self.no_cache)
        return vproject.generate(options, out_dir=out_dir)

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.project.providers.store_embedder().embed(texts)


def evaluate(project: Project, request: EvalRequest) -> dict[str, Any]:
    """Prepare, generate every variant, score, write the reports; returns the summary."""
    from evals.harness import run_eval
    from evals.variants import build_variant

    variants = request.variants or [build_variant("default", {})]
    if len({v.name for v in variants}) != len(variants):
        raise InputError("variant names must be unique")
    data, label_col = request.data, request.label_col
    project.open_workspace()
    canaries: list[str] = []
    if request.planted:
        from evals.planted import build, plant_canaries, write_csv

        rows = build(random.Random(request.seed))
        canaries = plant_canaries(rows, 0.01)
        data = write_csv(rows, project.workspace.root / "evals" / f"planted-{request.seed}.csv")
        label_col = "group"
    if data is not None and not data.exists():
        raise InputError(f"{data}: no such file")
    run_dir = _run_dir(project, data, variants)
    if data is not None and (request.sample or request.split):
        data = _subset(data, run_dir, label_col, request.sample, request.split, request.seed)
    pipeline = ProjectPipeline(project, run_dir, request.no_cache)
    finalize = _planted_checks(pipeline, canaries, run_dir) if request.planted else None
    summary = run_eval(pipeline, data, variants, run_dir, label_col, request.holdout,
                       request.seed, request.stability, progress=project.reporter.info,
                       finalize=finalize)
    if request.planted:  # the reports are written now: scan everything once more
        from evals.planted import leaks

        for copy in run_dir.glob(f"{INPUT_PREFIX}*"):  # inputs: meant to hold the canaries
            copy.unlink()
        data.unlink(missing_ok=True)
        summary["canary_leaks"] = leaks(canaries, run_dir) | {
            f"logs/{k}": v for k, v in leaks(canaries, project.workspace.logs_dir).items()}
    summary["run_dir"] = str(run_dir)
    return summary


def _with_ids(data: Path, run_dir: Path, label_col: str | None) -> tuple[Path, dict[str, str]]:
    """``data`` as JSON Lines with a row ``id``, and the labels by id (kept out of the
    store: no stage may read a label)."""
    from vectorstore.readers import InputFile

    rows = [r.fields for r in InputFile(data).rows() if r.fields]
    if label_col and rows and not any(label_col in r for r in rows):
        raise InputError(f"{data}: no column {label_col!r} to use as labels (--label-col)")
    labels: dict[str, str] = {}
    run_dir.mkdir(parents=True, exist_ok=True)
    out = run_dir / f"{INPUT_PREFIX}{data.stem}-ids.jsonl"
    with open(out, "w", encoding="utf-8") as f:
        for n, r in enumerate(rows):
            rid = str(r.get("id") or f"row{n:06d}")
            if label_col and r.get(label_col) is not None:
                labels[rid] = str(r[label_col])
            f.write(json.dumps({**r, "id": rid}, ensure_ascii=False, default=str) + "\n")
    return out, labels


def _columns(path: Path) -> list[str]:
    from vectorstore.readers import InputFile

    f = InputFile(path)
    try:
        return list(f.columns)
    finally:
        f.close()


def _subset(data: Path, run_dir: Path, label_col: str | None, sample: int | None,
            split: str | None, seed: int) -> Path:
    """A seeded (stratified) sample and/or one split of ``data``, written as JSON Lines."""
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
    out = run_dir / f"{INPUT_PREFIX}{data.stem}.jsonl"
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    return out


def _planted_checks(pipeline: ProjectPipeline, canaries: list[str], run_dir: Path):
    """Recovery of the planted groups and canary leaks, as result rows per variant."""
    def finalize(summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        from evals.harness import row
        from evals.planted import leaks, recovery

        records = pipeline.records("group", "group")
        rec = recovery({r.id: r.group for r in records},
                       {r.id: r.label for r in records if r.label})
        found = {k: v for k, v in leaks(canaries, run_dir).items() if not _is_input(k)}
        summary["recovery"] = rec
        for v in summary["variants"]:
            rows.append(row(v, None, "recovery_ari", "1", rec["ari"],
                            f"planted groups: precision {rec['precision']:.3f}, recall "
                            f"{rec['recall']:.3f}, ARI {rec['ari']:.3f}"))
            rows.append(row(v, None, "canary_leaks", "1", float(len(found)),
                            f"{len(canaries)} canaries planted; found in {len(found)} files"))

    return finalize


def _run_dir(project: Project, data: Path | None, variants) -> Path:
    source = str(data.resolve()) if data else f"workspace:{project.workspace.root.resolve()}"
    digest = hashlib.sha256((source + "|".join(v.describe() for v in variants))
                            .encode()).hexdigest()[:6]
    return project.workspace.root / "evals" / f"{time.strftime('%Y%m%d-%H%M%S')}-{digest}"
