"""One question, answered for the application layer (``Project.ask``) and the API."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from vectorstore.errors import InputError

from .answers import answer_facts
from .engine import MAX_QUESTION, AskResult
from .phrase import phrase
from .privacy import singles_out_person
from .question import Filters, parse

if TYPE_CHECKING:
    from agent.project import Project

DECLINE = {"en": "I can't answer questions about individual users; ask about groups of users "
                 "instead (for example what a group complains about).",
           "zh": "无法回答关于个别用户的问题；请询问用户群体（例如某个群体在抱怨什么）。"}


def facts(engine, question: str, filters: Filters | None = None) -> AskResult:
    """The code-made answer (declined when it singles out a person)."""
    q = " ".join(question.split())
    if not q:
        raise InputError("the question is empty")
    if len(q) > MAX_QUESTION:
        raise InputError(f"the question is too long (at most {MAX_QUESTION:,} characters)")
    query = parse(q)
    if singles_out_person(q):
        return AskResult(DECLINE[query.lang], declined=True, language=query.lang,
                         kind=query.kind)
    return answer_facts(engine, query, query.filters.merged(filters or Filters()))


def with_sentence(result: AskResult, chat, question: str) -> AskResult:
    """``result`` with the model's sentence, when there is a model and it passes."""
    sentence = phrase(result, chat, " ".join(question.split()))
    if sentence:
        result.sentence = sentence
        result.model_wording = True
    return result


def answer(project: Project, question: str, mode: str = "guided", min_support: int | None = None,
           use_llm: bool = True, filters: Filters | None = None, on_facts=None) -> AskResult:
    """``Project.ask``: facts from the counts; the model (if any, and the evidence is not
    thin) phrases them in one checked sentence, or, in ``autonomous`` mode, uses the tools
    itself. ``on_facts(result)`` receives the facts before the model is asked."""
    if mode not in ("guided", "autonomous"):
        raise InputError(f"--mode must be guided or autonomous, not {mode!r}")
    engine = project.ask_engine(min_support)
    result = facts(engine, question, filters)
    if result.declined or result.thin or not use_llm:
        return result
    with contextlib.ExitStack() as stack:
        rt = stack.enter_context(project.providers.llm_runtime())
        chat = rt.chat_model(max_tokens=160 if mode == "guided" else 600)
        if mode == "autonomous":
            from .autonomous import autonomous_ask

            return autonomous_ask(engine, chat, question)
        if on_facts is not None:
            on_facts(result)
        return with_sentence(result, chat, question)
