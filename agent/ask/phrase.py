"""The model's sentence for an answer, checked before anything of it is shown.

The sentence must be in the question's language, name a group (or an aspect) exactly as the
facts name it, use only numbers the facts contain, take its words from the facts and the
question, and stay short. Nothing is streamed before the check: the facts are shown first,
then the sentence if it passed — never a text that is retracted afterwards.
"""

from __future__ import annotations

import logging
import re

from agent.llm.errors import as_model_error
from agent.persona.evidence import lexical_coverage
from agent.persona.llm_io import tidy
from agent.prompts import load_prompt

from .engine import AskResult

log = logging.getLogger(__name__)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?%?")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def check_sentence(text: str, result: AskResult, question: str) -> str | None:
    """Why the model's ``text`` may not be shown (None: it may)."""
    t = text.strip()
    if not t or len(t) > 320:
        return "empty or too long"
    zh = result.language == "zh"
    han = len(_HAN.findall(t))
    if zh and han < 0.5 * len(t.replace(" ", "")):
        return "not in the question's language"
    if not zh and han:
        return "not in the question's language"
    facts = result.answer
    if any(n not in facts for n in _NUMBER.findall(t)):
        return "a number the facts do not contain"
    names = [c.name for c in result.counts if c.count is not None] + \
            [a.group_name for a in result.aspects] + [a.label for a in result.aspects]
    if names and not any(n and n in t for n in names):
        return "names no group as the facts name it"
    if lexical_coverage(t, [facts, question]) < 0.85:
        return "words the facts do not contain"
    return None


def phrase(result: AskResult, chat, question: str) -> str | None:
    """One checked sentence from the facts (None when there is no model or it failed)."""
    if chat is None or result.thin or result.declined:
        return None
    prompt = load_prompt("ask.answer")
    lines = "\n".join(f"- {part.strip()}" for part in re.split(r"[;；]", result.answer)
                      if part.strip())
    messages = [("user", prompt.render(question=question.replace("<", "‹"), facts=lines,
                                       language="Chinese" if result.language == "zh"
                                       else "English"))]
    try:
        reply = chat.invoke(messages)
    except Exception as exc:  # the model down or unable: the counted answer; a bug raises
        if as_model_error(exc, chat) is None:
            raise
        log.warning("could not phrase the answer: %s", exc)
        return None
    text = tidy(reply.content if isinstance(reply.content, str) else "")
    error = check_sentence(text, result, question)
    if error:
        log.info("the model's wording was not used (%s): %.200r", error, text)
        return None
    return text
