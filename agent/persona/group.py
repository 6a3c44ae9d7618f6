"""One group's texts, loaded once from Chroma for the interview, the writer and the tools.

Texts that read as instructions to a model are split off here (whether or not ingest
flagged them), and held-out ids (evals) are excluded, so nothing downstream can put them in
a prompt or count them as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vectorstore.injection import FLAG_KEY, reads_as_instruction
from vectorstore.records import is_first
from vectorstore.segment.artifact import Level, UnitInfo
from vectorstore.store import ChromaStore


@dataclass
class GroupData:
    id: str
    level: Level                    # a parent group or a fine segment
    ids: list[str]
    texts: list[str]
    vectors: np.ndarray
    metas: list[dict[str, Any]]
    info: UnitInfo                  # its entry in segments.json
    corpus_size: int
    flagged_ids: list[str] = field(default_factory=list)
    held_out: int = 0

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def centroid(self) -> np.ndarray:
        c = self.vectors.mean(axis=0)
        return c / max(float(np.linalg.norm(c)), 1e-12)

    def index(self, doc_id: str) -> int:
        return self._positions[doc_id]

    def __post_init__(self) -> None:
        self._positions = {d: i for i, d in enumerate(self.ids)}

    def language(self) -> str:
        langs = self.info.languages
        ranked = [lang for lang in sorted(langs, key=lambda k: -langs[k]) if lang != "und"]
        return ranked[0] if ranked else "en"

    def users(self) -> int:
        return len({m.get("user") for m in self.metas if m.get("user")})


def load_group(store: ChromaStore, level: Level | str, group_id: str, info: UnitInfo,
               corpus_size: int, exclude: set[str] | frozenset[str] = frozenset()) -> GroupData:
    level = Level.parse(level)
    ids, texts, vecs, metas, flagged = [], [], [], [], []
    held_out = 0
    for item in store.iter_records(include=("embeddings", "documents", "metadatas"),
                                   where={level.key: group_id}):
        m = item["metadata"] or {}
        text = item["document"] or ""
        if item["id"] in exclude:
            held_out += 1
            continue
        if m.get(FLAG_KEY) or reads_as_instruction(text):
            flagged.append(item["id"])
            continue
        if not is_first(m) and not text.strip():
            continue
        ids.append(item["id"])
        texts.append(text)
        vecs.append(item["embedding"])
        metas.append(m)
    order = np.argsort(np.asarray(ids, dtype=object).astype(str)) if ids else np.array([], int)
    # (a group whose every text was flagged or held out has no rows: shape (0, 0))
    vectors = (np.asarray(vecs, dtype=np.float32).reshape(len(ids), -1) if ids
               else np.zeros((0, 0), dtype=np.float32))
    return GroupData(group_id, level, [ids[i] for i in order], [texts[i] for i in order],
                     vectors[order] if len(ids) else vectors, [metas[i] for i in order], info,
                     corpus_size, sorted(flagged), held_out)
