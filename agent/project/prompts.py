"""The prompts stage: every installed prompt file, loaded and validated, with its hash."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from agent.prompts import PromptError, available, load_prompt, locked


class PromptInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str            # id@vN
    file: str
    sha256: str
    locked: bool        # released: its hash is in prompts/LOCK.json


class PromptsResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompts: list[PromptInfo]


def check_prompts() -> PromptsResult:
    """Load every prompt version (front-matter, declared variables); a released file whose
    hash changed is an error."""
    lock = locked()
    out: list[PromptInfo] = []
    for prompt_id, versions in sorted(available().items()):
        for v in versions:
            prompt = load_prompt(prompt_id, v)
            name, digest = prompt.path.name, prompt.sha256
            if name in lock and lock[name] != digest:
                raise PromptError(f"{name} differs from its released version (prompts/LOCK.json)"
                                  "; reinstall personakit")
            out.append(PromptInfo(ref=prompt.ref, file=name, sha256=digest, locked=name in lock))
    return PromptsResult(prompts=out)
