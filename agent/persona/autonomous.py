"""The autonomous interview: a tool-calling agent (LangChain ``create_agent``) with a turn
limit, for models that use tools well. Its findings go through the same validation as the
guided interview's (the writer re-checks wording and counts support)."""

from __future__ import annotations

import re
from typing import Any

from agent.llm.errors import as_model_error
from agent.llm.structured import Usage
from agent.prompts import load_prompt
from vectorstore.segment.artifact import SegmentationRun

from .evidence import SupportCounter, support_threshold
from .group import GroupData
from .tools import GroupTools, langchain_tools
from .transcript import Finding, Transcript

MAX_TURNS = 24
_LINE = re.compile(r"^\s*[-*]?\s*(GOAL|PAIN|BEHAVIOUR|BEHAVIOR|MOTIVATION)S?\s*[:：]\s*(.+)$",
                   re.IGNORECASE | re.MULTILINE)
FIELDS = {"goal": "goals", "pain": "pain_points", "behaviour": "behaviours",
          "behavior": "behaviours", "motivation": "motivations"}


def autonomous_interview(chat_model, group: GroupData, store, embedder, usage: Usage,
                         segments: SegmentationRun, max_turns: int = MAX_TURNS) -> Transcript:
    """A tool-calling agent reads the group and proposes findings; each is then matched to
    the aspect it belongs to and checked like any model sentence (``generate._interview``)."""
    from langchain.agents import create_agent
    from langchain_core.callbacks import UsageMetadataCallbackHandler
    from langgraph.errors import GraphRecursionError

    prompt = load_prompt("interview.autonomous")
    counter = SupportCounter(embedder, lambda lang: support_threshold(segments.embedder, lang))
    calls: list[dict[str, Any]] = []
    tools = langchain_tools(GroupTools(group, store, embedder, counter, segments), calls)
    agent = create_agent(chat_model, tools=tools,
                         system_prompt=prompt.render(group_id=group.id, size=str(group.size)))
    t = Transcript(group.id, "autonomous")
    t.add("question", None, "interview the group's texts")
    tokens = UsageMetadataCallbackHandler()
    try:
        result = agent.invoke({"messages": [("user", "Start the interview.")]},
                              config={"recursion_limit": max_turns, "callbacks": [tokens]})
    except GraphRecursionError:
        t.add("note", None, f"stopped after {max_turns} turns")
        result = {"messages": []}
    except Exception as exc:  # sorted: model down or unable (raised as ours); a bug re-raises
        err = as_model_error(exc, chat_model)
        if err is None:
            raise
        raise err from exc
    for call in calls:
        t.add("tool", None, call)
    messages = result.get("messages", [])
    seen = list(tokens.usage_metadata.values())
    usage.add(calls=sum(1 for m in messages if m.type == "ai"),
              prompt=sum(int(u.get("input_tokens", 0)) for u in seen),
              completion=sum(int(u.get("output_tokens", 0)) for u in seen))
    final = messages[-1].content if messages else ""
    if isinstance(final, list):
        final = " ".join(p.get("text", "") for p in final if isinstance(p, dict))
    t.add("answer", None, final)
    seen = _seen_ids(calls, group)
    for kind, text in _LINE.findall(final or ""):
        t.findings.append(Finding(FIELDS[kind.lower()], text.strip(), seen))
    return t


def _seen_ids(calls: list[dict[str, Any]], group: GroupData) -> list[str]:
    """Ids of the group's texts the agent actually read (the sources its findings may use)."""
    allowed = set(group.ids)
    seen: list[str] = []
    for call in calls:
        result = call.get("result")
        items = result if isinstance(result, list) else []
        for item in items:
            if isinstance(item, dict) and item.get("id") in allowed and item["id"] not in seen:
                seen.append(item["id"])
    return seen or group.ids[:5]
