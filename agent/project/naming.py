"""Labels and lists: what groups and segments are called, and ``persona list``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.labels import clean_label, display_name
from vectorstore.errors import InputError
from vectorstore.segment.artifact import Level, SegmentationRun, UnitInfo

from .results import LabelResult, ListResult, UnitRow

if TYPE_CHECKING:
    from agent.persona.schema import Persona

    from .project import Project


def label(project: Project, unit_id: str, text: str | None) -> LabelResult:
    """Set (or with ``text`` None, remove) the label of group or segment ``unit_id``."""
    new = clean_label(text) if text is not None else None
    ws = project.open_workspace()
    with ws.lock("label", project.settings.lock_timeout):
        run = project.artifacts.require_segmentation()
        level = run.level_of(unit_id)
        if level is None:
            known = ", ".join(u.id for u in run.groups[:12])
            raise InputError(f"no group or segment {unit_id!r} in segmentation {run.run_id} "
                             f"(groups: {known}); `persona list --segments` shows every id")
        labels = project.artifacts.labels()
        previous = labels.pop(unit_id, None)
        if new is not None:
            labels[unit_id] = new
        project.artifacts.write_labels(labels)
        if previous != new:
            ws.mark_stale(["deck"], "labels changed")
    persona = project.artifacts.personas_by_subject().get(unit_id)
    return LabelResult(id=unit_id, level=level.value, label=new, previous=previous,
                       name=display_name(unit_id, persona, labels))


def list_units(project: Project, segments: bool = False) -> ListResult:
    """Groups (and with ``segments`` their segments) by displayed name, with sizes."""
    run = project.artifacts.require_segmentation()
    personas = project.artifacts.personas_by_subject()
    labels = project.artifacts.labels()
    by_group: dict[str, list[UnitRow]] = {}
    if segments:
        for s in run.segments:
            by_group.setdefault(s.parent, []).append(
                _row(s, Level.SEGMENT, personas.get(s.id), labels))
    groups = [_row(g, Level.GROUP, personas.get(g.id), labels, by_group.get(g.id, []))
              for g in run.groups]
    known = {u.id for u in (*run.groups, *run.segments)}
    level = next(iter(personas.values())).level if personas else None
    return ListResult(run_id=run.run_id, records=run.records, persona_level=level,
                      groups=groups, personas=len(personas),
                      orphan_labels={k: v for k, v in labels.items() if k not in known})


def _row(unit: UnitInfo, level: Level, persona: Persona | None, labels: dict[str, str],
         children: list[UnitRow] | None = None) -> UnitRow:
    keywords = ", ".join(unit.keywords[:3]) or unit.id
    name = display_name(unit.id, persona, labels, fallback=keywords)
    source = "label" if labels.get(unit.id) else "persona" if persona else "keywords"
    return UnitRow(id=unit.id, level=level.value, name=name, name_from=source,
                   label=labels.get(unit.id), persona_id=persona.id if persona else None,
                   persona_name=persona.name if persona else None, size=unit.size,
                   share=unit.share, users=unit.users, keywords=unit.keywords[:8],
                   segments=children or [])


def unit_names(run: SegmentationRun, personas: dict[str, Persona], labels: dict[str, str]
               ) -> dict[str, str]:
    """Every group's and segment's displayed name by id (for exports and the API)."""
    return {u.id: display_name(u.id, personas.get(u.id), labels)
            for u in (*run.groups, *run.segments)}
