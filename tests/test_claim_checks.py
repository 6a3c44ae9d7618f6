"""What a claim must be before it stands: the checks, its quote, which aspects get one."""

from agent.aspects.model import Aspect, Example
from agent.persona.claims import ClaimContext, _quote, check
from agent.persona.writer import choose

MEMBERS = ["The exchange rate markup abroad is hidden.", "I lost my card in Rome.",
           "The markup on the exchange rate is steep."]


def aspect(label="exchange rate markup", facet="pain_point", support=10, aid="g1.a1"):
    return Aspect(id=aid, facet=facet, label=label, labels={"en": label}, members=["r1"],
                  support=support, prevalence=0.3,
                  examples=[Example(doc_id="r2", text=MEMBERS[1], lang="en", similarity=0.9),
                            Example(doc_id="r1", text=MEMBERS[0], lang="en", similarity=0.8)])


def context(a):
    return ClaimContext([a], {a.id: MEMBERS}, {a.id: ["en"] * 3}, lambda text, facet=None: 0)


def test_a_sentence_with_nothing_in_it_is_no_claim():
    a = aspect()
    assert check("They are", a, 0, context(a), "en", []) is not None
    assert check("They want it.", a, 0, context(a), "en", []) is not None
    # the prompt's own words echoed back say who, not what
    assert check("The customers as a group", a, 0, context(a), "en", []) is not None
    assert check("They say the markup on foreign payments is hidden and steep.", a, 0, context(a), "en",
                 []) is None


def test_the_quote_of_a_code_built_claim_says_its_key_phrase():
    a = aspect()
    assert _quote(a, "en").text == MEMBERS[1]                 # the most typical member
    assert _quote(a, "en", "exchange rate markup").text == MEMBERS[0]


def test_an_aspect_that_only_says_the_role_gets_no_claim():
    role_only = aspect("uni student", support=30, aid="g1.a1")
    fees = aspect("monthly fee", support=20, aid="g1.a2")
    assert [a.id for a in choose([role_only, fees], 3, ["uni student"])] == ["g1.a2"]
    assert [a.id for a in choose([role_only, fees], 3, [])] == ["g1.a1", "g1.a2"]


def test_a_claim_about_what_they_want_does_not_say_who_they_are():
    a = aspect()
    # the local model's goal claim on the demo: a who-statement under Goals
    assert "not who they are" in check("They are customers with a hidden exchange rate markup.",
                                       a, 0, context(a), "en", [])
    assert check("他们都是经常出国的人。", a, 0, context(a), "zh", []) is not None
    assert check("They say the markup on foreign payments is hidden and steep.", a, 0,
                 context(a), "en", []) is None


def test_a_code_built_claim_gives_its_key_phrase_the_article_it_needs():
    from agent.persona.claims import determined, fallback_text

    # the demo deck said "ask for dedicated account manager", "complain about card"
    assert determined("dedicated account manager", "goal") == "a dedicated account manager"
    assert determined("card", "pain_point") == "the card"
    assert determined("school fees", "goal") == "school fees"        # a plural
    assert determined("roaming data", "goal") == "roaming data"      # a mass noun
    assert determined("buying school uniforms", "motivation") == "buying school uniforms"
    assert determined("pricing page", "pain_point") == "the pricing page"
    assert determined("budgeting", "motivation") == "budgeting"
    text, _ = fallback_text(aspect("exchange rate markup"), "en")
    assert text == "About a third of them complain about the exchange rate markup."


def test_an_aspect_few_of_whose_members_say_its_key_phrase_is_claimed_by_its_phrases():
    from agent.aspects.phrases import covering_phrases
    from agent.persona.claims import fallback_text

    said = {"r1": ["The fingerprint login fails every morning."],
            "r2": ["The fingerprint login doesn't know my finger."],
            "r3": ["The verification code vanishes too fast."],
            "r4": ["The verification code never arrives."],
            "r5": ["My verification code expired."],
            "r6": ["The menus confuse me."]}
    elsewhere = {"r7": ["Please add a simple mode."], "r8": ["The menus are fine."]}
    phrases = covering_phrases("fingerprint login", said, "en", elsewhere)
    assert phrases == ["fingerprint login", "verification code"]
    # most of them say the key phrase: it alone names the aspect
    assert covering_phrases("verification code", {k: v for k, v in said.items()
                                                  if k in ("r3", "r4", "r5")}, "en") == [
        "verification code"]
    a = aspect("fingerprint login")
    a.phrases = {"en": phrases}
    text, _ = fallback_text(a, "en")
    assert text == ("About a third of them complain about the fingerprint login or the "
                    "verification code.")


def test_a_vague_or_judging_phrase_never_joins_a_claim():
    from agent.aspects.phrases import covering_phrases

    said = {"r1": ["The game wallet fails."], "r2": ["Great idea, a cool feature."],
            "r3": ["A cool feature, really."], "r4": ["My money is gone."],
            "r5": ["Where is my money?"], "r6": ["The money vanished."]}
    assert covering_phrases("game wallet", said, "en") == ["game wallet"]


def test_the_quote_in_another_language_says_what_the_main_quote_says():
    import numpy as np

    from agent.aspects.model import Example
    from agent.persona.claims import other_quotes
    from agent.persona.schema import Quote

    a = aspect()
    a.languages = {"en": 5, "zh": 4}
    a.examples += [Example(doc_id="z1", text="学校邮箱认证折扣", lang="zh", similarity=0.9),
                   Example(doc_id="z2", text="境外汇率加价太高", lang="zh", similarity=0.8)]
    basis = {MEMBERS[0]: [1, 0, 0], "境外汇率加价太高": [0.8, 0.6, 0], "学校邮箱认证折扣": [0, 0, 1]}
    embed = lambda texts: np.asarray([basis[t] for t in texts], dtype=np.float32)  # noqa: E731
    main = Quote(text=MEMBERS[0], doc_id="r1", lang="en")
    # not the most typical Chinese sentence, but the one that says the same thing
    assert [q.doc_id for q in other_quotes(a, main, embed)] == ["z2"]
    basis["境外汇率加价太高"] = [0.3, 0.95, 0]      # nothing near enough: no pairing at all
    assert other_quotes(a, main, embed) == []
    assert [q.doc_id for q in other_quotes(a, main)] == ["z1"]   # without an encoder


def test_a_claim_about_one_customer_is_no_claim():
    a = aspect()
    # the local model's pain point on the demo: one message retold
    assert "not what one customer wrote" in check(
        "A customer wrote a message that the exchange rate markup is hidden.", a, 0, context(a),
        "en", [])
    assert check("有一位用户说汇率加价太高。", a, 0, context(a), "zh", []) is not None
    assert "one customer" not in (check("The customer service hides the exchange rate markup.",
                                        a, 0, context(a), "en", []) or "")


def test_an_aspect_whose_key_phrase_is_only_a_person_gets_no_claim():
    # "孙子帮我装的" said before many complaints: a claim would say they value their grandson
    grandson = Aspect(id="g1.a1", facet="motivation", label="孙子", labels={"zh": "孙子"},
                      members=["r1"], support=14, prevalence=0.13, languages={"zh": 14})
    fees = aspect("monthly fee", support=10, aid="g1.a2")
    assert [a.id for a in choose([grandson, fees], 3, [])] == ["g1.a2"]
    assert [a.id for a in choose([aspect("my grandson", support=12, aid="g1.a3"), fees], 3,
                                 [])] == ["g1.a2"]
