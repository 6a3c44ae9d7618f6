"""What ``generate`` is asked to do, fully resolved (no None meaning "the default").

The application layer builds these from the settings plus overrides, in one place, so
``persona generate`` and an eval variant with the same settings resolve equal options.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from vectorstore.segment.artifact import Level


class GenerateOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    level: Level = Level.GROUP
    min_persona_size: int = Field(5, ge=1)
    min_support: int = Field(3, ge=1)
    language: str | None = Field(None, description="None: each group's dominant language")
    interview: str = Field("guided", pattern="^(guided|autonomous)$")
    claims_per_field: int = Field(2, ge=1)
    concurrency: int = Field(1, ge=1, le=32)
    seed: int = 0
    only: tuple[str, ...] | None = Field(None, description="generate just these ids")
    exclude_ids: frozenset[str] = Field(frozenset(), description="held-out records (evals)")
    prompt_versions: dict[str, int] = Field(default_factory=dict)
    price_per_million: tuple[float, float] = (0.0, 0.0)   # input, output (USD)
    support_threshold: float | None = Field(
        None, description="fixed similarity for 'supports'; None: calibrated per embedder")
    no_cache: bool = False

    def comparable(self) -> dict:
        """The options that decide what a persona says (not where it is written)."""
        return self.model_dump(exclude={"only", "exclude_ids", "no_cache", "concurrency"})
