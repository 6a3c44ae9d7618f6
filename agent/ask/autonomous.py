"""Autonomous ``ask``: a LangChain tool-calling agent over the ask tools (capable models)."""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel, Field

from agent.llm.errors import could_not_do_it, endpoint_of, unavailable
from agent.prompts import load_prompt

from .engine import AskEngine, AskResult, Citation

log = logging.getLogger(__name__)
MAX_TURNS = 16


class _Query(BaseModel):
    query: str = Field(..., description="What to look for.")
    within: str | None = Field(None, description="A group id to search in, or empty for all.")
    k: int = Field(5, description="How many texts (1-20).")


class _Statement(BaseModel):
    statement: str = Field(..., description="A statement about users to count.")


class _Persona(BaseModel):
    id: str = Field(..., description="A segment or persona id.")


class _Pair(BaseModel):
    a: str
    b: str


class _NoArgs(BaseModel):
    pass


def autonomous_ask(engine: AskEngine, chat_model, question: str,
                   max_turns: int = MAX_TURNS) -> AskResult:
    from langchain.agents import create_agent
    from langchain_core.tools import StructuredTool

    from .answer import facts as guided_facts
    from .phrase import check_sentence

    guided = guided_facts(engine, question)
    if guided.declined:
        return guided
    seen: dict[str, dict[str, Any]] = {}
    counts: dict[str, dict[str, Any]] = {}

    def search(query: str, within: str | None = None, k: int = 5):
        if not 1 <= int(k) <= 20:
            return {"error": "k must be between 1 and 20"}
        if within and within not in engine.unit_ids():
            return {"error": f"unknown id {within!r}; known: {', '.join(sorted(engine.unit_ids()))}"}
        hits = engine.search_texts(query, within or None, int(k))
        seen.update({h["doc_id"]: h for h in hits})
        return hits

    def count(statement: str):
        rows = engine.count_matching(statement)
        for r in rows:
            if isinstance(r["count"], int):
                counts.setdefault(r["id"], r)
        return rows

    units = engine.level.plural   # "groups" (or "segments" when personas describe segments)
    tools = [
        StructuredTool.from_function(func=engine.list_units, name=f"list_{units}",
                                     description=f"All {units} with size and keywords.",
                                     args_schema=_NoArgs),
        StructuredTool.from_function(func=lambda id: engine.get_persona(id), name="get_persona",
                                     description=f"The persona of one of the {units}.",
                                     args_schema=_Persona),
        StructuredTool.from_function(func=search, name="search_texts",
                                     description="Texts most similar to a query.",
                                     args_schema=_Query),
        StructuredTool.from_function(func=count, name="count_matching",
                                     description=f"Per one of the {units}, how many texts "
                                                 "support a statement.",
                                     args_schema=_Statement),
        StructuredTool.from_function(func=engine.compare_units, name=f"compare_{units}",
                                     description=f"Keywords two {units} do and do not share.",
                                     args_schema=_Pair),
    ]
    prompt = load_prompt("ask.autonomous").render(min_support=str(engine.min_support),
                                                  units=units)
    agent = create_agent(chat_model, tools=tools, system_prompt=prompt)
    try:
        out = agent.invoke({"messages": [("user", question)]},
                           config={"recursion_limit": max_turns})
        final = out["messages"][-1].content if out.get("messages") else ""
    except could_not_do_it() as exc:  # the model could not do it: the counted answer instead
        log.warning("the autonomous ask failed (%s: %s); answering from the counts",
                    type(exc).__name__, str(exc)[:200])
        return guided
    except Exception as exc:  # an unreachable model is ModelUnavailable; anything else a bug
        down = unavailable(exc, endpoint_of(chat_model))
        if down is None:
            raise
        raise down from exc
    if isinstance(final, list):
        final = " ".join(p.get("text", "") for p in final if isinstance(p, dict))
    final = (final or "").strip()
    # The agent's wording is shown only when it states the counted facts: checked like the
    # guided mode's sentence, against the facts code counted for the same question.
    if not final or guided.thin or check_sentence(final, guided, question) is not None:
        return guided
    guided.sentence, guided.model_wording = final, True
    cited = [i for i in re.findall(r"[A-Za-z0-9_#-]{6,}", final) if i in seen]
    if cited:
        guided.citations = [Citation(seen[i]["doc_id"], seen[i]["group_id"],
                                     seen[i]["segment_id"], seen[i]["text"])
                            for i in dict.fromkeys(cited) if i in set(guided.counted_ids)] \
            or guided.citations
    return guided
