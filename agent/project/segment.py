"""The segment stage: the stored vectors → segments and groups, labels written back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from vectorstore.errors import InputError

from .results import SegmentResult

if TYPE_CHECKING:
    from .project import Project

METHODS = ("leiden", "hdbscan", "kmeans")


class SegmentOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    method: Literal["leiden", "hdbscan", "kmeans"] = "leiden"
    clusters: int | None = Field(None, ge=1, description="K-means only: number of segments")
    neighbors: int | None = Field(None, ge=2, le=200, description="kNN neighbours per text")
    resolution: float | None = Field(None, gt=0)
    min_segment_size: int | None = Field(None, ge=1)
    seed: int | None = None
    min_groups: int = Field(5, ge=1)
    max_groups: int = Field(12, ge=1)
    assign_new: bool = False
    fresh: bool = False


def build_segmenter(options: SegmentOptions, threads: int | None):
    from vectorstore.segment import HDBSCANSegmenter, KMeansSegmenter, LeidenSegmenter
    from vectorstore.segment.methods import DEFAULT_K, DEFAULT_RESOLUTION, DEFAULT_SEED

    o = options
    if o.min_groups > o.max_groups:
        raise InputError("--min-groups must not exceed --max-groups")
    common = {"min_segment_size": o.min_segment_size,
              "seed": DEFAULT_SEED if o.seed is None else o.seed, "k": o.neighbors or DEFAULT_K,
              "min_groups": o.min_groups, "max_groups": o.max_groups, "threads": threads or 2}
    if o.method == "kmeans":
        if not o.clusters:
            raise InputError("--method kmeans needs --k N (the number of segments)")
        return KMeansSegmenter(n_clusters=o.clusters, **common)
    if o.clusters:
        raise InputError("--k is the number of segments for --method kmeans; the graph "
                         "methods find it themselves (use --resolution to tune granularity)")
    if o.method == "hdbscan":
        return HDBSCANSegmenter(**common)
    return LeidenSegmenter(resolution=o.resolution or DEFAULT_RESOLUTION, **common)


def segment(project: Project, options: SegmentOptions) -> SegmentResult:
    from vectorstore.segment.run import assign_new, segment_store

    ws = project.open_workspace()
    with ws.lock("segment", project.settings.lock_timeout):
        store = project.providers.store()
        info = store.info()
        if not info.get("embedder"):
            raise InputError(f"collection {store.name!r} has no records; run `persona ingest "
                             "FILE` first")
        project.providers.pin_store()  # a workspace made before stores were pinned
        say = project.reporter.detail
        if options.assign_new:
            previous = project.artifacts.segmentation()
            if previous is None:
                raise InputError("no segmentation yet: run `persona segment` first")
            run, users = assign_new(store, previous, progress=say)
        else:
            segmenter = build_segmenter(options, project.settings.embedding.threads)
            run, users = segment_store(store, segmenter, info["embedder"], progress=say,
                                       fresh=options.fresh)
        run.collection = store.name
        project.artifacts.write_segmentation(run, users)
        ws.record_stage("segment", run_id=run.run_id, segments=run.counts.segments,
                        groups=run.counts.groups)
        ws.mark_stale(["generate", "deck"], "segments changed")
    return SegmentResult.of(run, project.artifacts.segments_path)
