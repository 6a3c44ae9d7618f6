"""Small structured LLM calls with validation against context and bounded retries.

One call asks for one small JSON object (a name, a tagline, one claim). The output mode
follows the server's probed capabilities: ``json_schema`` (strict) and a forced tool call go
through LangChain's ``with_structured_output``; ``json_object`` with a schema (llama.cpp's
grammar, which ``with_structured_output`` cannot express) is bound as ``response_format``;
``prompt`` puts the schema in the instructions only. The answer is parsed by LangChain's JSON
parser, validated by pydantic and then by a caller-supplied check (is the quote verbatim? is
the claim supported?); a failure goes back to the model with the error, up to ``retries``
times (after instructor's retry loop). Each request runs under the one retry policy with its
deadlines (:mod:`agent.llm.retry`); token counts come from LangChain's usage callback.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import openai
from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.utils.json import parse_json_markdown
from pydantic import BaseModel, ValidationError

from . import retry
from .cache import ResponseCache
from .errors import LLMCallFailed, ModelUnavailable, endpoint_of, unavailable

__all__ = ["LLMCallFailed", "ModelUnavailable", "StructuredLLM", "Usage"]
log = logging.getLogger(__name__)
Check = Callable[[Any], str | None]
RETRY_TEMPERATURE = 0.7


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
                 temperature: float = 0.0, revive: Callable[[], bool] | None = None,
                 deadlines: retry.Deadlines | None = None):
        self.chat = chat_model
        self.mode = mode
        self.model_name = model_name
        self.cache = cache
        self.temperature = temperature
        self.revive = revive  # restarts a crashed local server; True if it did
        self.deadlines = deadlines or retry.Deadlines()
        self.endpoint = endpoint_of(chat_model)

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
        sampling = {"temperature": temperature, "seed": attempt} if attempt else {}
        sampling.update(self._limit(max_tokens))
        lc_messages = [(m["role"] if m["role"] != "assistant" else "ai", m["content"])
                       for m in messages]
        handler = UsageMetadataCallbackHandler()
        started = time.perf_counter()
        try:
            out = retry.call(
                lambda timeout: self._bind(schema, json_schema, timeout=timeout, **sampling)
                .invoke(lc_messages, config={"callbacks": [handler]}),
                self.deadlines, what=tag or schema.__name__, on_retry=self._revive,
                retry=lambda exc: _truncated(exc) is None and retry.transient(exc))
            content = _content_of(out)
            tokens = _tokens(handler)
        except (openai.OpenAIError, ValueError) as exc:  # what the client raised, after retries
            truncated = _truncated(exc)
            if truncated is None:
                down = unavailable(exc, self.endpoint, self.deadlines.connect, self.deadlines.call)
                if down is not None:
                    raise down from exc
                raise LLMCallFailed(f"{tag or 'LLM call'} failed: {type(exc).__name__}: "
                                    f"{str(exc)[:300]}") from exc
            content, tokens = truncated  # the answer hit max_tokens: a bad answer, not an outage
        seconds = time.perf_counter() - started
        usage.add(calls=1, prompt=tokens[0], completion=tokens[1], seconds=seconds, tag=tag)
        log.debug("%s attempt %d: %.1f s, %d prompt + %d completion tokens%s", tag, attempt + 1,
                  seconds, tokens[0], tokens[1], " (options)" if enum else "")
        if key is not None:
            self.cache.put(key, {"content": content, "model": self.model_name})
        return content

    def _limit(self, max_tokens: int) -> dict[str, Any]:
        """This call's output cap, sent the way the chat model sends its own: as extra_body
        max_tokens where the server ignores max_completion_tokens (llama.cpp, DESIGN.md §4)."""
        extra = getattr(self.chat, "extra_body", None)
        if isinstance(extra, dict) and "max_tokens" in extra:
            return {"extra_body": {**extra, "max_tokens": max_tokens}}
        if getattr(self.chat, "max_tokens", None) is not None:  # ChatOpenAI: sent as
            return {"max_tokens": max_tokens}                   # max_completion_tokens
        return {}

    def _revive(self, exc: BaseException) -> None:
        """Before a retry: restart the local server if its process died."""
        if self.revive is not None and isinstance(exc, openai.APIConnectionError) \
                and self.revive():
            log.warning("the model server had died and was restarted")

    def _bind(self, schema: type[BaseModel], json_schema: dict, **kwargs):
        """The chat model set up for this schema; ``kwargs`` (timeout, sampling) reach the
        request."""
        json_schema = _grammar_friendly(json_schema)
        named = {"title": schema.__name__, "description": (schema.__doc__ or "").strip(),
                 **json_schema}
        if self.mode == "json_schema":
            return self.chat.with_structured_output(named, method="json_schema", strict=True,
                                                    include_raw=True, **kwargs)
        if self.mode == "tools":
            return self.chat.with_structured_output(named, method="function_calling",
                                                    include_raw=True, **kwargs)
        if self.mode == "json_object":
            # with_structured_output's json_mode sends no schema, and llama.cpp rejects
            # "json_schema"; its grammar-constrained mode is {"type": "json_object", "schema"}.
            return self.chat.bind(response_format={"type": "json_object", "schema": json_schema},
                                  **kwargs)
        return self.chat.bind(**kwargs)

    @staticmethod
    def _parse(raw: str, schema: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
        try:  # LangChain's parser (a bare object or one in a ```json fence), not partial JSON
            data = parse_json_markdown(raw, parser=json.loads)
        except ValueError:
            return None, "the answer was not a JSON object."
        if not isinstance(data, dict):
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
    """The partial answer of a completion that stopped at max_tokens, if that is what failed.
    Its usage is read by hand: the usage callback never sees a request that raised."""
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


def _tokens(handler: UsageMetadataCallbackHandler) -> tuple[int, int]:
    """(prompt, completion) tokens the callback saw, over every model it saw."""
    seen = list(handler.usage_metadata.values())
    return (sum(int(u.get("input_tokens", 0)) for u in seen),
            sum(int(u.get("output_tokens", 0)) for u in seen))


def _content_of(out) -> str:
    """The answer's text: the message content, or the tool call's arguments as JSON."""
    msg = out["raw"] if isinstance(out, dict) else out  # with_structured_output(include_raw)
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
