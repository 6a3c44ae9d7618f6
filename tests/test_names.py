"""Persona names: what ``check_name`` lets stand (the model's name, and the fallback's)."""

import pytest

from agent.persona.names import check_name, fallback_name, plural

TEXTS = ["As a gamer, top-ups for my game wallet fail during weekend events.",
         "Jordan, 13 years old, uses the card for lunch.",
         "I'd like to see what my teenager buys."]
GROUNDED = {"gamer", "gamers", "game", "wallet", "parents", "kids", "spending", "teenager"}


@pytest.mark.parametrize("name,role,why", [
    ("Gamers with failing top-ups", "gamer", None),
    ("Parents managing kids' spending", "parent", None),
    ("Small shop owners", "small shop owner", None),
    ("Games Gamers", "gamer", "no word twice"),
    ("Jordan, 13 years old", None, "ages or numbers"),
    ("what my teenager buys", None, "do not cut a phrase"),
    ("Weekend wallet users", "gamer", "include 'Gamers'"),
    ("They love games.", None, "not a sentence"),
])
def test_a_name_says_who_in_its_own_words(name, role, why):
    got = check_name(name, role, TEXTS, "en", GROUNDED)
    assert (got is None) if why is None else (got is not None and why in got), got


def test_the_fallback_names_the_role_in_the_plural():
    assert plural("small shop owner") == "Small shop owners"
    assert plural("mum of two") == "Mums of two"
    assert fallback_name("student", None, "en") == "Students"
    assert fallback_name(None, None, "zh") == "用户"


def test_the_summary_names_the_role_with_its_article():
    from agent.persona.summary import summary

    text = summary(106, 19, "small shop owner", 0.17, [], "en")
    assert text == "106 texts from 19 users; about one in six describe themselves as a small shop owner."
