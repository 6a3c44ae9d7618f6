"""Embeddings from OpenAI or any OpenAI-compatible ``/v1/embeddings`` endpoint."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import DependencyMissing, PersonaError
from .base import BatchEmbedder

DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072,
              "text-embedding-ada-002": 1536}


class OpenAIEmbedder(BatchEmbedder):
    """Batched calls with the client's own retries (429/5xx/timeouts, exponential backoff).

    ``dim`` is known from :data:`DIMENSIONS` for OpenAI's models; for any other model
    (an OpenAI-compatible server) it is learnt from the first embedding call, and asking for
    it before any call embeds one probe string, so a collection is never described as 0-d.
    """

    PROBE = "dimension probe"

    def __init__(self, model: str = "text-embedding-3-small", api_key: str | None = None,
                 base_url: str | None = None, batch_size: int = 256, max_retries: int = 5,
                 timeout: float = 60.0):
        try:
            import openai
        except ImportError:
            raise DependencyMissing("the openai package is not installed") from None
        if not api_key and not base_url:
            raise PersonaError("the openai embedder needs OPENAI_API_KEY (or OPENAI_BASE_URL for "
                               "a compatible server that needs no key)")
        self._openai = openai
        self._client = openai.OpenAI(api_key=api_key or "not-needed", base_url=base_url,
                                     max_retries=max_retries, timeout=timeout)
        self.model = model
        self.batch_size = batch_size
        self.model_id = f"openai:{model}"
        self._dim = DIMENSIONS.get(model, 0)

    @property
    def dim(self) -> int:
        if not self._dim:
            self.embed_batch([self.PROBE])
        return self._dim

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for s in range(0, len(texts), self.batch_size):
            try:
                res = self._client.embeddings.create(model=self.model,
                                                     input=list(texts[s:s + self.batch_size]))
            except self._openai.APIError as exc:
                raise PersonaError(f"embedding request failed after retries: {exc}") from None
            rows.extend(item.embedding for item in sorted(res.data, key=lambda d: d.index))
        vectors = np.asarray(rows, dtype=np.float32)
        if vectors.ndim == 2 and vectors.shape[1]:
            self._dim = vectors.shape[1]
        return vectors
