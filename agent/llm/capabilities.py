"""What an OpenAI-compatible server can do, probed once and cached.

Capabilities come from asking the server, never from the provider's name: llama.cpp, vLLM,
Ollama and OpenAI differ in which structured-output modes they accept and in whether they
honour ``max_completion_tokens``.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.workspace import atomic_write

from .errors import LLMCallFailed, unavailable
from .retry import Deadlines, call

log = logging.getLogger(__name__)
PROBE_SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}},
                "required": ["answer"], "additionalProperties": False}
CACHE_VERSION = 1


@dataclass
class Capabilities:
    model: str
    honours_max_completion_tokens: bool
    json_schema: bool          # response_format {"type": "json_schema", ...}
    json_object_schema: bool   # response_format {"type": "json_object", "schema": ...}
    tool_calls: bool           # a forced tool_choice returns a tool call
    probed_at: str = ""
    uncertain: bool = False    # a probe step failed transiently; not cached

    @property
    def structured_mode(self) -> str:
        """The best structured-output mode: json_schema, json_object, tools or prompt."""
        if self.json_schema:
            return "json_schema"
        if self.json_object_schema:
            return "json_object"
        if self.tool_calls:
            return "tools"
        return "prompt"

    def as_dict(self) -> dict:
        return {**asdict(self), "structured_mode": self.structured_mode}


PROBE_RETRIES = 2
HONOURS_PROBE_CAP = 16  # > 6: an answer cut here was not cut by max_completion_tokens=5


def probe(client, model: str, deadlines: Deadlines | None = None) -> Capabilities:
    """Ask the server (an ``openai.OpenAI`` client) what it supports: four tiny requests.

    Each request runs under the retry policy (:mod:`agent.llm.retry`): timeouts, dropped
    connections, 429 and 5xx are asked again. Servers reject unknown options in different
    ways (llama.cpp answers an unsupported response_format with a 500), so a status that
    persists means "not supported"; a result resting on a transient failure is marked
    ``uncertain`` and not cached. When the first, plain request fails the server is
    unreachable (:class:`ModelUnavailable`) or broken (:class:`LLMCallFailed`).
    """
    import openai

    deadlines = deadlines or Deadlines()
    policy = Deadlines(deadlines.connect, deadlines.call, min(deadlines.retries, PROBE_RETRIES))
    long_msg = [{"role": "user", "content": "Count from one to thirty in words."}]
    short_msg = [{"role": "user", "content": "Is the sky blue? Reply as JSON with the key "
                                             "\"answer\" and a one-word value."}]
    quick = client.with_options(max_retries=0)
    url = str(getattr(client, "base_url", "") or "") or None
    uncertain = False

    def request(msg, kwargs, timeout):
        r = quick.with_options(timeout=timeout).chat.completions.create(
            model=model, messages=msg, temperature=0, **kwargs)
        if not getattr(r, "choices", None):
            raise ValueError("a response without choices")
        return r

    def attempt(msg=short_msg, required=False, **kwargs):
        nonlocal uncertain
        try:
            return call(lambda timeout: request(msg, kwargs, timeout), policy,
                        what="a first request (what the server supports)")
        except openai.APIStatusError as exc:
            log.info("probe %s rejected: %s", list(kwargs), exc)
            if exc.status_code == 429:
                uncertain = True
            if required and exc.status_code >= 500:
                raise LLMCallFailed(f"the model server at {url} keeps failing "
                                    f"({exc.status_code}): {exc}") from None
            return None
        except (openai.OpenAIError, ValueError) as exc:  # unreachable, silent or garbled
            log.info("capability probe: %s: %s", type(exc).__name__, exc)
            if required:
                down = unavailable(exc, url, policy.connect, policy.call)
                raise down or LLMCallFailed(f"the model server at {url} answers garbage: "
                                            f"{type(exc).__name__}: {exc}") from None
            uncertain = True
            return None

    # Capped both ways, so no request is ever uncapped: a server that ignores
    # max_completion_tokens (llama.cpp) stops at max_tokens instead of at the end of its
    # context — and llama.cpp goes on generating for a client that gave up, holding up every
    # request after it. A server that rejects the pair (OpenAI) is asked without max_tokens.
    r = attempt(long_msg, required=True, max_completion_tokens=5,
                extra_body={"max_tokens": HONOURS_PROBE_CAP})
    if r is None:
        r = attempt(long_msg, required=True, max_completion_tokens=5)
    honours = bool(r and r.usage and r.usage.completion_tokens <= 6)
    limit = {"max_completion_tokens": 40} if honours else {"extra_body": {"max_tokens": 40}}

    def parses(resp) -> bool:
        try:
            return isinstance(json.loads(resp.choices[0].message.content or ""), dict)
        except (ValueError, AttributeError, IndexError):
            return False

    r = attempt(response_format={"type": "json_schema", "json_schema": {
        "name": "probe", "schema": PROBE_SCHEMA, "strict": True}}, **limit)
    json_schema = bool(r) and parses(r)
    r = attempt(response_format={"type": "json_object", "schema": PROBE_SCHEMA}, **limit)
    json_object = bool(r) and parses(r)
    tool = {"type": "function", "function": {"name": "answer", "description": "Give the answer.",
                                             "parameters": PROBE_SCHEMA}}
    r = attempt(tools=[tool], tool_choice={"type": "function", "function": {"name": "answer"}},
                **limit)
    tools = bool(r and r.choices and r.choices[0].message.tool_calls)
    return Capabilities(model=model, honours_max_completion_tokens=honours,
                        json_schema=json_schema, json_object_schema=json_object,
                        tool_calls=tools, probed_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        uncertain=uncertain)


def cached_probe(client, model: str, cache_file: Path, key: str,
                 refresh: bool = False, deadlines: Deadlines | None = None) -> Capabilities:
    """:func:`probe` once per ``key`` (server identity + model), stored in ``cache_file``."""
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
        if cache.get("version") != CACHE_VERSION:
            cache = {}
    except (FileNotFoundError, ValueError):
        cache = {}
    entries = cache.setdefault("entries", {})
    if not refresh and key in entries:
        data = {k: v for k, v in entries[key].items() if k != "structured_mode"}
        return Capabilities(**data)
    caps = probe(client, model, deadlines)
    if caps.uncertain:
        log.warning("the capability probe hit transient errors; it will run again next time")
        return caps
    entries[key] = caps.as_dict()
    cache["version"] = CACHE_VERSION
    atomic_write(cache_file, json.dumps(cache, indent=2))
    return caps
