"""How a record's metadata is laid out in Chroma.

Flat keys, which filters use: ``source``, ``text_hash`` (on a text's first record only),
``lang``, ``user``, ``chunk_of`` (on chunked texts), ``meta_<column>`` (the input's own
columns) and, after segmentation, ``segment_id`` / ``parent_id`` with the tag of the run that
wrote them (``seg_run``) and the labels they replaced (``prev_*``, see :mod:`.labels`).

Bookkeeping nobody filters on is packed into one JSON string, ``rec``: ``row``, ``row_key``,
``dups`` (per-source duplicate entries, see :mod:`vectorstore.duplicates`), ``dup_count``,
``dup_more``, ``chars``, ``ingested_at``, ``chunk_index``, ``chunk_count``.
Chroma indexes every metadata key on write, so packing keeps ingestion fast (measured in
``benchmarks/ingest.py``).
"""

from __future__ import annotations

import json
from typing import Any

from .labels import STORED_KEYS

REC = "rec"
META_PREFIX = "meta_"
#: flat keys that describe where a record sits, not what its row said
PLACEMENT = frozenset({REC, "source", "chunk_of", *STORED_KEYS})


def rec(meta: dict[str, Any]) -> dict[str, Any]:
    """The packed bookkeeping of a record's metadata."""
    raw = meta.get(REC)
    return json.loads(raw) if raw else {}


def with_rec(meta: dict[str, Any], **values: Any) -> dict[str, Any]:
    """A copy of ``meta`` with ``values`` set in its packed bookkeeping (None removes)."""
    packed = rec(meta)
    for k, v in values.items():
        if v is None:
            packed.pop(k, None)
        else:
            packed[k] = v
    out = dict(meta)
    out[REC] = json.dumps(packed, ensure_ascii=False, separators=(",", ":"))
    return out


def is_first(meta: dict[str, Any]) -> bool:
    """True for a text's own record (not a second or later chunk of it)."""
    return not rec(meta).get("chunk_index")


def content(meta: dict[str, Any]) -> dict[str, Any]:
    """The metadata a source row determines (what counts as a change on re-ingest)."""
    return {k: v for k, v in meta.items() if k not in PLACEMENT}
