"""Split long texts into chunks at sentence boundaries, within a token budget.

Sentence ends are Western (. ! ?) and Chinese/Japanese (。！？；) punctuation and line
breaks. Sentences are packed greedily into chunks of at most ``max_tokens``; a single
sentence longer than the budget is split at commas, then at spaces, and only as a last
resort by tokens, so a chunk is cut mid-sentence only when the sentence itself cannot fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;…])\s*|\n+")
_CLAUSE_END = re.compile(r"(?<=[,，、:：])\s*")
_SPACE = re.compile(r"(?<=\s)")

TokenCount = Callable[[str], int]
TokenSplit = Callable[[str, int], list[str]]


def _pieces(text: str, pattern: re.Pattern) -> list[str]:
    return [p for p in pattern.split(text) if p and p.strip()]


_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


def _join(parts: list[str], spaced: bool) -> str:
    """Join pieces; no space is put next to Chinese/Japanese text, which uses none."""
    if not spaced:
        return "".join(parts).strip()
    out = parts[0]
    for part in parts[1:]:
        glue = "" if _CJK.match(part[:1]) or _CJK.match(out[-1:]) else " "
        out += glue + part
    return out.strip()


def _pack(pieces: list[str], max_tokens: int, count: TokenCount, spaced: bool) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    # A join can add a token at the boundary; reserve one per join so chunks never overflow.
    gap = 1 if spaced else 0
    for piece in pieces:
        n = count(piece) + (gap if current else 0)
        if current and used + n > max_tokens:
            chunks.append(_join(current, spaced))
            current, used = [], 0
            n = count(piece)
        current.append(piece)
        used += n
    if current:
        chunks.append(_join(current, spaced))
    return chunks


def chunk_text(text: str, max_tokens: int, count: TokenCount, split: TokenSplit) -> list[str]:
    """Return ``text`` as one or more chunks of at most ``max_tokens`` tokens each."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    if count(text) <= max_tokens:
        return [text]
    units: list[str] = []
    for sentence in _pieces(text, _SENTENCE_END):
        if count(sentence) <= max_tokens:
            units.append(sentence)
            continue
        for clause in _pieces(sentence, _CLAUSE_END):
            if count(clause) <= max_tokens:
                units.append(clause)
                continue
            for word_run in _pack(_pieces(clause, _SPACE), max_tokens, count, False):
                units.extend(split(word_run, max_tokens) if count(word_run) > max_tokens
                             else [word_run])
    return [c for c in _pack(units, max_tokens, count, True) if c]
