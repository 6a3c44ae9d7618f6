"""Configuration: one pydantic-settings model.

Sources, in increasing precedence: built-in defaults → ``<workspace>/persona.toml`` →
``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` → ``PERSONA_*`` environment variables (nested with
``__``, e.g. ``PERSONA_LLM__PROVIDER=openai``) → command-line flags.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from vectorstore.errors import InputError
from vectorstore.redact import DEFAULT_PHONE_REGIONS

CONFIG_FILE = "persona.toml"
DEFAULT_WORKSPACE = Path(".persona")
_TOML_FILE: ContextVar[Path | None] = ContextVar("persona_toml_file", default=None)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddingConfig(_Section):
    embedder: Literal["auto", "minilm", "multilingual", "openai"] = Field(
        "auto", description="auto picks multilingual when enough of the texts are not English")
    model: str | None = Field(None, description="model directory (minilm/multilingual) or "
                                                "model name (openai)")
    batch_size: int = Field(64, ge=1, le=4096)
    threads: int | None = Field(None, ge=1, description="CPU threads for local embedders")
    auto_threshold: float = Field(
        0.05, ge=0, le=1, description="non-English share at or above which auto picks "
                                      "multilingual (benchmarks/embedder_choice.py)")


class LLMConfig(_Section):
    provider: Literal["local", "openai"] = "local"
    model: str | None = Field(None, description="model name sent to the server")
    model_path: Path | None = Field(None, description="GGUF file for the local server")
    base_url: str | None = Field(None, description="OpenAI-compatible base URL (…/v1)")
    api_key: SecretStr | None = None
    context: int = Field(8192, ge=512, description="context size of the local server")
    connect_timeout: float = Field(5.0, gt=0, description="seconds to connect to the server")
    timeout: float = Field(60.0, gt=0, description="seconds for one model call, retries "
                                                   "included (benchmarks/personas.py reports "
                                                   "the slowest local call)")
    max_retries: int = Field(3, ge=0, description="attempts after the first, within timeout")
    threads: int | None = Field(None, ge=1)
    startup_timeout: float = Field(120.0, gt=0)


class ChromaConfig(_Section):
    url: str | None = Field(None, description="Chroma server URL; embedded store when unset")
    collection: str | None = Field(None, description="default: derived from the workspace path")


class IngestConfig(_Section):
    chunk_tokens: int = Field(512, ge=16)
    redact: bool = True
    block_rows: int = Field(2048, ge=1)
    max_text_chars: int = Field(100_000, ge=100, description="longer rows are rejected")
    phone_regions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PHONE_REGIONS),
        description="countries whose national phone formats are redacted (ISO 3166 codes); "
                    "international formats (+44 …) always are")


class PersonaConfig(_Section):
    level: Literal["group", "segment"] = Field(
        "group", description="one persona per parent group, or per fine segment")
    min_persona_size: int = Field(5, ge=1)
    min_support: int = Field(3, ge=1, description="supporting texts a claim needs")
    support_threshold: float | None = Field(
        None, gt=0, lt=1, description="similarity for 'supports'; default: calibrated per "
                                      "embedder (benchmarks/calibrate_support.py)")
    language: str | None = None
    interview: Literal["guided", "autonomous"] = "guided"
    concurrency: int = Field(1, ge=1, le=32)
    temperature: float = Field(0.0, ge=0, le=2, description="first-attempt sampling temperature")
    prompt_versions: dict[str, int] = Field(
        default_factory=dict, description="pin prompt versions, e.g. {'writer.claim' = 2}")
    price_input_per_million: float = Field(0.0, ge=0, description="USD per 1M prompt tokens")
    price_output_per_million: float = Field(0.0, ge=0,
                                            description="USD per 1M completion tokens")


class Settings(BaseSettings):
    """Everything configurable; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="PERSONA_", env_nested_delimiter="__",
                                      extra="forbid", validate_default=True)

    workspace: Path = DEFAULT_WORKSPACE
    embedding: EmbeddingConfig = EmbeddingConfig()
    llm: LLMConfig = LLMConfig()
    chroma: ChromaConfig = ChromaConfig()
    ingest: IngestConfig = IngestConfig()
    persona: PersonaConfig = PersonaConfig()
    lock_timeout: float = Field(10.0, ge=0, description="seconds to wait for a busy workspace")
    pseudonym_key: SecretStr | None = Field(
        None, description="key for user-id pseudonyms; default: a random key in the workspace")

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        return (init_settings, env_settings, _OpenAIEnv(settings_cls),
                TomlConfigSettingsSource(settings_cls, toml_file=_TOML_FILE.get()))


class _OpenAIEnv(PydanticBaseSettingsSource):
    """The standard OpenAI variables, below PERSONA_* in precedence. Kept by hand: they map
    onto a nested section (llm.*), which pydantic-settings' env aliases cannot express."""

    def get_field_value(self, field, field_name):  # pragma: no cover - unused by __call__
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        llm: dict[str, Any] = {}
        if os.environ.get("OPENAI_API_KEY"):
            llm["api_key"] = os.environ["OPENAI_API_KEY"]
        if os.environ.get("OPENAI_BASE_URL"):
            llm["base_url"] = os.environ["OPENAI_BASE_URL"]
        return {"llm": llm} if llm else {}


def resolve_workspace(flag: Path | None) -> Path:
    if flag is not None:
        return flag
    return Path(os.environ.get("PERSONA_WORKSPACE") or DEFAULT_WORKSPACE)


def load_settings(workspace: Path | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings` for ``workspace`` with CLI ``overrides`` (nested dicts).

    Overrides whose value is None are ignored, so unset flags never mask the file or env.
    """
    ws = resolve_workspace(workspace)
    path = ws / CONFIG_FILE
    token = _TOML_FILE.set(path)
    clean = _drop_none(overrides)
    clean["workspace"] = ws
    try:
        return Settings(**clean)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise InputError(f"invalid configuration ({path}, PERSONA_* variables or "
                         f"flags): {problems}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    finally:
        _TOML_FILE.reset(token)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            v = _drop_none(v)
            if v:
                out[k] = v
        elif v is not None:
            out[k] = v
    return out
