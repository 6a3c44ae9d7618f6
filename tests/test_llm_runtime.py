"""The local LLM server (real llama.cpp + SmolLM2-135M) through the real openai client."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.e2e


def test_local_server_answers_a_chat_completion(llm_server):
    import openai

    client = openai.OpenAI(base_url=llm_server.base_url, api_key="none", timeout=60)
    models = [m.id for m in client.models.list().data]
    assert llm_server.alias in models
    r = client.chat.completions.create(
        model=llm_server.alias, temperature=0,
        messages=[{"role": "user", "content": "Name one colour."}], extra_body={"max_tokens": 12})
    assert r.choices[0].message.content.strip()
    assert 0 < r.usage.completion_tokens <= 12
    assert r.usage.prompt_tokens > 0


def test_server_uses_the_full_context(llm_server):
    # llama.cpp's server defaults to 2,048 tokens; the model was trained on more (its GGUF
    # metadata says how many). The server rejects a prompt longer than its context before
    # evaluating it, and says what its context is: a cheap way to ask.
    import llama_cpp
    import openai

    trained = int(llama_cpp.Llama(str(llm_server.model_path), vocab_only=True,
                                  verbose=False).metadata["llama.context_length"])
    client = openai.OpenAI(base_url=llm_server.base_url, api_key="none", timeout=120,
                           max_retries=0)
    too_long = " ".join(f"item{i}" for i in range(trained // 2))  # several tokens per word
    with pytest.raises(openai.BadRequestError, match=f"maximum context length is {trained} "):
        client.chat.completions.create(model=llm_server.alias, extra_body={"max_tokens": 1},
                                       messages=[{"role": "user", "content": too_long}])


def test_capabilities_are_probed_and_cached(llm_server, tmp_path):
    import openai

    from agent.llm.capabilities import cached_probe

    client = openai.OpenAI(base_url=llm_server.base_url, api_key="none", timeout=60)
    cache = tmp_path / "caps.json"
    caps = cached_probe(client, llm_server.alias, cache, "key")
    # Measured facts about llama.cpp's server (DESIGN.md §4).
    assert caps.honours_max_completion_tokens is False
    assert caps.json_object_schema is True
    assert caps.json_schema is False
    assert caps.structured_mode == "json_object"
    again = cached_probe(None, llm_server.alias, cache, "key")  # no client: must come from cache
    assert again == caps


def test_runtime_chat_model_caps_output_length(llm_server, tmp_path):
    from agent.config import LLMConfig
    from agent.llm.runtime import LLMRuntime

    rt = LLMRuntime(LLMConfig(provider="local", base_url=llm_server.base_url),
                    cache_file=tmp_path / "caps.json").start()
    try:
        model = rt.chat_model(max_tokens=8)
        started = time.perf_counter()
        msg = model.invoke("Write a very long story about a lighthouse keeper.")
        assert msg.usage_metadata["output_tokens"] <= 8
        assert time.perf_counter() - started < 60
    finally:
        rt.stop()


def test_llm_check_cli_starts_and_stops_its_own_server(cli, workspace):
    r = cli("-w", workspace, "--json", "llm", "check")
    assert r.code == 0, r.stderr
    out = r.json
    assert out["local_server"] is True and out["completion_tokens"] > 0
    assert out["capabilities"]["structured_mode"] == "json_object"
    assert out["prompt"] == "llm_check.user@v1"
    port = int(out["base_url"].rsplit(":", 1)[1].split("/")[0])
    import socket

    with socket.socket() as s:  # the server is gone after the command
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_no_orphan_server_when_the_parent_is_killed(tmp_path):
    code = textwrap.dedent("""
        import sys, time
        from agent.llm.server import LocalLLMServer
        s = LocalLLMServer().start()
        print(s._proc.pid, flush=True)
        time.sleep(120)
    """)
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the model server outlived its killed parent")


def test_openai_provider_without_key_is_a_clear_error(cli, workspace):
    r = cli("-w", workspace, "llm", "check", env={"PERSONA_LLM__PROVIDER": "openai",
                                                   "OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""})
    assert r.code == 2 and "OPENAI_API_KEY" in r.stderr
