"""The embedder contract: implement ``embed_batch``; ``embed`` comes free."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into one vector each."""

    model_id: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class BatchEmbedder:
    """Base class: subclasses implement :meth:`embed_batch` and set ``model_id``/``dim``.

    :meth:`embed` feeds the model blocks of ``block_size`` texts (large enough for the model
    to sort by length inside a block) and returns L2-normalised float32 rows, so cosine
    similarity is a dot product everywhere downstream.
    """

    model_id: str = ""
    dim: int = 0
    block_size: int = 4096
    #: languages the model was trained on (ISO 639-1); None means "any"
    languages: frozenset[str] | None = None

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [np.asarray(self.embed_batch(list(texts[i:i + self.block_size])), dtype=np.float32)
                 for i in range(0, len(texts), self.block_size)]
        vectors = np.vstack(parts)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def covers(self, language: str) -> bool:
        return self.languages is None or language in self.languages or language == "und"
