"""Embedders: one required method (``embed_batch``); heavy libraries load only when built."""

from .base import BatchEmbedder, Embedder

__all__ = ["BatchEmbedder", "Embedder"]
