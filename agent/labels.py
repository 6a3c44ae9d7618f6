"""User labels for groups and segments, and the one function that decides a displayed name.

A label (``persona label g3 "Parents"``, ``PUT /labels/g3``) is kept in the workspace's
``labels.json`` by id. Segment and group ids are carried over between segmentation runs by
overlap (``vectorstore/segment/stable_ids.py``), so a label survives a rerun, even a
``--fresh`` one, of the same records. The label replaces the persona's generated name
wherever a name is shown (deck, answers, API, exports, ``persona list``); the persona file
keeps its generated ``name``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING

from vectorstore.errors import InputError

if TYPE_CHECKING:
    from agent.persona.schema import Persona

MAX_LABEL = 60

Labels = Mapping[str, str]


def display_name(unit_id: str, persona: Persona | None = None, labels: Labels | None = None,
                 fallback: str | None = None) -> str:
    """The name group or segment ``unit_id`` is shown with: the user's label, else its
    persona's generated name, else ``fallback`` (default: the id itself)."""
    label = (labels or {}).get(unit_id)
    if label:
        return label
    if persona is not None:
        return persona.name
    return fallback or unit_id


def clean_label(text: str) -> str:
    """A label as stored: one line, whitespace collapsed, 1 to 60 characters."""
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch
                      for ch in unicodedata.normalize("NFC", text))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if not cleaned:
        raise InputError("the label is empty; give a name (or --clear to remove the label)")
    if len(cleaned) > MAX_LABEL:
        raise InputError(f"the label is {len(cleaned)} characters long; at most {MAX_LABEL}")
    return cleaned
