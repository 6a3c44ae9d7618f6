"""Segmentation: kNN graph + Leiden over the stored embeddings, two levels, described."""

from .methods import HDBSCANSegmenter, KMeansSegmenter, LeidenSegmenter
from .types import UNASSIGNED, Segmentation, Segmenter

__all__ = ["UNASSIGNED", "HDBSCANSegmenter", "KMeansSegmenter", "LeidenSegmenter",
           "Segmentation", "Segmenter"]
