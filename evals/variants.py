"""Eval variants: ``NAME:KEY=VALUE,...`` on the command line, or a YAML spec file.

Keys: ``prompts`` (a prompt version set: every prompt at the highest version ≤ N that the
code can fill in — a version written for other variables is passed over),
``prompt.<id>`` (one prompt's version), ``provider``, ``model``, ``base_url``,
``model_path``, ``interview`` (guided | autonomous), ``temperature``, ``level``
(group | segment; ``fine`` is the deprecated alias).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.config import Settings
from vectorstore.errors import InputError
from vectorstore.segment.artifact import Level

LLM_KEYS = {"provider", "model", "base_url", "model_path"}
KEYS = {"prompts", "interview", "temperature", "level"} | LLM_KEYS


@dataclass
class Variant:
    name: str
    settings: dict[str, Any] = field(default_factory=dict)
    prompt_versions: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in sorted(self.settings.items())]
        parts += [f"prompt.{k}={v}" for k, v in sorted(self.prompt_versions.items())]
        return ", ".join(parts) or "defaults"

    def apply(self, settings: Settings) -> Settings:
        """The user's ``settings`` with this variant's overrides (a copy)."""
        s = settings.model_copy(deep=True)
        for key in LLM_KEYS & set(self.settings):
            setattr(s.llm, key, self.settings[key])
        if "interview" in self.settings:
            s.persona.interview = self.settings["interview"]
        if "temperature" in self.settings:
            s.persona.temperature = float(self.settings["temperature"])
        if "level" in self.settings:
            s.persona.level = Level.parse(self.settings["level"]).value
        s.persona.prompt_versions = {**s.persona.prompt_versions, **self.prompt_versions}
        return type(s).model_validate(s.model_dump())  # validated like any other settings


def _versions_up_to(n: int) -> dict[str, int]:
    from agent.persona.generate import usable_versions

    out = {}
    for prompt_id, versions in usable_versions().items():
        eligible = [v for v in versions if v <= n]
        if eligible:
            out[prompt_id] = max(eligible)
    return out


def build_variant(name: str, values: dict[str, Any]) -> Variant:
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise InputError(f"variant name {name!r}: use letters, digits, '-' and '_'")
    v = Variant(name)
    for key, value in values.items():
        if key == "prompts":
            try:
                v.prompt_versions.update(_versions_up_to(int(str(value).lstrip("v"))))
            except ValueError:
                raise InputError(f"variant {name}: prompts= takes a version number, e.g. "
                                 "prompts=2") from None
        elif key.startswith("prompt."):
            prompt_id = key[len("prompt."):]
            from agent.persona.generate import usable_versions

            versions = usable_versions().get(prompt_id)
            if not versions or int(str(value).lstrip("v")) not in versions:
                raise InputError(f"variant {name}: no prompt {prompt_id} v{value} "
                                 f"(have {versions or 'none'})")
            v.prompt_versions[prompt_id] = int(str(value).lstrip("v"))
        elif key in KEYS:
            v.settings[key] = value
        else:
            raise InputError(f"variant {name}: unknown key {key!r}; use one of "
                             f"{', '.join(sorted(KEYS))} or prompt.<id>")
    if "temperature" in v.settings:
        try:
            v.settings["temperature"] = float(v.settings["temperature"])
        except ValueError:
            raise InputError(f"variant {name}: temperature must be a number") from None
    if str(v.settings.get("level", "group")) not in ("group", "segment", "fine"):
        raise InputError(f"variant {name}: level must be group or segment")
    if v.settings.get("interview", "guided") not in ("guided", "autonomous"):
        raise InputError(f"variant {name}: interview must be guided or autonomous")
    return v


def parse_variant(text: str) -> Variant:
    """``v2:prompts=2,interview=guided`` → Variant."""
    name, _, rest = text.partition(":")
    values: dict[str, Any] = {}
    for item in filter(None, (x.strip() for x in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--variant {text!r}: expected KEY=VALUE, got {item!r}")
        values[key.strip()] = value.strip()
    return build_variant(name.strip(), values)


def load_spec(path: Path) -> dict[str, Any]:
    """An eval spec: ``data``, ``label_col``, ``holdout``, ``seed`` and ``variants``."""
    import yaml

    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the eval spec ({exc})") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("variants"), dict):
        raise InputError(f"{path}: an eval spec needs a 'variants' mapping of name → settings")
    spec["variants"] = [build_variant(str(n), dict(v or {})) for n, v in spec["variants"].items()]
    return spec
