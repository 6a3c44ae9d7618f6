"""``persona ask``: answers about segments, grounded in counts and cited texts.

Guided (the default, and for the local model): code finds the texts that match the question
in every group (the same calibrated similarity as persona prevalence), keeps the groups with
at least ``min_support`` matches, cites the closest texts, and asks the model only to phrase
one or two sentences from those facts — validated, or replaced by the facts themselves.
Autonomous: a tool-calling agent over the same tools, for capable models.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from agent.llm.errors import as_model_error
from agent.persona.evidence import SupportCounter, lexical_coverage, quote_from
from agent.persona.llm_io import tidy
from agent.persona.schema import Persona
from agent.prompts import load_prompt
from vectorstore.injection import FLAG_KEY, reads_as_instruction
from vectorstore.language import detect_language
from vectorstore.segment.artifact import Level, SegmentationRun
from vectorstore.store import ChromaStore

from .privacy import singles_out_person
from .statement import as_statement

log = logging.getLogger(__name__)
MAX_CITATIONS = 5
MAX_QUESTION = 2000
DECLINE = {"en": "I can't answer questions about individual users; ask about groups of users "
                 "instead (for example what a segment complains about).",
           "zh": "无法回答关于个别用户的问题；请询问用户群体（例如某个群体在抱怨什么）。"}


@dataclass
class Citation:
    doc_id: str
    group_id: str | None
    segment_id: str | None
    text: str


@dataclass
class UnitCount:
    """How many texts of one group (or segment, at that level) say what was asked."""

    id: str
    level: str
    name: str
    count: int
    share: float


@dataclass
class AskResult:
    answer: str
    citations: list[Citation] = field(default_factory=list)
    counts: list[UnitCount] = field(default_factory=list)
    level: str = Level.GROUP.value
    counted_as: str = ""
    thin: bool = False
    declined: bool = False
    model_wording: bool = False

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d


@dataclass
class _Unit:
    id: str
    name: str
    ids: list[str]
    texts: list[str]
    vectors: np.ndarray
    groups: list[str]
    segments: list[str]


class AskEngine:
    """Answers at the level of the personas: per group, or per segment when the personas
    describe fine segments."""

    def __init__(self, store: ChromaStore, embedder, segments: SegmentationRun,
                 personas: list[Persona], counter: SupportCounter, min_support: int = 3):
        self.store = store
        self.embedder = embedder
        self.segments = segments
        self.personas = {p.subject_id: p for p in personas}
        self.level = Level(personas[0].level) if personas else Level.GROUP
        self.counter = counter
        self.min_support = min_support
        self.units = self._load()

    def _load(self) -> list[_Unit]:
        buckets: dict[str, tuple[list, list, list, list, list]] = {}
        for item in self.store.iter_records(include=("embeddings", "documents", "metadatas")):
            m = item["metadata"] or {}
            uid = m.get(self.level.key)
            text = item["document"] or ""
            if not uid or uid == "unassigned" or m.get(FLAG_KEY) or reads_as_instruction(text):
                continue
            ids, texts, vecs, groups, segs = buckets.setdefault(uid, ([], [], [], [], []))
            ids.append(item["id"])
            texts.append(text)
            vecs.append(item["embedding"])
            groups.append(m.get("parent_id"))
            segs.append(m.get("segment_id"))
        out = []
        for uid, (ids, texts, vecs, groups, segs) in sorted(buckets.items()):
            p = self.personas.get(uid)
            out.append(_Unit(uid, p.name if p else uid, ids, texts,
                             np.asarray(vecs, dtype=np.float32), groups, segs))
        return out

    def unit_ids(self) -> set[str]:
        return {u.id for u in self.units}

    # -- tools (also used by the autonomous agent) -----------------------------------------------
    def list_units(self) -> list[dict[str, Any]]:
        return [{"id": u.id, "level": self.level.value, "name": u.name, "texts": len(u.ids),
                 "keywords": list(self._keywords(u.id))[:6]} for u in self.units]

    def get_persona(self, unit_or_persona_id: str) -> dict[str, Any]:
        key = unit_or_persona_id.removeprefix("persona-")
        p = self.personas.get(key)
        if p is None:
            return {"error": f"no persona {unit_or_persona_id!r}; known: "
                             f"{', '.join(sorted(self.personas))}"}
        return {"id": p.id, "level": p.level, f"{p.level}_id": p.subject_id, "name": p.name,
                "tagline": p.tagline, "summary": p.summary, "size": p.size.texts,
                "claims": [{"field": f, "text": c.text, "support_count": c.support_count}
                           for f, c in p.claims()]}

    def search_texts(self, query: str, unit: str | None = None, k: int = 5, *,
                     group: str | None = None, segment: str | None = None
                     ) -> list[dict[str, Any]]:
        """The texts closest to ``query``: in one unit of the engine's level (``unit``), in
        one ``group`` or ``segment``, or in all."""
        q = self.counter.vector(query)
        hits = []
        for u in self.units:
            if unit not in (None, u.id):
                continue
            keep = np.array([(group in (None, g)) and (segment in (None, s))
                             for g, s in zip(u.groups, u.segments, strict=True)], dtype=bool)
            if not keep.any():
                continue
            sims = np.where(keep, u.vectors @ q, -np.inf)
            for i in np.argsort(-sims)[:min(k, int(keep.sum()))]:
                hits.append({"doc_id": u.ids[i], "group_id": u.groups[i],
                             "segment_id": u.segments[i], "text": u.texts[i],
                             "score": round(float(sims[i]), 4)})
        return sorted(hits, key=lambda h: (-h["score"], h["doc_id"]))[:k]

    def count_matching(self, statement: str) -> list[dict[str, Any]]:
        q = self.counter.vector(statement)
        limit = self.counter.threshold_for(statement)
        out = []
        for u in self.units:
            n = int(((u.vectors @ q) >= limit).sum())
            out.append({"id": u.id, "level": self.level.value, "name": u.name, "count": n,
                        "share": round(n / max(len(u.ids), 1), 4), "texts": len(u.ids)})
        return sorted(out, key=lambda r: (-r["count"], r["id"]))

    def compare_units(self, a: str, b: str) -> dict[str, Any]:
        infos = {x: self.segments.unit(self.level, x) for x in (a, b)}
        missing = [x for x, info in infos.items() if info is None]
        if missing:
            return {"error": f"unknown {self.level.value} id(s): {', '.join(missing)}"}
        ka, kb = (set(infos[x].keywords) for x in (a, b))
        return {"a": a, "b": b, "only_a": sorted(ka - kb), "only_b": sorted(kb - ka),
                "shared": sorted(ka & kb), "sizes": {x: infos[x].size for x in (a, b)}}

    def _keywords(self, uid: str) -> list[str]:
        info = self.segments.unit(self.level, uid)
        return list(info.keywords) if info else []

    # -- answering -------------------------------------------------------------------------------
    def facts(self, question: str) -> AskResult:
        """The code-made answer: matching groups with counts, and citations."""
        lang = "zh" if detect_language(question) == "zh" else "en"
        statement = as_statement(question)
        counts = [c for c in self.count_matching(statement) if c["count"] >= self.min_support]
        units = [UnitCount(c["id"], c["level"], c["name"], c["count"], c["share"])
                 for c in counts[:5]]
        top = units[0].id if units else None
        hits = self.search_texts(statement, top, MAX_CITATIONS)
        citations = [Citation(h["doc_id"], h["group_id"], h["segment_id"],
                              quote_from(h["text"], 300)) for h in hits]
        if not units:
            answer = ("证据不足：没有哪个群体有至少 {n} 条文本这样说。最相近的文本如下。" if lang == "zh"
                      else "The evidence is thin: no group has at least {n} texts that say "
                           "this. The closest texts are cited below.").format(n=self.min_support)
            return AskResult(answer, citations, [], self.level.value, counted_as=statement,
                             thin=True)
        lines = []
        for s in units[:3]:
            size = len(next(u for u in self.units if u.id == s.id).ids)
            if lang == "zh":
                lines.append(f"{s.name}（{s.id}，{size} 条文本）：{s.count} 条（{s.share:.0%}）这样说")
            else:
                lines.append(f"{s.name} ({s.id}, {size} texts): {s.count} texts ({s.share:.0%}) "
                             "say this")
        answer = ("；".join(lines) + "。") if lang == "zh" else "; ".join(lines) + "."
        return AskResult(answer, citations, units, self.level.value, counted_as=statement)

    def ask(self, question: str, llm=None, usage=None,
            on_token: Callable[[str], None] | None = None) -> AskResult:
        """Answer ``question``; with ``llm`` (a LangChain chat model) the facts are phrased."""
        question = " ".join(question.split())
        lang = "zh" if detect_language(question) == "zh" else "en"
        if singles_out_person(question):
            return AskResult(DECLINE[lang], declined=True)
        result = self.facts(question)
        if llm is None or result.thin:
            return result
        prompt = load_prompt("ask.answer")
        facts = "\n".join(f"- {line.strip()}" for line in result.answer.replace("；", ";")
                          .split(";"))
        messages = [("user", prompt.render(question=question.replace("<", "‹"), facts=facts,
                                           language="Chinese" if lang == "zh" else "English"))]
        text = ""
        try:
            for chunk in llm.stream(messages):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                text += piece
                if on_token and piece:
                    on_token(piece)
        except Exception as exc:  # sorted: the model down or unable → the counted answer; a bug raises
            if as_model_error(exc, llm) is None:
                raise
            log.warning("could not phrase the answer: %s", exc)
            return result
        phrased = tidy(text)
        names_ok = any(s.name in phrased or s.id in phrased for s in result.counts)
        if phrased and names_ok and lexical_coverage(phrased, [facts, question]) >= 0.85:
            result.answer = phrased + "\n" + result.answer
            result.model_wording = True
        return result


def stream_events(engine: AskEngine, question: str, llm=None) -> Iterator[dict[str, Any]]:
    """Server-sent events for the web page: tokens as they come, then the final answer."""
    import queue
    import threading

    q: queue.Queue = queue.Queue()

    def work():
        try:
            res = engine.ask(question, llm, on_token=lambda t: q.put({"type": "token", "text": t}))
            q.put({"type": "final", **res.as_dict()})
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, who raises it
            q.put(exc)
        q.put(None)

    threading.Thread(target=work, daemon=True).start()
    while (item := q.get()) is not None:
        if isinstance(item, Exception):
            raise item
        yield item
