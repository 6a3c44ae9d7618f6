"""One claim per aspect: the model writes a sentence that generalises the members, code checks
it against them, and a sentence built from the aspect's key phrase and share stands in when
the model's does not pass.

Checks (each returns the reason, written so the model can fix it on a retry):
no markup, brackets, placeholders, links or contact details; not a question; no number the
members do not contain; no capitalised name the members do not contain; third person;
not a copy of one member (word overlap, Jaccard, ≥ ``COPY`` with one sentence: a third-person
rewrite of a comment is a copy, a sentence that generalises with the members' words is not —
when every member says the same thing, a faithful claim shares most of its words with each
of them); words from the
same-language members (``MIN_WORDS``); and close to the aspect: in the comparison space of
``agent.aspects.membership`` it must be assigned to its own aspect among the group's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.aspects.model import Aspect
from vectorstore.redact import redact

from .evidence import content_terms
from .llm_io import ClaimOut, comments_block, tidy
from .schema import Claim, Quote

COPY = 0.6           # word overlap (Jaccard) with one member sentence that makes a copy
MIN_WORDS = 0.5      # share of a claim's content words found in same-language members
EVIDENCE = 5
#: a model whose sentences failed this many aspects in a row is not asked for the rest of
#: the persona: each further call is most likely wasted (the 135M default model passes about
#: one in sixteen), while a model that writes checked sentences is never stopped by it
GIVE_UP = 2
_QUESTION = re.compile(r"[?？]|^(?:who|what|why|how|which|when|where|do|does|did|is|are|can)\b"
                       r"|^(?:谁|什么|为什么|怎么|哪)", re.IGNORECASE)
_MARKUP = re.compile(r"[<>{}\[\]]|\{\{|\}\}|</?\w+>")
_PLACEHOLDER = re.compile(r"\b(?:EMAIL|PHONE|CARD|ID_NUMBER|IBAN|IP|SECRET|X{2,}|TBD|N/A)\b")
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
#: a sentence that says who they are ("They are customers with limited access"): the
#: who-claims say that, an aspect's claim says what they want, do or complain about
_IDENTITY = re.compile(r"^(?:they|these (?:customers|users))(?:'re| are) (?:[\w-]+ ){0,3}?"
                       r"(?:customers|users|people|clients|members|shoppers|buyers|sellers|"
                       r"owners|parents|students|workers|players|travell?ers)\b|^他们(?:都|大多|主要)?是",
                       re.IGNORECASE)
#: a sentence about one of them ("A customer wrote a message that …", "有一位用户说…"): a
#: claim says what many of its group say
_ONE_OF_THEM = re.compile(
    r"^(?:a|one|the|this|that) (?:single )?(?:customer|user|person|client|reviewer|writer|"
    r"buyer|member|shopper)\b(?![ -](?:service|support|care|experience|base|journey|account|"
    r"portal|reviews?|ratings?))|^(?:someone|somebody|one of them)\b|\b(?:wrote|writes|posted|"
    r"left|sent) (?:a|one|this|that) (?:message|review|comment|note|post)\b"
    r"|^(?:有)?(?:一位|一个|一名|某位|某个|有位|有个)(?:用户|顾客|客户|买家|会员|网友)", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|me|my|mine|myself|we|we're|our|us)\b|我",
                           re.IGNORECASE)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese (简体中文)", "ja": "Japanese", "ko": "Korean",
                  "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese",
                  "it": "Italian", "ru": "Russian", "nl": "Dutch"}
START = {"en": "They", "zh": "他们"}
#: words that say who, not what: a claim needs two content words besides them
_ANYONE = frozenset("customer user people person group client member everyone they".split())


@dataclass
class ClaimContext:
    """What checking a claim needs: the group's aspects and a way to place a sentence."""

    aspects: list[Aspect]
    members_text: dict[str, list[str]]       # aspect id → its member sentences
    member_langs: dict[str, list[str]]
    place: Callable[[str, str], int]          # (sentence, facet) → index of its aspect
    embed: Callable[[list[str]], Any] | None = None   # sentences → unit vectors


def check(text: str, aspect: Aspect, index: int, ctx: ClaimContext, language: str,
          accepted: list[str]) -> str | None:
    """Why ``text`` may not stand as the claim for ``aspect`` (None: it may)."""
    t = text.strip()
    if len(t) < 8:
        return "write one full sentence."
    if len(t) > 200:
        return "the sentence is too long; keep it under 25 words."
    if re.search(r"[.!?。！？]\s*\S", t.rstrip(".!?。！？ ")):
        return "write one sentence, not two." if language != "zh" else "只写一句话。"
    if _MARKUP.search(t) or _PLACEHOLDER.search(t):
        return "do not write brackets, markup or placeholders."
    if _URL.search(t) or redact(t).counts:
        return "do not write links or contact details."
    if _QUESTION.search(t):
        return "write a statement, not a question."
    if _FIRST_PERSON.search(t):
        return 'write about the customers ("they"), not "I" or "we".' if language != "zh" \
            else '用第三人称（他们），不要用"我"。'
    if _ONE_OF_THEM.search(t):
        return "say what many of them say, not what one customer wrote." \
            if language != "zh" else "写很多人都说的，不要写某一位用户说的。"
    if aspect.facet != "who" and _IDENTITY.search(t):
        return "say what they want, do or complain about, not who they are." \
            if language != "zh" else "说他们想要什么、做什么或抱怨什么，不要说他们是谁。"
    words = content_terms(t)
    if len(words - _ANYONE) < 2:   # "They are", "They want it.", "The customers as a group"
        return "say what they say about it, in a full sentence." if language != "zh" \
            else "写一句完整的话，说出他们说了什么。"
    members = ctx.members_text[aspect.id]
    pool = " ".join(members)
    if any(n not in pool for n in _NUMBER.findall(t)):
        return "do not add numbers the comments do not contain."
    if language != "zh":
        names = [w for w in _CAPITALISED.findall(t) if w not in pool and w not in START.values()]
        if names:
            return f"do not add names ({names[0]}) the comments do not contain."
    same = [m for m, lang in zip(members, ctx.member_langs[aspect.id], strict=True)
            if lang == language]
    for m in same:
        if copies(words, content_terms(m)):
            return "say it in your own words; do not copy one comment."
    if same and words:
        found = set().union(*(content_terms(m) for m in same))
        if len(words & found) / len(words) < MIN_WORDS:
            return "use the words the comments use; say only what they say."
    if ctx.place(t, aspect.facet) != index:
        return "say what these comments have in common, and only that."
    if any(_same_sentence(t, a) for a in accepted):
        return "this was already said; say what these comments add."
    return None


def copies(claim_words: set[str], member_words: set[str]) -> bool:
    """Whether a claim is (nearly) one member's wording."""
    if len(claim_words) < 3:
        return False
    return len(claim_words & member_words) / max(len(claim_words | member_words), 1) >= COPY


def _same_sentence(a: str, b: str) -> bool:
    wa, wb = content_terms(a), content_terms(b)
    return bool(wa) and len(wa & wb) / max(len(wa | wb), 1) >= 0.8


#: shares said as the nearest simple fraction (29% is "about a third", 12% "about one in
#: eight"), each with its Chinese wording
_FRACTIONS = [(2 / 5, "about two in five", "约五分之二的人"), (1 / 3, "about a third", "约三分之一的人"),
              (1 / 4, "about one in four", "约四分之一的人"), (1 / 5, "about one in five", "约五分之一的人"),
              (1 / 6, "about one in six", "约六分之一的人"), (1 / 7, "about one in seven", "约七分之一的人"),
              (1 / 8, "about one in eight", "约八分之一的人"),
              (1 / 10, "about one in ten", "约十分之一的人")]


def share_words(p: float, language: str) -> str:
    """A share in words: "about half", "约一半", "about one in eight"."""
    zh = language == "zh"
    for limit, en, cn in ((0.9, "nearly all", "几乎所有人"), (0.7, "most", "大多数人"),
                          (0.55, "more than half", "一半以上的人"), (0.45, "about half", "约一半的人")):
        if p >= limit:
            return cn if zh else en
    if p < 0.085:
        return "一些人" if zh else "some"
    _, en, cn = min(_FRACTIONS, key=lambda f: abs(math.log(p / f[0])))
    return cn if zh else en


_VERBS = {
    "pain_point": ("complain about {k}", "抱怨{k}"),
    "goal": ("ask for {k}", "希望有{k}"),
    "behaviour": ("say how they use {k}", "提到平时的{k}"),
    "motivation": ("value {k}", "看重{k}"),
    "who": ("describe themselves as {k}", "自称{k}"),
}


#: English nouns that take no article ("ask for roaming data", not "a roaming data")
_MASS = frozenset("""data money support help information advice access feedback software
music content storage time service security privacy pricing quality food delivery shipping
traffic parking wifi wi-fi battery sleep progress""".split())


def determined(key: str, facet: str) -> str:
    """An English key phrase with the article its verb needs: a singular thing asked for is
    "a …" ("ask for a simple mode"), one complained about or valued is "the …" ("complain
    about the pricing page"); plurals, mass nouns and a gerund take none ("ask for school
    fees", "ask for roaming data", "value budgeting")."""
    from .names import with_article

    words = key.split()
    if not words or _CJK.search(key):
        return key
    last, first = words[-1].lower(), words[0].lower()
    if (last.endswith("s") and not last.endswith(("ss", "us", "is"))) or last in _MASS \
            or (len(words) == 1 and first.endswith("ing")) \
            or first in ("a", "an", "the", "my", "their"):
        return key
    return with_article(key) if facet == "goal" else f"the {key}"


def said_about(aspect: Aspect, lang: str) -> str:
    """What an aspect's members say, as a claim names it: its key phrase, or — when few of
    them say the key phrase — the few phrases that together say what most of them do ("the
    fingerprint login or the menus"), so the share counted is the share the words claim."""
    phrases = aspect.phrases.get(lang) or [aspect.labels.get(lang) or aspect.label]
    if lang == "zh":
        return phrases[0] if len(phrases) == 1 else "、".join(phrases[:-1]) + "或" + phrases[-1]
    said = [determined(p, aspect.facet) for p in phrases]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " or " + said[-1]


def fallback_text(aspect: Aspect, language: str) -> tuple[str, str]:
    """(text, language) built from the aspect's key phrase(s) and share, in the persona's
    language when the aspect has a key phrase in it, else in the members' language."""
    lang = language if language in aspect.labels else aspect.main_language
    en, zh = _VERBS.get(aspect.facet, _VERBS["behaviour"])
    if lang == "zh":
        return f"{share_words(aspect.prevalence, 'zh')}{zh.format(k=said_about(aspect, 'zh'))}。", "zh"
    words = share_words(aspect.prevalence, "en")
    return (f"{words[:1].upper()}{words[1:]} of them "
            f"{en.format(k=said_about(aspect, lang))}.", lang)


class ClaimWriter:
    """Writes and checks the claims of one persona within a budget of model calls."""

    def __init__(self, llm, prompts: dict, usage, remaining: Callable[[], int],
                 context: ClaimContext, language: str, fit=None):
        self.llm = llm
        self.prompts = prompts
        self.usage = usage
        self.remaining = remaining   # () -> model calls this persona may still make
        self.ctx = context
        self.language = language
        self.fit = fit
        self.accepted: list[str] = []
        self.failed_in_row = 0

    def claim(self, aspect: Aspect, index: int, group_size: int, proposal: str | None = None,
              reserve: int = 0) -> Claim:
        text, lang, by = None, self.language, "code"
        if proposal and check(tidy(proposal), aspect, index, self.ctx, self.language,
                              self.accepted) is None:
            text, by = tidy(proposal), "model"
        if text is None and self.llm is not None and self.failed_in_row < GIVE_UP:
            text = self._ask(aspect, index, reserve)
            by = "model" if text else "code"
            self.failed_in_row = 0 if text else self.failed_in_row + 1
        if text is None:
            text, lang = fallback_text(aspect, self.language)
        self.accepted.append(text)
        return self._claim(aspect, text, lang, by, group_size)

    def _ask(self, aspect: Aspect, index: int, reserve: int = 0) -> str | None:
        """The model's sentence for ``aspect`` if it passes (one retry when the budget, less
        ``reserve`` calls kept for later fields, allows)."""
        left = self.remaining() - reserve
        if left < 1:
            return None
        examples = aspect.examples_in(self.language)
        if len(examples) < 2:   # members mostly in another language: show theirs
            examples = aspect.examples_in(aspect.main_language) or aspect.examples
        shown = [e.text for e in examples[:4]]
        user = self.prompts["writer.aspect"].render(
            comments=comments_block(shown), language=LANGUAGE_NAMES.get(self.language,
                                                                        self.language),
            start=START.get(self.language, "They"))
        messages = [{"role": "system", "content": self.prompts["persona.system"].render()},
                    {"role": "user", "content": user}]
        out, _errors = self.llm.ask(
            messages, ClaimOut, max_tokens=70, usage=self.usage, retries=min(1, left - 1),
            tag=f"{aspect.id}/claim",
            check=lambda o: check(tidy(o.claim), aspect, index, self.ctx, self.language,
                                  self.accepted))
        return tidy(out.claim) if out is not None else None

    def _claim(self, aspect: Aspect, text: str, lang: str, by: str, group_size: int) -> Claim:
        key = aspect.labels.get(lang) if by == "code" else None
        quote = _quote(aspect, self.language, key)
        evidence = evidence_with(aspect.members, quote)
        return Claim(text=text, aspect_id=aspect.id, evidence_ids=evidence,
                     support_count=aspect.support,
                     prevalence=round(aspect.support / max(group_size, 1), 4),
                     users=aspect.users, quote=quote,
                     other_quotes=other_quotes(aspect, quote, self.ctx.embed),
                     languages=dict(aspect.languages), language=lang, written_by=by)


def evidence_with(members: list[str], quote: Quote | None) -> list[str]:
    """The evidence ids a claim shows: its quote's text first, then the most typical members."""
    first = [quote.doc_id] if quote is not None else []
    return (first + [m for m in members if m not in first])[:EVIDENCE]


def _quote(aspect: Aspect, language: str, key: str | None = None) -> Quote | None:
    """The most typical member sentence in ``language`` (else in any); one that says the
    claim's key phrase when a code-built claim names one, so claim and quote agree."""
    examples = aspect.examples_in(language) or aspect.examples
    if key:
        examples = [e for e in examples if key.lower() in e.text.lower()] + examples
    for e in examples:
        return Quote(text=e.text, doc_id=e.doc_id, lang=e.lang)
    return None


#: a member sentence in another language goes with the main quote when this similar to it
#: (multilingual encoder, 18 demo pairs read and labelled: the ten that say the same thing
#: 0.54–0.78, the eight from another sub-theme of a mixed aspect 0.17–0.41 — "A cheap phone
#: plan bundle for students would be nice" had been paired with "希望能用学校邮箱认证享受折扣")
PAIRED = 0.45


def other_quotes(aspect: Aspect, quote: Quote | None,
                 embed: Callable[[list[str]], Any] | None = None) -> list[Quote]:
    """A member sentence in each language other than the main quote's: with ``embed``, the
    one of its most typical sentences nearest to the main quote, if near enough
    (``PAIRED``); without, the most typical."""
    out: list[Quote] = []
    for lang in sorted(aspect.languages, key=lambda k: (-aspect.languages[k], k)):
        if quote is not None and lang == quote.lang:
            continue
        shown = aspect.examples_in(lang)
        if not shown:
            continue
        e = shown[0]
        if embed is not None and quote is not None:
            vectors = embed([quote.text] + [x.text for x in shown])
            sims = vectors[1:] @ vectors[0]
            k = int(sims.argmax())
            if float(sims[k]) < PAIRED:
                continue
            e = shown[k]
        out.append(Quote(text=e.text, doc_id=e.doc_id, lang=e.lang))
    return out


def placer(found, embed, facets, membership) -> Callable[..., int]:
    """A function giving the index of the aspect a sentence belongs to (-1: none), in the
    group's own comparison space (``Discovered.place``); with a facet, the sentence is taken
    to make a claim of that facet (a claim written for an aspect of that kind)."""
    from vectorstore.language import detect_language

    def place(text: str, facet: str | None = None) -> int:
        lang = detect_language(text)
        return int(found.place(embed([text]), [text], [lang], membership, facets, facet)[0])

    return place
