"""The metric contract: a small, named, versioned unit returning a value and a reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from agent.persona.schema import Persona


@dataclass
class MetricResult:
    value: float | None          # None: not applicable (left out of aggregates)
    reason: str


@dataclass
class GroupCase:
    """One persona with everything a metric may look at."""

    variant: str
    group_id: str                       # the group (or segment) the persona describes
    persona: Persona | None             # None: no persona, or a file that did not load
    texts: dict[str, str]               # the group's visible texts by id
    held_out: dict[str, str]            # the group's held-out texts by id
    size: int
    error: str | None = None            # why the persona file did not load


@dataclass
class RunContext:
    """What run-level metrics see: all cases of one variant and shared resources."""

    variant: str
    cases: list[GroupCase]
    embed: Any                           # (list[str]) -> np.ndarray, unit vectors
    all_texts: dict[str, str]            # every visible text id → text
    group_of: dict[str, str]             # every record id (visible and held out) → group id
    labels: dict[str, str] = field(default_factory=dict)   # record id → label (if given)
    segments_of: dict[str, str] = field(default_factory=dict)  # record id → fine segment
    usage: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


class Metric(Protocol):
    name: str
    version: str

    def score(self, case: GroupCase, run: RunContext) -> MetricResult: ...


class RunMetric(Protocol):
    """A metric of a whole variant (still reported per group where it can be)."""

    name: str
    version: str

    def score_run(self, run: RunContext) -> tuple[MetricResult, dict[str, float]]: ...


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
