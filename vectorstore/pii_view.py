"""The text PII patterns are matched against: separators cannot hide in it.

A :class:`MatchView` is the text with invisible characters removed (zero-width spaces and
joiners, the word joiner, the BOM, soft hyphens, bidi controls) and compatibility forms
folded one character to one character by NFKC (full-width ``ｍａｒｙ＠ｅｘａｍｐｌｅ．ｃｏｍ``
becomes ``mary@example.com``, mathematical letters become letters). Every view position
keeps the position of the character it came from, so a match in the view replaces exactly
the characters it covers in the original, invisible ones included.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

INVISIBLE = frozenset("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c"
                      "\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
# Characters NFKC folds that can stand in a PII item: full-width forms, the ideographic
# space, small forms (﹫), one-dot leaders, enclosed and super/subscript digits,
# mathematical alphanumerics.
_FOLDABLE = re.compile("[\u2024\u2070-\u209f\u2460-\u24ff\u3000\ufe50-\ufe6b\uff01-\uff5e"
                       "\U0001d400-\U0001d7ff]")
_NEEDS_VIEW = re.compile(f"[{''.join(sorted(INVISIBLE))}]|{_FOLDABLE.pattern}")


@lru_cache(maxsize=2048)
def _fold(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


class MatchView:
    """``text`` as patterns see it, with a map back to the original positions."""

    __slots__ = ("_pos", "original", "text")

    def __init__(self, text: str):
        self.original = text
        if text.isascii() or not _NEEDS_VIEW.search(text):
            self.text, self._pos = text, None
            return
        chars: list[str] = []
        pos: list[int] = []
        for i, ch in enumerate(text):
            if ch in INVISIBLE:
                continue
            chars.append(_fold(ch) if _FOLDABLE.match(ch) else ch)
            pos.append(i)
        self.text, self._pos = "".join(chars), pos

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original characters that view positions ``start:end`` came from."""
        if self._pos is None:
            return start, end
        return self._pos[start], self._pos[end - 1] + 1
