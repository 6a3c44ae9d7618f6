"""The CLI's reporter: lines and progress bars on stderr (bars only on a terminal)."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class ConsoleReporter:
    def __init__(self, console: Console, verbose: bool = False):
        self.console = console
        self.verbose = verbose

    def info(self, message: str) -> None:
        self.console.print(message)

    def detail(self, message: str) -> None:
        if self.verbose:
            self.console.print(f"  {message}")

    @contextmanager
    def bytes(self, description: str):
        """A bar per file over bytes read; yields ``update(file, done, total, rows)``."""
        progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                            TextColumn("{task.fields[rows]} rows"), TimeElapsedColumn(),
                            TimeRemainingColumn(), console=self.console, transient=True,
                            disable=not self.console.is_terminal)
        tasks: dict[str, int] = {}

        def update(name: str, done: int, total: int, rows: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"{description} {name}", total=total, rows=0)
            progress.update(tasks[name], completed=done, total=total, rows=rows)

        with progress:
            yield update

    @contextmanager
    def count(self, description: str, total: int):
        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=self.console,
                            transient=True, disable=not self.console.is_terminal)
        with progress:
            task = progress.add_task(description, total=total)
            yield lambda n=1: progress.advance(task, n)
