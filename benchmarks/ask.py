"""Latency of `persona ask` (local model) and of `GET /search`, on the example corpus.

    python benchmarks/ask.py [--workspace WS]

Without --workspace, a fresh workspace is built with `persona run examples/app_reviews.csv`
(about 5 minutes). Reported in one run: the `persona ask` command end to end (a new process:
start-up, embedder, local model server, answer), `POST /ask` on a running API (warm model),
and `GET /search` on the running API — median and p95 over the same questions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

QUESTIONS = [
    "Which users say the monthly fee is too expensive for a student budget?",
    "Who needs proper invoices with a VAT number for their shop?",
    "Which users want to give their kids pocket money with parental controls?",
    "Who complains that game top-ups and battle pass payments fail?",
    "Which users have problems with exchange rates and cards abroad?",
    "Who finds the letters too small and the menus confusing?",
    "哪个用户群最在意汇率和境外消费？",
    "哪些用户觉得字太小、菜单太复杂？",
]
SEARCHES = ["student discount", "card blocked abroad", "invoice VAT", "parental controls",
            "game top-up failed", "letters too small", "汇率", "孩子 零花钱", "refund", "fees"]


def cli(ws: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent.cli", "-w", str(ws), *args],
                          capture_output=True, text=True, cwd=ROOT, check=False,
                          env={**os.environ, **(env or {})})


def stats(xs: list[float]) -> str:
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    return f"median {statistics.median(xs):.3f} s, p95 {p95:.3f} s (n={len(xs)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", type=Path)
    args = ap.parse_args()
    tmp = None
    ws = args.workspace
    if ws is None or not (ws / "personas").exists():
        tmp = tempfile.TemporaryDirectory()
        ws = Path(tmp.name) / "ws"
        print("building the workspace: persona run examples/app_reviews.csv ...", flush=True)
        r = cli(ws, "run", str(ROOT / "examples" / "app_reviews.csv"))
        if r.returncode:
            sys.exit(r.stderr[-3000:])
    sys.path.insert(0, str(ROOT))
    from fastapi.testclient import TestClient

    from agent.api.app import create_app
    from agent.config import load_settings
    from agent.llm.server import LocalLLMServer
    from agent.project import build_project

    with LocalLLMServer(threads=2) as server:
        env = {"PERSONA_LLM__BASE_URL": server.base_url}
        cold = []
        for q in QUESTIONS:
            t = time.perf_counter()
            r = cli(ws, "--json", "ask", q, env=env)
            cold.append(time.perf_counter() - t)
            assert r.returncode == 0, r.stderr[-2000:]
        project = build_project(load_settings(ws, llm={"base_url": server.base_url}))
        client = TestClient(create_app(project))
        client.post("/ask", json={"question": QUESTIONS[0]})  # warm-up: engine and model
        warm = []
        for q in QUESTIONS:
            t = time.perf_counter()
            r = client.post("/ask", json={"question": q})
            warm.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
        client.get("/search", params={"q": "warm up"})
        search = []
        for _ in range(5):
            for q in SEARCHES:
                t = time.perf_counter()
                r = client.get("/search", params={"q": q, "k": 10})
                search.append(time.perf_counter() - t)
                assert r.status_code == 200
    print(json.dumps({"questions": len(QUESTIONS)}))
    print(f"persona ask (new process, local model):  {stats(cold)}")
    print(f"POST /ask (running API, warm model):     {stats(warm)}")
    print(f"GET /search (running API):               {stats(search)}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
