"""Versioned prompt files: ``prompts/<task>.<role>.v<N>.md``.

A Markdown prompt starts with a YAML front-matter block::

    ---
    id: llm_check.user
    version: 1
    variables: [name, texts]
    ---
    body with {{ name }} and {{ texts }}

Unknown front-matter keys are an error, as are a missing or an undeclared variable when
rendering. A released version is never edited (copy v1 to v2 instead); ``prompts/LOCK.json``
holds each released file's hash and a test fails when one changes. Every output records
``id@vN`` of the prompts that made it.

The files ship inside the installed package: ``prompts/`` is a package of its own (data
only), read with ``importlib.resources``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from vectorstore.errors import PersonaError

PROMPTS_DIR: Traversable = resources.files("prompts")
LOCK_FILE = "LOCK.json"
_FILE = re.compile(r"^(?P<id>[a-z0-9_]+\.[a-z0-9_]+)\.v(?P<version>\d+)\.md$")
_VAR = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")
_FRONT = re.compile(r"\A---\n(?P<head>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)


class PromptError(PersonaError):
    """A prompt file is missing, malformed, or rendered with the wrong variables."""


class FrontMatter(BaseModel):
    """What a prompt file declares about itself; anything else is a mistake."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: str
    version: int
    variables: list[str] = []


@dataclass(frozen=True)
class Prompt:
    id: str
    version: int
    variables: tuple[str, ...]
    body: str
    path: Traversable

    @property
    def ref(self) -> str:
        return f"{self.id}@v{self.version}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def render(self, **values: str) -> str:
        missing = set(self.variables) - set(values)
        extra = set(values) - set(self.variables)
        if missing or extra:
            raise PromptError(f"prompt {self.ref}: missing variables {sorted(missing)}, "
                              f"undeclared variables {sorted(extra)}")
        return _VAR.sub(lambda m: str(values[m.group(1)]), self.body)


def _yaml(text: str, where: Traversable) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PromptError(f"{where}: not valid YAML ({exc})") from None


def _front_matter(data: Any, where: Traversable) -> FrontMatter:
    try:
        return FrontMatter.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'front-matter'}: "
                             f"{e['msg']}" for e in exc.errors())
        raise PromptError(f"{where}: bad front-matter ({problems})") from None


def parse_prompt(path: Traversable | Path) -> Prompt:
    m = _FILE.match(path.name)
    if not m:
        raise PromptError(f"{path}: prompt files are named <task>.<role>.v<N>.md")
    text = path.read_text(encoding="utf-8")
    fm = _FRONT.match(text)
    if not fm:
        raise PromptError(f"{path}: missing front-matter (--- id/version/variables ---)")
    meta, body = _front_matter(_yaml(fm.group("head"), path), path), fm.group("body")
    prompt = Prompt(meta.id, meta.version, tuple(meta.variables), body.strip() + "\n", path)
    if prompt.id != m.group("id") or prompt.version != int(m.group("version")):
        raise PromptError(f"{path}: front-matter id/version ({prompt.ref}) does not match the "
                          "file name")
    used = set(_VAR.findall(prompt.body))
    if used != set(meta.variables):
        raise PromptError(f"{path}: body uses {sorted(used)} but declares {sorted(meta.variables)}")
    return prompt


def _files(directory: Traversable) -> dict[tuple[str, int], Traversable]:
    found: dict[tuple[str, int], Traversable] = {}
    for p in directory.iterdir():
        m = _FILE.match(p.name)
        if m:
            key = (m.group("id"), int(m.group("version")))
            if key in found:
                raise PromptError(f"{directory}: {found[key].name} and {p.name} are both "
                                  f"{key[0]}@v{key[1]}")
            found[key] = p
    return found


def available(directory: Traversable = PROMPTS_DIR) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for prompt_id, version in _files(directory):
        found.setdefault(prompt_id, []).append(version)
    return {k: sorted(v) for k, v in found.items()}


def load_prompt(prompt_id: str, version: int | None = None,
                directory: Traversable = PROMPTS_DIR) -> Prompt:
    """The prompt ``prompt_id`` at ``version`` (default: the newest version)."""
    versions = available(directory).get(prompt_id)
    if not versions:
        raise PromptError(f"no prompt {prompt_id!r} in {directory}")
    v = versions[-1] if version is None else version
    if v not in versions:
        raise PromptError(f"prompt {prompt_id!r} has versions {versions}, not {v}")
    return parse_prompt(_files(directory)[(prompt_id, v)])


def locked(directory: Traversable = PROMPTS_DIR) -> dict[str, str]:
    """File name → sha256 of every released prompt (``LOCK.json``)."""
    lock = directory / LOCK_FILE
    return json.loads(lock.read_text(encoding="utf-8")) if lock.is_file() else {}


def lock_new_versions(directory: Path | None = None) -> list[str]:
    """Add prompt files missing from ``LOCK.json``; refuse when a locked file has changed.
    Run from a source checkout (``python -m agent.prompts``): it writes ``LOCK.json``."""
    directory = Path(str(directory or PROMPTS_DIR))
    lock = locked(directory)
    added = []
    for (prompt_id, _version), path in sorted(_files(directory).items()):
        digest = parse_prompt(path).sha256
        if path.name not in lock:
            lock[path.name] = digest
            added.append(path.name)
        elif lock[path.name] != digest:
            newest = max(available(directory)[prompt_id])
            raise PromptError(f"{path.name} was released and has changed; restore it and copy "
                              f"it to {prompt_id}.v{newest + 1} instead")
    (directory / LOCK_FILE).write_text(json.dumps(dict(sorted(lock.items())), indent=2) + "\n")
    return added


if __name__ == "__main__":  # python -m agent.prompts: lock newly released prompt versions
    for name in lock_new_versions():
        print(f"locked {name}")
