"""Keep segment names stable across runs by matching new labels to old names on overlap
(Hungarian method), so a re-segmentation does not renumber everything."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .types import UNASSIGNED

MIN_OVERLAP = 0.3  # a new segment inherits a name only if ≥30% of its members had it


def stable_names(labels: np.ndarray, previous: Sequence[str | None], prefix: str,
                 taken: Sequence[str] = ()) -> dict[int, str]:
    """Names for ``labels`` (int per record) given each record's ``previous`` name (or None).

    Matched labels keep the old name; the rest get new numbers above every name in
    ``previous`` and ``taken``, in order of decreasing size.
    """
    from scipy.optimize import linear_sum_assignment

    new_ids = sorted(set(labels.tolist()) - {UNASSIGNED})
    names: dict[int, str] = {UNASSIGNED: "unassigned"}
    old_names = sorted({p for p in previous if p and p != "unassigned"})
    if new_ids and old_names:
        row = {lab: i for i, lab in enumerate(new_ids)}
        col = {name: j for j, name in enumerate(old_names)}
        overlap = np.zeros((len(new_ids), len(old_names)))
        for lab, prev in zip(labels.tolist(), previous, strict=True):
            if lab != UNASSIGNED and prev in col:
                overlap[row[lab], col[prev]] += 1
        r, c = linear_sum_assignment(-overlap)
        sizes = np.bincount([row[x] for x in labels.tolist() if x != UNASSIGNED],
                            minlength=len(new_ids))
        for i, j in zip(r, c, strict=True):
            if overlap[i, j] > 0 and overlap[i, j] >= MIN_OVERLAP * sizes[i]:
                names[new_ids[i]] = old_names[j]
    used = [*old_names, *taken]
    next_number = 1 + max((_number(n) for n in used), default=0)
    for lab in new_ids:  # labels come numbered by decreasing size
        if lab not in names:
            names[lab] = f"{prefix}{next_number}"
            next_number += 1
    return names


def _number(name: str) -> int:
    m = re.search(r"(\d+)$", name)
    return int(m.group(1)) if m else 0
