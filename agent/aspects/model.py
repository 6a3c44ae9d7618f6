"""Aspects: what many of a group's users say, with their member texts counted and kept."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Facet = Literal["goal", "pain_point", "behaviour", "motivation", "who"]
CLAIM_FACETS: tuple[Facet, ...] = ("goal", "pain_point", "behaviour", "motivation")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Example(_Strict):
    """A member sentence, verbatim: ``text == record[start:end]``."""

    doc_id: str
    text: str
    lang: str
    similarity: float = Field(..., description="to the aspect's centre")


class Span(_Strict):
    """Where a member sentence is: ``record[start:end]`` of text ``doc_id`` (no text copied)."""

    doc_id: str
    start: int
    end: int
    lang: str


class Aspect(_Strict):
    id: str = Field(..., description="unique within its group, e.g. g3.a2")
    facet: Facet
    facet_scores: dict[str, float] = Field(default_factory=dict)
    label: str = Field(..., description="key phrase, in the members' main language")
    labels: dict[str, str] = Field(default_factory=dict, description="key phrase per language")
    phrases: dict[str, list[str]] = Field(default_factory=dict, description=(
        "per language, the key phrase and the phrases that with it say what most members say, "
        "when few of them say the key phrase (``phrases.covering_phrases``)"))
    members: list[str] = Field(..., description="ids of every member text, most typical first")
    support: int = Field(..., ge=0, description="member texts")
    prevalence: float = Field(..., ge=0, le=1, description="member texts / group texts")
    users: int = Field(0, ge=0, description="distinct users among the members")
    languages: dict[str, int] = Field(default_factory=dict, description="member texts per "
                                                                        "language")
    examples: list[Example] = Field(default_factory=list, description="most typical member "
                                                                      "sentences, per language")
    spans: list[Span] = Field(default_factory=list, description="every member sentence's "
                                                                "place in its text")
    cohesion: float = 0.0
    distinctiveness: float = Field(0.0, description="prevalence here vs in the other groups")

    @property
    def main_language(self) -> str:
        return max(sorted(self.languages), key=lambda k: self.languages[k]) if self.languages \
            else "und"

    def examples_in(self, lang: str) -> list[Example]:
        return [e for e in self.examples if e.lang == lang]


class AspectSet(_Strict):
    """The aspects of one group (or segment), as found by ``discover``."""

    subject_id: str
    level: Literal["group", "segment"]
    texts: int = Field(..., ge=0, description="usable texts of the group")
    units: int = Field(0, ge=0, description="content units considered")
    embedder: str
    method: str
    segmentation_run: str | None = Field(None, description="the segmentation it was found in")
    finder: str | None = Field(None, description="the rules it was found with (units version, "
                                                 "calibration): other rules find it again")
    aspects: list[Aspect] = Field(default_factory=list)

    def of_facet(self, facet: str) -> list[Aspect]:
        return [a for a in self.aspects if a.facet == facet]

    def get(self, aspect_id: str) -> Aspect | None:
        return next((a for a in self.aspects if a.id == aspect_id), None)
