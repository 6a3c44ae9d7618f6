"""How a stage tells its caller what it is doing, without knowing who is listening.

The CLI passes a reporter that prints to stderr and draws progress bars; the API, the evals,
benchmarks and tests pass :class:`Quiet` (or collect the lines).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Protocol

BytesUpdate = Callable[[str, int, int, int], None]   # (file, bytes done, bytes total, rows)
Advance = Callable[..., None]                        # advance(n=1)


class Reporter(Protocol):
    def info(self, message: str) -> None:
        """A line the user should see (what was chosen, what was kept)."""

    def detail(self, message: str) -> None:
        """A line for --verbose only."""

    def bytes(self, description: str) -> contextlib.AbstractContextManager[BytesUpdate]:
        """Progress over bytes read from files."""

    def count(self, description: str, total: int) -> contextlib.AbstractContextManager[Advance]:
        """Progress over a known number of items."""


class Quiet:
    """A reporter that keeps the lines (``lines``) and draws nothing."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def detail(self, message: str) -> None:
        pass

    @contextlib.contextmanager
    def bytes(self, description: str) -> Iterator[BytesUpdate]:
        yield lambda *_: None

    @contextlib.contextmanager
    def count(self, description: str, total: int) -> Iterator[Advance]:
        yield lambda n=1: None
