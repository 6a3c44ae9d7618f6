"""The facet a question asks about is preferred, not required, when choosing what it counts."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from agent.ask.counting import OTHER_FACET, AspectIndex, GroupAspects, MatchSettings
from agent.ask.question import parse
from vectorstore.units import Unit


def _group(aspects):
    """aspects: (id, facet, member ids, sentence, topic vector)."""
    objs = [SimpleNamespace(id=a, facet=f, members=m) for a, f, m, _, _ in aspects]
    topics = np.asarray([t for *_, t in aspects], dtype=np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    sentences = [[Unit(m[0], 0, 0, len(s), s, "content", "en")] for _, _, m, s, _ in aspects]
    found = SimpleNamespace(aspects=SimpleNamespace(aspects=objs), topics=topics,
                            sentences=sentences,
                            topic_similarities=lambda v, t=topics: np.asarray(v) @ t.T)
    ids = sorted({r for _, _, m, _, _ in aspects for r in m})
    return GroupAspects("g1", "g1", len(ids), found, {i: {"user": i} for i in ids})


def _counted(goal_similarity: float) -> set[str]:
    """A question asking for a goal whose nearest aspect is a motivation (similarity 0.8);
    the goal aspect is ``goal_similarity`` similar to the statement."""
    goal = [goal_similarity, float(np.sqrt(1 - goal_similarity ** 2)), 0.0]
    group = _group([
        ("g1.a1", "motivation", ["r1", "r2"], "I learn to talk with locals on my trips",
         [0.8, 0.0, 0.6]),
        ("g1.a2", "goal", ["r3"], "please add more lessons", goal),
        ("g1.a3", "pain_point", ["r4"], "the lessons repeat", [0.79, 0.0, -0.61])])
    index = AspectIndex([group], lambda texts: np.asarray([[1.0, 0.0, 0.0]]), None, None,
                        MatchSettings(match=0.3, strong=0.3, spread=2.0))
    return {r for m in index.match("I want to talk with locals.", "en", facet="goal")
            for r in m.members}


def test_an_aspect_of_another_facet_is_counted_when_clearly_closer():
    assert _counted(0.8 - OTHER_FACET - 0.05) == {"r1", "r2"}


def test_the_asked_facet_wins_when_about_as_close():
    assert _counted(0.8 - OTHER_FACET + 0.02) == {"r3"}


@pytest.mark.parametrize("question,facet", [
    ("Which users complain about features behind the paywall?", "pain_point"),
    ("What do people think about premium-only features?", None),   # a feature is a topic
    ("Which features do users want?", "goal"),
    ("安全功能对乘客有多重要？", "motivation"),                        # importance: why it matters
    ("用户怎么看会员专属功能？", None),
    ("用户希望增加什么功能？", "goal"),
])
def test_the_facet_a_question_asks_about(question, facet):
    assert parse(question).facet == facet
