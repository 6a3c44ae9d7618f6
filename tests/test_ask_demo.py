"""Ask on the demo corpus, one test per kind of question, with the counts checked against the
demo generator's own labels (``evals.planted.THEMES``: the template sentences that state a
theme), never against the tool. Real embeddings and a real Chroma; counts come from code, so
no model is needed (``use_llm=False``). A count must be within 25 % of the texts' count, or
within 2 when that is under 8."""

import csv

import pytest

from agent.config import load_settings
from agent.project import build_project
from agent.project.progress import Quiet
from evals.planted import THEMES, theme_rows
from tests.conftest import DEMO_CORPUS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
TRAVEL_PAINS = ("fx_markup", "card_blocked", "atm_fee", "hotel_deposit", "rate_lock", "lost_card")
PARENT_REASONS = ("lunch_notification", "school_trips", "chores_allowance")


# Known gap (issue 15, open): on the demo, the aspects found for a group join neighbouring
# complaints ("the letters are too small" with "fingerprint login fails"; every kind of
# failed game payment), so counts of one theme come out 2-5x too high. The settings that
# would split them lose aspect recall on the planted train split. These tests are strict:
# the day they pass, the mark must go.
MERGED = pytest.mark.xfail(strict=True, reason="demo aspects join neighbouring complaints "
                                               "(issue 15)")


def close(got: int, want: int) -> bool:
    return abs(got - want) <= (2 if want < 8 else 0.25 * want)


def rating(row: dict) -> float | None:
    try:
        return float(row.get("rating") or "")
    except ValueError:
        return None


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = tmp_path_factory.mktemp("askdemo") / "ws"
    project = build_project(load_settings(ws), Quiet())
    # everything but the `group` column: the ground truth is never ingested
    project.ingest([DEMO_CORPUS], project.ingest_options(meta_cols="rating,channel,date"))
    project.segment()
    with open(DEMO_CORPUS, encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r.get("text")]
    return project, rows


def ids_by_text(project) -> dict[str, str]:
    got = project.providers.store().get(include=["documents"])
    return {" ".join(d.split()): i for i, d in zip(got["ids"], got["documents"], strict=True)}


def theme_ids(project, rows, theme: str, keep=lambda r: True) -> set[str]:
    by_text = ids_by_text(project)
    return {by_text[k] for r in theme_rows(rows, theme) if keep(r)
            if (k := " ".join(r["text"].split())) in by_text}


def dominant(project, rows, ids: list[str], themes) -> tuple[str, float]:
    """The theme (of ``themes``) most of ``ids`` state, and the share of them that do."""
    best, share = "", 0.0
    for t in themes:
        s = len(set(ids) & theme_ids(project, rows, t)) / max(len(ids), 1)
        if s > share:
            best, share = t, s
    return best, share


@pytest.mark.parametrize("question,theme", [
    pytest.param("Who finds the letters too small?", "small_letters", marks=MERGED),
    pytest.param("哪些用户觉得字太小看不清？", "small_letters", marks=MERGED),
    pytest.param("Who complains about the exchange rate markup abroad?", "fx_markup",
                 marks=MERGED),
    ("哪些用户抱怨游戏充值失败？", "game_topups_fail"),
])
def test_who_counts_what_the_texts_say(demo, question, theme):
    project, rows = demo
    r = project.ask(question, use_llm=False)
    want = theme_ids(project, rows, theme)
    assert close(len(r.counted_ids), len(want)), (len(r.counted_ids), len(want), r.answer)
    assert len(set(r.counted_ids) & want) >= 0.75 * len(r.counted_ids)   # the right texts
    assert r.counts and r.citations and {c.doc_id for c in r.citations} <= set(r.counted_ids)
    assert r.language == ("zh" if "哪些" in question else "en")


def test_how_many_counts_texts_and_users(demo):
    project, rows = demo
    r = project.ask("How many users mentioned dark mode?", use_llm=False)
    want = theme_rows(rows, "dark_mode")
    assert close(len(r.counted_ids), len(want)), r.answer
    users = sum(c.users or 0 for c in r.counts)
    assert close(users, len({x["user_id"] for x in want})), r.answer
    assert "user" in r.answer


@MERGED
def test_what_ranks_a_groups_complaints(demo):
    project, rows = demo
    r = project.ask("What do travellers complain about most?", use_llm=False)
    assert r.aspects, r.answer
    top = r.aspects[:3]
    for a in top:
        assert a.facet == "pain_point"
        theme, share = dominant(project, rows, a.ids, TRAVEL_PAINS)
        assert share >= 0.6, (a, theme, share)
        assert close(a.count, len(theme_ids(project, rows, theme))), (a, theme)
    assert [a.count for a in top] == sorted((a.count for a in top), reverse=True)


def test_a_ranking_of_themes_says_what_it_counted(demo):
    project, _ = demo
    for question in ("What do travellers complain about most?", "用户最常抱怨什么？"):
        r = project.ask(question, use_llm=False)
        assert r.aspects, r.answer
        # each theme is counted over its own members: the question is no statement counted
        assert r.counted_as and "?" not in r.counted_as and "？" not in r.counted_as


@MERGED
def test_why_gives_the_reasons_with_counts(demo):
    project, rows = demo
    r = project.ask("Why do parents use it?", use_llm=False)
    assert r.aspects, r.answer
    a = r.aspects[0]
    assert a.facet == "motivation"
    theme, share = dominant(project, rows, a.ids, PARENT_REASONS)
    assert share >= 0.6 and close(a.count, len(theme_ids(project, rows, theme))), (a, theme)


@MERGED
def test_compare_two_groups(demo):
    project, rows = demo
    r = project.ask("Compare students and parents", use_llm=False)
    groups = {a.group_id for a in r.aspects}
    assert len(groups) == 2, r.answer
    fee = theme_ids(project, rows, "student_fee")
    student = [a for a in r.aspects if set(a.ids) & fee]
    assert student and all(len(set(a.ids) & fee) >= 0.6 * a.count for a in student[:1])


def test_filters_from_the_question_and_the_options(demo):
    # (passes since ask checks weak matches against the stored members' sentences)
    from agent.ask.question import parse_where

    project, rows = demo
    low = lambda x: (rating(x) or 9) <= 2  # noqa: E731
    want = theme_ids(project, rows, "game_topups_fail", low)
    r = project.ask("哪些用户抱怨游戏充值失败？", use_llm=False, filters=parse_where(["rating<=2"]))
    assert close(len(r.counted_ids), len(want)), r.answer
    assert set(r.counted_ids) <= {i for i in ids_by_text(project).values()}
    same = project.ask("Which users with 1- or 2-star reviews complain that game top-ups fail?",
                       use_llm=False)
    assert close(len(same.counted_ids), len(want)), same.answer


def test_a_small_count_is_shown_without_ids(demo):
    project, _rows = demo
    r = project.ask("How many users mentioned dark mode?", use_llm=False, min_support=10)
    assert r.counted_ids == [] and "fewer than 10" in r.answer, r.answer


def test_every_theme_is_labelled_in_the_demo(demo):
    _project, rows = demo
    assert all(theme_rows(rows, t) for t in THEMES)   # the labels the tests rely on exist


def test_stored_aspects_answer_as_freshly_found_ones(demo):
    """ask reads the aspects generate stored: a weak match is checked against the members'
    own sentences, which are cut back out of the texts at their stored spans."""
    from agent.aspects.finder import read_aspects, with_sentences

    project, _ = demo
    project.ask("Who has trouble logging in?", use_llm=False)   # finds and stores them
    directory = project.artifacts.aspects_dir
    path = sorted(directory.glob("aspects-*.json"))[0]
    store = project.providers.store()
    got = store.get(include=["documents"])
    texts = dict(zip(got["ids"], got["documents"], strict=True))
    stored = with_sentences(read_aspects(path), texts)
    assert stored is not None and any(stored.sentences)
    for a, units in zip(stored.aspects.aspects, stored.sentences, strict=True):
        assert len(units) == len(a.spans)
        assert {u.record_id for u in units} == set(a.members)
        for e in a.examples:            # every example is one of its member sentences
            assert e.text in {u.text for u in units}
