"""How often the rest of the corpus states each role, so a group is named by a role it
states more than the others do, not by one that every group states as often.

A group of happy regulars in which a few office workers say so is not "Office workers" when
the rest of the corpus says "office worker" just as often. ``RoleRates`` reads the roles of
a seeded sample of the corpus once per ``generate`` (every text's keys, by head and kind, as
``agent.persona.roles`` reads them) and gives, for a group, each role's share among the
sampled texts outside it.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass

#: a role names a group when the group's share of texts stating it is at least this many
#: times the share among the rest of the corpus (chosen on the planted train split:
#: ``benchmarks/personas_planted.py --split train``)
DISTINCT = 2.0
#: texts read for the corpus's rates (a seeded sample: reading 100k texts would cost more
#: than the rates gain in precision)
SAMPLE = 4000


def role_keys(text: str, lang: str) -> frozenset[tuple[str, str]]:
    """The role keys (("head", …), ("kind", …)) that ``text`` states, outright or implied."""
    from vectorstore.units import split_units

    from .roles import head_of, kind_of, reading

    keys: set[tuple[str, str]] = set()
    for unit in split_units("r", text, lang):
        role, _ = reading(unit.text, lang)
        if role:
            keys.add(("head", head_of(role, lang)))
            kind = kind_of(role, lang)
            if kind:
                keys.add(("kind", kind))
    return frozenset(keys)


@dataclass
class RoleRates:
    by_id: dict[str, frozenset[tuple[str, str]]]   # sampled text id → the keys it states

    @classmethod
    def read(cls, ids: list[str], texts: list[str], langs: list[str]) -> RoleRates:
        return cls({i: role_keys(t, lang or "und") for i, t, lang in
                    zip(ids, texts, langs, strict=True)})

    @staticmethod
    def sample(ids: list[str], seed: int = 0) -> list[str]:
        """The ids to read: all of them, or a seeded sample of ``SAMPLE``."""
        ordered = sorted(ids)
        if len(ordered) <= SAMPLE:
            return ordered
        return sorted(random.Random(seed).sample(ordered, SAMPLE))

    def elsewhere(self, group_ids: set[str]):
        """For a group: key → the share of the sampled texts outside it that state it (None
        when no sampled text lies outside the group)."""
        rest = [keys for i, keys in self.by_id.items() if i not in group_ids]
        counts = Counter(k for keys in rest for k in keys)
        size = len(rest)

        def share(key: tuple[str, str]) -> float | None:
            return counts[key] / size if size else None
        return share

    @property
    def digest(self) -> str:
        """Identifies the rates (a persona's inputs: the same group is named again when the
        rest of the corpus changed what it states)."""
        counts = Counter(k for keys in self.by_id.values() for k in keys)
        body = json.dumps([len(self.by_id), sorted((f"{a}:{b}", n) for (a, b), n in
                                                   counts.items())], ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()[:16]
