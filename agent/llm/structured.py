"""Small structured LLM calls with validation against context and bounded retries.

One call asks for one small JSON object (a name, a tagline, one claim). The output mode
follows the server's probed capabilities: ``json_schema`` (strict), ``json_object`` with a
schema (llama.cpp's grammar), a forced tool call, or plain prompting with the schema in the
instructions. The parsed object is validated by pydantic and then by a caller-supplied check
(is the quote verbatim? is the claim supported?); a failure goes back to the model with the
error, up to ``retries`` times (after instructor's retry loop).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from vectorstore.errors import PersonaError

from .cache import ResponseCache

log = logging.getLogger(__name__)
Check = Callable[[Any], str | None]
_JSON = re.compile(r"\{.*\}", re.DOTALL)


class LLMCallFailed(PersonaError):
    """The model server stayed unreachable or kept failing after retries."""


@dataclass
class Usage:
    llm_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, calls=0, hits=0, prompt=0, completion=0, seconds=0.0) -> None:
        with self._lock:
            self.llm_calls += calls
            self.cache_hits += hits
            self.prompt_tokens += prompt
            self.completion_tokens += completion
            self.seconds += seconds

    def merge(self, other: Usage) -> None:
        self.add(other.llm_calls, other.cache_hits, other.prompt_tokens, other.completion_tokens,
                 other.seconds)

    def as_dict(self) -> dict[str, Any]:
        return {"llm_calls": self.llm_calls, "cache_hits": self.cache_hits,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}


class StructuredLLM:
    """Ask a LangChain chat model for small, validated JSON objects."""

    def __init__(self, chat_model, mode: str, model_name: str, cache: ResponseCache | None = None,
                 temperature: float = 0.0):
        self.chat = chat_model
        self.mode = mode
        self.model_name = model_name
        self.cache = cache
        self.temperature = temperature

    def ask(self, messages: list[dict[str, str]], schema: type[BaseModel], *, max_tokens: int,
            usage: Usage, check: Check | None = None, retries: int = 2,
            tag: str = "") -> tuple[BaseModel | None, list[str]]:
        """The validated object (or None) and the errors met on the way."""
        errors: list[str] = []
        convo = list(messages)
        for attempt in range(retries + 1):
            raw = self._complete(convo, schema, max_tokens, usage, tag)
            obj, error = self._parse(raw, schema)
            if obj is not None and check is not None:
                error = check(obj)
            if error is None:
                return obj, errors
            errors.append(error)
            log.info("%s attempt %d rejected: %s", tag or schema.__name__, attempt + 1, error)
            convo = [*messages, {"role": "assistant", "content": raw[:800]},
                     {"role": "user", "content": f"That answer was rejected: {error} "
                                                 "Answer again, following the rules."}]
        return None, errors

    # -- one request --------------------------------------------------------------------------------
    def _complete(self, messages, schema, max_tokens, usage: Usage, tag: str) -> str:
        json_schema = _inline(schema.model_json_schema())
        key = None
        if self.cache is not None:
            key = ResponseCache.key({"model": self.model_name, "mode": self.mode,
                                     "messages": messages, "schema": json_schema,
                                     "max_tokens": max_tokens, "temperature": self.temperature})
            hit = self.cache.get(key)
            if hit is not None:
                usage.add(hits=1)
                return hit["content"]
        chat = self._bind(schema, json_schema)
        lc_messages = [(m["role"] if m["role"] != "assistant" else "ai", m["content"])
                       for m in messages]
        started = time.perf_counter()
        try:
            msg = chat.invoke(lc_messages)
        except Exception as exc:  # openai errors after the client's own retries
            raise LLMCallFailed(f"{tag or 'LLM call'} failed: {type(exc).__name__}: "
                                f"{str(exc)[:300]}") from exc
        elapsed = time.perf_counter() - started
        content = _content_of(msg)
        meta = getattr(msg, "usage_metadata", None) or {}
        usage.add(calls=1, prompt=int(meta.get("input_tokens", 0)),
                  completion=int(meta.get("output_tokens", 0)), seconds=elapsed)
        if key is not None:
            self.cache.put(key, {"content": content, "model": self.model_name})
        return content

    def _bind(self, schema: type[BaseModel], json_schema: dict):
        if self.mode == "json_schema":
            return self.chat.bind(response_format={"type": "json_schema", "json_schema": {
                "name": schema.__name__, "schema": json_schema, "strict": True}})
        if self.mode == "json_object":
            return self.chat.bind(response_format={"type": "json_object", "schema": json_schema})
        if self.mode == "tools":
            tool = {"type": "function", "function": {"name": schema.__name__,
                                                     "description": schema.__doc__ or "",
                                                     "parameters": json_schema}}
            return self.chat.bind(tools=[tool], tool_choice={"type": "function", "function": {
                "name": schema.__name__}})
        return self.chat

    @staticmethod
    def _parse(raw: str, schema: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
        text = raw.strip()
        if not text.startswith("{"):
            m = _JSON.search(text)
            text = m.group(0) if m else text
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return None, "the answer was not a JSON object."
        try:
            return schema.model_validate(data), None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the object"
            return None, f"{where}: {first['msg']}."


def _content_of(msg) -> str:
    calls = getattr(msg, "tool_calls", None)
    if calls:
        return json.dumps(calls[0].get("args", {}), ensure_ascii=False)
    content = msg.content
    if isinstance(content, list):
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part)
                          for part in content)
    return content or ""


def _inline(schema: dict) -> dict:
    """A JSON Schema without $defs/$ref/title noise: small schemas keep grammars fast."""
    defs = schema.get("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(defs[node["$ref"].split("/")[-1]])
            return {k: walk(v) for k, v in node.items() if k not in ("$defs", "title")}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out = walk(schema)
    out["additionalProperties"] = False
    return out
