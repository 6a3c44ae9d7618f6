"""The interview guide: one question per claim field, with the instruction the model gets and
anchor phrases that steer retrieval.

From v2 the guide is a YAML file (``prompts/interview.guide.v2.yaml``); v1, a released
Markdown file that is never edited, is read by a strict parser of its own sections (every
line a known key, each key once). Both are validated by the same pydantic model, so an
unknown key or a missing one fails loudly instead of being ignored.
"""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.prompts import PROMPTS_DIR, Prompt, PromptError, load_prompt

from .schema import CLAIM_FIELDS

_SECTION = re.compile(r"^## (?P<field>\S+)\s*$")
_LINE = re.compile(r"^(?P<key>[a-z_]+): (?P<value>.+)$")


class Question(BaseModel):
    """One question of the guide."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str = Field(..., description="the claim field it fills: " + ", ".join(CLAIM_FIELDS))
    question: str = Field(..., min_length=1)
    ask: str = Field(..., min_length=1, description="the instruction to the model (English)")
    ask_zh: str = Field(..., min_length=1, description="the instruction in Chinese")
    anchors: tuple[str, ...] = Field(..., min_length=1)

    @field_validator("field")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CLAIM_FIELDS:
            raise ValueError(f"must be one of {', '.join(CLAIM_FIELDS)}")
        return value

    def instruction(self, language: str) -> str:
        return self.ask_zh if language == "zh" else self.ask


class Guide(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[Question] = Field(..., min_length=1)

    @field_validator("questions")
    @classmethod
    def _one_per_field(cls, value: list[Question]) -> list[Question]:
        fields = [q.field for q in value]
        if len(set(fields)) != len(fields):
            raise ValueError("one question per field")
        return value


def _v1_sections(prompt: Prompt) -> dict:
    """v1's Markdown (``## field`` then ``key: value`` lines), strictly: every line is a
    section head or a key, each key once; anchors are separated by ``|``."""
    questions: list[dict] = []
    for n, line in enumerate(prompt.body.splitlines(), 1):
        if not line.strip():
            continue
        if m := _SECTION.match(line):
            questions.append({"field": m.group("field")})
        elif (m := _LINE.match(line)) and questions:
            key, value = m.group("key"), m.group("value").strip()
            if key in questions[-1]:
                raise PromptError(f"{prompt.path}: line {n}: {key!r} given twice")
            questions[-1][key] = (tuple(a.strip() for a in value.split("|") if a.strip())
                                  if key == "anchors" else value)
        else:
            raise PromptError(f"{prompt.path}: line {n} is neither '## field' nor 'key: value'")
    return {"questions": questions}


def load_guide(version: int | None = None, directory: Traversable = PROMPTS_DIR
               ) -> tuple[Prompt, list[Question]]:
    prompt = load_prompt("interview.guide", version, directory)
    data = _v1_sections(prompt) if prompt.path.name.endswith(".md") else prompt.data
    try:
        guide = Guide.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise PromptError(f"{prompt.path}: invalid interview guide ({problems})") from None
    return prompt, guide.questions
