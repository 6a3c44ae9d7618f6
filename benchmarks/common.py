"""Helpers shared by the benchmark scripts: data loading and cached embeddings."""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
CACHE = ROOT / "benchmarks" / ".cache"


def load_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        sys.exit(f"{path} not found (the labelled corpora live in ../shared/data)")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def stratified_sample(rows: list[dict], n: int, label: str, seed: int = 0) -> list[dict]:
    """``n`` rows with label shares kept (largest remainder), in a seeded random order."""
    if n >= len(rows):
        return rows
    by: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by[r[label]].append(r)
    rng = random.Random(seed)
    quotas = {k: n * len(v) / len(rows) for k, v in by.items()}
    take = {k: max(1, int(q)) for k, q in quotas.items()}
    rest = n - sum(take.values())
    for k in sorted(quotas, key=lambda k: quotas[k] - int(quotas[k]), reverse=True)[:max(rest, 0)]:
        take[k] += 1
    out = [r for k in sorted(by) for r in rng.sample(by[k], min(take[k], len(by[k])))]
    rng.shuffle(out)
    return out


def embed_cached(texts: list[str], kind: str) -> np.ndarray:
    """Embed with personakit's ``minilm`` or ``multilingual`` embedder, cached on disk."""
    digest = hashlib.sha256(("\x1f".join(texts) + kind).encode()).hexdigest()[:16]
    path = CACHE / f"{kind}-{len(texts)}-{digest}.npy"
    if path.exists():
        return np.load(path)
    if kind == "minilm":
        from vectorstore.embedders.minilm import SentenceTransformerEmbedder as E
    else:
        from vectorstore.embedders.multilingual import MultilingualUSEEmbedder as E
    vectors = E(threads=2).embed(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
