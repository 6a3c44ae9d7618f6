"""One place that turns the LLM configuration into a working chat model.

``LLMRuntime`` starts the local llama.cpp server when the configuration asks for the local
provider without a base URL, probes (once, cached) what the server supports, and hands out
LangChain ``ChatOpenAI`` models that work around the server's quirks — the same code path
for the local model and for OpenAI or any OpenAI-compatible server.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from agent.config import LLMConfig
from agent.logs import register_endpoint
from vectorstore.errors import InputError

from .capabilities import Capabilities, cached_probe
from .errors import LLMCallFailed, unavailable
from .retry import Deadlines, call
from .server import LLMUnavailable, LocalLLMServer

log = logging.getLogger(__name__)
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
LOCAL_KEY = "sk-local-no-key"


class LLMRuntime:
    def __init__(self, config: LLMConfig, cache_file: Path, server_log: Path | None = None):
        self.config = config
        self.cache_file = cache_file
        self.server_log = server_log
        self.server: LocalLLMServer | None = None
        self.base_url: str | None = None
        self.model: str = ""
        self._client = None
        self._caps: Capabilities | None = None
        self._server_tokenizer: bool | None = None  # None: not tried yet
        self.deadlines = Deadlines.of(config)

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> LLMRuntime:
        import openai

        c = self.config
        key = c.api_key.get_secret_value() if c.api_key else None
        if c.provider == "local" and not c.base_url:
            self.server = self.local_server().start()
            self.base_url, self.model, key = self.server.base_url, self.server.alias, LOCAL_KEY
        elif c.provider == "local":
            self.base_url, key = c.base_url, key or LOCAL_KEY
        else:
            if not key and not c.base_url:
                raise InputError("llm.provider is 'openai' but no API key is set: export "
                                 "OPENAI_API_KEY, or set OPENAI_BASE_URL for a server that needs "
                                 "none")
            self.base_url = c.base_url
        register_endpoint(self.base_url)
        # No retries in the client: the one retry policy (agent.llm.retry) wraps each request.
        self._client = openai.OpenAI(api_key=key or LOCAL_KEY, base_url=self.base_url,
                                     timeout=self.deadlines.timeout(), max_retries=0)
        if not self.model:
            self.model = c.model or self._first_model() or DEFAULT_OPENAI_MODEL
        return self

    def local_server(self) -> LocalLLMServer:
        """The local llama.cpp server this configuration starts (not started)."""
        c = self.config
        return LocalLLMServer(c.model_path, context=c.context, threads=c.threads,
                              log_path=self.server_log, startup_timeout=c.startup_timeout)

    def _first_model(self) -> str | None:
        if self.config.provider == "openai" and not self.config.base_url:
            return None
        import openai

        d = self.deadlines
        try:
            models = call(lambda timeout: self._client.with_options(timeout=timeout).models.list(),
                          d, what="listing the models")
            return models.data[0].id if models.data else None
        except (openai.OpenAIError, ValueError) as exc:
            down = unavailable(exc, self.base_url, d.connect, d.call)
            raise LLMUnavailable(str(down) if down else f"the model server at {self.base_url} "
                                 f"could not list its models: {exc}") from None

    def stop(self) -> None:
        if self.server:
            self.server.stop()
            self.server = None

    def __enter__(self) -> LLMRuntime:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- use ----------------------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            raise RuntimeError("LLMRuntime used before start()")
        return self._client

    @property
    def identity(self) -> str:
        """What the capability cache is keyed by: the model file, or server URL + model."""
        if self.server:
            p = self.server.model_path
            return f"local:{p.resolve()}:{p.stat().st_size}"
        return f"{self.base_url or 'https://api.openai.com/v1'}|{self.model}"

    def capabilities(self, refresh: bool = False) -> Capabilities:
        if self._caps is None or refresh:
            self._caps = cached_probe(self.client, self.model, self.cache_file, self.identity,
                                      refresh=refresh, deadlines=self.deadlines)
        return self._caps

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` as this model counts them: the llama.cpp server's own tokenizer
        when it has one (tiktoken undercounts SmolLM2's Chinese by ~46%), else tiktoken."""
        if self._server_tokenizer is not False:
            import json as _json
            import urllib.request

            root = (self.base_url or "").rsplit("/v1", 1)[0]
            try:
                req = urllib.request.Request(f"{root}/extras/tokenize/count",
                                             data=_json.dumps({"input": text}).encode(),
                                             headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=10) as r:
                    self._server_tokenizer = True
                    return int(_json.load(r)["count"])
            except (OSError, ValueError, KeyError):
                if self._server_tokenizer is None:
                    self._server_tokenizer = False
        from vectorstore.tokens import TokenCounter

        return TokenCounter().count(text)

    def complete(self, messages: list[dict[str, str]], max_tokens: int, **kwargs):
        """One chat completion through the openai client, under the retry policy."""
        import openai

        d = self.deadlines
        try:
            return call(lambda timeout: self.client.with_options(timeout=timeout)
                        .chat.completions.create(model=self.model, messages=messages,
                                                 **self.limit_kwargs(max_tokens), **kwargs),
                        d, what="chat completion")
        except (openai.OpenAIError, ValueError) as exc:
            down = unavailable(exc, self.base_url, d.connect, d.call)
            raise down or LLMCallFailed(f"the model server at {self.base_url} failed: "
                                        f"{type(exc).__name__}: {exc}") from None

    def limit_kwargs(self, max_tokens: int) -> dict:
        """Request arguments that really cap the completion length on this server."""
        if self.capabilities().honours_max_completion_tokens:
            return {"max_completion_tokens": max_tokens}
        return {"extra_body": {"max_tokens": max_tokens}}

    def chat_model(self, max_tokens: int = 256, temperature: float = 0.0,
                   timeout: float | None = None, seed: int | None = 0):
        """A LangChain ``ChatOpenAI`` for this runtime, with a real output-length cap."""
        from langchain_openai import ChatOpenAI

        caps = self.capabilities()
        kwargs: dict = {}
        if caps.honours_max_completion_tokens:
            kwargs["max_completion_tokens"] = max_tokens
        else:
            # ChatOpenAI sends max_completion_tokens, which llama.cpp ignores (DESIGN.md §4).
            kwargs["extra_body"] = {"max_tokens": max_tokens}
        d = self.deadlines if timeout is None else replace(self.deadlines, call=timeout)
        # max_retries=0: StructuredLLM retries under the one policy; an agent or a stream
        # is not retried (its callers fall back to what code can answer).
        return ChatOpenAI(model=self.model, base_url=self.base_url,
                          api_key=self.client.api_key, temperature=temperature,
                          timeout=d.timeout(), max_retries=0, seed=seed,
                          **kwargs)
