"""The facts of an answer, per kind of question, in the question's language."""

from __future__ import annotations

import re
from typing import Any

from vectorstore.units import whole_sentence

from .counting import GroupAspects, Match
from .engine import AskEngine, AskResult, AspectCount, Citation, UnitCount
from .question import Filters, Query

FACET_WORDS = {"pain_point": ("complain about", "抱怨"), "goal": ("ask for", "希望有"),
               "motivation": ("value", "看重"), "behaviour": ("talk about", "提到")}


def answer_facts(engine: AskEngine, query: Query, filters: Filters) -> AskResult:
    """The code-made answer to ``query`` (no model involved)."""
    lang = query.lang
    precision = engine.index.settings.precision.get(lang)
    base = dict(kind=query.kind, counted_as=query.statement, level=engine.level.value,
                filters=filters.describe(lang), precision=precision, language=lang)
    subjects = resolve(engine, query.subjects)
    if query.kind == "compare" and len(subjects) >= 2:
        return _compare(engine, subjects[0], subjects[1], filters, base)
    if query.kind in ("what", "why") and not _has_topic(query):
        groups = subjects or engine.index.groups
        return _top(engine, groups, query.facet, filters, base, lang, bool(subjects))
    matches = engine.index.match(query.statement, lang, filters, query.facet)
    if subjects:
        wanted = {g.id for g in subjects}
        matches = [m for m in matches if m.group.id in wanted]
    return _counted(engine, matches, base, lang, query.kind)


def _has_topic(query: Query) -> bool:
    """Whether a what/why question names a theme ("... about the fee") beyond who it asks."""
    s = query.statement.strip(" ?？。.")
    return bool(s) and s.lower() != query.question.strip(" ?？。.").lower()


def resolve(engine: AskEngine, words: tuple[str, ...]) -> list[GroupAspects]:
    """The groups a question names ("travellers", "学生"): by their displayed names, the
    role their persona states, and their keywords."""
    out: list[GroupAspects] = []
    for word in words:
        w = word.lower().strip()
        stem = re.sub(r"(?:ies|es|s)$", "", w)
        best, best_score = None, 0.0
        for g in engine.index.groups:
            p = engine.personas.get(g.id)
            info = engine.segments.unit(engine.level, g.id)
            fields = [g.name.lower(), (p.role or "") if p else "", *(info.keywords if info else [])]
            score = 0.0
            for k, f in enumerate(fields):
                f = f.lower()
                if not f:
                    continue
                if w in f or (stem and len(stem) >= 3 and stem in f) or (
                        k >= 1 and len(f) >= 4 and w.startswith(f)):   # "travellers": travel
                    score = max(score, 3.0 if k == 0 else 2.0 if k == 1 else 1.0)
            if score > best_score:
                best, best_score = g, score
        if best is not None and best not in out:
            out.append(best)
    return out


#: member sentences read when citations are chosen for a statement (the first of each
#: matched aspect's members, in their order): embedding them is the only cost
CANDIDATES = 300
CITED = 5


def _citations(engine: AskEngine, matches: list[Match], counted: set[str],
               statement: str | None = None) -> list[Citation]:
    """From the counted texts only: with a ``statement``, the member sentences that say it
    most closely ("Who finds the letters too small?" counts an aspect that is also about
    menus: its letters sentences are cited, not its most typical ones); else the matched
    aspects' most typical sentences first."""
    if statement:
        ranked = _closest(engine, matches, counted, statement)
        if ranked:
            return ranked
    out: list[Citation] = []
    seen: set[str] = set()
    for m in matches:
        for a, _ in m.aspects:
            for e in a.examples:
                if e.doc_id in counted and e.doc_id not in seen and e.doc_id in engine.by_id:
                    r = engine.by_id[e.doc_id]
                    out.append(Citation(e.doc_id, r.group, r.segment,
                                        whole_sentence(r.text, e.text)))
                    seen.add(e.doc_id)
                if len(out) == 5:
                    return out
    return out


def _closest(engine: AskEngine, matches: list[Match], counted: set[str], statement: str
             ) -> list[Citation]:
    import numpy as np

    said: dict[str, str] = {}   # record → its first member sentence of a matched aspect
    for m in matches:
        position = {a.id: k for k, a in enumerate(m.group.found.aspects.aspects)}
        sentences = m.group.found.sentences or []
        for a, _ in m.aspects:
            k = position.get(a.id)
            for u in (sentences[k] if k is not None and k < len(sentences) else []):
                if u.record_id in counted and u.record_id in engine.by_id:
                    said.setdefault(u.record_id, u.text)
                if len(said) >= CANDIDATES:
                    break
    if not said:
        return []
    ids = sorted(said)
    vectors = np.asarray(engine.embedder.embed([statement] + [said[i] for i in ids]),
                         dtype=np.float32)
    scores = vectors[1:] @ vectors[0]
    ranked = [engine.by_id[ids[j]] for j in
              sorted(range(len(ids)), key=lambda j: (-float(scores[j]), ids[j]))]
    # the same sentence from several texts is shown once while others remain
    first, again, shown = [], [], set()
    for r in ranked:
        sentence = whole_sentence(r.text, said[r.id])
        key = " ".join(sentence.lower().split())
        (again if key in shown else first).append(Citation(r.id, r.group, r.segment, sentence))
        shown.add(key)
    return (first + again)[:CITED]


def _counted(engine: AskEngine, matches: list[Match], base: dict[str, Any], lang: str,
             kind: str) -> AskResult:
    n = engine.min_support
    shown = [m for m in matches if m.count >= n]
    counts = [UnitCount(m.group.id, engine.level.value, m.group.name,
                        m.count if m.count >= n else None, m.users if m.count >= n else None,
                        m.share if m.count >= n else None, m.group.size) for m in matches]
    counted = sorted({rid for m in shown for rid in m.members})
    total = len(counted)
    users = len({engine.by_id[r].meta.get("user") for r in counted
                 if r in engine.by_id and engine.by_id[r].meta.get("user")})
    if not shown:
        return AskResult(_thin(engine, matches, lang, base["counted_as"]), counts=counts,
                         thin=True, **base)
    lines = [_group_line(m, lang) for m in shown[:4]]
    others = [m for m in matches if m.count < n]
    head = (f"{total} 条文本（{users} 位用户）这样说" if lang == "zh" else
            f"{total} texts ({users} users) say this" if users else f"{total} texts say this")
    if lang == "zh":
        text = head + "：" + "；".join(lines) + "。"
        if others:
            text += f"另有 {len(others)} 个群体不足 {n} 条。"
    else:
        text = head + ": " + "; ".join(lines) + "."
        if others:
            text += f" {len(others)} more group(s) have fewer than {n}."
    if base["filters"]:
        text += (f"（筛选：{base['filters']}）" if lang == "zh" else f" (filters: {base['filters']})")
    return AskResult(text, counts=counts, total_texts=total, total_users=users,
                     counted_ids=counted,
                     citations=_citations(engine, shown, set(counted), base["counted_as"]),
                     **base)


def _group_line(m: Match, lang: str) -> str:
    if lang == "zh":
        return f"{m.group.name}（{m.group.id}）{m.count} 条，占该群 {m.share:.0%}"
    return f"{m.group.name} ({m.group.id}): {m.count} of {m.group.size} texts ({m.share:.0%})"


def _thin(engine: AskEngine, matches: list[Match], lang: str, statement: str) -> str:
    n = engine.min_support
    near = ", ".join(f"{m.group.name} ({m.group.id})" for m in matches[:2])
    if lang == "zh":
        text = f"证据不足：没有哪个群体有至少 {n} 条文本说“{statement}”。"
        if near:
            text += f"最接近的是 {near}，但不足 {n} 条。"
        return text + "可以换个说法，或导入更多文本后再问。"
    text = f"The evidence is thin: no group has at least {n} texts that say \"{statement}\"."
    if near:
        text += f" Closest: {near}, with fewer than {n}."
    return text + " Try other words, or add more texts and ask again."


#: what a ranking of themes counted: no one statement but each theme's own members
_PER_THEME = ("each theme's member texts (the texts that say it)", "每个主题的成员文本（说这件事的文本）")


def _top(engine: AskEngine, groups: list[GroupAspects], facet: str | None, filters: Filters,
         base: dict[str, Any], lang: str, named: bool) -> AskResult:
    top = engine.index.top_aspects(groups, facet, filters, n=6 if named else 8)
    n = engine.min_support
    top = [m for m in top if m.count >= n]
    if not top:
        return AskResult(_thin(engine, [], lang, base["counted_as"]), thin=True, **base)
    aspects = [_aspect_count(m, lang) for m in top]
    counted = sorted({rid for m in top for rid in m.members})
    base = {**base, "counted_as": _PER_THEME[lang == "zh"]}
    if lang == "zh":
        parts = [f"{a.label}（{a.group_name}，{a.count} 条，{a.share:.0%}）" for a in aspects]
        text = ("最常提到的" + ("原因" if facet == "motivation" else "问题" if facet == "pain_point"
                           else "需求" if facet == "goal" else "方面") + "：" + "；".join(parts) + "。")
    else:
        what = {"motivation": "reasons", "pain_point": "complaints", "goal": "requests"}.get(
            facet or "", "themes")
        parts = [f"{a.label} ({a.group_name}: {a.count} texts, {a.share:.0%})" for a in aspects]
        text = f"The most common {what}: " + "; ".join(parts) + "."
    return AskResult(text, aspects=aspects, counted_ids=counted,
                     citations=_citations(engine, top, set(counted)), **base)


def _aspect_count(m: Match, lang: str) -> AspectCount:
    a = m.aspects[0][0]
    # the theme as the persona's claim names it: its key phrase, or the phrases that
    # together say what most of its members do
    phrases = a.phrases.get(lang)
    label = (("或" if lang == "zh" else " or ").join(phrases) if phrases
             else a.labels.get(lang) or a.label)
    example = next(iter(a.examples_in(lang) or a.examples), None)
    return AspectCount(m.group.id, m.group.name, a.id, a.facet, label, m.count, m.share,
                       example.text if example else "", list(m.members))


def compare_facts(engine: AskEngine, a: GroupAspects, b: GroupAspects, filters: Filters
                  ) -> dict[str, Any]:
    """What two groups share and what only one of them says (their top aspects, matched by
    theme across the two)."""
    same = engine.index.settings.same
    top_a = engine.index.top_aspects([a], None, filters, n=5)
    top_b = engine.index.top_aspects([b], None, filters, n=5)

    def shared(m: Match, other: GroupAspects) -> bool:
        k = m.group.found.aspects.aspects.index(m.aspects[0][0])
        topic = m.group.found.topics[k]
        return bool(len(other.found.topics)) and float((other.found.topics @ topic).max()) >= same

    return {"a": a.id, "b": b.id,
            "only_a": [m for m in top_a if not shared(m, b)],
            "only_b": [m for m in top_b if not shared(m, a)],
            "shared": [m for m in top_a if shared(m, b)]}


def _compare(engine: AskEngine, a: GroupAspects, b: GroupAspects, filters: Filters,
             base: dict[str, Any]) -> AskResult:
    lang = base["language"]
    facts = compare_facts(engine, a, b, filters)
    n = engine.min_support

    def fmt(ms: list[Match]) -> str:
        items = [_aspect_count(m, lang) for m in ms if m.count >= n][:3]
        if lang == "zh":
            return "、".join(f"{x.label}（{x.share:.0%}）" for x in items) or "无"
        return ", ".join(f"{x.label} ({x.share:.0%})" for x in items) or "nothing"
    if lang == "zh":
        text = (f"{a.name}（{a.id}）比 {b.name}（{b.id}）更常说：{fmt(facts['only_a'])}；"
                f"{b.name} 更常说：{fmt(facts['only_b'])}；两者都提到：{fmt(facts['shared'])}。")
    else:
        text = (f"{a.name} ({a.id}) more often: {fmt(facts['only_a'])}. {b.name} ({b.id}) more "
                f"often: {fmt(facts['only_b'])}. Both: {fmt(facts['shared'])}.")
    ms = [m for key in ("only_a", "only_b", "shared") for m in facts[key] if m.count >= n]
    counted = sorted({rid for m in ms for rid in m.members})
    base = {**base, "counted_as": _PER_THEME[lang == "zh"]}
    return AskResult(text, aspects=[_aspect_count(m, lang) for m in ms], counted_ids=counted,
                     citations=_citations(engine, ms, set(counted)), **base)
