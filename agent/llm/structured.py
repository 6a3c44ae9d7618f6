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
RETRY_TEMPERATURE = 0.7
NETWORK_RETRIES = 2   # on top of the openai client's own retries (429, 5xx, timeouts)
BACKOFF = 0.5
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
    slowest: float = 0.0          # the slowest single call, seconds
    slowest_tag: str = ""         # … and what it was for ("g3.a2/claim")
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, calls=0, hits=0, prompt=0, completion=0, seconds=0.0, tag="") -> None:
        with self._lock:
            self.llm_calls += calls
            self.cache_hits += hits
            self.prompt_tokens += prompt
            self.completion_tokens += completion
            self.seconds += seconds
            if calls == 1 and seconds > self.slowest:
                self.slowest, self.slowest_tag = seconds, tag

    def merge(self, other: Usage) -> None:
        self.add(other.llm_calls, other.cache_hits, other.prompt_tokens, other.completion_tokens,
                 other.seconds)
        with self._lock:
            if other.slowest > self.slowest:
                self.slowest, self.slowest_tag = other.slowest, other.slowest_tag

    def as_dict(self) -> dict[str, Any]:
        return {"llm_calls": self.llm_calls, "cache_hits": self.cache_hits,
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}


class StructuredLLM:
    """Ask a LangChain chat model for small, validated JSON objects."""

    def __init__(self, chat_model, mode: str, model_name: str, cache: ResponseCache | None = None,
                 temperature: float = 0.0, revive: Callable[[], bool] | None = None):
        self.chat = chat_model
        self.mode = mode
        self.model_name = model_name
        self.cache = cache
        self.temperature = temperature
        self.revive = revive  # restarts a crashed local server; True if it did

    def ask(self, messages: list[dict[str, str]], schema: type[BaseModel], *, max_tokens: int,
            usage: Usage, check: Check | None = None, retries: int = 2, tag: str = "",
            choices: list[str] | None = None) -> tuple[BaseModel | None, list[str]]:
        """The validated object (or None) and the errors met on the way.

        Retries sample at a higher temperature (seeded), so a deterministic model does not
        repeat its rejected answer. With ``choices``, a last attempt constrains the (single)
        field to those options — grounded candidates prepared by the caller — and tells the
        model to pick the one that fits best.
        """
        errors: list[str] = []
        convo = list(messages)
        for attempt in range(retries + 1):
            raw = self._complete(convo, schema, max_tokens, usage, tag, attempt)
            obj, error = self._parse(raw, schema)
            if obj is not None and check is not None:
                error = check(obj)
            if error is None:
                return obj, errors
            errors.append(error)
            log.info("%s attempt %d rejected: %s | answer: %.200r", tag or schema.__name__,
                     attempt + 1, error, raw)
            # The rejected answer itself is not repeated back: small models copy it.
            convo = [*messages, {"role": "user", "content": f"A previous answer was rejected: "
                                                            f"{error} Answer again, following "
                                                            "the rules."}]
        choices = [c for c in dict.fromkeys(_plain(c) for c in choices or []) if c]
        if choices:
            field = next(iter(schema.model_fields))
            options = "\n".join(f"- {c}" for c in choices)
            convo = [*messages, {"role": "user", "content": f"Pick the option that fits these "
                                                            f"users best:\n{options}"}]
            raw = self._complete(convo, schema, max_tokens, usage, tag, retries + 1,
                                 enum=(field, choices))
            obj, error = self._parse(raw, schema)
            if obj is not None and getattr(obj, field) in choices and (
                    check is None or (error := check(obj)) is None):
                return obj, errors
            errors.append(error or "not one of the options")
        return None, errors

    # -- one request --------------------------------------------------------------------------------
    def _complete(self, messages, schema, max_tokens, usage: Usage, tag: str, attempt: int = 0,
                  enum: tuple[str, list[str]] | None = None) -> str:
        json_schema = _inline(schema.model_json_schema())
        if enum is not None:
            json_schema["properties"][enum[0]] = {"type": "string", "enum": enum[1]}
        temperature = self.temperature if attempt == 0 else RETRY_TEMPERATURE
        key = None
        if self.cache is not None:
            key = ResponseCache.key({"model": self.model_name, "mode": self.mode,
                                     "messages": messages, "schema": json_schema,
                                     "max_tokens": max_tokens, "temperature": temperature,
                                     "attempt": attempt})
            hit = self.cache.get(key)
            if hit is not None:
                usage.add(hits=1)
                return hit["content"]
        chat = self._bind(schema, json_schema)
        if attempt:
            chat = chat.bind(temperature=temperature, seed=attempt)
        lc_messages = [(m["role"] if m["role"] != "assistant" else "ai", m["content"])
                       for m in messages]
        started = time.perf_counter()
        try:
            msg = self._invoke(chat, lc_messages, tag)
            content = _content_of(msg)
            meta = getattr(msg, "usage_metadata", None) or {}
            tokens = (int(meta.get("input_tokens", 0)), int(meta.get("output_tokens", 0)))
        except Exception as exc:
            truncated = _truncated(exc)
            if truncated is None:  # openai errors after the client's own retries
                raise LLMCallFailed(f"{tag or 'LLM call'} failed: {type(exc).__name__}: "
                                    f"{str(exc)[:300]}") from exc
            content, tokens = truncated  # the answer hit max_tokens: a bad answer, not an outage
        usage.add(calls=1, prompt=tokens[0], completion=tokens[1],
                  seconds=time.perf_counter() - started, tag=tag)
        if key is not None:
            self.cache.put(key, {"content": content, "model": self.model_name})
        return content

    def _invoke(self, chat, messages, tag: str):
        """One request, retried on what the client does not retry itself (a malformed or
        garbled response, a dropped connection after its own retries, a crashed local
        server), with backoff; the last error propagates."""
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return chat.invoke(messages)
            except Exception as exc:
                if _truncated(exc) is not None or attempt == NETWORK_RETRIES:
                    raise
                if self.revive is not None and self.revive():
                    log.warning("%s: the model server had died and was restarted", tag)
                    continue
                log.warning("%s: %s; retrying", tag, type(exc).__name__)
                time.sleep(BACKOFF * 2 ** attempt)
        raise AssertionError("unreachable")

    def _bind(self, schema: type[BaseModel], json_schema: dict):
        json_schema = _grammar_friendly(json_schema)
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


def _plain(option: str) -> str:
    """An option safe inside a grammar: llama.cpp's grammar converter fails (and has been seen
    to take the server down) on options with escaped quotes."""
    return " ".join(option.replace('"', "'").replace("\\", " ").split())[:200]


def _truncated(exc: Exception) -> tuple[str, tuple[int, int]] | None:
    """The partial answer of a completion that stopped at max_tokens, if that is what failed."""
    completion = getattr(exc, "completion", None)
    if completion is None or type(exc).__name__ != "LengthFinishReasonError":
        return None
    content = (completion.choices[0].message.content or "") if completion.choices else ""
    u = completion.usage
    return content, ((u.prompt_tokens, u.completion_tokens) if u else (0, 0))


def _grammar_friendly(schema: dict) -> dict:
    """The schema sent to the server, without length limits: grammar-constrained decoding
    turns maxLength into a huge grammar (measured: seconds per call); lengths are checked
    by pydantic on our side instead."""
    if isinstance(schema, dict):
        return {k: _grammar_friendly(v) for k, v in schema.items()
                if k not in ("maxLength", "maxItems", "description")}
    if isinstance(schema, list):
        return [_grammar_friendly(v) for v in schema]
    return schema


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
