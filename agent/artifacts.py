"""Reading and writing the artifacts that cross stage boundaries, in one place.

``segments.json`` is a :class:`SegmentationRun`, ``segment_users.json`` each user's segment
distribution, ``personas/persona-<id>.json`` a :class:`Persona`. Files written by older
versions are migrated on read; a damaged file is an error that says what to rerun.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.persona.schema import Persona, json_schema, load_persona
from agent.workspace import Workspace, atomic_write
from vectorstore.errors import InputError
from vectorstore.segment.artifact import SegmentationRun, parse_segmentation

PERSONA_GLOB = "persona-*.json"


class Artifacts:
    def __init__(self, workspace: Workspace):
        self.workspace = workspace

    # -- paths ------------------------------------------------------------------------------------
    @property
    def segments_path(self) -> Path:
        return self.workspace.root / "segments.json"

    @property
    def users_path(self) -> Path:
        return self.workspace.root / "segment_users.json"

    @property
    def personas_dir(self) -> Path:
        return self.workspace.root / "personas"

    @property
    def deck_dir(self) -> Path:
        return self.workspace.root / "deck"

    # -- segmentation -----------------------------------------------------------------------------
    def segmentation(self) -> SegmentationRun | None:
        """The stored segmentation, or None when there is none yet."""
        path = self.segments_path
        if not path.exists():
            return None
        try:
            return parse_segmentation(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, UnicodeDecodeError, ValidationError):
            raise InputError(f"{path} is damaged; run `persona segment` again") from None

    def require_segmentation(self) -> SegmentationRun:
        run = self.segmentation()
        if run is None:
            raise InputError("no segments yet: run `persona segment` (or `persona run FILE`)")
        return run

    def write_segmentation(self, run: SegmentationRun, users: dict[str, Any] | None) -> None:
        atomic_write(self.segments_path, run.model_dump_json(indent=1))
        if users is not None:
            atomic_write(self.users_path, json.dumps(users, ensure_ascii=False))

    # -- personas ---------------------------------------------------------------------------------
    def persona_path(self, subject_id: str, directory: Path | None = None) -> Path:
        return (directory or self.personas_dir) / f"persona-{subject_id}.json"

    def personas(self, directory: Path | None = None) -> list[Persona]:
        """Every readable persona in ``directory`` (default: the workspace's), largest first."""
        return read_personas(directory or self.personas_dir)

    def write_persona_schema(self, directory: Path | None = None) -> None:
        out = directory or self.personas_dir
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "persona.schema.json", json.dumps(json_schema(), indent=2))


def read_persona(path: Path) -> Persona | None:
    """The persona in ``path``; None when the file is missing or not a persona."""
    try:
        return load_persona(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return None


def read_personas(directory: Path) -> list[Persona]:
    found = [p for p in (read_persona(f) for f in sorted(directory.glob(PERSONA_GLOB))) if p]
    return sorted(found, key=lambda p: (-p.size.texts, p.subject_id))


def write_persona(path: Path, persona: Persona) -> None:
    atomic_write(path, persona.model_dump_json(indent=2))
