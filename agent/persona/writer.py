"""The writer: a group's aspects → the parts of a persona, within a budget of model calls.

Code chooses what the persona says — the aspects with the most member texts per facet, the
stated role, the shares — and the model only writes: one sentence per aspect, the name and
the tagline (at most ``MAX_CALLS`` calls, retries included). Every sentence is checked
against the aspect it stands for (``claims.check``); what does not pass is built in code
from the aspect's key phrase and share, and the persona records how many claims the model
wrote. The summary, quotes, sub-segments and differentiators are code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.aspects.discover import Discovered
from agent.aspects.model import CLAIM_FACETS, Aspect
from agent.aspects.phrases import only_a_person
from agent.prompts import Prompt
from vectorstore.segment.artifact import Level, SegmentationRun

from .claims import LANGUAGE_NAMES, ClaimContext, ClaimWriter, evidence_with, placer, share_words
from .evidence import content_terms, quote_from
from .group import GroupData
from .label_translation import translate_labels
from .names import check_name, fallback_name, plural, write_name
from .role_rates import RoleRates
from .roles import Role, says_who, stated_roles
from .schema import Claim, Differentiator, Quote, SubSegment
from .summary import summary, write_tagline

MAX_CALLS = 15        # model calls per persona, retries included (benchmarks/personas.py)
MAX_CLAIMS = 8        # claims across the four facets
PER_FACET = 3
FACET_FIELDS = {"goal": "goals", "pain_point": "pain_points", "behaviour": "behaviours",
                "motivation": "motivations"}
MAX_QUOTES = 5
_HAN = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Written:
    """The parts of a persona the writer decides, and what had to be built in code."""

    name: str
    tagline: str
    summary: str
    claims: dict[str, list[Claim]]
    who: list[Claim]
    role: str | None
    quotes: list[Quote]
    model_claims: int = 0
    claims_total: int = 0
    fallbacks: list[str] = field(default_factory=list)


#: what the writer builds in code (roles, shares, quotes, fallback claims): part of a
#: persona's inputs, so a persona written by older rules is written again, not kept
WRITER_VERSION = "2026-12-03.5"


class PersonaWriter:
    def __init__(self, llm, prompts: dict[str, Prompt], usage, embedder, finder,
                 min_support: int = 3, max_calls: int = MAX_CALLS):
        self.llm = llm
        self.prompts = prompts
        self.usage = usage
        self.embedder = embedder
        self.finder = finder          # agent.aspects.finder.AspectFinder
        self.min_support = min_support
        self.max_calls = max_calls
        self._start = usage.llm_calls + usage.cache_hits

    def remaining(self) -> int:
        used = self.usage.llm_calls + self.usage.cache_hits - self._start
        return max(self.max_calls - used, 0)

    def write(self, group: GroupData, found: Discovered, language: str,
              proposals: dict[str, str] | None = None, rates: RoleRates | None = None
              ) -> Written:
        """``proposals``: aspect id → a sentence an autonomous interview proposed for it;
        ``rates``: the roles the rest of the corpus states (a role names the group only
        where it states it more often)."""
        aspects = found.aspects.aspects
        roles = stated_roles(group.texts, [m.get("lang") or "und" for m in group.metas],
                             language, embed=self.embedder.embed,
                             elsewhere=rates.elsewhere(set(group.ids)) if rates else None)
        chosen = choose(aspects, self.min_support, [r.phrase for r in roles])
        # an aspect said only in another language is named in the persona's, in the words
        # of the group's own texts when they have them ("孩子零花钱" → "pocket money")
        named = translate_labels(chosen, group.texts, [m.get("lang") or "und"
                                                        for m in group.metas], language,
                                 self.embedder.embed)
        chosen = [a.model_copy(update={"labels": {**a.labels, language: named[a.id]}})
                  if a.id in named else a for a in chosen]
        ctx = ClaimContext(aspects, {a.id: [u.text for u in units] for a, units in
                                     zip(aspects, found.sentences, strict=True)},
                           {a.id: [u.lang for u in units] for a, units in
                            zip(aspects, found.sentences, strict=True)},
                           placer(found, self.embedder.embed, self.finder.facets,
                                  self.finder.membership), self.embedder.embed)
        writer = ClaimWriter(self.llm, self.prompts, self.usage, self.remaining, ctx, language)
        claims: dict[str, list[Claim]] = {f: [] for f in FACET_FIELDS.values()}
        index = {a.id: k for k, a in enumerate(aspects)}
        for a in chosen:   # two calls are kept for the name and the tagline
            claim = writer.claim(a, index[a.id], group.size, (proposals or {}).get(a.id),
                                 reserve=2)
            claims[FACET_FIELDS[a.facet]].append(claim)
        stated = roles[0] if roles else None
        role = stated.phrase if stated else None
        who = self._who(group, roles, aspects, language)
        lang_name = LANGUAGE_NAMES.get(language, language)
        texts = list(group.texts)
        grounded = set().union(*(content_terms(t) for t in texts)) if texts else set()
        grounded |= {w.lower() for a in aspects for w in " ".join(a.labels.values()).split()}
        if role:
            grounded |= {w.lower() for w in role.split()} | {plural(role).lower()}
        top = _distinctive(chosen, group, role)
        points = [c.text for c in sorted((c for cs in claims.values() for c in cs),
                                         key=lambda c: -c.prevalence)]
        fallbacks: list[str] = []
        name = write_name(self.llm, self.prompts, self.usage, self.remaining() - 1, role,
                          points, language, texts, grounded, lang_name, group.id)
        if name is None:
            # the role with the top aspect, the role alone, the top aspect alone: the first
            # that passes the same checks as the model's name
            tries = ([(fallback_name(role, top, language), role),
                      (fallback_name(role, None, language), role)] if role else [])
            tries.append((fallback_name(None, top, language), None))
            name = next((n for n, r in tries
                         if check_name(n, r, texts, language, grounded) is None),
                        fallback_name(None, None, language))
            fallbacks.append("name")
        tagline = write_tagline(self.llm, self.prompts, self.usage, self.remaining(), points,
                                lang_name, group.id)
        if tagline is None:
            tagline = points[0] if points else (name if name else "—")
            fallbacks.append("tagline")
        role_share = stated.share if stated else 0.0
        text = summary(group.size, group.users(), role, role_share, chosen, language,
                       implied=bool(stated and stated.implied))
        for c in [*who, *(c for cs in claims.values() for c in cs)]:
            c.quote = _in_context(c.quote, group)
            c.other_quotes = [_in_context(q, group) for q in c.other_quotes]
        _one_claim_per_quote([*who, *(c for cs in claims.values() for c in cs)])
        all_claims = [c for cs in claims.values() for c in cs]
        model = sum(c.written_by == "model" for c in all_claims)
        quotes = _quotes(all_claims, group)
        return Written(name=name[:60], tagline=tagline[:160], summary=text[:800], claims=claims,
                       who=who, role=role, quotes=quotes, model_claims=model,
                       claims_total=len(all_claims) + len(who), fallbacks=fallbacks)

    def _who(self, group: GroupData, roles: list[Role], aspects: list[Aspect], language: str
             ) -> list[Claim]:
        """The who-claims: one per role the group's texts state (at most two), counted over
        all its texts, quoting a self-description; each stands for the who-aspect holding
        most of its texts (None when no who-aspect holds any)."""
        claims: list[Claim] = []
        who_aspects = [a for a in aspects if a.facet == "who"]
        for r in roles:
            ids = [group.ids[k] for k in r.texts]
            held = {a.id: len(set(ids) & set(a.members)) for a in who_aspects}
            aspect_id = max(held, key=lambda k: (held[k], k)) if held and max(held.values()) \
                else None
            words = share_words(r.share, language)
            said = says_who(r.phrase, language, implied=r.implied > 0)
            text = (f"{words}{said}。" if language == "zh" else
                    f"{words[:1].upper()}{words[1:]} of them {said}.")
            k, sentence = r.example
            quote = Quote(text=sentence, doc_id=group.ids[k],
                          lang=group.metas[k].get("lang") or language)
            users = {group.metas[i].get("user") for i in r.texts} - {None, ""}
            also = [Quote(text=r.also_as[1], doc_id=group.ids[r.also_as[0]],
                          lang=group.metas[r.also_as[0]].get("lang"))] if r.also_as else []
            claims.append(Claim(text=text, aspect_id=aspect_id, role=r.phrase,
                                evidence_ids=evidence_with(ids, quote), support_count=len(ids),
                                prevalence=r.share, users=len(users), quote=quote,
                                other_quotes=also, language=language, written_by="code"))
        return claims


def _one_claim_per_quote(claims: list[Claim]) -> None:
    """An other-language quote already shown under another claim is not shown again: the
    sentence nearest to one claim's quote may be a member of a second, looser aspect too, and
    the same Chinese sentence under "pocket money" and "childcare reminders" reads as if it
    said both. The claim with the larger share keeps it."""
    shown = {c.quote.text for c in claims if c.quote}
    for c in sorted(claims, key=lambda c: -c.prevalence):
        kept = []
        for q in c.other_quotes:
            if q.text not in shown:
                kept.append(q)
                shown.add(q.text)
        c.other_quotes = kept


def choose(aspects: list[Aspect], min_support: int, roles: list[str] | None = None
           ) -> list[Aspect]:
    """The aspects that become claims: per facet the largest (``PER_FACET``), at most
    ``MAX_CLAIMS`` in all, biggest first; an aspect whose key phrase repeats one already
    chosen in its facet is left out (no two claims about the same thing), and so is one whose
    key phrase is only a stated role ("uni student": who they are is the who-claim's) or
    only a person of the writers' lives ("孙子" of "孙子帮我装的": a claim would say they
    value their grandson)."""
    said = [content_terms(r) for r in roles or []]
    picked: list[Aspect] = []
    per: dict[str, list[Aspect]] = {f: [] for f in CLAIM_FACETS}
    for a in sorted(aspects, key=lambda a: (-a.support, a.id)):
        if a.facet not in per or a.support < min_support:
            continue
        terms = content_terms(a.label)
        if terms and any(terms <= r for r in said):
            continue
        if only_a_person(a.label, a.main_language):   # "they value their grandson"
            continue
        if len(per[a.facet]) >= PER_FACET or any(a.label == b.label for b in per[a.facet]):
            continue
        per[a.facet].append(a)
        picked.append(a)
        if len(picked) == MAX_CLAIMS:
            break
    return picked


def _distinctive(chosen: list[Aspect], group: GroupData, role: str | None = None
                 ) -> Aspect | None:
    """The chosen aspect most particular to this group: its key phrase among the group's
    distinctive keywords (class-based TF-IDF against the other groups), else the largest;
    an aspect whose key phrase only repeats the role ("students" for students) is passed
    over, so a name never reads "Students who want students"."""
    said = content_terms(role) if role else set()
    fresh = [a for a in chosen
             if not said or not all(content_terms(v) <= said for v in a.labels.values())]
    keywords = {k.lower() for k in group.info.keywords}
    for a in fresh:
        if any(label.lower() in keywords for label in a.labels.values()):
            return a
    return fresh[0] if fresh else None


def _in_context(quote: Quote | None, group: GroupData) -> Quote | None:
    """``quote`` (a member sentence unit) as the whole sentence of its text that holds it."""
    from vectorstore.units import whole_sentence

    if quote is None or quote.doc_id not in group.ids:
        return quote
    whole = whole_sentence(group.texts[group.index(quote.doc_id)], quote.text)
    return quote if whole == quote.text else quote.model_copy(update={"text": whole})


def _quotes(claims: list[Claim], group: GroupData) -> list[Quote]:
    """The claims' quotes, largest claim first, with one in each language the claims' members
    write in (a mixed-language group is quoted in both)."""
    ranked = sorted(claims, key=lambda c: -c.prevalence)
    out: list[Quote] = []
    for c in ranked:
        if c.quote and c.quote.doc_id not in {q.doc_id for q in out}:
            out.append(c.quote)
    missing = [q for c in ranked for q in c.other_quotes]
    for q in missing:
        if q.lang not in {o.lang for o in out} and q.doc_id not in {o.doc_id for o in out}:
            out.insert(min(len(out), MAX_QUOTES - 1), q)
    head = out[:MAX_QUOTES]
    langs = {q.lang for q in out}
    for lang in sorted(langs - {q.lang for q in head}):   # keep every language in view
        q = next(q for q in out if q.lang == lang)
        head[-1] = q
    return head


def sub_segments(group: GroupData, segments: SegmentationRun) -> list[SubSegment]:
    """The fine segments inside a group, with size, keywords and one verbatim quote.

    The quote is the segment's most central text among the group's usable ones: texts that
    read as instructions to a model, and held-out texts, were left out of the group and are
    never quoted.
    """
    if group.level is not Level.GROUP:
        return []
    by_id = {s.id: s for s in segments.segments}
    usable = set(group.ids)
    out = []
    for sid in getattr(group.info, "segments", []):
        s = by_id.get(sid)
        if not s:
            continue
        quote = None
        for doc_id in s.central_ids:
            text = group.texts[group.index(doc_id)] if doc_id in usable else ""
            if text:
                quote = Quote(text=quote_from(text, 200), doc_id=doc_id)
                break
        out.append(SubSegment(id=sid, size=s.size, share=s.share,
                              keywords=list(s.keywords)[:6], quote=quote))
    out.sort(key=lambda x: -x.size)
    return out


def differentiators(group: GroupData, peers: list[tuple[str, list[str], float]],
                    language: str) -> list[Differentiator]:
    """What sets the group apart from its nearest groups, from distinctive keywords."""
    def in_language(words: list[str]) -> list[str]:
        """The keywords in the persona's script (all of them when none is)."""
        kept = [w for w in words if bool(_HAN.search(w)) == (language == "zh")]
        return kept or words

    mine = list(group.info.keywords)
    out = []
    for other_id, other_kw, _sim in peers[:2]:
        distinct = in_language([k for k in mine if k not in other_kw])[:4]
        theirs = in_language([k for k in other_kw if k not in mine])[:3]
        if not distinct:
            continue
        if language == "zh":
            text = f"与 {other_id}（{'、'.join(theirs)}）相比，更常提到：{'、'.join(distinct)}"
        else:
            text = (f"Compared with {other_id} ({', '.join(theirs)}), talks more about "
                    f"{', '.join(distinct)}")
        out.append(Differentiator(versus=other_id, text=text, distinctive_keywords=distinct))
    return out
