"""Duplicate bookkeeping: how many source rows hold a stored text, in constant space.

A record's packed ``rec`` keeps ``dups``, one entry per source that holds its text::

    "dups": {"<tag>": [n, "<digest>"], ...}

* ``tag`` is 8 hex digits of a hash of the source name;
* ``n`` is the number of that source's rows holding the text when it was last read;
* ``digest`` is the XOR of a 48-bit hash of each of those rows' keys (see
  :mod:`vectorstore.ingest` for what a row key is). XOR does not depend on order, so the same
  rows read in any order give the same digest.

``dup_count`` is the sum of ``n`` over entries with distinct digests, plus ``dup_more``.
Rows keyed by ``--id-col`` do not name their source, so a renamed copy of a file yields the
same digest and is not counted twice; rows keyed by position do name it, so each source
counts on its own. Re-reading a source replaces its entry with what was read: with
``--sync`` always, without it only when the source now holds at least as many rows (rows are
never forgotten without ``--sync``). So reading the same file again changes nothing, and one
more copy adds exactly one.

The space is bounded: at most :data:`MAX_SOURCES` entries (about 30 bytes each); past that,
the smallest entry is folded into ``dup_more``, still counted but no longer recognised when
its source is read again. Before this module, every row's key was kept in a list
(``dup_keys``), which made duplicate handling quadratic; such records are converted when
they are next touched.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

MAX_SOURCES = 100
Entry = list  # [n, digest hex]


def source_tag(source: str) -> str:
    """The short name a source goes by in a record's ``dups``."""
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()


def key_hash(key: str) -> int:
    """A 48-bit hash of a row key; XORed into a source's digest."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"),
                                          digest_size=6).digest(), "big")


@dataclass(slots=True)
class Tally:
    """What one read of one source saw of one text."""

    n: int = 0
    digest: int = 0
    owner: str | None = None          # the record holding the text
    stored: Entry | None = None       # this source's entry in that record, as stored now

    def add(self, key: str) -> None:
        self.n += 1
        self.digest ^= key_hash(key)

    def entry(self) -> Entry:
        return [self.n, f"{self.digest:012x}"]


def entry_for(key: str) -> Entry:
    """The entry of a source that holds a text in exactly one row, ``key``."""
    return [1, f"{key_hash(key):012x}"]


def entries(packed: dict[str, Any], record_source: str | None) -> dict[str, Entry]:
    """A record's entries by source tag, converting the old ``dup_keys`` list if present."""
    if "dups" in packed:
        return {k: list(v) for k, v in packed["dups"].items()}
    keys = packed.get("dup_keys")
    if not keys:
        return {}
    tallies: dict[str, Tally] = {}
    for key in keys:
        # "SOURCE|HASH|N" for positional rows; "id:X" rows belong to the record's source
        source = key.rsplit("|", 2)[0] if "|" in key else (record_source or "")
        tallies.setdefault(source_tag(source), Tally()).add(key)
    return {tag: t.entry() for tag, t in tallies.items()}


def merge(old: Entry | None, new: Entry, replace: bool) -> Entry:
    """A source's entry after a read that saw ``new`` (``replace``: ``--sync``)."""
    if old is None or replace or old == new:
        return new
    return new if new[0] >= old[0] else old


def packed_values(ents: dict[str, Entry], more: int = 0) -> dict[str, Any]:
    """The ``rec`` values for these entries: ``dups``, ``dup_count``, ``dup_more``."""
    if len(ents) > MAX_SOURCES:
        ents = dict(ents)
        while len(ents) > MAX_SOURCES:
            smallest = min(ents, key=lambda t: (ents[t][0], t))
            more += ents.pop(smallest)[0]
    distinct: dict[str, int] = {}
    for n, digest in ents.values():
        distinct[digest] = max(n, distinct.get(digest, 0))
    return {"dups": ents, "dup_count": sum(distinct.values()) + more, "dup_more": more or None,
            "dup_keys": None}
