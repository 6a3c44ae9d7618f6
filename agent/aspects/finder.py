"""The aspects of one group, from its texts: units (stored once), then ``discover``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from vectorstore.units import VERSION as UNITS_VERSION
from vectorstore.units import UnitStore

from .discover import VERSION as DISCOVERY_VERSION
from .discover import Discovered, GroupTexts, discover
from .facets import FacetModel, facet_model
from .membership import Membership, calibrated
from .model import AspectSet


@dataclass
class AspectFinder:
    units: UnitStore
    membership: Membership
    facets: FacetModel
    embedder: str
    min_support: int = 3

    @classmethod
    def for_embedder(cls, units: UnitStore, embedder: str, min_support: int = 3
                     ) -> AspectFinder:
        return cls(units, calibrated(embedder), facet_model(embedder), embedder, min_support)

    @property
    def identity(self) -> str:
        """What an aspect set depends on besides the texts (part of a persona's inputs)."""
        return json.dumps({"units": UNITS_VERSION, "discovery": DISCOVERY_VERSION,
                           "membership": self.membership.describe(),
                           "facets": hashlib.sha256(self.facets.coef.tobytes()).hexdigest()[:12],
                           "min_support": self.min_support, "embedder": self.embedder},
                          sort_keys=True)

    def find(self, group) -> Discovered:
        """Aspects of ``group`` (an ``agent.persona.group.GroupData``)."""
        vectors = {rid: group.vectors[i] for i, rid in enumerate(group.ids)}
        units, unit_vectors = self.units.units(list(zip(group.ids, group.texts, strict=True)),
                                               vectors)
        users = [m.get("user") for m in group.metas]
        texts = GroupTexts(group.id, group.level.value, list(group.ids), users, units,
                           unit_vectors)
        found = discover(texts, self.membership, self.facets, self.embedder, self.min_support)
        found.aspects.finder = self.identity
        return found


def write_aspects(directory: Path, found: Discovered) -> Path:
    """``aspects-<id>.json`` (the aspects with every member id) and ``aspects-<id>.npz``
    (their centres and the group's mean vector: what placing a question needs)."""
    import io

    import numpy as np

    from agent.workspace import atomic_write

    path = directory / f"aspects-{found.aspects.subject_id}.json"
    atomic_write(path, found.aspects.model_dump_json(indent=1))
    buf = io.BytesIO()
    mean = found.mean if found.mean is not None else np.zeros(0, dtype=np.float32)
    np.savez(buf, centres=found.centres.astype(np.float32), mean=mean.astype(np.float32),
             topics=found.topics.astype(np.float32))
    atomic_write(path.with_suffix(".npz"), buf.getvalue())
    return path


def read_aspects(path: Path) -> Discovered | None:
    """An aspect set written by :func:`write_aspects` (None when missing or damaged)."""
    import numpy as np

    try:
        aspects = AspectSet.model_validate_json(path.read_text(encoding="utf-8"))
        with np.load(path.with_suffix(".npz")) as data:
            centres, mean, topics = data["centres"], data["mean"], data["topics"]
    except (FileNotFoundError, ValueError, KeyError, OSError):
        return None
    if len(centres) != len(aspects.aspects):
        return None
    return Discovered(aspects, centres, [[] for _ in aspects.aspects],
                      mean if mean.size else None, topics)


def with_sentences(found: Discovered, texts: dict[str, str]) -> Discovered | None:
    """``found`` (read back by :func:`read_aspects`) with its member sentences, cut from
    ``texts`` (record id → text) at their stored spans; None when it was written without
    spans, or a text has changed under them (find it again)."""
    from vectorstore.units import Unit

    sentences = []
    for a in found.aspects.aspects:
        if not a.spans and a.members:
            return None
        units = []
        for s in a.spans:
            text = texts.get(s.doc_id)
            if text is None or s.end > len(text):
                return None
            units.append(Unit(s.doc_id, len(units), s.start, s.end, text[s.start:s.end],
                              "content", s.lang))
        sentences.append(units)
    found.sentences = sentences
    return found
