"""What an interview did: every question, tool call, tool result and answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Turn:
    kind: str                       # question | tool | answer | note
    field: str | None = None
    content: Any = None


@dataclass
class Finding:
    """A candidate claim: the model's sentence and the texts it was written from."""

    field: str
    text: str
    source_ids: list[str]
    errors: list[str] = field(default_factory=list)
    attempted: bool = True   # False: planned only (no model was reachable)
    source: str | None = None  # the exact sentence the model was shown


@dataclass
class Transcript:
    group_id: str
    mode: str
    turns: list[Turn] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def add(self, kind: str, field_name: str | None = None, content: Any = None) -> None:
        self.turns.append(Turn(kind, field_name, content))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
