"""Which segment labels on the records a reader may trust: only the committed run's.

A segmentation writes ``segment_id`` / ``parent_id`` onto thousands of records, batch by
batch, and then ``segments.json``; a run killed in between must not leave readers with a mix.
So every label carries the *tag* of the run that wrote it (``seg_run``), and a record whose
label a run changes keeps the label it replaces beside it (``prev_segment_id``,
``prev_parent_id``, ``prev_seg_run``). ``segments.json`` lists the tags its labels carry
(``label_tags``, written last, atomically). A :class:`LabelView` over those tags gives each
record the label of the committed run: the current one when its tag is committed, else the
one it replaced when that one's is, else none. Chroma ``where`` filters on the label keys are
rewritten the same way, so filtered reads agree with unfiltered ones.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

RUN_KEY = "seg_run"
LABEL_KEYS = ("segment_id", "parent_id")
PREV = {"segment_id": "prev_segment_id", "parent_id": "prev_parent_id", RUN_KEY: "prev_seg_run"}
#: every metadata key the labels use
STORED_KEYS = frozenset({*LABEL_KEYS, RUN_KEY, *PREV.values()})
_NONE = "\x00no committed run"


def new_tag() -> str:
    """A tag for one run's label writes (unique: two runs never share one)."""
    return secrets.token_hex(6)


@dataclass(frozen=True)
class Slot:
    segment: str | None
    group: str | None
    tag: str
    current: bool  # the record's own label (else the one a later, uncommitted run replaced)


@dataclass(frozen=True)
class LabelView:
    """The labels of the committed segmentation, whose labels carry ``tags``."""

    tags: frozenset[str]

    def slot(self, meta: dict[str, Any] | None) -> Slot | None:
        if not meta:
            return None
        tag = meta.get(RUN_KEY)
        if tag in self.tags:
            return Slot(meta.get("segment_id"), meta.get("parent_id"), tag, True)
        prev = meta.get(PREV[RUN_KEY])
        if prev in self.tags:
            return Slot(meta.get(PREV["segment_id"]), meta.get(PREV["parent_id"]), prev, False)
        return None

    def uncommitted(self, meta: dict[str, Any] | None) -> str | None:
        """The tag of a run that never committed, when it wrote this record's label."""
        tag = (meta or {}).get(RUN_KEY)
        return tag if tag is not None and tag not in self.tags else None

    def resolve(self, meta: dict[str, Any] | None) -> dict[str, Any] | None:
        """``meta`` as a reader sees it: the committed label (or none), bookkeeping hidden."""
        if meta is None:
            return None
        out = {k: v for k, v in meta.items() if k not in STORED_KEYS}
        s = self.slot(meta)
        if s is not None:
            out[RUN_KEY] = s.tag
            if s.segment is not None:
                out["segment_id"] = s.segment
            if s.group is not None:
                out["parent_id"] = s.group
        return out

    def where(self, where: dict[str, Any] | None) -> dict[str, Any] | None:
        """A Chroma filter that matches on the committed labels where ``where`` names one."""
        if not where:
            return where
        parts = []
        for key, cond in where.items():
            if key in ("$and", "$or"):
                parts.append({key: [self.where(w) for w in cond]})
            elif key in LABEL_KEYS:
                parts.append(self._label(key, cond))
            else:
                parts.append({key: cond})
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def _label(self, key: str, cond: Any) -> dict[str, Any]:
        tags = sorted(self.tags) or [_NONE]
        own = {"$and": [{key: cond}, {RUN_KEY: {"$in": tags}}]}
        replaced = {"$and": [{PREV[key]: cond}, {RUN_KEY: {"$nin": tags}},
                             {PREV[RUN_KEY]: {"$in": tags}}]}
        return {"$or": [own, replaced]}


def relabel(slot: Slot | None, segment: str, group: str, tag: str) -> dict[str, Any]:
    """The metadata update that gives a record a new label under ``tag``, keeping the
    committed one (``slot``) beside it until the new run commits."""
    prev = ({PREV["segment_id"]: slot.segment, PREV["parent_id"]: slot.group,
             PREV[RUN_KEY]: slot.tag} if slot is not None
            else dict.fromkeys(PREV.values()))
    return {"segment_id": segment, "parent_id": group, RUN_KEY: tag, **prev}


__all__ = ["LABEL_KEYS", "PREV", "RUN_KEY", "STORED_KEYS", "LabelView", "Slot", "new_tag",
           "relabel"]
