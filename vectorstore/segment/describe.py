"""Describe segments and groups: size, share, users, keywords, central texts, metadata and
language distributions, monthly sizes and trends, average ratings — what a person (or the
persona agent) needs to read a segment."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..injection import FLAG_KEY, reads_as_instruction
from ..records import META_PREFIX, rec
from . import trends
from .keywords import class_tfidf, top_terms
from .types import UNASSIGNED

CENTRAL = 5
TOP_VALUES = 8


def segment_name(label: int) -> str:
    return "unassigned" if label == UNASSIGNED else f"s{label + 1}"


def group_name(label: int) -> str:
    return "unassigned" if label == UNASSIGNED else f"g{label + 1}"


def describe(ids: Sequence[str], labels: np.ndarray, parents: np.ndarray, vectors: np.ndarray,
             documents: Sequence[str], metadatas: Sequence[dict[str, Any]],
             seg_names: dict[int, str], group_names: dict[int, str]) -> dict[str, Any]:
    """Per-segment and per-group descriptions, plus per-user segment distributions."""
    n = len(ids)
    rows = np.array([rec(m).get("dup_count", 1) if "text_hash" in m else 0 for m in metadatas])
    users = [m.get("user") for m in metadatas]
    # Texts that read as instructions to a model are counted, but never become keywords or
    # central texts (those reach prompts and decks).
    flagged = np.array([bool(m.get(FLAG_KEY)) or reads_as_instruction(documents[i])
                        for i, m in enumerate(metadatas)], dtype=bool)
    seg_docs: dict[str, list[str]] = defaultdict(list)
    grp_docs: dict[str, list[str]] = defaultdict(list)
    for i in range(n):
        if labels[i] != UNASSIGNED and not flagged[i]:
            seg_docs[seg_names[labels[i]]].append(documents[i])
            grp_docs[group_names[parents[i]]].append(documents[i])
    seg_kw = class_tfidf(seg_docs) if len(seg_docs) > 1 else {
        k: top_terms(v) for k, v in seg_docs.items()}
    grp_kw = class_tfidf(grp_docs) if len(grp_docs) > 1 else {
        k: top_terms(v) for k, v in grp_docs.items()}
    date_key = trends.detect_date_key(metadatas)
    months = [trends.month_of(m.get(date_key)) if date_key else None for m in metadatas]
    periods = trends.periods(months)
    totals = trends.monthly(months, range(n))
    rating_key = trends.detect_rating_key(metadatas)

    def block(mask: np.ndarray, name: str, keywords: list[str]) -> dict[str, Any]:
        where = np.where(mask)[0]
        centroid = vectors[where].mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        sims = vectors[where] @ centroid
        central = where[np.lexsort((np.asarray(ids, dtype=object)[where].astype(str), -sims))]
        central = [i for i in central if not flagged[i]] or list(central)
        counts = trends.monthly(months, where)
        rating, rated = trends.mean_rating([metadatas[i].get(rating_key) for i in where]
                                           if rating_key else [])
        return {
            "id": name, "size": len(where), "share": round(len(where) / n, 4),
            "rows": int(rows[where].sum()),
            "users": len({users[i] for i in where if users[i]}),
            "keywords": keywords,
            "central_ids": [ids[i] for i in central[:CENTRAL]],
            "flagged": int(flagged[where].sum()),
            "cohesion": round(float(sims.mean()), 4),
            "languages": dict(Counter(metadatas[i].get("lang", "und") for i in where).most_common()),
            "metadata": _meta_stats([metadatas[i] for i in where]),
            "monthly": counts,
            "trend": trends.trend(counts, totals, periods[0], periods[-1]) if periods else None,
            "rating": rating, "rating_count": rated,
        }

    segments = []
    for label in sorted(set(labels.tolist()) - {UNASSIGNED}):
        name = seg_names[label]
        mask = labels == label
        parent = int(np.bincount(parents[mask][parents[mask] >= 0]).argmax()) \
            if (parents[mask] >= 0).any() else UNASSIGNED
        segments.append({**block(mask, name, seg_kw.get(name, [])),
                         "parent": group_names.get(parent, "unassigned")})
    groups = []
    for label in sorted(set(parents.tolist()) - {UNASSIGNED}):
        name = group_names[label]
        mask = parents == label
        members = sorted({seg_names[x] for x in labels[mask].tolist()}, key=_natural)
        groups.append({**block(mask, name, grp_kw.get(name, [])), "segments": members})
    return {"segments": segments, "groups": groups,
            "users": user_distribution(users, labels, seg_names),
            "date_column": trends.column_name(date_key), "periods": periods,
            "rating_column": trends.column_name(rating_key)}


def user_distribution(users: Sequence[str | None], labels: np.ndarray,
                      seg_names: dict[int, str]) -> dict[str, Any]:
    """Each user's primary segment (majority of their texts) and distribution."""
    per: dict[str, Counter] = defaultdict(Counter)
    for u, lab in zip(users, labels.tolist(), strict=True):
        if u and lab != UNASSIGNED:
            per[u][seg_names[lab]] += 1
    out = {}
    for u in sorted(per):
        c = per[u]
        primary = sorted(c.items(), key=lambda x: (-x[1], _natural(x[0])))[0][0]
        out[u] = {"primary": primary, "segments": dict(sorted(c.items(), key=lambda x: _natural(x[0])))}
    return out


def _natural(name: str) -> tuple:
    return (name[:1], int(name[1:]) if name[1:].isdigit() else 0)


def _meta_stats(metas: list[dict[str, Any]]) -> dict[str, Any]:
    values: dict[str, list] = defaultdict(list)
    for m in metas:
        for k, v in m.items():
            if k.startswith(META_PREFIX) and v is not None:
                values[k[len(META_PREFIX):]].append(v)
    stats: dict[str, Any] = {}
    for k, vs in sorted(values.items()):
        numeric = [v for v in vs if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numeric) == len(vs):
            arr = np.asarray(numeric, dtype=float)
            stats[k] = {"mean": round(float(arr.mean()), 3), "min": float(arr.min()),
                        "max": float(arr.max()), "count": len(vs)}
            continue
        counts = Counter(str(v) for v in vs)
        if len(counts) <= max(TOP_VALUES * 4, len(vs) // 5):  # categorical, not free text
            stats[k] = {"top": dict(counts.most_common(TOP_VALUES)), "distinct": len(counts),
                        "count": len(vs)}
    return stats
