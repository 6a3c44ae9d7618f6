"""Every group's aspects for answers: the ones ``generate`` stored, or found now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.aspects.finder import read_aspects, with_sentences, write_aspects
from vectorstore.segment.artifact import SegmentationRun

if TYPE_CHECKING:
    from agent.ask.engine import AskEngine

    from .project import Project


def index_for(project: Project, engine: AskEngine, segments: SegmentationRun):
    """The aspect index of ``engine`` (an ``agent.ask.counting.AspectIndex``)."""
    from agent.ask.counting import match_settings
    from agent.ask.engine import build_index
    from agent.persona.group import load_group

    directory = project.artifacts.aspects_dir
    finder = project.providers.aspect_finder(project.settings.persona.min_support)
    found_by_unit = {}
    texts = {r.id: r.text for r in engine.records}
    for info in segments.units(engine.level):
        found = read_aspects(directory / f"aspects-{info.id}.json")
        if found is not None:
            # what ask checks a weak match against: the members' own sentences
            found = with_sentences(found, texts)
        if found is None or found.aspects.segmentation_run != segments.run_id \
                or found.aspects.finder != finder.identity:
            group = load_group(project.providers.store(), engine.level, info.id, info,
                               segments.records)
            if group.size == 0:
                continue
            found = finder.find(group)
            found.aspects.segmentation_run = segments.run_id
            write_aspects(directory, found)
        found_by_unit[info.id] = found
    return build_index(engine, found_by_unit, engine.embedder.embed, finder.membership,
                       finder.facets, match_settings(segments.embedder))
