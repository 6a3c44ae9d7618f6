"""Progress bars on stderr (quiet under --json unless stderr is a terminal)."""

from __future__ import annotations

from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from .context import AppContext


@contextmanager
def byte_progress(app: AppContext, description: str):
    """A bar over bytes read; yields ``update(file, done, total, rows)``."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                        TextColumn("{task.fields[rows]} rows"), TimeElapsedColumn(),
                        TimeRemainingColumn(), console=app.err, transient=True,
                        disable=not app.err.is_terminal)
    tasks: dict[str, int] = {}

    def update(name: str, done: int, total: int, rows: int) -> None:
        if name not in tasks:
            tasks[name] = progress.add_task(f"{description} {name}", total=total, rows=0)
        progress.update(tasks[name], completed=done, total=total, rows=rows)

    with progress:
        yield update


@contextmanager
def count_progress(app: AppContext, description: str, total: int):
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=app.err,
                        transient=True, disable=not app.err.is_terminal)
    with progress:
        task = progress.add_task(description, total=total)
        yield lambda n=1: progress.advance(task, n)
