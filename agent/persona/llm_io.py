"""The small JSON objects the model is asked for, and how texts are shown to it."""

from __future__ import annotations

import html
import re

from pydantic import BaseModel, ConfigDict, Field


class ClaimOut(BaseModel):
    """One sentence about the users."""

    model_config = ConfigDict(extra="forbid")
    claim: str = Field(..., min_length=12, max_length=200,
                       description="One sentence about these users, from the comment only.")


class NameOut(BaseModel):
    """A persona name."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=3, max_length=50,
                      description="Two or three words describing who these users are.")


class TaglineOut(BaseModel):
    """A one-line tagline."""

    model_config = ConfigDict(extra="forbid")
    tagline: str = Field(..., min_length=10, max_length=120,
                         description="One short line: what matters most to these users.")


class SummaryOut(BaseModel):
    """A two-sentence summary."""

    model_config = ConfigDict(extra="forbid")
    summary: str = Field(..., min_length=20, max_length=500,
                         description="Two sentences describing these users.")


_TAGS = re.compile(r"</?[A-Za-z][A-Za-z0-9_-]*\s*/?>?|\{[^{}]{0,40}\}")
_STUTTER = re.compile(r"^(They|他们)\s*[.,，。:：]\s*", re.IGNORECASE)


def tidy(text: str) -> str:
    """Remove markup debris a small model leaves in an answer ("</comment>", "{user}",
    "They. They ..."), so validation judges the sentence itself."""
    text = _TAGS.sub(" ", html.unescape(text))
    text = _STUTTER.sub("", text.strip())
    text = re.sub(r"\s+", " ", text).strip().strip('"“”').strip()
    return text[:1].upper() + text[1:]   # "they have been …" → "They have been …"


def comments_block(texts: list[str]) -> str:
    """User texts as delimited data. Angle brackets inside a text are neutralised, so a text
    cannot close its own delimiter or open a fake one."""
    safe = (t.replace("<", "‹").replace(">", "›") for t in texts)
    return "\n".join(f"<comment>{t}</comment>" for t in safe)


def statements_block(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)
