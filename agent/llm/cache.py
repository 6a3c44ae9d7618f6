"""On-disk cache of LLM responses, keyed by model, prompt versions and exact inputs, so an
unchanged rerun makes no LLM calls."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from agent.workspace import atomic_write


class ResponseCache:
    def __init__(self, directory: Path, enabled: bool = True):
        self.directory = directory
        self.enabled = enabled

    @staticmethod
    def key(payload: dict[str, Any]) -> str:
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def put(self, key: str, value: dict[str, Any]) -> None:
        if self.enabled:
            atomic_write(self._path(key), json.dumps(value, ensure_ascii=False))
