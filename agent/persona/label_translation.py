"""A key phrase in the persona's language for an aspect whose members all write in another.

An English persona of a mixed group can hold an aspect said only in Chinese ("孩子零花钱");
its claim would be written in Chinese. The group's own texts in the persona's language
often name the same thing ("pocket money"): the multilingual encoder places a phrase and
its translation close together. The nearest noun phrase of those texts, when it is at least
``SAME_PHRASE`` similar, becomes the aspect's key phrase in that language. No translation
model is installed, so this only ever uses words the group's users wrote.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from agent.aspects.model import Aspect
from agent.aspects.phrases import chinese_chunks, english_chunks

#: measured on the planted train corpora: each Chinese key phrase of a planted aspect
#: against the English noun phrases of its corpus — at 0.75 or more the nearest named the
#: same thing in 23 of 24 cases ("机场" → "airport", "服务费" → "service fee"); below 0.72
#: wrong ones came ("一口价" → "price doubles")
SAME_PHRASE = 0.75
#: the most frequent phrases of the group compared (embedding them is the cost)
MAX_PHRASES = 3000


def translate_labels(aspects: list[Aspect], texts: list[str], langs: list[str], language: str,
                     embed: Callable[[list[str]], np.ndarray]) -> dict[str, str]:
    """For each aspect without a key phrase in ``language``: the group's phrase that says it
    (aspect id → phrase), from the texts written in ``language``."""
    zh = language == "zh"
    missing = [a for a in aspects if language not in a.labels and a.labels and a.facet != "who"]
    own = [t for t, lang in zip(texts, langs, strict=True) if (lang == "zh") == zh]
    if not missing or not own:
        return {}
    chunk = chinese_chunks if zh else english_chunks
    counts = Counter(c for t in own for c in set(chunk(t)))
    phrases = [p for p, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
               [:MAX_PHRASES]]
    if not phrases:
        return {}
    sources = [next(iter(sorted(a.labels.items())))[1] for a in missing]
    vectors = np.asarray(embed(sources + phrases), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sims = vectors[:len(sources)] @ vectors[len(sources):].T
    out = {}
    for a, row in zip(missing, sims, strict=True):
        j = int(np.argmax(row))
        if row[j] >= SAME_PHRASE:
            out[a.id] = phrases[j]
    return out
