"""An aspect's key phrase and quotes come from the members that make its kind of claim."""

from __future__ import annotations

import numpy as np

from agent.aspects.discover import _label, _said
from agent.aspects.model import Aspect
from vectorstore.units import Unit


def _units(texts: list[tuple[str, str]], doc: str) -> list[Unit]:
    return [Unit(f"{doc}{k}", 0, 0, len(t), t, "content", lang)
            for k, (t, lang) in enumerate(texts)]


def _aspect(aid: str, units: list[Unit], facet: str) -> Aspect:
    langs: dict[str, int] = {}
    for u in units:
        langs[u.lang] = langs.get(u.lang, 0) + 1
    return Aspect(id=aid, facet=facet, label="", members=[u.record_id for u in units],
                  support=len(units), prevalence=0.5, languages=langs)


def test_a_language_with_fewer_than_two_on_facet_members_keeps_all_of_them():
    units = _units([("Refunds take a month.", "en"), ("Refunds are slow.", "en"),
                    ("I love the refund page.", "en"), ("退款太慢了。", "zh"),
                    ("退款页面很好看。", "zh")], "r")
    on = np.array([True, True, False, True, False])
    said = _said(units, on)
    assert ("I love the refund page.", "en") not in said
    assert ("Refunds are slow.", "en") in said
    # one Chinese member complains: too few to choose from, both are kept
    assert {t for t, lang in said if lang == "zh"} == {"退款太慢了。", "退款页面很好看。"}


def test_praise_inside_a_complaint_aspect_does_not_name_it():
    # the demo's students: a money-trouble aspect named "low balance alerts" after two
    # members that praise the alerts, and quoted with "Low balance alerts saved me"
    trouble = _units([("My scholarship payment was stuck in pending for days.", "en"),
                      ("The scholarship payment is still pending.", "en"),
                      ("Why is my scholarship payment pending again?", "en"),
                      ("Low balance alerts saved me at the end of the month.", "en"),
                      ("The low balance alerts are a lifesaver.", "en"),
                      ("I like the low balance alerts.", "en")], "t")
    other = _units([("Please add a cheap phone plan.", "en"),
                    ("A cheap phone plan for students would help.", "en")], "o")
    aspects = [_aspect("g.a1", trouble, "pain_point"), _aspect("g.a2", other, "goal")]
    on = [np.array([True, True, True, False, False, False]), np.array([True, True])]
    _label(aspects, [trouble, other], on)
    assert aspects[0].labels["en"] == "scholarship payment"
    assert aspects[0].label == "scholarship payment"
    # its quotes are complaints that say the key phrase
    assert [e.text for e in aspects[0].examples] == [
        "My scholarship payment was stuck in pending for days."]

    # without the facet evidence the praise names it (the check can fail)
    aspects = [_aspect("g.a1", trouble, "pain_point"), _aspect("g.a2", other, "goal")]
    _label(aspects, [trouble, other], [np.ones(6, bool), np.ones(2, bool)])
    assert aspects[0].labels["en"] == "low balance alerts"
