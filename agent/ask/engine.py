"""``persona ask``: answers about groups, counted with the aspects' membership decision.

Code decides what is true — which groups say something, how many texts and users, the top
aspects, the reasons, how two groups differ — from the same aspects and members the
personas count (``counting.py``); the model (if any) may only phrase those facts in one
sentence, and that sentence is checked before anything is shown (``phrase.py``). Every
answer carries the statement it counted, every counted id, the measured precision of the
method, and citations drawn from the counted texts only; counts under ``min_support`` are
"fewer than N" with no ids. The tools of the autonomous mode are the same code.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from agent.labels import Labels, display_name
from agent.persona.schema import Persona
from vectorstore.injection import FLAG_KEY, reads_as_instruction
from vectorstore.records import META_PREFIX
from vectorstore.segment.artifact import Level, SegmentationRun
from vectorstore.store import ChromaStore

from .counting import AspectIndex, GroupAspects, keep
from .question import Filters

log = logging.getLogger(__name__)
MAX_CITATIONS = 5
MAX_QUESTION = 2000


@dataclass
class Citation:
    doc_id: str
    group_id: str | None
    segment_id: str | None
    text: str


@dataclass
class UnitCount:
    """How many texts (and users) of one group say what was asked (``count`` None: fewer
    than ``min_support`` — no number and no ids are given then)."""

    id: str
    level: str
    name: str
    count: int | None
    users: int | None
    share: float | None
    texts: int = 0


@dataclass
class AspectCount:
    """One aspect in an answer (what / why / compare)."""

    group_id: str
    group_name: str
    aspect_id: str
    facet: str
    label: str
    count: int | None
    share: float | None
    example: str = ""
    ids: list[str] = field(default_factory=list)   # the counted texts (after filters)


@dataclass
class AskResult:
    answer: str                              # the facts, in the question's language
    kind: str = "count"
    counted_as: str = ""
    level: str = Level.GROUP.value
    counts: list[UnitCount] = field(default_factory=list)
    total_texts: int | None = None
    total_users: int | None = None
    aspects: list[AspectCount] = field(default_factory=list)
    counted_ids: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    precision: float | None = None           # measured precision of the counting method
    filters: str = ""
    sentence: str | None = None              # the model's sentence, when it passed the checks
    thin: bool = False
    declined: bool = False
    model_wording: bool = False
    language: str = "en"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Record:
    id: str
    text: str
    vector: np.ndarray
    group: str | None
    segment: str | None
    meta: dict[str, Any]


class AskEngine:
    """Answers at the level of the personas: per group, or per segment when the personas
    describe fine segments."""

    def __init__(self, store: ChromaStore, embedder, segments: SegmentationRun,
                 personas: list[Persona], index_builder, min_support: int = 3,
                 labels: Labels | None = None):
        self.store = store
        self.embedder = embedder
        self.segments = segments
        self.personas = {p.subject_id: p for p in personas}
        self.labels = dict(labels or {})
        self.level = Level(personas[0].level) if personas else Level.GROUP
        self.min_support = min_support
        self.records = self._load()
        self.by_id = {r.id: r for r in self.records}
        self.date_key = f"{META_PREFIX}{segments.date_column}" if segments.date_column else None
        self.rating_key = (f"{META_PREFIX}{segments.rating_column}" if segments.rating_column
                           else None)
        self.index: AspectIndex = index_builder(self)

    def _load(self) -> list[Record]:
        out = []
        for item in self.store.iter_records(include=("embeddings", "documents", "metadatas")):
            m = item["metadata"] or {}
            text = item["document"] or ""
            if m.get(FLAG_KEY) or reads_as_instruction(text):
                continue
            out.append(Record(item["id"], text, np.asarray(item["embedding"], dtype=np.float32),
                              m.get("parent_id"), m.get("segment_id"), m))
        return out

    def unit_of(self, r: Record) -> str | None:
        return r.group if self.level is Level.GROUP else r.segment

    def name_of(self, uid: str) -> str:
        info = self.segments.unit(self.level, uid)
        fallback = ", ".join(info.keywords[:3]) if info and info.keywords else uid
        return display_name(uid, self.personas.get(uid), self.labels, fallback=fallback)

    def set_labels(self, labels: Labels) -> None:
        """Use new user labels for the names in answers (a served page renamed a group)."""
        self.labels = dict(labels)
        for g in self.index.groups:
            g.name = self.name_of(g.id)

    def unit_ids(self) -> set[str]:
        return {g.id for g in self.index.groups}

    def group_texts(self, uid: str) -> list[Record]:
        return [r for r in self.records if self.unit_of(r) == uid]

    # -- search -----------------------------------------------------------------------------------
    def search_texts(self, query: str, unit: str | None = None, k: int = 5, *,
                     group: str | None = None, segment: str | None = None,
                     filters: Filters | None = None) -> list[dict[str, Any]]:
        """The texts closest to ``query``: in one unit of the engine's level (``unit``), one
        ``group`` or ``segment``, or in all; only those passing ``filters``."""
        filters = filters or Filters()
        pool = [r for r in self.records
                if unit in (None, self.unit_of(r)) and group in (None, r.group)
                and segment in (None, r.segment) and r.group not in (None, "unassigned")
                and keep(r.meta, filters, self.date_key, self.rating_key)]
        if not pool:
            return []
        q = self.embedder.embed([query])[0]
        sims = np.vstack([r.vector for r in pool]) @ q
        order = np.lexsort((np.array([r.id for r in pool], dtype=object).astype(str), -sims))
        return [{"doc_id": pool[i].id, "group_id": pool[i].group,
                 "segment_id": pool[i].segment, "text": pool[i].text,
                 "score": round(float(sims[i]), 4)} for i in order[:k]]

    # -- tools of the autonomous mode -------------------------------------------------------------
    def list_units(self) -> list[dict[str, Any]]:
        return [{"id": g.id, "level": self.level.value, "name": g.name, "texts": g.size,
                 "top_aspects": [a.label for a in g.found.aspects.aspects[:5]]}
                for g in self.index.groups]

    def get_persona(self, unit_or_persona_id: str) -> dict[str, Any]:
        key = unit_or_persona_id.removeprefix("persona-")
        p = self.personas.get(key)
        if p is None:
            return {"error": f"no persona {unit_or_persona_id!r}; known: "
                             f"{', '.join(sorted(self.personas))}"}
        return {"id": p.id, "level": p.level, f"{p.level}_id": p.subject_id,
                "name": self.name_of(p.subject_id), "tagline": p.tagline, "summary": p.summary,
                "size": p.size.texts,
                "claims": [{"field": f, "text": c.text, "support_count": c.support_count}
                           for f, c in p.claims()]}

    def count_matching(self, statement: str) -> list[dict[str, Any]]:
        from vectorstore.language import detect_language

        lang = "zh" if detect_language(statement) == "zh" else "en"
        out = []
        for m in self.index.match(statement, lang):
            shown = m.count >= self.min_support
            out.append({"id": m.group.id, "level": self.level.value, "name": m.group.name,
                        "count": m.count if shown else f"fewer than {self.min_support}",
                        "share": m.share if shown else None, "texts": m.group.size})
        return out

    def compare_units(self, a: str, b: str) -> dict[str, Any]:
        from .answers import compare_facts

        groups = {g.id: g for g in self.index.groups}
        missing = [x for x in (a, b) if x not in groups]
        if missing:
            return {"error": f"unknown {self.level.value} id(s): {', '.join(missing)}"}
        facts = compare_facts(self, groups[a], groups[b], Filters())
        return {"a": a, "b": b, **{key: [{"aspect": m.aspects[0][0].label, "group": m.group.id,
                                          "texts": m.count} for m in facts[key]]
                                   for key in ("only_a", "only_b", "shared")}}


def build_index(engine: AskEngine, aspect_sets: dict[str, Any], embed, membership, facets,
                settings) -> AspectIndex:
    """The aspect index of an engine from each unit's stored aspects (``Discovered``)."""
    metas: dict[str, dict[str, dict[str, Any]]] = {}
    texts: dict[str, dict[str, str]] = {}
    for r in engine.records:
        uid = engine.unit_of(r)
        if uid and uid != "unassigned":
            metas.setdefault(uid, {})[r.id] = r.meta
            texts.setdefault(uid, {})[r.id] = r.text
    groups = [GroupAspects(uid, engine.name_of(uid), len(metas.get(uid, {})), found,
                           metas.get(uid, {}), texts.get(uid, {}))
              for uid, found in sorted(aspect_sets.items())]
    return AspectIndex(groups, embed, membership, facets, settings, engine.date_key,
                       engine.rating_key)
