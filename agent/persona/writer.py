"""The writer: turns an interview into a Persona with many small, validated calls.

Claims come from the interview's findings, re-counted over all of the group's texts (support
and prevalence are computed here, never taken from the model). Name, tagline and summary are
one small call each; quotes, keywords, sub-segments and differentiators are done in code.
Whatever the model cannot get past validation is filled from the evidence instead, and the
persona says so (``degraded`` + reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agent.llm.structured import StructuredLLM, Usage
from agent.prompts import Prompt
from vectorstore.segment.artifact import Level, SegmentationRun

from .evidence import SupportCounter, is_verbatim, quote_from
from .group import GroupData
from .llm_io import NameOut, SummaryOut, TaglineOut, comments_block, statements_block, tidy
from .schema import CLAIM_FIELDS, Claim, Differentiator, Quote, SubSegment
from .transcript import Transcript
from .validate import Validator

LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
                  "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese",
                  "it": "Italian", "ru": "Russian", "nl": "Dutch"}
MAX_EVIDENCE = 5
MAX_QUOTES = 5


@dataclass
class Written:
    """The model-dependent parts of a persona, plus what had to be filled from evidence."""

    name: str
    tagline: str
    summary: str
    claims: dict[str, list[Claim]]
    quotes: list[Quote]
    claims_dropped: int
    fallbacks: list[str] = field(default_factory=list)


class PersonaWriter:
    def __init__(self, llm: StructuredLLM | None, counter: SupportCounter,
                 prompts: dict[str, Prompt], usage: Usage, fit=None):
        self.llm = llm
        self.counter = counter
        self.prompts = prompts
        self.usage = usage
        self.fit = fit  # (prompt, answer_tokens) -> bool; None: no limit known

    def write(self, group: GroupData, transcript: Transcript, validator: Validator,
              language: str) -> Written:
        claims, dropped, fallbacks = self._claims(group, transcript, validator, language)
        statements = [c.text for f in CLAIM_FIELDS for c in claims[f]][:8]
        central = _central(group, 4)
        lang_name = LANGUAGE_NAMES.get(language, language)
        keywords = list(group.info.keywords)[:8]
        shown = [quote_from(group.texts[i], 300) for i in central]
        name_values = dict(comments=comments_block(shown), keywords=", ".join(keywords),
                           language=lang_name)
        while len(shown) > 1 and not self._fits("writer.name", name_values, 30):
            shown.pop()  # fewer whole texts, never a text cut mid-sentence
            name_values["comments"] = comments_block(shown)
        name = self._ask(NameOut, "writer.name", group, name_values,
                         lambda o: validator.name(tidy(o.name)), 30,
                         choices=_name_options(keywords, group.texts, language))
        if name is None:
            name = _fallback_name(keywords, language)
            fallbacks.append("name")
        sources = statements + [group.texts[i] for i in central]
        tagline = None
        summary = None
        if statements:
            tagline = self._ask(TaglineOut, "writer.tagline", group,
                                dict(statements=statements_block(statements), language=lang_name),
                                lambda o: validator.line(tidy(o.tagline), sources, 120), 50,
                                choices=[x for x in statements if 10 <= len(x) <= 120][:5])
            pairs = [f"{a} {b}" for i, a in enumerate(statements[:4])
                     for b in statements[i + 1:4]]
            summary = self._ask(SummaryOut, "writer.summary", group,
                                dict(statements=statements_block(statements), language=lang_name),
                                lambda o: validator.line(tidy(o.summary), sources, 500), 140,
                                choices=[p for p in pairs if len(p) <= 500][:5])
        if tagline is None:
            tagline = _first_sentence(statements[0]) if statements else _keyword_line(keywords,
                                                                                      language)
            fallbacks.append("tagline")
        if summary is None:
            summary = " ".join(statements[:2]) if statements else _keyword_line(keywords, language)
            fallbacks.append("summary")
        quotes = _quotes(group, claims, central)
        return Written(name.strip(), tagline.strip()[:160], summary.strip()[:800], claims, quotes,
                       dropped, fallbacks)

    # -- claims ---------------------------------------------------------------------------------------
    def _claims(self, group, transcript, validator, language):
        claims: dict[str, list[Claim]] = {f: [] for f in CLAIM_FIELDS}
        dropped = 0
        tried: dict[str, list] = {f: [] for f in CLAIM_FIELDS}
        for finding in transcript.findings:
            tried[finding.field].append(finding)
            if not finding.text:
                dropped += finding.attempted
                continue
            sources = ([finding.source] if finding.source else
                       [group.texts[group.index(i)] for i in finding.source_ids])
            if validator.claim(finding.text, sources, language) is not None:  # autonomous ones
                dropped += 1
                continue
            claim = self._claim(finding.text, group, finding.source_ids)
            if _duplicate(claim, claims[finding.field]):
                continue
            claims[finding.field].append(claim)
        fallbacks = []
        for f in CLAIM_FIELDS:
            if not claims[f] and tried[f]:
                # The model's sentences all failed: state the most common one verbatim.
                best = max(tried[f], key=lambda x: self.counter.count(
                    x.source or group.texts[group.index(x.source_ids[0])], group).count)
                text = best.source or quote_from(group.texts[group.index(best.source_ids[0])], 200)
                lead = "用户说：“{}”" if language == "zh" else 'Users say: "{}"'
                claims[f].append(self._claim(lead.format(text), group, best.source_ids[:1],
                                             anchor=text))
                fallbacks.append(f)
        for f in CLAIM_FIELDS:
            claims[f].sort(key=lambda c: -c.support_count)
        return claims, dropped, fallbacks

    def _claim(self, text: str, group: GroupData, source_ids: list[str],
               anchor: str | None = None) -> Claim:
        support = self.counter.count(anchor or text, group)
        ids = list(support.ids)
        for s in source_ids:  # the text it was written from leads, when it supports it
            if s in ids:
                ids.remove(s)
                ids.insert(0, s)
        evidence = ids[:MAX_EVIDENCE] or source_ids[:1]
        return Claim(text=text, evidence_ids=evidence, support_count=max(support.count, 1),
                     prevalence=round(max(support.count, 1) / max(group.size, 1), 4))

    # -- one small call -------------------------------------------------------------------------------
    def _fits(self, prompt_id: str, values: dict[str, str], answer_tokens: int) -> bool:
        if self.fit is None:
            return True
        text = self.prompts["persona.system"].render() + self.prompts[prompt_id].render(**values)
        return self.fit(text, answer_tokens)

    def _ask(self, schema, prompt_id: str, group: GroupData, values: dict[str, str], check,
             max_tokens: int, choices: list[str] | None = None) -> str | None:
        if self.llm is None:
            return None
        messages = [{"role": "system", "content": self.prompts["persona.system"].render()},
                    {"role": "user", "content": self.prompts[prompt_id].render(**values)}]
        out, _errors = self.llm.ask(messages, schema, max_tokens=max_tokens, usage=self.usage,
                                    check=check, tag=f"{group.id}/{prompt_id}",
                                    choices=choices or None)
        if out is None:
            return None
        return tidy(next(iter(out.model_dump().values())))


# -- code-made parts ---------------------------------------------------------------------------------
def _central(group: GroupData, n: int) -> list[int]:
    if group.size == 0:
        return []
    return list(np.argsort(-(group.vectors @ group.centroid), kind="stable")[:n])


def _quotes(group: GroupData, claims: dict[str, list[Claim]], central: list[int]) -> list[Quote]:
    order: list[str] = []
    for f in CLAIM_FIELDS:
        for c in claims[f]:
            order.append(c.evidence_ids[0])
    order.extend(group.ids[i] for i in central)
    quotes, seen = [], set()
    for doc_id in order:
        if doc_id in seen:
            continue
        seen.add(doc_id)
        text = quote_from(group.texts[group.index(doc_id)], 220)
        if is_verbatim(text, [group.texts[group.index(doc_id)]]):
            quotes.append(Quote(text=text, doc_id=doc_id))
        if len(quotes) == MAX_QUOTES:
            break
    return quotes


def _duplicate(claim: Claim, existing: list[Claim]) -> bool:
    for other in existing:
        a, b = set(claim.evidence_ids), set(other.evidence_ids)
        if a and len(a & b) / min(len(a), len(b)) >= 0.6:
            return True
        if claim.text.lower() == other.text.lower():
            return True
    return False


def _first_sentence(text: str) -> str:
    for end in (". ", "。", "! ", "? "):
        if end in text:
            return text.split(end, 1)[0] + end.strip()
    return text


def _name_options(keywords: list[str], texts: list[str], language: str) -> list[str]:
    """Grounded name candidates (offered when free answers fail): the group's most frequent
    two-word phrases around its keywords ("small shop", "student budget"), then keywords."""
    from collections import Counter

    from vectorstore.segment.keywords import tokens

    def fits(k: str) -> bool:
        han = any("\u3400" <= ch <= "\u9fff" for ch in k)
        return han if language == "zh" else not han

    words = [k for k in keywords if fits(k) and " " not in k][:5]
    if language == "zh":
        return [f"{w}用户" for w in words][:6]
    phrases = Counter(t for text in texts for t in tokens(text) if " " in t)
    options = [p.title() for p, n in phrases.most_common(60)
               if n >= 3 and any(w in p.split() for w in words)][:4]
    options += [w.title() for w in words]
    return list(dict.fromkeys(options))[:6]


def _fallback_name(keywords: list[str], language: str) -> str:
    words = [k for k in keywords if " " not in k][:2] or ["Group"]
    if language == "zh":
        return "、".join(words) + "用户"
    return " & ".join(w.title() for w in words) + " users"


def _keyword_line(keywords: list[str], language: str) -> str:
    if language == "zh":
        return "常提到：" + "、".join(keywords[:5])
    return "Often mention " + ", ".join(keywords[:5])


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
    mine = list(group.info.keywords)
    out = []
    for other_id, other_kw, _sim in peers[:2]:
        distinct = [k for k in mine if k not in other_kw][:4]
        theirs = [k for k in other_kw if k not in mine][:3]
        if not distinct:
            continue
        if language == "zh":
            text = f"与 {other_id}（{'、'.join(theirs)}）相比，更常提到：{'、'.join(distinct)}"
        else:
            text = (f"Compared with {other_id} ({', '.join(theirs)}), talks more about "
                    f"{', '.join(distinct)}")
        out.append(Differentiator(versus=other_id, text=text, distinctive_keywords=distinct))
    return out
