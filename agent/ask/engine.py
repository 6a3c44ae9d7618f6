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

from agent.persona.evidence import SupportCounter, lexical_coverage, quote_from
from agent.persona.llm_io import tidy
from agent.persona.schema import Persona
from agent.prompts import load_prompt
from vectorstore.injection import FLAG_KEY, reads_as_instruction
from vectorstore.language import detect_language
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
    segment_id: str
    text: str


@dataclass
class SegmentCount:
    id: str
    name: str
    count: int
    share: float


@dataclass
class AskResult:
    answer: str
    citations: list[Citation] = field(default_factory=list)
    segments: list[SegmentCount] = field(default_factory=list)
    counted_as: str = ""
    thin: bool = False
    declined: bool = False
    model_wording: bool = False

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d


@dataclass
class _Group:
    id: str
    name: str
    ids: list[str]
    texts: list[str]
    vectors: np.ndarray


class AskEngine:
    def __init__(self, store: ChromaStore, embedder, segments: dict[str, Any],
                 personas: list[Persona], counter: SupportCounter, min_support: int = 3):
        self.store = store
        self.embedder = embedder
        self.segments = segments
        self.personas = {p.segment_id: p for p in personas}
        self.counter = counter
        self.min_support = min_support
        self.groups = self._load()

    def _load(self) -> list[_Group]:
        level = "parent_id"
        if self.personas and next(iter(self.personas.values())).level == "segment":
            level = "segment_id"
        buckets: dict[str, tuple[list, list, list]] = {}
        for item in self.store.iter_records(include=("embeddings", "documents", "metadatas")):
            m = item["metadata"] or {}
            gid = m.get(level)
            text = item["document"] or ""
            if not gid or gid == "unassigned" or m.get(FLAG_KEY) or reads_as_instruction(text):
                continue
            ids, texts, vecs = buckets.setdefault(gid, ([], [], []))
            ids.append(item["id"])
            texts.append(text)
            vecs.append(item["embedding"])
        out = []
        for gid, (ids, texts, vecs) in sorted(buckets.items()):
            p = self.personas.get(gid)
            out.append(_Group(gid, p.name if p else gid, ids, texts,
                              np.asarray(vecs, dtype=np.float32)))
        return out

    # -- tools (also used by the autonomous agent) -----------------------------------------------
    def list_segments(self) -> list[dict[str, Any]]:
        return [{"id": g.id, "name": g.name, "texts": len(g.ids),
                 "keywords": self._info(g.id).get("keywords", [])[:6]} for g in self.groups]

    def get_persona(self, segment_or_persona_id: str) -> dict[str, Any]:
        key = segment_or_persona_id.removeprefix("persona-")
        p = self.personas.get(key)
        if p is None:
            return {"error": f"no persona {segment_or_persona_id!r}; known: "
                             f"{', '.join(sorted(self.personas))}"}
        return {"id": p.id, "segment_id": p.segment_id, "name": p.name, "tagline": p.tagline,
                "summary": p.summary, "size": p.size.texts,
                "claims": [{"field": f, "text": c.text, "support_count": c.support_count}
                           for f, c in p.claims()]}

    def search_texts(self, query: str, segment: str | None = None, k: int = 5
                     ) -> list[dict[str, Any]]:
        q = self.counter.vector(query)
        pool = [g for g in self.groups if segment in (None, g.id)]
        hits = []
        for g in pool:
            sims = g.vectors @ q
            for i in np.argsort(-sims)[:k]:
                hits.append({"doc_id": g.ids[i], "segment_id": g.id, "text": g.texts[i],
                             "score": round(float(sims[i]), 4)})
        return sorted(hits, key=lambda h: (-h["score"], h["doc_id"]))[:k]

    def count_matching(self, statement: str) -> list[dict[str, Any]]:
        q = self.counter.vector(statement)
        limit = self.counter.threshold_for(statement)
        out = []
        for g in self.groups:
            n = int(((g.vectors @ q) >= limit).sum())
            out.append({"segment_id": g.id, "name": g.name, "count": n,
                        "share": round(n / max(len(g.ids), 1), 4), "texts": len(g.ids)})
        return sorted(out, key=lambda r: (-r["count"], r["segment_id"]))

    def compare_segments(self, a: str, b: str) -> dict[str, Any]:
        infos = {x: self._info(x) for x in (a, b)}
        missing = [x for x, info in infos.items() if not info]
        if missing:
            return {"error": f"unknown segment(s): {', '.join(missing)}"}
        ka, kb = (set(infos[x].get("keywords", [])) for x in (a, b))
        return {"a": a, "b": b, "only_a": sorted(ka - kb), "only_b": sorted(kb - ka),
                "shared": sorted(ka & kb), "sizes": {x: infos[x].get("size") for x in (a, b)}}

    def _info(self, gid: str) -> dict[str, Any]:
        for x in self.segments.get("groups", []) + self.segments.get("segments", []):
            if x["id"] == gid:
                return x
        return {}

    # -- answering -------------------------------------------------------------------------------
    def facts(self, question: str) -> AskResult:
        """The code-made answer: matching groups with counts, and citations."""
        lang = "zh" if detect_language(question) == "zh" else "en"
        statement = as_statement(question)
        counts = [c for c in self.count_matching(statement) if c["count"] >= self.min_support]
        segments = [SegmentCount(c["segment_id"], c["name"], c["count"], c["share"])
                    for c in counts[:5]]
        top = segments[0].id if segments else None
        hits = self.search_texts(statement, top, MAX_CITATIONS)
        citations = [Citation(h["doc_id"], h["segment_id"], quote_from(h["text"], 300))
                     for h in hits]
        if not segments:
            answer = ("证据不足：没有哪个群体有至少 {n} 条文本这样说。最相近的文本如下。" if lang == "zh"
                      else "The evidence is thin: no group has at least {n} texts that say "
                           "this. The closest texts are cited below.").format(n=self.min_support)
            return AskResult(answer, citations, [], counted_as=statement, thin=True)
        lines = []
        for s in segments[:3]:
            size = len(next(g for g in self.groups if g.id == s.id).ids)
            if lang == "zh":
                lines.append(f"{s.name}（{s.id}，{size} 条文本）：{s.count} 条（{s.share:.0%}）这样说")
            else:
                lines.append(f"{s.name} ({s.id}, {size} texts): {s.count} texts ({s.share:.0%}) "
                             "say this")
        answer = ("；".join(lines) + "。") if lang == "zh" else "; ".join(lines) + "."
        return AskResult(answer, citations, segments, counted_as=statement)

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
        except Exception as exc:  # phrasing is optional: the facts stand on their own
            log.warning("could not phrase the answer: %s", exc)
            return result
        phrased = tidy(text)
        names_ok = any(s.name in phrased or s.id in phrased for s in result.segments)
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
        except Exception as exc:  # reported to the page, not raised in a thread
            q.put({"type": "error", "message": str(exc)})
        q.put(None)

    threading.Thread(target=work, daemon=True).start()
    while (item := q.get()) is not None:
        yield item
