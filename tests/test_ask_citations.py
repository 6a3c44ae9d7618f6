"""An answer cites, from the texts it counted, the sentences that say what was asked."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from agent.ask.answers import _citations
from vectorstore.units import Unit

WORDS = ["letters", "small", "read", "menus", "lost", "many"]


class BagOfWords:
    def embed(self, texts):
        rows = np.array([[t.lower().count(w) for w in WORDS] for t in texts], dtype=np.float32)
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _setup():
    texts = {"r1": "There are too many menus and I get lost.",
             "r2": "At my age the letters are far too small to read.",
             "r3": "There are too many menus and I get lost.",
             "r4": "The letters are far too small to read.",
             "r5": "I don't understand the menus."}
    records = {i: SimpleNamespace(id=i, text=t, group="g1", segment="s1")
               for i, t in texts.items()}
    aspect = SimpleNamespace(id="g1.a1", examples=[
        SimpleNamespace(doc_id=i, text=texts[i]) for i in ("r1", "r3", "r5", "r2", "r4")])
    units = [Unit(i, 0, 0, len(t), t, "content", "en") for i, t in texts.items()]
    found = SimpleNamespace(aspects=SimpleNamespace(aspects=[aspect]), sentences=[units])
    match = SimpleNamespace(group=SimpleNamespace(found=found), aspects=[(aspect, 0.5)])
    engine = SimpleNamespace(by_id=records, embedder=BagOfWords())
    return engine, match


def test_the_sentences_that_say_the_statement_are_cited_first():
    engine, match = _setup()
    cited = _citations(engine, [match], {"r1", "r2", "r3", "r4", "r5"},
                       "I find the letters too small.")
    assert [c.doc_id for c in cited][:2] == ["r2", "r4"]
    # the same sentence of two texts is shown once while other sentences remain
    assert [c.doc_id for c in cited][2:4] == ["r1", "r5"]
    assert cited[-1].doc_id == "r3"


def test_only_counted_texts_are_cited_and_without_a_statement_the_typical_ones():
    engine, match = _setup()
    assert {c.doc_id for c in _citations(engine, [match], {"r1", "r5"}, "letters too small")} \
        == {"r1", "r5"}
    assert [c.doc_id for c in _citations(engine, [match], {"r1", "r2", "r3"})] == \
        ["r1", "r3", "r2"]
