"""One theme said in two languages is one theme to ask: the topics an answer compares are
taken relative to the mean topic of each language, not of all texts."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from agent.ask.counting import AspectIndex, GroupAspects, MatchSettings
from vectorstore.units import Unit

A, B, C = np.eye(5)[0], np.eye(5)[1], np.eye(5)[2]
EN, ZH = 1.5 * np.eye(5)[3], 1.5 * np.eye(5)[4]   # where the encoder puts each language


def _group(gid: str, lang: str, aspects: list[tuple[str, list[str], np.ndarray]]):
    objs = [SimpleNamespace(id=f"{gid}.{a}", facet="pain_point", members=m)
            for a, m, _ in aspects]
    topics = np.vstack([t / np.linalg.norm(t) for *_, t in aspects]).astype(np.float32)
    sentences = [[Unit(r, 0, 0, 4, "text", "content", lang) for r in m] for _, m, _ in aspects]
    found = SimpleNamespace(aspects=SimpleNamespace(aspects=objs), topics=topics,
                            sentences=sentences,
                            topic_similarities=lambda v, t=topics: np.asarray(v) @ t.T)
    ids = sorted({r for _, m, _ in aspects for r in m})
    return GroupAspects(gid, gid, len(ids), found, {i: {"user": i} for i in ids})


def _index():
    english = _group("g1", "en", [("a1", ["e1", "e2"], A + EN), ("a2", ["e3", "e4"], B + EN)])
    chinese = _group("g2", "zh", [("a1", ["z1", "z2"], A + ZH), ("a2", ["z3", "z4"], C + ZH)])
    return AspectIndex([english, chinese], lambda texts: None, None, None, MatchSettings()), \
        english, chinese


def test_the_same_theme_in_two_languages_is_closer_than_another_theme():
    index, english, chinese = _index()
    en, zh = index.centred_topics(english), index.centred_topics(chinese)
    same_theme = float(en[0] @ zh[0])           # theme A in English and in Chinese
    other_theme = float(en[0] @ en[1])          # themes A and B, both English
    assert same_theme > 0.45 > other_theme
    assert float(en[0] @ zh[1]) < same_theme    # theme C in Chinese
