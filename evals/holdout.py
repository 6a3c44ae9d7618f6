"""Held-out texts: a fixed, seeded share of each group, invisible to generation."""

from __future__ import annotations

import random


def hold_out(members: dict[str, list[str]], share: float, seed: int) -> set[str]:
    """Ids held out: ``share`` of each group's (sorted) ids, chosen with ``seed``; a group keeps
    at least one visible text, and groups of fewer than five texts keep everything."""
    out: set[str] = set()
    for group in sorted(members):
        ids = sorted(members[group])
        if len(ids) < 5 or share <= 0:
            continue
        k = min(len(ids) - 1, max(1, round(share * len(ids))))
        out.update(random.Random(f"{seed}:{group}").sample(ids, k))
    return out
