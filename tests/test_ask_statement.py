"""Questions are counted as the statements a user would write."""

import pytest

from agent.ask.statement import as_statement


@pytest.mark.parametrize("question,statement", [
    ("Who finds the letters too small and the menus confusing?",
     "I find the letters too small and the menus confusing."),
    ("Which users say the monthly fee is too expensive for a student budget?",
     "The monthly fee is too expensive for a student budget."),
    ("Who needs proper invoices with a VAT number for their shop?",
     "I need proper invoices with a VAT number for my shop."),
    ("Which customers are unhappy with delivery times?", "I am unhappy with delivery times."),
    ("Who complains about fees?", "I complain about fees."),
    ("Who carries too many bags?", "I carry too many bags."),
    ("Do any users mention that the app crashes on login?", "The app crashes on login."),
    ("哪个用户群最在意物流速度？", "我在意物流速度"),
    ("谁抱怨退款太慢？", "退款太慢"),
])
def test_questions_become_statements(question, statement):
    assert as_statement(question) == statement


@pytest.mark.parametrize("question", [
    "What do price-sensitive users complain about most?",  # nothing left to state
    "Tell me about segment g3",
    "哪些用户？",
    "Who?",
])
def test_questions_without_a_statement_are_kept(question):
    assert as_statement(question) == question


@pytest.mark.parametrize("question,statement", [
    ("Are users unhappy about how long deliveries take?",
     "I am unhappy about how long deliveries take."),
    ("Do people try a checklist before calling support?", "I try a checklist before calling "
                                                           "support."),
    ("Would gardeners use a watering reminder?", "I would use a watering reminder."),
    ("Is flaky syncing a common complaint?", "flaky syncing"),
    ("Is there demand for a dark theme?", "I want a dark theme."),
    ("How many users say they are too busy to read the manual?",
     "I am too busy to read the manual."),
    ("How many users say the pages reload themselves?", "The pages reload themselves."),
    ("How many users mentioned dark mode?", "dark mode"),
    ("有多少用户说充电太慢？", "充电太慢"),
    ("说说那些经常出差的用户。", "经常出差"),
    ("大家对夜间模式有需求吗？", "夜间模式"),
    ("电池续航对用户有多重要？", "电池续航"),
    ("用户需要离线地图吗？", "需要离线地图"),
])
def test_question_forms_beyond_who(question, statement):
    assert as_statement(question) == statement


@pytest.mark.parametrize("question,statement", [
    # open questions: what the people do, in their words
    ("When do gardeners usually water the lawn?", "I usually water the lawn."),
    ("How do readers keep track of their loans?", "I keep track of my loans."),
    ("When in the week do people plan their meals?", "I plan my meals."),
    ("What do drivers listen to on long trips?", "I listen to on long trips."),
    ("What are people's favourite recipes?", "My favourite recipes."),
    # yes/no questions about a thing
    ("Is the parking map confusing drivers at night?", "The parking map confusing drivers at night."),
    ("Is it hard to find a free spot downtown?", "It is hard to find a free spot downtown."),
    ("Is slow checkout an issue?", "slow checkout"),
    ("How much does offline mode matter to people with poor signal?", "offline mode"),
    ("用户一般在什么时候备份照片？", "我一般备份照片"),
    ("用户平时是怎么记账的？", "我平时记账"),
    ("夜间的客服响应速度怎么样？", "夜间的客服响应速度"),
    ("会员积分对用户续订有帮助吗？", "会员积分对用户续订有帮助"),
])
def test_open_and_yes_no_questions(question, statement):
    assert as_statement(question) == statement


@pytest.mark.parametrize("question", [
    "What do users say?",          # nothing to state
    "What do travellers complain about most?",   # a ranking of themes
    "用户最常抱怨什么？",
    "Is it?",
    "用户怎么样？",
])
def test_open_questions_without_words_are_kept(question):
    assert as_statement(question) == question
