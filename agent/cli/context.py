"""What every command shares: the output streams, the --json switch, and the Project."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich.console import Console

from agent.config import load_settings
from agent.project import Project, build_project

from .progress import ConsoleReporter


@dataclass
class AppContext:
    workspace: Path | None = None
    chroma: dict[str, Any] = field(default_factory=dict)
    json_output: bool = False
    verbose: bool = False
    _project: Project | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.err = Console(stderr=True, highlight=False, markup=False)
        self.out = Console(highlight=False, soft_wrap=True, markup=False)

    # -- output -----------------------------------------------------------------------------------
    @property
    def human(self) -> Console:
        """Where human-readable text goes: stderr under --json, else stdout."""
        return self.err if self.json_output else self.out

    def emit(self, payload: BaseModel | dict[str, Any]) -> None:
        """The command's one JSON object on stdout (only under --json)."""
        if not self.json_output:
            return
        if isinstance(payload, BaseModel):
            payload = payload.model_dump(mode="json")
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()

    # -- the application layer --------------------------------------------------------------------
    def project(self, check_pins: bool = True, **overrides: Any) -> Project:
        """The Project for the global options (plus a command's setting ``overrides``)."""
        if self._project is None or overrides or not check_pins:
            settings = load_settings(self.workspace, chroma=self.chroma, **overrides)
            self._project = build_project(settings, ConsoleReporter(self.err, self.verbose),
                                          check_pins=check_pins)
        return self._project
