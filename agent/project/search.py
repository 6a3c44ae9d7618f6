"""The search stage: the stored texts closest to a query, with their metadata and names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.labels import display_name
from vectorstore.errors import InputError
from vectorstore.records import META_PREFIX

from .results import SearchHit, SearchResult

if TYPE_CHECKING:
    from agent.ask.engine import AskEngine

    from .project import Project

MAX_K = 50


def search(project: Project, query: str, group: str | None = None, segment: str | None = None,
           k: int = 10, engine: AskEngine | None = None, filters=None) -> SearchResult:
    """Up to ``k`` texts closest to ``query`` (within one group or segment when given), each
    with its group's and segment's displayed names and the record's metadata columns."""
    query = " ".join(query.split())
    if not query:
        raise InputError("the query is empty")
    if group and segment:
        raise InputError("pass --group or --segment, not both (a segment lies in one group)")
    if not 1 <= k <= MAX_K:
        raise InputError(f"-k must be between 1 and {MAX_K}, not {k}")
    run = project.artifacts.require_segmentation()
    for option, value, known in (("--group", group, {g.id for g in run.groups}),
                                 ("--segment", segment, {s.id for s in run.segments})):
        if value is not None and value not in known:
            raise InputError(f"{option} {value!r}: no such id in segmentation {run.run_id}; "
                             "`persona list --segments` shows the ids")
    engine = engine or project.ask_engine()
    hits = engine.search_texts(query, k=k, group=group, segment=segment, filters=filters)
    metas = project.providers.store().metadata_by_id([h["doc_id"] for h in hits])
    personas = project.artifacts.personas_by_subject()
    labels = project.artifacts.labels()

    def name(unit_id: str | None) -> str | None:
        if not unit_id or unit_id == "unassigned":
            return None
        unit = run.find(unit_id)
        keywords = ", ".join(unit.keywords[:3]) if unit else None
        return display_name(unit_id, personas.get(unit_id), labels, fallback=keywords)

    out = []
    for h in hits:
        m = metas.get(h["doc_id"], {})
        out.append(SearchHit(**h, group_name=name(h["group_id"]),
                             segment_name=name(h["segment_id"]), source=m.get("source"),
                             metadata=_columns(m)))
    return SearchResult(query=query, group=group, segment=segment, hits=out)


def _columns(meta: dict[str, Any]) -> dict[str, Any]:
    """The source file's own columns kept as metadata (``meta_<column>``), by column name."""
    return {k[len(META_PREFIX):]: v for k, v in sorted(meta.items())
            if k.startswith(META_PREFIX) and v is not None}
