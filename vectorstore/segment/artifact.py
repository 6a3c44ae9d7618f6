"""The segmentation artifact (``segments.json``): typed, validated, migrated on read.

Two levels (DESIGN.md §2b): a *segment* is the fine level (``segment_id`` on a record), a
*group* its parent (``parent_id``). :class:`Level` is the one place that maps a level to its
metadata key and its list in the artifact, so no caller re-derives it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 2


class Level(StrEnum):
    GROUP = "group"
    SEGMENT = "segment"

    @property
    def key(self) -> str:
        """The record metadata key that holds this level's id."""
        return "parent_id" if self is Level.GROUP else "segment_id"

    @property
    def plural(self) -> str:
        return "groups" if self is Level.GROUP else "segments"

    @classmethod
    def parse(cls, value: str | Level) -> Level:
        """``group`` or ``segment`` (``fine`` is accepted as the deprecated alias)."""
        if isinstance(value, Level):
            return value
        v = str(value).strip().lower()
        if v == "fine":
            return cls.SEGMENT
        return cls(v)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Trend(_Strict):
    """How a segment's or group's share of each month's records moved from the first month
    of the date column to the last."""

    first_period: str = Field(..., description="YYYY-MM")
    last_period: str = Field(..., description="YYYY-MM")
    first_count: int = Field(..., ge=0, description="its records in the first month")
    last_count: int = Field(..., ge=0, description="its records in the last month")
    first_share: float = Field(..., ge=0, le=1, description="of the first month's records")
    last_share: float = Field(..., ge=0, le=1, description="of the last month's records")
    change: float = Field(..., description="last_share - first_share")
    direction: Literal["grew", "shrank", "steady"]


class UnitInfo(_Strict):
    """What is known about one segment or group: size, keywords, central texts, stats."""

    id: str
    size: int = Field(..., ge=0, description="records in it")
    share: float = Field(..., ge=0, le=1, description="share of all records")
    rows: int = Field(0, ge=0, description="source rows, duplicates included")
    users: int = Field(0, ge=0)
    keywords: list[str] = Field(default_factory=list)
    central_ids: list[str] = Field(default_factory=list)
    flagged: int = Field(0, ge=0, description="texts that read as instructions to a model")
    cohesion: float = 0.0
    languages: dict[str, int] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    monthly: dict[str, int] = Field(default_factory=dict,
                                    description="records per month (YYYY-MM) of the date "
                                                "column; months without any are left out")
    trend: Trend | None = Field(None, description="grew or shrank from the first to the last "
                                                  "month (None: no date column, one month)")
    rating: float | None = Field(None, description="average of the rating column")
    rating_count: int = Field(0, ge=0, description="records with a rating")


class SegmentInfo(UnitInfo):
    parent: str = Field(..., description="the group this segment belongs to")


class GroupInfo(UnitInfo):
    segments: list[str] = Field(default_factory=list)


class Params(_Strict):
    """How the segmentation was made (every field the segmenters report)."""

    method: str
    neighbors: int | None = Field(None, description="kNN graph neighbours per text")
    weighting: str | None = None
    seed: int | None = None
    min_groups: int | None = None
    max_groups: int | None = None
    exact_knn: bool | None = None
    resolution: float | None = None
    effective_resolution: float | None = None
    min_cluster_size: int | None = None
    n_clusters: int | None = Field(None, description="K-means only: the number of clusters")
    min_size: int | None = None
    warm_start: bool | None = None
    notes: list[str] = Field(default_factory=list, description="plain remarks for the user")


class Counts(_Strict):
    segments: int = 0
    groups: int = 0


class Stability(_Strict):
    previous_ids_kept: float | None = None


class SegmentationRun(_Strict):
    """The whole ``segments.json``."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    created_at: str
    collection: str | None = None
    embedder: str
    method: str | None = None
    seed: int | None = None
    params: Params
    records: int = Field(..., ge=0)
    texts: int = Field(0, ge=0)
    rows: int = Field(0, ge=0)
    unassigned: int = Field(0, ge=0)
    unassigned_share: float = 0.0
    counts: Counts = Field(default_factory=Counts)
    groups: list[GroupInfo] = Field(default_factory=list)
    segments: list[SegmentInfo] = Field(default_factory=list)
    stability: Stability = Field(default_factory=Stability)
    date_column: str | None = Field(None, description="the metadata column read as dates")
    periods: list[str] = Field(default_factory=list,
                               description="every month (YYYY-MM) from the first dated record "
                                           "to the last, gaps included")
    rating_column: str | None = Field(None, description="the numeric rating column")
    label_tags: list[str] | None = Field(
        None, description="the tags (``seg_run``) the records' labels of this run carry; "
                          "readers trust no other label (None: written before labels were "
                          "tagged, every stored label counts)")
    records_updated: int = 0
    assigned_new: int = 0
    seconds: float = 0.0
    elapsed_seconds: float = 0.0

    def units(self, level: Level | str) -> list[UnitInfo]:
        """The groups or the segments."""
        return list(self.groups if Level.parse(level) is Level.GROUP else self.segments)

    def unit(self, level: Level | str, unit_id: str) -> UnitInfo | None:
        return next((u for u in self.units(level) if u.id == unit_id), None)

    def find(self, unit_id: str) -> UnitInfo | None:
        """A group or a segment by id (ids never collide: g… vs s…)."""
        return self.unit(Level.GROUP, unit_id) or self.unit(Level.SEGMENT, unit_id)

    def series(self, unit: UnitInfo) -> list[int]:
        """``unit``'s records per month over :attr:`periods` (zeros for empty months)."""
        return [unit.monthly.get(month, 0) for month in self.periods]

    def level_of(self, unit_id: str) -> Level | None:
        if self.unit(Level.GROUP, unit_id):
            return Level.GROUP
        if self.unit(Level.SEGMENT, unit_id):
            return Level.SEGMENT
        return None


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a ``segments.json`` written by an older version to the current schema.

    Version 1 called the kNN size ``params.k`` (now ``neighbors``; ``k`` means clusters
    only for K-means, which reports ``n_clusters``) and carried per-user data that now
    lives in ``segment_users.json``.
    """
    data = dict(data)
    version = int(data.get("schema_version", 1))
    if version < 2:
        params = dict(data.get("params") or {})
        if "k" in params:
            params.setdefault("neighbors", params.pop("k"))
        data["params"] = params
        data.pop("users", None)
        data["schema_version"] = SCHEMA_VERSION
    return data


def parse_segmentation(data: dict[str, Any]) -> SegmentationRun:
    return SegmentationRun.model_validate(migrate(data))
