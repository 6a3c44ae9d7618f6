"""The persona contract (pydantic, ``extra="forbid"``). Field descriptions are written for
the model as much as for people: they go into the JSON Schema the writer sends."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "2.0"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Quote(_Strict):
    text: str = Field(..., min_length=1, description="Verbatim words from one of the group's texts.")
    doc_id: str = Field(..., description="Id of the text the quote comes from.")
    lang: str | None = Field(None, description="Language of the quote.")


class Claim(_Strict):
    text: str = Field(..., min_length=3, max_length=240,
                      description="One short sentence about these users, stated only if their "
                                  "texts say it.")
    aspect_id: str | None = Field(None, description="The aspect this claim stands for; its "
                                                     "member texts are listed in aspects-<id>.json.")
    evidence_ids: list[str] = Field(..., min_length=1,
                                    description="Ids of the group's texts that support the claim "
                                                "(the most typical members first).")
    support_count: int = Field(..., ge=0, description="How many of the group's texts support "
                                                      "the claim (counted in code).")
    prevalence: float = Field(..., ge=0, le=1,
                              description="support_count divided by the group's number of texts.")
    users: int | None = Field(None, ge=0, description="Distinct users among the supporting texts.")
    quote: Quote | None = Field(None, description="One verbatim member sentence.")
    other_quotes: list[Quote] = Field(
        default_factory=list, description="One verbatim member sentence in each other language "
                                          "the members write in (mixed-language aspects).")
    languages: dict[str, int] = Field(default_factory=dict,
                                      description="Supporting texts per language.")
    language: str | None = Field(None, description="Language of the claim text.")
    role: str | None = Field(None, description="who-claims: the role its members state.")
    written_by: Literal["model", "code"] | None = Field(
        None, description="model: the model's sentence passed validation; code: built from the "
                          "aspect's key phrase and share.")


class Size(_Strict):
    texts: int = Field(..., ge=0)
    users: int = Field(..., ge=0)


class SubSegment(_Strict):
    id: str
    size: int = Field(..., ge=0)
    share: float = Field(..., ge=0, le=1, description="Share of the whole corpus.")
    keywords: list[str] = Field(default_factory=list)
    quote: Quote | None = None


class Differentiator(_Strict):
    versus: str = Field(..., description="Id of the nearby group this one is compared with.")
    text: str = Field(..., description="What sets this group apart from that one.")
    distinctive_keywords: list[str] = Field(default_factory=list)


class TokenUsage(_Strict):
    llm_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_cost_usd: float = 0.0


class Provenance(_Strict):
    prompts: list[str] = Field(default_factory=list, description="prompt id@version used")
    chat_model: str
    embedder: str
    segmentation_run: str
    seed: int | None = None
    inputs_hash: str
    created_at: str
    interview_mode: str
    token_usage: TokenUsage = Field(default_factory=TokenUsage)
    claims_dropped: int = Field(0, ge=0, description="claims removed as unsupported")
    model_claims: int = Field(0, ge=0, description="claims whose model-written sentence passed "
                                                   "validation")
    claims_total: int = Field(0, ge=0, description="claims in the persona (who included)")
    flagged_texts_excluded: int = Field(0, ge=0,
                                        description="texts that read as instructions to a model")


class Persona(_Strict):
    schema_version: Literal["2.0"] = SCHEMA_VERSION
    id: str
    level: Literal["group", "segment"] = Field(
        ..., description="What this persona describes: a parent group or a fine segment.")
    group_id: str | None = Field(None, description="The group it describes (level group).")
    segment_id: str | None = Field(None, description="The fine segment it describes (level "
                                                     "segment).")
    name: str = Field(..., min_length=2, max_length=60)
    tagline: str = Field(..., min_length=3, max_length=160)
    summary: str = Field(..., min_length=3, max_length=800)
    size: Size
    share: float = Field(..., ge=0, le=1)
    goals: list[Claim] = Field(default_factory=list)
    pain_points: list[Claim] = Field(default_factory=list)
    behaviours: list[Claim] = Field(default_factory=list)
    motivations: list[Claim] = Field(default_factory=list)
    who: list[Claim] = Field(default_factory=list, description="Who they are: roles and "
                                                               "self-descriptions.")
    role: str | None = Field(None, description="The role most of them state, if any.")
    quotes: list[Quote] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    sub_segments: list[SubSegment] = Field(default_factory=list)
    differentiators: list[Differentiator] = Field(default_factory=list)
    language: str
    degraded: bool = False
    degraded_reason: str | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _describes_one_thing(self) -> Persona:
        wanted, other = (("group_id", "segment_id") if self.level == "group"
                         else ("segment_id", "group_id"))
        if not getattr(self, wanted) or getattr(self, other) is not None:
            raise ValueError(f"a {self.level} persona sets {wanted} (and not {other})")
        return self

    @property
    def subject_id(self) -> str:
        """The id of the group or segment this persona describes."""
        return self.group_id if self.level == "group" else self.segment_id  # type: ignore[return-value]

    def claims(self) -> list[tuple[str, Claim]]:
        return [(field, c) for field in CLAIM_FIELDS for c in getattr(self, field)]


CLAIM_FIELDS = ("goals", "pain_points", "behaviours", "motivations")


def migrate_persona(data: dict[str, Any]) -> dict[str, Any]:
    """A persona written by an older version, in the current schema.

    1.0 called the id of what it described ``segment_id`` even for a group; 2.0 says
    ``group_id`` or ``segment_id`` by level.
    """
    data = dict(data)
    if data.get("schema_version") == "1.0":
        subject = data.pop("segment_id", None)
        data["group_id" if data.get("level") == "group" else "segment_id"] = subject
        data["schema_version"] = SCHEMA_VERSION
    return data


def load_persona(text: str | bytes) -> Persona:
    """Parse a persona file (any released schema version); ValueError when it is not one."""
    return Persona.model_validate(migrate_persona(json.loads(text)))


def json_schema() -> dict:
    """The persona JSON Schema, for users validating files."""
    schema = Persona.model_json_schema()
    schema["$id"] = f"https://personakit.dev/schema/persona-{SCHEMA_VERSION}.json"
    return schema
