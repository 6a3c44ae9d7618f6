"""What ``generate`` reports: per target and for the whole run."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vectorstore.segment.artifact import Level

Status = Literal["generated", "kept", "too_small", "failed"]


class TargetResult(BaseModel):
    """One group or segment: what became of its persona."""

    model_config = ConfigDict(extra="forbid")
    id: str
    status: Status
    name: str | None = None
    degraded: bool = False
    texts: int | None = None
    reason: str | None = None
    claims_dropped: int = 0
    llm_calls: int = 0
    seconds: float = 0.0
    stale: bool = Field(False, description="kept through a model outage although its inputs "
                                           "changed")


class GenerateResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Level
    personas: int = 0
    generated: int = 0
    kept: int = 0
    skipped_small: list[str] = Field(default_factory=list)
    failed: list[TargetResult] = Field(default_factory=list)
    degraded: int = 0
    claims_dropped: int = 0
    llm_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_cost_usd: float = 0.0
    seconds: float = 0.0
    slowest_call: dict[str, Any] | None = Field(None, description="the slowest model call: "
                                                "seconds and what it was for")
    model: str | None = None
    outage: str | None = Field(None, description="why the model could not be used; personas "
                                                 "were kept or written from the evidence alone")
    stale: list[str] = Field(default_factory=list, description="personas kept through the outage "
                                                               "although their inputs changed")
    targets: list[TargetResult] = Field(default_factory=list)
    support_threshold: dict[str, float] | float | None = None
    out_dir: str | None = None
    options: dict[str, Any] = Field(default_factory=dict,
                                    description="the resolved options that decide the content")
