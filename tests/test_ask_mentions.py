"""Texts that say a short statement word for word are counted with its aspects' members."""

from agent.ask.mentions import mention_terms, mentions


def test_a_short_phrase_is_looked_for_word_for_word():
    terms = mention_terms("dark mode", "en")
    assert terms
    assert mentions("I want a dark mode, my eyes hurt at 2am.", terms, "en")
    assert not mentions("The mode switch is dark grey.", mention_terms("mode", "en") | {"x"},
                        "en")
    assert not mentions("Please add a night theme.", terms, "en")


def test_a_chinese_phrase_is_looked_for_by_its_words():
    terms = mention_terms("深色模式", "zh")
    assert terms and mentions("求出深色模式，凌晨两点眼睛疼。", terms, "zh")
    assert not mentions("界面太亮了。", terms, "zh")


def test_a_claim_or_a_negation_is_not_a_phrase():
    assert mention_terms("the fingerprint login does not recognise my finger", "en") == set()
    assert mention_terms("slots are fully booked until next month for everyone", "en") == set()
