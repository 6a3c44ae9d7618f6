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
