"""Texts that say a question's words: "How many users mentioned dark mode?" counts the texts
that say "dark mode", in addition to the members of the aspects that say it.

A short statement (one to three content words, no negation) is looked for word for word:
English by its stemmed content words, all of them in one text ("dark mode" ⊂ "the dark
mode is missing"); Chinese by its jieba words, each a substring of the text. Aspects miss a
small theme that discovery folded into a neighbour, or texts that say it in a sentence of
their own; the words do not. A longer statement is a claim, not a phrase: its words spread
over unrelated texts, so it is counted by its aspects alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from agent.persona.evidence import content_terms
from vectorstore.segment.keywords import tokens

MAX_TERMS = 3
_NEGATION = re.compile(r"\b(?:not|no|never|don't|doesn't|didn't|can't|won't|isn't|without)\b"
                       r"|不|没|无|别", re.IGNORECASE)


def mention_terms(statement: str, lang: str) -> frozenset[str]:
    """The words a text must say to mention ``statement`` (empty: not a short phrase)."""
    if _NEGATION.search(statement):
        return frozenset()
    if lang == "zh":
        words = frozenset(w for w in tokens(statement) if " " not in w)
    else:
        words = frozenset(content_terms(statement))
    return words if 1 <= len(words) <= MAX_TERMS else frozenset()


def mentions(text: str, terms: frozenset[str], lang: str) -> bool:
    if not terms:
        return False
    if lang == "zh":
        return all(t in text for t in terms)
    return terms <= _terms(text)


@lru_cache(maxsize=65536)
def _terms(text: str) -> frozenset[str]:
    return frozenset(content_terms(text))
