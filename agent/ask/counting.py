"""Counting "this text says X" with the aspects' own membership decision.

A question's statement is matched to the aspects of every group (``AspectIndex.match``: the
nearest aspect, and the aspects of the same theme in every group). The texts counted are those
aspects' members — the very members a persona's prevalence counts — so an answer and a
persona can never disagree about how many users say something. Filters on metadata cut the
members, not the matching. The settings are calibrated on the project's labelled
(question, text) pairs (``benchmarks/ask_counts.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from agent.aspects.discover import Discovered
from agent.aspects.membership import CALIBRATION, FALLBACK_EMBEDDER
from agent.aspects.model import Aspect
from agent.persona.evidence import content_terms

from .mentions import mention_terms, mentions
from .question import Filters


@dataclass(frozen=True)
class MatchSettings:
    match: float = 0.3      # the nearest aspect must be at least this similar to the question
    same: float = 0.7       # aspects whose topics are this similar are one theme (compare)
    strong: float = 0.45    # … and, below this similarity, share words with its members
    cover: float = 0.2      # (that share of the statement's words)
    spread: float = 0.45    # counted with the nearest aspect: the aspects this similar to it,
                            # both topics taken relative to the mean topic of all groups
    precision: dict[str, float] = field(default_factory=dict)   # measured, per language
    false_answers: dict[str, float] = field(default_factory=dict)
    languages: dict[str, dict[str, float]] = field(default_factory=dict)  # per-language values

    def for_language(self, lang: str) -> MatchSettings:
        """These settings with ``lang``'s own values (questions in Chinese and English sit at
        different distances from the texts that answer them)."""
        own = self.languages.get(lang) or self.languages.get("other") or {}
        return replace(self, **{k: v for k, v in own.items() if k in _PER_LANGUAGE})


_PER_LANGUAGE = ("match", "strong", "cover", "spread")
#: how much more similar an aspect of another facet than the asked one must be to be the
#: anchor (chosen on the train split: count error en 0.350 → 0.332, zh 0.372 → 0.370)
OTHER_FACET = 0.05
_ZH_STOP = set("的了是我你他她它们在有和也就都很还吗呢吧啊这那个不")


def lexical_terms(text: str, lang: str) -> set[str]:
    """Words to compare a statement with texts: stemmed content words, and for Chinese the
    two-character sequences of its Han text (single characters match almost anything)."""
    han = "".join(ch if "\u3400" <= ch <= "\u9fff" and ch not in _ZH_STOP else " "
                  for ch in text)
    out = {run[i:i + 2] for run in han.split() for i in range(len(run) - 1)}
    return out | {w for w in content_terms(text) if not ("\u3400" <= w[:1] <= "\u9fff")}


def coverage(statement: str, lang: str, texts: list[str]) -> float:
    """Share of the statement's words found in ``texts`` (1.0 if it has none)."""
    words = lexical_terms(statement, lang)
    if not words:
        return 1.0
    pool = set().union(*(lexical_terms(t, lang) for t in texts)) if texts else set()
    return len(words & pool) / len(words)


@lru_cache(maxsize=8)
def match_settings(embedder: str) -> MatchSettings:
    try:
        table = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    except FileNotFoundError:
        table = {}
    entry = (table.get(embedder) or table.get(FALLBACK_EMBEDDER) or {}).get("ask", {})
    defaults = MatchSettings()
    return MatchSettings(entry.get("match", defaults.match), entry.get("same", defaults.same),
                         entry.get("strong", defaults.strong), entry.get("cover", defaults.cover),
                         entry.get("spread", defaults.spread), entry.get("precision", {}),
                         entry.get("false_answers", {}), entry.get("languages", {}))


@dataclass
class GroupAspects:
    """One group (or segment) as answers see it: its aspects, and its texts' metadata."""

    id: str
    name: str
    size: int
    found: Discovered
    metas: dict[str, dict[str, Any]]        # record id → metadata
    texts: dict[str, str] = field(default_factory=dict)   # record id → text (for mentions)


@dataclass
class Match:
    group: GroupAspects
    aspects: list[tuple[Aspect, float]]      # matched aspects with their similarity
    members: list[str]                       # counted texts (after filters), most typical first
    users: int

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def share(self) -> float:
        return round(self.count / max(self.group.size, 1), 4)


def keep(meta: dict[str, Any], filters: Filters, date_key: str | None,
         rating_key: str | None) -> bool:
    """Whether a record passes the metadata filters (records without the field fail them)."""
    if not filters:
        return True
    if filters.rating_min is not None or filters.rating_max is not None:
        value = meta.get(rating_key) if rating_key else None
        try:
            r = float(value)
        except (TypeError, ValueError):
            return False
        if filters.rating_min is not None and r < filters.rating_min:
            return False
        if filters.rating_max is not None and r > filters.rating_max:
            return False
    if filters.since or filters.until:
        day = str(meta.get(date_key) or "")[:10] if date_key else ""
        if not day or (filters.since and day < filters.since) or \
                (filters.until and day >= filters.until):
            return False
    return not (filters.source and meta.get("source") != filters.source)


class AspectIndex:
    """Every group's aspects, for matching statements and ranking aspects."""

    def __init__(self, groups: list[GroupAspects], embed, membership, facets,
                 settings: MatchSettings, date_key: str | None = None,
                 rating_key: str | None = None):
        self.groups = groups
        self.embed = embed
        self.membership = membership
        self.facets = facets
        self.settings = settings
        self.date_key = date_key
        self.rating_key = rating_key
        self._centred: dict[str, np.ndarray] | None = None

    def _members(self, g: GroupAspects, aspects: list[Aspect], filters: Filters) -> list[str]:
        seen: dict[str, None] = {}
        for a in aspects:
            for rid in a.members:
                if rid not in seen and keep(g.metas.get(rid, {}), filters, self.date_key,
                                            self.rating_key):
                    seen[rid] = None
        return list(seen)

    def _users(self, g: GroupAspects, members: list[str]) -> int:
        return len({g.metas.get(r, {}).get("user") for r in members
                    if g.metas.get(r, {}).get("user")})

    def centred_topics(self, g: GroupAspects) -> np.ndarray:
        """``g``'s aspect topics relative to the mean topic of every group's aspects in the
        languages of its sentences, unit length: what sets one theme apart from the others,
        which the raw topics — all close to what the texts share — blur. The mean is taken per
        language (each aspect's topic less the mean topic of each language its sentences are
        in, weighted by that language's share of them): the multilingual encoder places every
        Chinese sentence a little apart from every English one, so with one mean for all, an
        English and a Chinese aspect of one theme stayed further apart than two English ones
        of different themes (train split, with the same ``spread``: count error en 0.332 →
        0.304, zh 0.369 → 0.341, precision 0.810 → 0.818 and 0.812 → 0.820)."""
        if self._centred is None:
            aspects = [(h.found.topics[k], len(a.members), h.found.sentences[k])
                       for h in self.groups for k, a in enumerate(h.found.aspects.aspects)
                       if a.facet != "who"]
            # a language of a tenth of the sentences or more has its own mean; the rest (and
            # misdetected short sentences: "nl" for "Top app.") share the overall one
            counts: dict[str, int] = {}
            for _, _, units in aspects:
                for u in units:
                    counts[u.lang] = counts.get(u.lang, 0) + 1
            major = {lang for lang, n in counts.items() if n >= 0.1 * sum(counts.values())}
            weights = np.asarray([n for _, n, _ in aspects] or [1.0], dtype=np.float32)
            topics = np.vstack([t for t, _, _ in aspects]) if aspects else np.zeros((1, 1))
            overall = (topics * weights[:, None]).sum(0) / max(float(weights.sum()), 1.0)

            def shares(units) -> dict[str, float]:
                out: dict[str, float] = {}
                for u in units:
                    key = u.lang if u.lang in major else ""
                    out[key] = out.get(key, 0.0) + 1.0 / len(units)
                return out or {"": 1.0}
            means = {"": overall}
            for lang in sorted(major):
                w = np.asarray([n * shares(units).get(lang, 0.0) for _, n, units in aspects])
                means[lang] = (topics * w[:, None]).sum(0) / max(float(w.sum()), 1e-9)
            self._centred = {}
            for h in self.groups:
                if not h.found.aspects.aspects:
                    continue
                c = np.vstack([h.found.topics[k] - sum(share * means[lang] for lang, share in
                                                       shares(units).items())
                               for k, units in enumerate(h.found.sentences)])
                self._centred[h.id] = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True),
                                                     1e-12)
        return self._centred[g.id]

    def match(self, statement: str, lang: str, filters: Filters | None = None,
              facet: str | None = None) -> list[Match]:
        """Per group, the aspects that say ``statement`` and their (filtered) members.

        The aspect nearest to the statement in any group is the anchor (when it is at
        least ``match`` similar). An anchor below ``strong`` similarity counts only if the
        statement's words occur in its member sentences (``cover``): a question nobody
        discusses gets no answer. Counted with the anchor are the aspects, in every group,
        of the same theme: their topics at least ``spread`` similar to the anchor's once both
        are taken relative to the mean topic (discovery splits one theme into several
        aspects, one per way of saying it, whose raw topics are barely closer to each other
        than to other themes; relative to the mean they are: on the train split this counts
        a quarter more of the right texts, at a higher precision). The settings are per language
        (``MatchSettings.for_language``). A question sits far from the sentences that answer
        it, but the aspect it is nearest to is the right one four times in five (measured on
        the train split)."""
        filters = filters or Filters()
        found = self._by_aspects(statement, lang, filters, facet)
        return self._with_mentions(found, statement, lang, filters)

    def _with_mentions(self, found: list[Match], statement: str, lang: str,
                       filters: Filters) -> list[Match]:
        """``found`` with, per group, the texts that say a short statement word for word
        (``mentions.py``) added to what its aspects count."""
        terms = mention_terms(statement, lang)
        if not terms:
            return found
        by_group = {m.group.id: m for m in found}
        out = []
        for g in self.groups:
            m = by_group.get(g.id)
            have = set(m.members) if m else set()
            extra = [rid for rid, text in sorted(g.texts.items()) if rid not in have
                     and mentions(text, terms, lang)
                     and keep(g.metas.get(rid, {}), filters, self.date_key, self.rating_key)]
            if not extra:
                if m:
                    out.append(m)
                continue
            members = (m.members if m else []) + extra
            out.append(Match(g, m.aspects if m else [], members, self._users(g, members)))
        return sorted(out, key=lambda m: (-m.count, m.group.id))

    def _by_aspects(self, statement: str, lang: str, filters: Filters,
                    facet: str | None) -> list[Match]:
        settings = self.settings.for_language(lang)
        vec = self.embed([statement])
        candidates: list[tuple[float, GroupAspects, int]] = []
        for g in self.groups:
            aspects = g.found.aspects.aspects
            if not aspects:
                continue
            sims = g.found.topic_similarities(vec)[0]
            for k, (a, s) in enumerate(zip(aspects, sims, strict=True)):
                if a.facet != "who":
                    candidates.append((float(s), g, k))
        if not candidates:
            return []

        def facet_of(c) -> str:
            return c[1].found.aspects.aspects[c[2]].facet

        # the asked facet is preferred, not required: an aspect of another facet is the anchor
        # only when it is ``OTHER_FACET`` more similar ("How many users want to talk with
        # locals on their trips?" asks for a goal; the travellers say it as a motivation)
        best, anchor_group, anchor_k = max(candidates, key=lambda c: (
            c[0] - (OTHER_FACET if facet and facet_of(c) != facet else 0.0), c[1].id, -c[2]))
        if facet:   # counted with it: aspects of the asked facet or of the anchor's
            kept = (facet, anchor_group.found.aspects.aspects[anchor_k].facet)
            candidates = [c for c in candidates if facet_of(c) in kept]
        if best < settings.match:
            return []
        if best < settings.strong:   # a weak match must share words with what it counts
            said = [u.text for u in anchor_group.found.sentences[anchor_k]]
            if coverage(statement, lang, said) < settings.cover:
                return []
        anchor = self.centred_topics(anchor_group)[anchor_k]
        picked: dict[str, list[tuple[Aspect, float]]] = {}
        for s, g, k in candidates:
            if (g is anchor_group and k == anchor_k) or \
                    float(self.centred_topics(g)[k] @ anchor) >= settings.spread:
                picked.setdefault(g.id, []).append((g.found.aspects.aspects[k], s))
        out = []
        by_id = {g.id: g for g in self.groups}
        for gid, aspects in picked.items():
            g = by_id[gid]
            members = self._members(g, [a for a, _ in aspects], filters)
            if members:
                out.append(Match(g, aspects, members, self._users(g, members)))
        return sorted(out, key=lambda m: (-m.count, m.group.id))

    def top_aspects(self, groups: list[GroupAspects], facet: str | None, filters: Filters,
                    n: int = 5) -> list[Match]:
        """The largest aspects (of ``facet``) of ``groups``, counted after filters."""
        out = []
        for g in groups:
            for a in g.found.aspects.aspects:
                if a.facet == "who" or (facet and a.facet != facet):
                    continue
                members = self._members(g, [a], filters)
                if members:
                    out.append(Match(g, [(a, 1.0)], members, self._users(g, members)))
        return sorted(out, key=lambda m: (-m.count, m.group.id, m.aspects[0][0].id))[:n]

    def place(self, g: GroupAspects, text: str, lang: str) -> int:
        """The index of ``g``'s aspect that ``text`` belongs to (-1: none)."""
        return int(g.found.place(self.embed([text]), [text], [lang], self.membership,
                                 self.facets)[0])
