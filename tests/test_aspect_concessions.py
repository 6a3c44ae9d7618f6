"""A concession said word for word before many different complaints is no part of them."""

from __future__ import annotations

import numpy as np

from agent.aspects.discover import _concessions, _split_concessions
from vectorstore.units import split_units


def _vec(*hot: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[list(hot)] = 1.0
    return v / np.linalg.norm(v)


def test_the_first_half_of_a_sentence_cut_at_a_contrast_is_a_concession():
    units = split_units("r1", "My grandson set this up for me but the login fails. I like it.",
                        "en")
    assert [u.text for u in units] == ["My grandson set this up for me", "the login fails.",
                                       "I like it."]
    assert _concessions(units) == {("r1", 0)}
    zh = split_units("r2", "孙子帮我装的，但是验证码一下就消失了。", "zh")
    assert _concessions(zh) == {("r2", 0)}
    # a clause ended by its own punctuation is said for itself
    assert _concessions(split_units("r3", "I can't trust the pulse data at all; it jumps.",
                                    "en")) == set()


def test_a_repeated_concession_unlike_its_cluster_becomes_a_cluster_of_its_own():
    units, vectors = [], []
    for k in range(5):   # five texts: the same concession before a scam complaint
        for u in split_units(f"c{k}", "My grandson set this up for me but scams scare me.", "en"):
            units.append(u)
            vectors.append(_vec(0) if u.index == 0 else _vec(1, 2 + k % 2))
    for k in range(3):   # three more scam complaints, no concession
        units += split_units(f"s{k}", "I am afraid of scams.", "en")
        vectors.append(_vec(1, 3))
    vectors = np.vstack(vectors)
    labels = np.zeros(len(units), dtype=int)          # one catch-all cluster
    split = _split_concessions(vectors, labels, units, _concessions(units), min_support=3)
    apart = {units[i].text for i in range(len(units)) if split[i] != 0}
    assert apart == {"My grandson set this up for me"}
    # said by fewer texts than an aspect needs: it stays where it is
    assert (_split_concessions(vectors, labels, units, _concessions(units), min_support=6)
            == 0).all()
    # a repeated sentence that is its text's point is what its cluster says: never split
    assert (_split_concessions(vectors, labels, units, set(), min_support=3) == 0).all()


def test_an_aspect_of_praise_is_no_pain_point():
    from agent.aspects.discover import _praise_is_no_pain

    praise = split_units("p", "The childcare payment reminders are really helpful. "
                              "School trip payments are so handy. 提醒功能很实用。", None)
    scores = {"goal": 0.2, "pain_point": 0.4, "behaviour": 0.1, "motivation": 0.3, "who": 0.0}
    fixed = _praise_is_no_pain(scores, praise)
    assert max(fixed, key=fixed.get) == "motivation"
    # a complaint that praises something on the way stays one
    mixed = split_units("m", "The reminders are helpful but they never arrive on time. "
                             "Payments fail. Nothing loads.", "en")
    assert _praise_is_no_pain(scores, mixed) == scores
