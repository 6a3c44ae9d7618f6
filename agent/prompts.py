"""Versioned prompt files: ``prompts/<task>.<role>.v<N>.md``.

Each file starts with a front-matter block::

    ---
    id: llm_check.user
    version: 1
    variables: [name, texts]
    ---
    body with {{ name }} and {{ texts }}

Rendering fails on a missing or an undeclared variable. A released version is never edited
(copy v1 to v2 instead); ``prompts/LOCK.json`` holds each released file's hash and a test
fails when one changes. Every output records ``id@vN`` of the prompts that made it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from vectorstore.errors import PersonaError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_FILE = re.compile(r"^(?P<id>[a-z0-9_]+\.[a-z0-9_]+)\.v(?P<version>\d+)\.md$")
_VAR = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")


class PromptError(PersonaError):
    """A prompt file is missing, malformed, or rendered with the wrong variables."""


@dataclass(frozen=True)
class Prompt:
    id: str
    version: int
    variables: tuple[str, ...]
    body: str
    path: Path

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


def parse_prompt(path: Path) -> Prompt:
    m = _FILE.match(path.name)
    if not m:
        raise PromptError(f"{path}: prompt files are named <task>.<role>.v<N>.md")
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[4:]:
        raise PromptError(f"{path}: missing front-matter (--- id/version/variables ---)")
    head, body = text[4:].split("\n---\n", 1)
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            meta[k.strip()] = v.strip()
    variables = tuple(v.strip() for v in meta.get("variables", "[]").strip("[]").split(",")
                      if v.strip())
    prompt = Prompt(meta.get("id", ""), int(meta.get("version", "0")), variables, body.strip() + "\n",
                    path)
    if prompt.id != m.group("id") or prompt.version != int(m.group("version")):
        raise PromptError(f"{path}: front-matter id/version ({prompt.ref}) does not match the "
                          "file name")
    used = set(_VAR.findall(prompt.body))
    if used != set(variables):
        raise PromptError(f"{path}: body uses {sorted(used)} but declares {sorted(variables)}")
    return prompt


def available(directory: Path = PROMPTS_DIR) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for p in directory.glob("*.md"):
        m = _FILE.match(p.name)
        if m:
            found.setdefault(m.group("id"), []).append(int(m.group("version")))
    return {k: sorted(v) for k, v in found.items()}


def load_prompt(prompt_id: str, version: int | None = None,
                directory: Path = PROMPTS_DIR) -> Prompt:
    """The prompt ``prompt_id`` at ``version`` (default: the newest version)."""
    versions = available(directory).get(prompt_id)
    if not versions:
        raise PromptError(f"no prompt {prompt_id!r} in {directory}")
    v = versions[-1] if version is None else version
    if v not in versions:
        raise PromptError(f"prompt {prompt_id!r} has versions {versions}, not {v}")
    return parse_prompt(directory / f"{prompt_id}.v{v}.md")


def lock_new_versions(directory: Path = PROMPTS_DIR) -> list[str]:
    """Add prompt files missing from ``LOCK.json``; refuse when a locked file has changed."""
    import json

    lock_path = directory / "LOCK.json"
    lock = json.loads(lock_path.read_text()) if lock_path.exists() else {}
    added = []
    for prompt_id, versions in sorted(available(directory).items()):
        for v in versions:
            name = f"{prompt_id}.v{v}.md"
            digest = parse_prompt(directory / name).sha256
            if name not in lock:
                lock[name] = digest
                added.append(name)
            elif lock[name] != digest:
                raise PromptError(f"{name} was released and has changed; restore it and copy "
                                  f"it to {prompt_id}.v{versions[-1] + 1}.md instead")
    lock_path.write_text(json.dumps(dict(sorted(lock.items())), indent=2) + "\n")
    return added


if __name__ == "__main__":  # python -m agent.prompts: lock newly released prompt versions
    for name in lock_new_versions():
        print(f"locked {name}")
