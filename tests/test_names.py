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
    ("A-L: Premise", None, "not a list or a title"),     # the local model wrote this one
    ("Sleep tracking fans", None, None),
    ("Sleep tracking", None, "a group of people"),
])
def test_a_name_says_who_in_its_own_words(name, role, why):
    got = check_name(name, role, TEXTS, "en", GROUNDED)
    assert (got is None) if why is None else (got is not None and why in got), got


def test_the_fallback_names_the_role_in_the_plural():
    assert plural("small shop owner") == "Small shop owners"
    assert plural("mum of two") == "Mums of two"
    assert plural("expat-to-be") == "Expats-to-be"     # the planted train split's "Expat-to-bes"
    assert check_name("Expats-to-be", "expat-to-be", ["Expat-to-be here."], "en",
                      {"expat-to-be"}) is None
    assert fallback_name("student", None, "en") == "Students"
    assert fallback_name(None, None, "zh") == "用户"


@pytest.mark.parametrize("share,en,zh", [
    (0.12, "about one in eight", "约八分之一的人"), (0.14, "about one in seven", "约七分之一的人"),
    (0.19, "about one in five", "约五分之一的人"), (0.29, "about a third", "约三分之一的人"),
    (0.5, "about half", "约一半的人"), (0.05, "some", "一些人"),
])
def test_a_share_is_said_as_the_nearest_simple_fraction(share, en, zh):
    from agent.persona.claims import share_words

    assert (share_words(share, "en"), share_words(share, "zh")) == (en, zh)


def test_the_summary_names_the_role_with_its_article():
    from agent.persona.summary import summary

    text = summary(106, 19, "small shop owner", 0.17, [], "en")
    assert text == "106 texts from 19 users; about one in six describe themselves as a small shop owner."


@pytest.mark.parametrize("name,role,ok", [
    ("大一新生", None, True), ("狗主人", None, True), ("被路由器困扰的用户", None, True),
    ("郑洪宁", None, False),        # a person's name
    ("那些人", None, False),        # "those people"
    ("养狗多年", None, False),      # a phrase about them, not who they are
    ("退休的公交司机们", "公交司机", True),
])
def test_a_chinese_name_names_a_kind_of_people(name, role, ok):
    assert (check_name(name, role, [], "zh", set()) is None) == ok


def test_names_never_mix_scripts():
    from agent.aspects.model import Aspect, Example

    top = Aspect(id="g1.a1", facet="pain_point", label="片库", labels={"zh": "片库"},
                 members=["r1"], support=3, prevalence=0.3,
                 examples=[Example(doc_id="r1", text="片库越来越小了。", lang="zh", similarity=0.9)])
    assert check_name("Cinephiles frustrated by 片库", "cinephile", [], "en", {"cinephiles"})
    assert fallback_name("程序员", top, "en") == "Customers"   # no zh role or label in English
    assert fallback_name("程序员", top, "zh") == "关注片库的程序员"


def test_a_key_phrase_that_is_no_noun_phrase_of_its_sentences_is_left_out_of_the_name():
    from agent.aspects.model import Aspect, Example

    top = Aspect(id="g1.a1", facet="pain_point", label="finally", labels={"en": "finally"},
                 members=["r1"], support=3, prevalence=0.3,
                 examples=[Example(doc_id="r1", text="It finally syncs.", lang="en",
                                   similarity=0.9)])
    assert fallback_name(None, top, "en") == "Customers"


@pytest.mark.parametrize("text,chunks", [
    ("During intervals the heart rate stops", ["heart rate"]),
    ("the sleep report broke after the update", ["sleep report", "update"]),
    ("I had to cancel a booking made for two nights", []),   # a number names nothing
    ("Ten years of notes in a proprietary format", ["notes", "proprietary format"]),
    ("I'd like to see what my teenager buys", []),   # a person is the who, not the what
    ("It finally works and my daughter loves the weekly planner",
     ["weekly planner"]),
    ("the ad-free tier because of ads", ["ad-free tier", "ads"]),
    ("'Working perfectly' meant a cracked screen", ["cracked screen"]),   # an irregular past
    # an -ing word before a noun modifies it; at the end of a chunk it is a verb
    ("Setting a weekly spending limit took ages", ["weekly spending limit"]),
    ("The tablet keeps crashing", ["tablet"]),
    # one thing said with "of", next to its parts; a quantity before "of" names nothing
    ("the point of sale reader disconnects", ["point", "point of sale reader", "sale reader"]),
    ("A couple of bugs in the checkout", ["couple", "bugs", "checkout"]),
    # a fixed phrase names nothing: a claim read "complain about the row"
    ("Three drivers in a row cancelled on me", []),
    ("It froze in the middle of a payment", ["payment"]),
    ("Please add a row of buttons", ["row", "row of buttons", "buttons"]),
    # a verb of change ends a chunk ("say how they use the usual route triple")
    ("the fares on my usual route triple", ["fares", "usual route"]),
    ("The sound carries through the thin walls", ["sound", "thin walls"]),   # -y → -ies
    # a reason is no thing: a name read "Customers who mention whole reason"
    ("The whole reason I stay is the offline mode", ["offline mode"]),
])
def test_key_phrases_are_things_not_verbs_or_prepositions(text, chunks):
    from agent.aspects.phrases import english_chunks

    assert english_chunks(text) == chunks


@pytest.mark.parametrize("text,chunks", [
    ("这价格太离谱了。", ["价格"]),          # after a degree adverb: what it is like, not a thing
    ("等了二十分钟，急死人了。", []),         # before a final particle: a predicate
    ("光是抠图就要半天。", []),              # an adverb ending in 是
    ("歌词不同步，很烦。", ["歌词"]),
])
def test_chinese_key_phrases_are_things_not_predicates(text, chunks):
    from agent.aspects.phrases import chinese_chunks

    assert chinese_chunks(text) == chunks


def test_a_key_phrase_is_shown_as_its_sentences_write_it():
    from agent.aspects.phrases import surface

    # the demo deck said "ask for qr code"
    assert surface("qr code", ["I want to accept payments with a QR code.", "a qr code"]) == \
        "QR code"
    assert surface("iphone app", ["The iPhone app crashes."]) == "iPhone app"
    # a capital that only starts a sentence is no part of the phrase
    assert surface("parental controls", ["Parental controls should block it."]) == \
        "parental controls"
    assert surface("dark mode", ["Please add Dark Mode.", "I love dark mode"]) == "dark mode"


def test_a_name_from_the_texts_proper_nouns_is_refused():
    texts = ["Thanks to Amber at the desk, A-ZerBoss helped too.", "Amber was great.",
             "Parents love the pool.", "The parents here travel a lot."]
    grounded = {"amber", "a-zerboss", "parents", "pool", "travellers"}
    assert "list" in check_name("Amber, A-ZerBoss", None, texts, "en", grounded)
    assert "Amber" in check_name("Amber fans", None, texts, "en", grounded)
    assert check_name("Parents who love pools", "parent", texts, "en", grounded) is None


def test_the_fallback_says_only_that_they_mention_a_key_phrase():
    from agent.aspects.model import Aspect, Example

    def top(label, facet="goal"):
        return Aspect(id="g1.a1", facet=facet, label=label, labels={"en": label},
                      members=["r1"], support=3, prevalence=0.3,
                      examples=[Example(doc_id="r1", text=f"I keep running into the {label}.",
                                        lang="en", similarity=0.9)])

    assert fallback_name("parent", top("teenager"), "en") == "Parents"  # not "who want teenager"
    assert check_name("Parents", "parent", [], "en", set()) is None   # the role alone stands
    assert fallback_name("traveller", top("exchange rate markup", "pain_point"), "en") == \
        "Travellers who mention exchange rate markup"
    assert fallback_name(None, top("dark mode"), "en") == "Customers who mention dark mode"


def test_articles_follow_the_sound():
    from agent.persona.names import with_article

    assert [with_article(r) for r in ("uni student", "office worker", "hour-long commuter",
                                      "nurse", "parents")] == [
        "a uni student", "an office worker", "an hour-long commuter", "a nurse", "parents"]


def test_the_summary_keeps_to_one_language():
    from agent.aspects.model import Aspect
    from agent.persona.summary import summary

    def aspect(label, lang):
        return Aspect(id=f"g1.{label}", facet="goal", label=label, labels={lang: label},
                      members=["r1"], support=3, prevalence=0.2)

    text = summary(50, 9, None, 0.0, [aspect("family plan", "en"), aspect("分摊学费", "zh")], "en")
    assert "family plan" in text and "分摊" not in text


def test_differences_to_nearby_groups_keep_to_the_persona_language():
    from types import SimpleNamespace

    from agent.persona.writer import differentiators

    group = SimpleNamespace(info=SimpleNamespace(keywords=["按钮", "孙子", "age", "buttons"]))
    d = differentiators(group, [("g3", ["孩子", "money", "school"], 0.5)], "en")[0]
    assert d.distinctive_keywords == ["age", "buttons"] and "孩子" not in d.text


@pytest.mark.parametrize("name,ok", [
    ("七十出头", False),          # an age in words
    ("宿舍住三个人", False),      # a count: one person's detail
    ("民间家长", False),          # a people word the texts never use
    ("大一新生", True),           # a year of study is no age
    ("关注空调的用户", True),
])
def test_a_chinese_name_has_no_number_and_a_people_word_of_the_texts(name, ok):
    texts = ["我是房东，租客总是忘关空调。", "我是大一的新生，宿舍的空调太吵。"]
    assert (check_name(name, None, texts, "zh", set()) is None) == ok


def test_a_model_name_loses_its_leading_article():
    from agent.persona.names import name_text

    assert name_text("The Teachers") == "Teachers"
    assert name_text('"the collectors"') == "Collectors"
    assert name_text("An evening crowd") == "Evening crowd"
    assert name_text("Theatre fans") == "Theatre fans"   # a word that starts like one stays
    assert name_text("退休人员") == "退休人员"


@pytest.mark.parametrize("name,ok", [
    ("小学生", False),            # holds the role 学生, names other people
    ("关注价格的小学生", False),
    ("关注价格的学生", True),
    ("关注价格的大学生", True),   # the texts say it
    ("学生", True),
])
def test_a_chinese_name_does_not_narrow_the_role_to_other_people(name, ok):
    texts = ["我是大四学生，买二手省钱。", "大学生党说两句：便宜。", "学生一枚，二手好用。"]
    assert (check_name(name, "学生", texts, "zh", set()) is None) == ok
