"""What a segmentation is: a fine label and a parent-group label per record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

UNASSIGNED = -1


@dataclass
class Segmentation:
    """Labels aligned with the ``ids`` given to the segmenter (``-1`` = unassigned)."""

    labels: np.ndarray
    parents: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def n_segments(self) -> int:
        return len(set(self.labels.tolist()) - {UNASSIGNED})

    @property
    def n_groups(self) -> int:
        return len(set(self.parents.tolist()) - {UNASSIGNED})

    @property
    def unassigned_share(self) -> float:
        return float(np.mean(self.labels == UNASSIGNED)) if len(self.labels) else 0.0


class Segmenter(Protocol):
    """Anything that groups vectors; ``ids`` make the result independent of input order.

    ``previous`` (optional) is each record's segment name from the last run, which a
    segmenter may start from so that adding a few records moves few others.
    """

    def segment(self, ids: Sequence[str], vectors: np.ndarray,
                previous: Sequence[str | None] | None = None) -> Segmentation: ...
