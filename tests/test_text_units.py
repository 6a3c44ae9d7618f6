"""Language tags, chunking and prompt files."""

import hashlib
import json

import pytest

from agent.prompts import PROMPTS_DIR, PromptError, available, load_prompt, parse_prompt
from tests.conftest import shared_data
from vectorstore.chunking import chunk_text
from vectorstore.language import detect_language, language_mix, non_english_share
from vectorstore.tokens import TokenCounter


@pytest.mark.parametrize("text, lang", [
    ("The delivery was late again and support never answered", "en"),
    ("物流太慢了，客服也不回复", "zh"),
    ("配送が遅れました", "ja"),
    ("배송이 늦었어요", "ko"),
    ("La entrega llegó tarde otra vez y nadie respondió", "es"),
    ("12345 !!!", "und"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_language_share_on_real_corpora():
    import itertools

    def texts(name):
        with open(shared_data(name), encoding="utf-8") as f:
            return [json.loads(line)["text"] for line in itertools.islice(f, 3000)]

    assert non_english_share(language_mix(texts("banking77"))) < 0.01
    assert language_mix(texts("online_shopping_10_cats"))["zh"] / 3000 > 0.99


def test_chunks_respect_budget_and_sentences():
    tc = TokenCounter()
    text = " ".join(f"Sentence {i} is about delivery times." for i in range(40))
    chunks = chunk_text(text, 50, tc.count, tc.split)
    assert len(chunks) > 3 and all(tc.count(c) <= 50 for c in chunks)
    assert all(c.endswith(".") for c in chunks)  # cut at sentence ends
    assert " ".join(chunks) == text
    zh = "物流很快。" * 200
    chunks = chunk_text(zh, 40, tc.count, tc.split)
    assert all(tc.count(c) <= 40 and c.endswith("。") for c in chunks)
    assert "".join(chunks) == zh
    assert chunk_text("short", 50, tc.count, tc.split) == ["short"]
    blob = "x" * 5000  # no boundary at all: split by tokens as a last resort
    assert all(tc.count(c) <= 50 for c in chunk_text(blob, 50, tc.count, tc.split))


def test_prompt_render_checks_variables(tmp_path):
    p = tmp_path / "demo.user.v1.md"
    p.write_text("---\nid: demo.user\nversion: 1\nvariables: [name]\n---\nHi {{ name }}!\n")
    prompt = parse_prompt(p)
    assert prompt.render(name="Ann") == "Hi Ann!\n"
    with pytest.raises(PromptError, match="missing"):
        prompt.render()
    with pytest.raises(PromptError, match="undeclared"):
        prompt.render(name="a", other="b")
    bad = tmp_path / "demo.user.v2.md"
    bad.write_text("---\nid: demo.user\nversion: 2\nvariables: []\n---\nHi {{ name }}\n")
    with pytest.raises(PromptError, match="declares"):
        parse_prompt(bad)


def test_every_prompt_parses_and_released_versions_are_locked():
    lock = json.loads((PROMPTS_DIR / "LOCK.json").read_text())
    for prompt_id, versions in available().items():
        for v in versions:
            prompt = load_prompt(prompt_id, v)
            key = prompt.path.name
            assert key in lock, f"{key} is not in prompts/LOCK.json (run python -m agent.prompts)"
            digest = hashlib.sha256((PROMPTS_DIR / key).read_bytes()).hexdigest()
            assert digest == lock[key], f"released prompt {key} was edited; copy it to a new version"
            assert prompt.ref == f"{prompt_id}@v{v}"


@pytest.mark.parametrize("head, error", [
    ("id: demo.user\nversion: 1\nvariables: []\nauthor: me", "author"),   # unknown key
    ("id: demo.user\nversion: one\nvariables: []", "version"),
    ("id: demo.user\nversion: 1\nvariables: [a, b", "not valid YAML"),
])
def test_front_matter_is_yaml_and_unknown_keys_fail(tmp_path, head, error):
    p = tmp_path / "demo.user.v1.md"
    p.write_text(f"---\n{head}\n---\nHi\n")
    with pytest.raises(PromptError, match=error):
        parse_prompt(p)


def test_a_quote_is_the_whole_sentence_of_its_unit():
    import numpy as np

    from agent.persona.group import GroupData
    from agent.persona.schema import Quote
    from agent.persona.writer import _in_context
    from vectorstore.segment.artifact import Level
    from vectorstore.units import split_units

    text = "Great app. The entry fee payment went through, but I was never registered! Fix it."
    units = [u.text for u in split_units("r1", text)]
    assert "The entry fee payment went through" in units   # cut at the contrast
    group = GroupData("g1", Level.GROUP, ["r1"], [text], np.zeros((1, 2)), [{}], None, 1)
    quote = _in_context(Quote(text="The entry fee payment went through", doc_id="r1"), group)
    # the claim it stands under is a complaint: the quote keeps what makes it one
    assert quote.text == "The entry fee payment went through, but I was never registered!"
    assert quote.text in text
    # a self-description split off its sentence is quoted with the sentence
    who = "As a parent, I love the lunch notifications."
    group = GroupData("g2", Level.GROUP, ["r2"], [who], np.zeros((1, 2)), [{}], None, 1)
    assert _in_context(Quote(text="As a parent,", doc_id="r2"), group).text == who


def test_a_citation_shows_the_whole_sentence_unless_it_is_too_long():
    from vectorstore.units import whole_sentence

    text = "Fine. The payment went through, but I was never registered. Bye."
    assert whole_sentence(text, "The payment went through") == \
        "The payment went through, but I was never registered."
    long = "The payment went through, but " + "very " * 60 + "late."
    assert whole_sentence(long, "The payment went through") == "The payment went through"
    assert whole_sentence(text, "not in it") == "not in it"


def test_a_sentence_that_only_says_who_is_a_who_unit():
    from vectorstore.units import split_units

    # said by 13 of the demo's students on its own: it joined a cafeteria complaint
    units = split_units("r1", "Uni student here. The campus cafeteria still doesn't accept it.")
    assert [(u.text, u.kind) for u in units] == [
        ("Uni student here.", "who"), ("The campus cafeteria still doesn't accept it.", "content")]
    assert split_units("r2", "Mum of two here.")[0].kind == "who"
    # "… here." that names nobody says something else
    assert split_units("r3", "Nothing here.")[0].kind == "content"
    assert split_units("r4", "Stuck here.")[0].kind == "content"
