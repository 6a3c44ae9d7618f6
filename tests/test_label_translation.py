"""An aspect said only in Chinese is named in an English persona in its users' own words."""

from __future__ import annotations

import numpy as np

from agent.aspects.model import Aspect
from agent.persona.label_translation import translate_labels

AXES = {"零花钱": 0, "pocket money": 0, "card": 1, "exchange rate": 2, "汇率": 2}


def embed(texts):
    rows = np.zeros((len(texts), 4), dtype=np.float32)
    for k, t in enumerate(texts):
        hits = [axis for word, axis in AXES.items() if word in t]
        rows[k, hits[0] if hits else 3] = 1.0
    return rows


def aspect(aid, labels, facet="pain_point"):
    return Aspect(id=aid, facet=facet, label=next(iter(labels.values())), labels=labels,
                  members=["r1"], support=5, prevalence=0.05, languages={"zh": 5})


TEXTS = ["I want to give my kids pocket money without giving them my card.",
         "想给孩子零花钱，但不想把我的卡给他。"]
LANGS = ["en", "zh"]


def test_the_nearest_phrase_of_the_persona_language_texts_names_it():
    money = aspect("g1.a1", {"zh": "孩子零花钱"})
    assert translate_labels([money], TEXTS, LANGS, "en", embed) == {"g1.a1": "kids pocket money"}


def test_no_phrase_close_enough_no_text_in_the_language_or_a_label_already_there():
    rate = aspect("g1.a2", {"zh": "汇率"})                  # nothing in the English texts says it
    assert translate_labels([rate], TEXTS, LANGS, "en", embed) == {}
    assert translate_labels([aspect("g1.a1", {"zh": "孩子零花钱"})], TEXTS[1:], LANGS[1:], "en",
                            embed) == {}
    both = aspect("g1.a3", {"zh": "孩子零花钱", "en": "pocket money"})
    assert translate_labels([both], TEXTS, LANGS, "en", embed) == {}
