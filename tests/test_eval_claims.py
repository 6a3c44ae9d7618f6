"""What a reader sees, as eval units (evals/metrics/claims.py): names that state the group's
role, garbage claims, claims that copy one text, model-written claims accepted. Hand-written
personas; each metric must give a known value."""

import pytest

from evals.metrics.base import GroupCase, RunContext
from evals.metrics.claims import (
    PER_PERSONA,
    ClaimCopies,
    GarbageClaims,
    ModelClaimsAccepted,
    NameStatesRole,
    copies_one_text,
    garbage_claims,
    garbage_reason,
    name_states_role,
)
from evals.report import LOWER_IS_BETTER

TEXTS = {
    "t1": "As a student, the monthly fee is far too expensive for my budget. Please help.",
    "t2": "Student here: I need a discount, the price is more than I can pay.",
    "t3": "As a student, splitting rent with my flatmates in the app is so easy.",
    "t4": "作为学生，会员费太贵了，负担不起。",
    "t5": "作为学生，希望有学生优惠。",
}


def persona(name="Students on a budget", claims=(), who=(), language="en", model=(0, 0)):
    from agent.persona.schema import Persona

    def claim(text, ids):
        return {"text": text, "evidence_ids": list(ids), "support_count": len(ids),
                "prevalence": 0.5}

    return Persona.model_validate({
        "id": "persona-g1", "level": "group", "group_id": "g1", "name": name,
        "tagline": "A tagline.", "summary": "A summary.", "size": {"texts": 5, "users": 3},
        "share": 0.5, "language": language,
        "goals": [claim(t, ids) for t, ids in claims],
        "who": [claim(t, ids) for t, ids in who],
        "provenance": {"chat_model": "m", "embedder": "e", "segmentation_run": "r",
                       "inputs_hash": "h", "created_at": "t", "interview_mode": "guided",
                       "model_claims": model[0], "claims_total": model[1]}})


def score(metric, p, texts=TEXTS, extra=None):
    case = GroupCase("v", "g1", p, dict(texts), {}, len(texts))
    run = RunContext("v", [case], None, dict(texts), {k: "g1" for k in texts},
                     extra=extra or {})
    return metric.score(case, run)


@pytest.mark.parametrize("name,role,language,expected", [
    ("Students on a budget", "student", "en", True),
    ("Uni students who split rent", "uni student", "en", True),
    ("Budget-minded customers", "student", "en", False),
    ("Parents managing kids' spending", "parent", "en", True),
    ("Mums who want parental controls", "parent", "en", True),
    ("Small business owners", "small business owner", "en", True),
    ("Nurses on night shifts", "nurse", "en", True),
    ("Night-shift workers", "nurse", "en", False),
    ("准备雅思的高三学生", "学生", "zh", True),
    ("精打细算的学生", "学生党", "zh", True),
    ("看重优惠的用户", "学生", "zh", False),
    ("想管住孩子花钱的宝妈", "家长", "zh", True),
])
def test_name_states_role(name, role, language, expected):
    assert name_states_role(name, role, language) is expected


def test_name_states_role_metric_reads_the_role_from_the_texts():
    assert score(NameStatesRole(), persona("Students on a budget")).value == 1.0
    r = score(NameStatesRole(), persona("Customers who want cheaper plans"))
    assert r.value == 0.0 and "'student'" in r.reason
    no_role = {"t1": "The fee is too high.", "t2": "The price is too much."}
    assert score(NameStatesRole(), persona(), texts=no_role).value is None
    # a planted corpus's truth wins over what the texts say
    given = score(NameStatesRole(), persona("Students on a budget"),
                  extra={"roles": {"g1": "gamer"}})
    assert given.value == 0.0 and "'gamer'" in given.reason


@pytest.mark.parametrize("text,reason", [
    ("the user's favorite gift card is now redeemed.}", "brackets or markup"),
    ("They write to [EMAIL] about refunds.", "brackets or markup"),
    ("They | They", "brackets or markup"),
    ("Contact them at EMAIL for details.", "a placeholder"),
    ("Their plan is TBD.", "a placeholder"),
    ("Why did their streak reset??", "a question"),
    ("How do they pay abroad", "a question"),
    ("他们会续费吗", "a question"),
    ("they (They)", "no content"),
    ("About half of them ask for a student discount.", None),
    ("Some of them name their savings pots.", None),
    ("Their rate is N/A.", "a placeholder"),
    ("一些人希望有真人客服。", None),
])
def test_garbage_reason(text, reason):
    assert garbage_reason(text) == reason


def test_garbage_claims_counts_duplicates_and_the_metric_gives_the_count():
    texts = ["About half of them ask for a discount.", "about half of them ask for a discount",
             "Why did their streak reset??", "Some of them split the rent."]
    assert garbage_claims(texts) == [(texts[1], "a duplicate"), (texts[2], "a question")]
    p = persona(claims=[(t, ["t1"]) for t in texts])
    r = score(GarbageClaims(), p)
    assert r.value == 2.0 and "a duplicate" in r.reason
    assert score(GarbageClaims(), persona(claims=[(texts[0], ["t1"])])).value == 0.0


def test_claim_copies_is_the_share_of_claims_copying_one_cited_sentence():
    copied = "The monthly fee is far too expensive for my budget."   # t1's first sentence
    near = "Their monthly fee is far too expensive for a budget."   # overlap 7/10
    general = "About a third of them find the subscription expensive."
    assert copies_one_text(copied, [TEXTS["t1"]]) and copies_one_text(near, [TEXTS["t1"]])
    assert not copies_one_text(general, [TEXTS["t1"]])
    assert not copies_one_text(copied, [TEXTS["t3"]])  # only what the claim cites counts
    assert not copies_one_text("Too expensive", [TEXTS["t1"]])  # fewer than three words
    p = persona(claims=[(copied, ["t1"]), (general, ["t1", "t2"]), (near, ["t2", "t1"]),
                        ("Some of them split rent with flatmates.", ["t2"])])
    r = score(ClaimCopies(), p)
    assert r.value == pytest.approx(2 / 4) and "2 of 4" in r.reason


def test_claim_copies_counts_the_quote_it_cites():
    from agent.persona.schema import Persona

    text = "They are splitting rent with flatmates in the app, so easy."  # t3: overlap 7/10
    p = persona(claims=[(text, ["t1"])])
    assert score(ClaimCopies(), p).value == 0.0
    data = p.model_dump()
    data["goals"][0]["quote"] = {"text": "splitting rent", "doc_id": "t3"}
    assert score(ClaimCopies(), Persona.model_validate(data)).value == 1.0


def test_model_claims_accepted():
    assert score(ModelClaimsAccepted(), persona(model=(3, 4))).value == 0.75
    assert score(ModelClaimsAccepted(), persona(model=(0, 5))).value == 0.0
    assert score(ModelClaimsAccepted(), persona(model=(0, 0))).value is None


def test_the_metrics_are_eval_units():
    from evals import harness

    assert {m.name for m in PER_PERSONA} == {"name_states_role", "garbage_claims",
                                             "claim_copies", "model_claims_accepted"}
    assert {"garbage_claims", "claim_copies"} <= LOWER_IS_BETTER
    assert harness.READER_METRICS is PER_PERSONA
    empty = GroupCase("v", "g1", None, {}, {}, 0)
    run = RunContext("v", [empty], None, {}, {})
    assert all(m.score(empty, run).value is None for m in PER_PERSONA)
