"""Validation of model-written text against the group's own texts (the context).

Each check returns None when the text may stand, or an error message written so the model
can fix it on a retry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vectorstore.redact import redact

from .evidence import SupportCounter, content_terms, document_frequency, lexical_coverage
from .group import GroupData

BANNED_NAMES = {"smollam", "smollm", "assistant", "ai", "chatgpt", "user", "users", "persona",
                "they", "them", "name", "group"}
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
_DIGITS = re.compile(r"\d[\d:.\-/]{2,}\d")
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|I'll)\b|\b(?i:my|me|mine|myself|we|we're|our)\b|我")


@dataclass
class Rules:
    min_support: int = 3
    min_coverage: float = 0.6       # a claim against the sentence it rewrites
    min_line_coverage: float = 0.85  # a tagline or summary against the accepted claims


class Validator:
    def __init__(self, group: GroupData, counter: SupportCounter, rules: Rules):
        self.group = group
        self.counter = counter
        self.rules = rules

    def _common(self, text: str) -> str | None:
        if not text or not text.strip():
            return "the text is empty."
        if _URL.search(text):
            return "do not include links."
        if redact(text).counts:
            return "do not include e-mail addresses, phone numbers or other contact details."
        if "<" in text and ">" in text:
            return "do not include markup or placeholders."
        return None

    def claim(self, text: str, sources: list[str], language: str = "en") -> str | None:
        err = self._common(text)
        if err:
            return err
        if len(text) > 240:
            return "the sentence is too long; keep it under 25 words."
        if _FIRST_PERSON.search(text):
            return ('write about the users in the third person ("they", "their"), not "I" or '
                    '"my".' if language != "zh" else '用第三人称写（他们），不要用"我"。')
        terms = content_terms(text)
        han = sum("\u3400" <= ch <= "\u9fff" for ch in text)
        if (language == "zh" and han < 4) or (language != "zh" and len(terms) < 2):
            return "say what the comment says about the users, in one full sentence."
        if any(run not in " ".join(sources) for run in _DIGITS.findall(text)):
            return "do not add numbers or dates that the comment does not contain."
        cov = lexical_coverage(text, sources)
        if cov < self.rules.min_coverage:
            return (f"the sentence uses words that are not in the comment ({cov:.0%} of its "
                    "words are); say only what the comment says.")
        support = self.counter.count(text, self.group)
        if support.count < self.rules.min_support:
            return (f"only {support.count} of the group's texts say this (at least "
                    f"{self.rules.min_support} must); stay closer to the comment.")
        return None

    def name(self, text: str) -> str | None:
        err = self._common(text)
        if err:
            return err
        words = text.split()
        han = sum("\u3400" <= ch <= "\u9fff" for ch in text)
        if (not 1 <= len(words) <= 5 or len(text) > 60) and not (han and len(text) <= 16):
            return "give two or three words."
        if len({w.lower().strip(".,") for w in words}) < len(words):
            return "do not repeat a word."
        if any(w.strip(".,!\"'").lower() in BANNED_NAMES for w in words):
            return "describe the users (for example by what they do), not the assistant or 'users'."
        df = document_frequency(text, self.group.texts)
        if not df or max(df.values()) < 2:
            return "use words that these users actually write (see the comments)."
        if sum(1 for v in df.values() if v >= 2) < len(df) / 2:
            return "most words of the name must come from the comments."
        return None

    def line(self, text: str, sources: list[str], max_chars: int) -> str | None:
        err = self._common(text)
        if err:
            return err
        if _FIRST_PERSON.search(text):
            return 'write about the users ("they", "their"), not "I" or "my".'
        pool = " ".join(sources)
        if any(run not in pool for run in _DIGITS.findall(text)):
            return "do not add numbers or dates that the statements do not contain."
        if len(text) > max_chars:
            return f"keep it under {max_chars} characters."
        cov = lexical_coverage(text, sources)
        if cov < self.rules.min_line_coverage:
            return f"use only what the statements say ({cov:.0%} of its words come from them)."
        if not content_terms(text):
            return "say something about the users."
        return None
