"""Evidence work done in code: support counting, lexical grounding, verbatim quotes.

The model only writes short sentences; whether a sentence may stand is decided here:

* ``SupportCounter`` counts the group's texts whose embedding similarity to a claim is at
  least the calibrated threshold for the embedder (``support_thresholds.json``, made by
  ``benchmarks/calibrate_support.py``);
* ``lexical_coverage`` is the share of a sentence's content words that occur in the
  evidence it was written from — a small model that invents ("they were sent a fake card")
  uses words the texts do not contain;
* quotes are cut from the texts at sentence boundaries, so they are verbatim by construction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from vectorstore.segment.keywords import tokens

from .group import GroupData

THRESHOLDS_FILE = Path(__file__).with_name("support_thresholds.json")
FALLBACK_THRESHOLD = 0.45
_SENTENCE = re.compile(r"[^.!?。！？；;\n]+[.!?。！？；;]*")
_SPACE = re.compile(r"\s+")
_PLACEHOLDER = re.compile(r"<(EMAIL|PHONE|CARD|ID_NUMBER|IP|SECRET)>")


@lru_cache(maxsize=1)
def calibrated_thresholds() -> dict[str, dict]:
    try:
        return json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def support_threshold(embedder_id: str, language: str | None = None) -> float:
    """The calibrated similarity threshold for ``embedder_id`` (per language when measured)."""
    entry = calibrated_thresholds().get(embedder_id)
    if not entry:
        return FALLBACK_THRESHOLD
    by_language = entry.get("by_language", {})
    if language in by_language:
        return float(by_language[language]["threshold"])
    return float(entry["threshold"])


@dataclass
class Support:
    count: int
    prevalence: float
    ids: list[str]          # supporting ids, most similar first
    similarities: list[float]


class SupportCounter:
    """How many of a group's texts support a statement (embedding similarity ≥ threshold).

    ``threshold`` is one number, or a function of the statement's language (the calibrated
    thresholds differ by language: USE scores Chinese pairs lower than English ones).
    """

    def __init__(self, embedder, threshold):
        self.embedder = embedder
        self._threshold = threshold
        self._cache: dict[str, np.ndarray] = {}

    @property
    def threshold(self) -> float:
        return self.threshold_for("")

    @property
    def identity(self) -> str:
        """The thresholds in use (part of a persona's inputs hash)."""
        if callable(self._threshold):
            return ",".join(f"{lang}:{self._threshold(lang)}" for lang in ("en", "zh", None))
        return str(self._threshold)

    def threshold_for(self, statement: str) -> float:
        if callable(self._threshold):
            from vectorstore.language import detect_language

            return float(self._threshold(detect_language(statement) if statement else None))
        return float(self._threshold)

    def vector(self, text: str) -> np.ndarray:
        if text not in self._cache:
            self._cache[text] = self.embedder.embed([text])[0]
        return self._cache[text]

    def vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings of several statements at once (cached like ``vector``)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            for t, v in zip(todo, self.embedder.embed(todo), strict=True):
                self._cache[t] = v
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1))

    def count(self, statement: str, group: GroupData) -> Support:
        if group.size == 0:
            return Support(0, 0.0, [], [])
        sims = group.vectors @ self.vector(statement)
        hit = np.where(sims >= self.threshold_for(statement))[0]
        order = hit[np.argsort(-sims[hit], kind="stable")]
        return Support(len(hit), round(len(hit) / group.size, 4), [group.ids[i] for i in order],
                       [round(float(sims[i]), 4) for i in order])


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_terms(text: str) -> set[str]:
    """Stemmed content words (and single Han characters for Chinese) of ``text``."""
    terms = set()
    for t in tokens(text):
        if " " in t:
            continue
        if re.search(r"[\u3400-\u9fff]", t):
            terms.update(ch for ch in t if "\u3400" <= ch <= "\u9fff")
        else:
            terms.add(_stem(t.lower()))
    return terms


def lexical_coverage(sentence: str, evidence: list[str]) -> float:
    """Share of ``sentence``'s content terms that occur in ``evidence`` (1.0 if it has none)."""
    words = content_terms(sentence)
    if not words:
        return 1.0
    pool = set().union(*(content_terms(e) for e in evidence)) if evidence else set()
    return len(words & pool) / len(words)


def document_frequency(term_source: str, texts: list[str]) -> dict[str, int]:
    """For each content term of ``term_source``: in how many of ``texts`` it occurs."""
    terms = content_terms(term_source)
    counts = dict.fromkeys(terms, 0)
    for t in texts:
        present = content_terms(t) & terms
        for w in present:
            counts[w] += 1
    return counts


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def quote_from(text: str, max_chars: int = 200) -> str:
    """A verbatim piece of ``text``: whole sentences up to ``max_chars``."""
    if len(text) <= max_chars:
        return text.strip()
    out = ""
    for m in _SENTENCE.finditer(text):
        piece = m.group(0)
        if out and len(out) + len(piece) > max_chars:
            break
        out += piece
    out = out.strip()
    return out if out and out in text else text[:max_chars].strip()


def sentences(text: str, min_chars: int = 8) -> list[str]:
    """The sentences of ``text``, verbatim (each occurs in it as is)."""
    out = [m.group(0).strip() for m in _SENTENCE.finditer(text)]
    return [x for x in out if len(x) >= min_chars and x in text] or [text.strip()]


def is_verbatim(quote: str, texts: list[str]) -> bool:
    q = normalise(quote)
    return bool(q) and any(q in normalise(t) for t in texts)


def leaks_placeholder(text: str) -> bool:
    """True when the text pretends to fill in redacted data (or repeats a placeholder)."""
    return bool(_PLACEHOLDER.search(text))


_PRONOUNS_EN = [(r"\bI am\b", "they are"), (r"\bI'm\b", "they're"), (r"\bI've\b", "they've"),
                (r"\bI'd\b", "they'd"), (r"\bI'll\b", "they'll"), (r"\bI was\b", "they were"),
                (r"\bI\b", "they"), (r"\b[Mm]y\b", "their"), (r"\b[Mm]e\b", "them"),
                (r"\b[Mm]ine\b", "theirs"), (r"\b[Mm]yself\b", "themselves"),
                (r"\b[Ww]e're\b", "they're"), (r"\b[Ww]e\b", "they"), (r"\b[Oo]ur\b", "their")]


def third_person(sentence: str, language: str = "en") -> str:
    """The users' own sentence with first-person pronouns turned into third person — the
    grounded candidate a model may pick when its own wording fails validation."""
    s = sentence.strip()
    if language == "zh":
        return s.replace("我们", "他们").replace("我", "他们")
    for pattern, repl in _PRONOUNS_EN:
        s = re.sub(pattern, repl, s)
    return s[:1].upper() + s[1:] if s else s
