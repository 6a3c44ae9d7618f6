"""Retrieval tools over the texts of the group (or fine segment) a persona describes.

``GroupTools`` holds the logic (plain methods returning data); ``langchain_tools`` wraps
them as LangChain tools for the autonomous interviewer. Bad arguments come back to the model
as an error message (it can correct itself); they never raise.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from vectorstore.segment.artifact import SegmentationRun
from vectorstore.store import ChromaStore

from .evidence import SupportCounter
from .group import GroupData

MAX_K = 20


class ToolError(ValueError):
    """A tool was called with arguments it cannot use; the message goes back to the model."""


class GroupTools:
    def __init__(self, group: GroupData, store: ChromaStore, embedder, counter: SupportCounter,
                 segments: SegmentationRun, seed: int = 0):
        self.group = group
        self.store = store
        self.embedder = embedder
        self.counter = counter
        self.segments = segments
        self.seed = seed

    # -- the tools --------------------------------------------------------------------------------
    def search_texts(self, query: str, k: int = 5) -> list[dict[str, Any]]:
        """The texts most similar to ``query`` (a Chroma query filtered to this group)."""
        query = (query or "").strip()
        if not query:
            raise ToolError("query must be a non-empty string")
        k = _bounded(k, "k")
        vec = self.embedder.embed([query])[0]
        allowed = set(self.group.ids)
        found = self.store.query(vec, n_results=min(k + len(self.group.flagged_ids) + 10,
                                                   max(self.group.size + 20, k)),
                                 where={self.group.level.key: self.group.id})
        out = [{"id": i, "text": t, "similarity": round(1 - d, 4)}
               for i, t, d in zip(found["ids"], found["documents"], found["distances"], strict=True)
               if i in allowed]
        return out[:k]

    def sample_texts(self, n: int = 5, strategy: str = "central") -> list[dict[str, Any]]:
        """``n`` texts: the most ``central``, a ``diverse`` set (MMR) or a seeded ``random`` one."""
        n = _bounded(n, "n")
        g = self.group
        if strategy == "central":
            order = np.argsort(-(g.vectors @ g.centroid), kind="stable")[:n]
        elif strategy == "diverse":
            order = mmr(g.vectors, g.centroid, n)
        elif strategy == "random":
            order = random.Random(self.seed).sample(range(g.size), min(n, g.size))
        else:
            raise ToolError("strategy must be one of: central, diverse, random")
        return [{"id": g.ids[i], "text": g.texts[i]} for i in order]

    def describe(self) -> dict[str, Any]:
        info = self.group.info
        return {"id": self.group.id, "level": self.group.level.value, "texts": info.size,
                "share": info.share, "users": info.users, "keywords": list(info.keywords),
                "languages": dict(info.languages), "metadata": dict(info.metadata),
                "flagged_texts": len(self.group.flagged_ids)}

    def compare_nearest(self, other: str | None = None) -> list[dict[str, Any]]:
        """Keywords and central texts of the nearest other groups (or of ``other``)."""
        peers = [p for p in self._peers() if p.id != self.group.id]
        if other:
            peers = [p for p in peers if p.id == other]
            if not peers:
                known = ", ".join(p.id for p in self._peers())
                raise ToolError(f"unknown {self.group.level.value} {other!r}; known: {known}")
        else:
            peers = sorted(peers, key=lambda p: -self._closeness(p))[:3]
        out = []
        for p in peers:
            central = list(p.central_ids[:3])
            docs = self.store.get(ids=central, include=["documents"]) if central else {"ids": [],
                                                                                       "documents": []}
            out.append({"id": p.id, "keywords": list(p.keywords)[:8],
                        "central_texts": list(docs["documents"])})
        return out

    def count_support(self, claim: str) -> dict[str, Any]:
        claim = (claim or "").strip()
        if not claim:
            raise ToolError("claim must be a non-empty sentence")
        s = self.counter.count(claim, self.group)
        return {"claim": claim, "support_count": s.count, "prevalence": s.prevalence,
                "of_texts": self.group.size, "example_ids": s.ids[:5]}

    # -- helpers ---------------------------------------------------------------------------------
    def _peers(self):
        return self.segments.units(self.group.level)

    def _closeness(self, peer) -> float:
        mine = set(self.group.info.keywords)
        theirs = set(peer.keywords)
        return len(mine & theirs) / max(len(mine | theirs), 1) + peer.share * 1e-3


def mmr(vectors: np.ndarray, centroid: np.ndarray, n: int, lam: float = 0.6) -> list[int]:
    """Maximal marginal relevance: relevant to the centroid, different from each other."""
    if len(vectors) == 0:
        return []
    relevance = vectors @ centroid
    chosen = [int(np.argmax(relevance))]
    best_sim = vectors @ vectors[chosen[0]]
    while len(chosen) < min(n, len(vectors)):
        score = lam * relevance - (1 - lam) * best_sim
        score[chosen] = -np.inf
        nxt = int(np.argmax(score))
        chosen.append(nxt)
        best_sim = np.maximum(best_sim, vectors @ vectors[nxt])
    return chosen


def _bounded(value: Any, name: str) -> int:
    try:
        v = int(value)
    except (TypeError, ValueError):
        raise ToolError(f"{name} must be a whole number between 1 and {MAX_K}") from None
    if not 1 <= v <= MAX_K:
        raise ToolError(f"{name} must be between 1 and {MAX_K}, not {v}")
    return v


# -- LangChain wrappers -------------------------------------------------------------------------
class _Search(BaseModel):
    query: str = Field(..., description="What to look for, in a few words.")
    k: int = Field(5, description=f"How many texts (1-{MAX_K}).")


class _Sample(BaseModel):
    n: int = Field(5, description=f"How many texts (1-{MAX_K}).")
    strategy: str = Field("central", description="central, diverse or random")


class _Compare(BaseModel):
    other: str | None = Field(None, description="Id of another group; empty for the nearest.")


class _Count(BaseModel):
    claim: str = Field(..., description="A one-sentence statement about these users.")


class _NoArgs(BaseModel):
    pass


def langchain_tools(tools: GroupTools, log: list[dict[str, Any]] | None = None) -> list:
    """The five tools as LangChain ``StructuredTool``s; calls and results go into ``log``."""
    from langchain_core.tools import StructuredTool

    def wrap(name, fn, schema, description):
        def run(**kwargs):
            try:
                result = fn(**kwargs)
            except ToolError as exc:
                result = {"error": str(exc)}
            if log is not None:
                log.append({"tool": name, "args": kwargs, "result": result})
            return result

        return StructuredTool.from_function(func=run, name=name, description=description,
                                            args_schema=schema)

    return [
        wrap("search_texts", tools.search_texts, _Search,
             "Find the group's texts most similar to a query."),
        wrap("sample_texts", tools.sample_texts, _Sample,
             "Read some of the group's texts: central, diverse or random."),
        wrap("describe", tools.describe, _NoArgs,
             "Size, share, keywords, metadata and languages of the group."),
        wrap("compare_nearest", tools.compare_nearest, _Compare,
             "Keywords and central texts of the nearest other groups."),
        wrap("count_support", tools.count_support, _Count,
             "How many of the group's texts support a statement."),
    ]
