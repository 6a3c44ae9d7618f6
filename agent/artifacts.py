"""Reading and writing the artifacts that cross stage boundaries, in one place.

``segments.json`` is a :class:`SegmentationRun`, ``segment_users.json`` each user's segment
distribution, ``personas/persona-<id>.json`` a :class:`Persona`, ``labels.json`` the user's
labels for groups and segments by id. Files written by older versions are migrated on
read; a damaged file is an error that says what to rerun.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.persona.schema import Persona, json_schema, load_persona
from agent.workspace import Workspace, atomic_write
from vectorstore.errors import InputError
from vectorstore.labels import LabelView
from vectorstore.segment.artifact import SegmentationRun, parse_segmentation

PERSONA_GLOB = "persona-*.json"
LABELS_VERSION = 1


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
    def aspects_dir(self) -> Path:
        return self.workspace.root / "aspects"

    @property
    def deck_dir(self) -> Path:
        return self.workspace.root / "deck"

    @property
    def labels_path(self) -> Path:
        return self.workspace.root / "labels.json"

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

    # -- a segmentation under way ---------------------------------------------------------------------
    @property
    def pending_path(self) -> Path:
        return self.workspace.root / "segment.pending.json"

    def begin_segmentation(self, kind: str) -> None:
        """Note that a segmentation run starts writing labels (``status`` reports it as
        interrupted if the process dies before :meth:`end_segmentation`)."""
        atomic_write(self.pending_path, json.dumps({"kind": kind, "pid": os.getpid(),
                                                    "started_at": time.strftime(
                                                        "%Y-%m-%dT%H:%M:%S%z")}))

    def end_segmentation(self) -> None:
        self.pending_path.unlink(missing_ok=True)

    def pending_segmentation(self) -> dict[str, Any] | None:
        """The run that began and did not end: ``kind``, ``pid``, ``started_at`` and
        ``running`` (its process is still alive), or None."""
        try:
            data = json.loads(self.pending_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (ValueError, UnicodeDecodeError):
            data = {}
        data = data if isinstance(data, dict) else {}
        data["running"] = _alive(data.get("pid"))
        return data

    # -- personas ---------------------------------------------------------------------------------
    def persona_path(self, subject_id: str, directory: Path | None = None) -> Path:
        return (directory or self.personas_dir) / f"persona-{subject_id}.json"

    def personas(self, directory: Path | None = None) -> list[Persona]:
        """Every readable persona in ``directory`` (default: the workspace's), largest first."""
        return read_personas(directory or self.personas_dir)

    def personas_by_subject(self, directory: Path | None = None) -> dict[str, Persona]:
        """The personas by the id of the group or segment each describes."""
        return {p.subject_id: p for p in self.personas(directory)}

    # -- labels -----------------------------------------------------------------------------------
    def labels(self) -> dict[str, str]:
        """The user's labels: group or segment id → label (empty when there are none)."""
        path = self.labels_path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, UnicodeDecodeError):
            raise InputError(f"{path} is damaged; fix or delete it (labels are set again with "
                             "`persona label ID NAME`)") from None
        labels = data.get("labels") if isinstance(data, dict) else None
        if not isinstance(labels, dict):
            raise InputError(f"{path} has no \"labels\" object; fix or delete it")
        return {str(k): str(v) for k, v in labels.items() if v}

    def write_labels(self, labels: dict[str, str]) -> None:
        data = {"schema_version": LABELS_VERSION, "labels": dict(sorted(labels.items()))}
        atomic_write(self.labels_path, json.dumps(data, indent=2, ensure_ascii=False))

    def write_persona_schema(self, directory: Path | None = None) -> None:
        out = directory or self.personas_dir
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "persona.schema.json", json.dumps(json_schema(), indent=2))


class CommittedLabels:
    """The :class:`LabelView` of the committed ``segments.json`` (a store's ``labels``),
    read again whenever the file is replaced: no segmentation yet → no label counts; one
    from before labels were tagged → None (every stored label counts)."""

    def __init__(self, segments_path: Path):
        self.path = segments_path
        self._key: tuple[int, int, int] | None = None
        self._view: LabelView | None = None

    def __call__(self) -> LabelView | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return LabelView(frozenset())
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if key != self._key:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                data = None  # damaged: no label counts (reading the segmentation says so)
            if not isinstance(data, dict):
                self._view = LabelView(frozenset())
            else:   # no label_tags (or null): written before labels were tagged
                tags = data.get("label_tags")
                self._view = None if tags is None else LabelView(frozenset(tags))
            self._key = key
        return self._view


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
