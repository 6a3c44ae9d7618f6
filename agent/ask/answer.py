"""One question, answered for the application layer (``Project.ask``)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from vectorstore.errors import InputError

from .engine import MAX_QUESTION, AskResult

if TYPE_CHECKING:
    from agent.project import Project


def answer(project: Project, question: str, mode: str = "guided", min_support: int | None = None,
           use_llm: bool = True, on_token=None) -> AskResult:
    """Count and cite in code; let the model (when there is one and the evidence is not thin)
    phrase the facts, or, in ``autonomous`` mode, use the tools itself."""
    if mode not in ("guided", "autonomous"):
        raise InputError(f"--mode must be guided or autonomous, not {mode!r}")
    if not question.strip():
        raise InputError("the question is empty")
    if len(question) > MAX_QUESTION:
        raise InputError(f"the question is too long (at most {MAX_QUESTION:,} characters)")
    engine = project.ask_engine(min_support)
    with contextlib.ExitStack() as stack:
        chat = None
        if use_llm and not engine.facts(question).thin:
            rt = stack.enter_context(project.providers.llm_runtime())
            chat = rt.chat_model(max_tokens=160 if mode == "guided" else 600)
        if mode == "autonomous" and chat is not None:
            from .autonomous import autonomous_ask

            return autonomous_ask(engine, chat, question)
        return engine.ask(question, chat, on_token=on_token)
