"""Plain sentences about what a corpus of this size can support, for ``params["notes"]``.

A team piloting with a few dozen texts should read why it got few segments, not guess
whether a flag would help (raising ``--resolution`` cannot give more than the bound).
"""

from __future__ import annotations


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def too_few(n: int) -> str:
    """The note for a corpus below the smallest size that is segmented at all."""
    return f"{_plural(n, 'text')} {'is' if n == 1 else 'are'} too few to segment; everything is one group"


def most_supported(n: int, segments: int) -> str:
    """The note for a corpus whose size, not the settings, set how many segments there are."""
    return (f"{_plural(n, 'text')}: {_plural(segments, 'segment')} is the most this corpus "
            "supports; add texts for finer segments")
