"""What the stages return: typed results the faces print (or dump as JSON) unchanged."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.persona.results import GenerateResult, TargetResult
from agent.workspace import LLMEndpoint, StoreIdentity
from vectorstore.segment.artifact import SegmentationRun


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class IngestResult(_Result):
    files: list[str]
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    records_written: int = 0
    records_deleted: int = 0
    chunked_rows: int = 0
    flagged: int = 0
    redactions: dict[str, int] = Field(default_factory=dict)
    languages: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = Field(default_factory=dict)
    embedder: str
    embedder_reason: str = ""
    collection: str
    records: int = 0
    rejects_file: str | None = None
    rejects_run: str | None = Field(None, description="the run id of this ingest's entries in "
                                                      "rejects_file (which keeps earlier runs')")
    warning: str | None = None
    #: per file, the columns used: {"text", "id", "user", "metadata": [...]}
    columns: dict[str, dict[str, Any]] = Field(default_factory=dict)
    #: files in which no user column was found (users then cannot be counted)
    no_user_column: list[str] = Field(default_factory=list)


class SegmentResult(SegmentationRun):
    """A segmentation run as the user sees it: the stored artifact plus where it went."""

    path: str
    kept_previous: bool = Field(False, description="records unchanged: the stored run kept")

    @classmethod
    def of(cls, run: SegmentationRun, path, kept_previous: bool = False) -> SegmentResult:
        return cls(**run.model_dump(), path=str(path), kept_previous=kept_previous)

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class DeckResult(_Result):
    personas: int
    markdown: str
    html: str


class ExportResult(_Result):
    out: str
    records: int


class PersonaExportResult(_Result):
    out: str
    personas: int
    claims: int = Field(..., description="rows written: one per claim")


class ForgetResult(_Result):
    deleted: int
    texts: int
    what: str
    records: int
    changed: list[str] = Field(default_factory=list, description="workspace files stripped of "
                                                                  "the erased texts")
    removed: list[str] = Field(default_factory=list, description="workspace files removed "
                                                                  "(caches, aspect sets, evals)")
    left: list[str] = Field(default_factory=list, description="files that still hold an "
                                                               "erased text or user id")
    store_keeps: str | None = Field(None, description="what the store keeps of the erased "
                                                       "records, and how to purge it")


class ResetResult(_Result):
    reset: bool = True
    workspace: str
    collection: str
    removed: list[str] = Field(default_factory=list)


class InterruptedRun(_Result):
    """A segmentation run that began writing labels and never committed them."""

    kind: str | None = Field(None, description="segment or assign-new (None: not recorded)")
    started_at: str | None = None
    records_written: int = Field(0, description="records holding labels of that run, which "
                                                "no reader uses")
    running: bool = Field(False, description="its process is still alive: not interrupted, "
                                             "under way")


class SegmentationSummary(_Result):
    run_id: str | None = None
    created_at: str | None = None
    method: str | None = None
    segments: int | None = None
    groups: int | None = None
    unassigned_share: float | None = None
    labelled: int | None = Field(None, description="records with a label of this run")
    interrupted: InterruptedRun | None = Field(
        None, description="a later run that was killed (or is running) before it committed; "
                          "readers see this run's labels until `persona segment` completes")
    error: str | None = None


class StatusResult(_Result):
    workspace: str
    store: str | None
    collection: str
    records: int = 0
    texts: int = 0
    chunks: int = 0
    embedder: str | None = None
    embedding_dim: int | None = None
    languages: dict[str, int] = Field(default_factory=dict)
    users: int = 0
    sources: dict[str, int] = Field(default_factory=dict)
    stages: dict[str, Any] = Field(default_factory=dict)
    stale: dict[str, Any] = Field(default_factory=dict)
    segmentation: SegmentationSummary | None = None
    pinned: StoreIdentity | None = Field(None, description="the store identity the workspace "
                                                           "pinned on its first ingest")
    llm: LLMEndpoint | None = Field(None, description="the LLM endpoint it remembers")


class LabelResult(_Result):
    id: str
    level: str
    label: str | None = Field(None, description="the label now (None: removed)")
    previous: str | None = None
    name: str = Field(..., description="the name shown from now on")


class UnitRow(_Result):
    """One group or segment as ``persona list`` shows it."""

    id: str
    level: str
    name: str = Field(..., description="the displayed name: label, else persona name, else "
                                       "keywords")
    name_from: str = Field(..., description="label | persona | keywords")
    label: str | None = None
    persona_id: str | None = None
    persona_name: str | None = Field(None, description="the persona's generated name")
    size: int
    share: float
    users: int = 0
    keywords: list[str] = Field(default_factory=list)
    segments: list[UnitRow] = Field(default_factory=list)


class ListResult(_Result):
    run_id: str
    records: int
    persona_level: str | None = None
    groups: list[UnitRow] = Field(default_factory=list)
    personas: int = 0
    orphan_labels: dict[str, str] = Field(default_factory=dict,
                                          description="labels of ids the segmentation no longer has")


class SearchHit(_Result):
    doc_id: str
    group_id: str | None = None
    segment_id: str | None = None
    group_name: str | None = Field(None, description="the group's displayed name")
    segment_name: str | None = None
    text: str
    score: float = Field(..., description="cosine similarity to the query")
    source: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict,
                                     description="the record's metadata columns (date, rating, ...)")


class SearchResult(_Result):
    query: str
    group: str | None = None
    segment: str | None = None
    hits: list[SearchHit] = Field(default_factory=list)


class RunResult(_Result):
    ingest: IngestResult
    segment: SegmentResult
    generate: GenerateResult
    deck: DeckResult
    seconds: float


__all__ = ["DeckResult", "ExportResult", "ForgetResult", "GenerateResult", "IngestResult",
           "LabelResult", "ListResult", "PersonaExportResult", "ResetResult", "RunResult",
           "SearchHit", "SearchResult", "SegmentResult", "SegmentationSummary", "StatusResult",
           "TargetResult", "UnitRow"]
