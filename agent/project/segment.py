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
    """Segment, write the labels, then commit ``segments.json``.

    Labels go onto the records under a new tag and only ``segments.json`` (written last,
    atomically) makes them count, so a run killed halfway leaves readers with the previous
    segmentation whole; ``segment.pending.json`` lets ``status`` report the interrupted run.
    """
    from vectorstore.segment.run import assign_new, segment_store, tag_labels

    ws = project.open_workspace()
    with ws.lock("segment", project.settings.lock_timeout):
        store = project.providers.store()
        info = store.info()
        if not info.get("embedder"):
            raise InputError(f"collection {store.name!r} has no records; run `persona ingest "
                             "FILE` first")
        project.providers.pin_store()  # a workspace made before stores were pinned
        say = project.reporter.detail
        arts = project.artifacts
        previous = arts.segmentation()
        if options.assign_new and previous is None:
            raise InputError("no segmentation yet: run `persona segment` first")
        segmenter = None if options.assign_new else build_segmenter(
            options, project.settings.embedding.threads)
        arts.begin_segmentation("assign-new" if options.assign_new else "segment")
        try:
            if previous is not None and previous.label_tags is None:
                # made before labels were tagged: tag them (labels unchanged), commit that
                tag = f"v-{previous.run_id}"
                tag_labels(store, tag, progress=say)
                previous = previous.model_copy(update={"label_tags": [tag]})
                arts.write_segmentation(previous, None)
            if segmenter is None:
                run, users = assign_new(store, previous, progress=say)
            else:
                run, users = segment_store(store, segmenter, info["embedder"], progress=say,
                                           fresh=options.fresh)
        except BaseException:
            arts.end_segmentation()  # what it wrote, status finds in the store
            raise
        run.collection = store.name
        arts.write_segmentation(run, users)  # the commit: from here on, its labels count
        arts.end_segmentation()
        ws.record_stage("segment", run_id=run.run_id, segments=run.counts.segments,
                        groups=run.counts.groups)
        ws.mark_stale(["generate", "deck"], "segments changed")
    return SegmentResult.of(run, project.artifacts.segments_path)
