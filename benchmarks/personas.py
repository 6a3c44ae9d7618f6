"""Persona cost and quality on the local model: this code against an earlier commit, same run.

    python benchmarks/personas.py                       # demo corpus, vs the code at 661ee20
    python benchmarks/personas.py --baseline HEAD~5     # any commit
    python benchmarks/personas.py --no-baseline --scale 1000,10000,all

Each side ingests the corpus into a fresh workspace (without the demo's ``group`` column),
segments it and runs ``persona generate --no-cache`` against one local model server, started
once and shared, so the two are timed on the same machine in the same minutes. The earlier
commit runs from a ``git archive`` of it with the same installed libraries. From the persona
files: model calls per persona (counted by the code, exact), seconds and tokens per persona,
the slowest call, and what a reader sees — quotes found verbatim in their text, claims that
copy one text (word overlap ≥ 0.6 with one sentence they cite), garbage claims (brackets,
placeholders, questions, a claim repeated), model-written claims accepted — the definitions
of ``evals/metrics/claims.py``, which the eval reports too.

``--scale`` runs only this code on growing corpora built from ``../shared/data`` (banking77
in English, online_shopping_10_cats in Chinese, interleaved; ``all`` is every text there) and
reports, per size, tokens and calls per persona and where the time goes (ingest, segment,
generate).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from common import ROOT, SHARED, load_jsonl

from evals.metrics.claims import claim_copies, claim_dicts, garbage_claims, model_claims

DEMO = ROOT / "examples" / "app_reviews.csv"
DEMO_META = "rating,channel,date"


def export(ref: str, into: Path) -> Path:
    """The tree of commit ``ref`` under ``into`` (``git archive``; nothing is checked out)."""
    data = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def persona(tree: Path, ws: Path, *args: str, env: dict) -> tuple[dict, float]:
    """Run ``persona`` of the code in ``tree``; its JSON output and the wall-clock seconds."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "agent.cli", "-w", str(ws), "--json", *args],
                         capture_output=True, text=True, cwd=tree,
                         env={**env, "PYTHONPATH": str(tree)}, check=False)
    seconds = time.perf_counter() - started
    if out.returncode not in (0, 3):
        sys.exit(f"persona {' '.join(args)} ({tree}) failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout), seconds


def run_side(tree: Path, corpus: Path, meta: str | None, env: dict, tmp: Path) -> dict:
    ws = tmp / "ws"
    ingest = ["ingest", str(corpus)] + (["--meta-cols", meta] if meta else [])
    _, t_ingest = persona(tree, ws, *ingest, env=env)
    _, t_segment = persona(tree, ws, "segment", env=env)
    gen, t_generate = persona(tree, ws, "generate", "--no-cache", env=env)
    return {"ws": ws, "generate": gen, "seconds": {"ingest": t_ingest, "segment": t_segment,
                                                   "generate": t_generate}}


def read_side(side: dict) -> dict:
    """What the persona files of a workspace say, read as plain JSON (any schema version)."""
    import chromadb

    ws = side["ws"]
    files = sorted((ws / "personas").glob("persona-*.json"))
    personas = [json.loads(p.read_text(encoding="utf-8")) for p in files]
    client = chromadb.PersistentClient(path=str(ws / "chroma"))
    docs: dict[str, str] = {}
    for col in client.list_collections():   # the records (not the sentence-unit companion)
        col = client.get_collection(getattr(col, "name", col))
        if not col.name.endswith("-units"):
            got = col.get(include=["documents"])
            docs.update(zip(got["ids"], got["documents"], strict=True))
    calls, tokens, quotes, verbatim, claims, copies, garbage = [], [], 0, 0, 0, 0, 0
    accepted, counted = 0, 0
    for p in personas:
        usage = p["provenance"]["token_usage"]
        calls.append(usage["llm_calls"])
        tokens.append(usage["prompt_tokens"] + usage["completion_tokens"])
        for q in p.get("quotes", []):
            quotes += 1
            verbatim += q["text"] in docs.get(q["doc_id"], "")
        garbage += len(garbage_claims(c["text"] for c in claim_dicts(p)))
        n_copies, n_claims = claim_copies(p, docs)
        copies, claims = copies + n_copies, claims + n_claims
        n_model, n_total = model_claims(p)
        accepted, counted = accepted + n_model, counted + n_total
    gen = side["generate"]
    n = max(len(personas), 1)
    return {
        "personas": len(personas),
        "calls": statistics.mean(calls) if calls else 0.0,
        "calls_max": max(calls, default=0),
        "tokens": statistics.mean(tokens) if tokens else 0.0,
        "seconds": side["seconds"]["generate"] / n,
        "slowest": (gen.get("slowest_call") or {}).get("seconds"),
        "slowest_for": (gen.get("slowest_call") or {}).get("for", ""),
        "verbatim": verbatim / quotes if quotes else None,
        "copies": copies / claims if claims else None,
        "garbage": garbage, "claims": claims,
        "model_claims": accepted / counted if counted else None,
        "stages": side["seconds"],
    }


def compare(baseline: str | None, env: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "ours").mkdir()
        ours = read_side(run_side(ROOT, DEMO, DEMO_META, env, tmp / "ours"))
        base = None
        if baseline:
            tree = export(baseline, tmp / "base-tree")
            (tmp / "base").mkdir()
            base = read_side(run_side(tree, DEMO, DEMO_META, env, tmp / "base"))
    label = f"code at {baseline}" if baseline else ""
    print(f"\ndemo corpus ({DEMO.name}), one local model server for both\n")
    print(f"| | this code | {label} |\n|---|---|---|")
    rows = [("personas", "personas"), ("model calls / persona (mean)", "calls"),
            ("model calls / persona (max)", "calls_max"), ("tokens / persona", "tokens"),
            ("seconds / persona (generate)", "seconds"), ("slowest call, s", "slowest"),
            ("quotes verbatim", "verbatim"), ("claims copying one text", "copies"),
            ("garbage claims", "garbage"), ("claims", "claims"),
            ("model-written claims accepted", "model_claims")]
    for name, key in rows:
        print(f"| {name} | {_fmt(ours[key])} | {_fmt(base[key]) if base else ''} |")
    if ours["slowest_for"]:
        print(f"\nslowest call of this code: {ours['slowest_for']}")
    if base and ours["seconds"]:
        print(f"speed-up per persona: {base['seconds'] / ours['seconds']:.2f}x; model calls: "
              f"{base['calls'] / max(ours['calls'], 1e-9):.2f}x fewer")


def scale_corpus(n: int | None, into: Path) -> Path:
    """``n`` texts (None: all) from ../shared/data, English and Chinese interleaved."""
    en = [r["text"] for r in load_jsonl(SHARED / "banking77" / "data.jsonl")]
    zh = [r.get("text") or r.get("review") for r in
          load_jsonl(SHARED / "online_shopping_10_cats" / "data.jsonl")]
    mixed = [t for pair in zip(en, zh[:len(en)], strict=True) for t in pair] + zh[len(en):]
    rows = mixed if n is None else mixed[:n]
    path = into / f"scale-{len(rows)}.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i, t in enumerate(rows):
            f.write(json.dumps({"id": f"t{i}", "text": t}, ensure_ascii=False) + "\n")
    return path


def scale(sizes: list[str], env: dict) -> None:
    if not (SHARED / "banking77").exists():
        sys.exit(f"--scale reads {SHARED}, which is absent")
    print("| texts | personas | calls / persona | tokens / persona | ingest s | segment s | "
          "generate s | s / persona |\n|---|---|---|---|---|---|---|---|")
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            corpus = scale_corpus(None if size == "all" else int(size), tmp)
            texts = sum(1 for _ in corpus.open(encoding="utf-8"))
            r = read_side(run_side(ROOT, corpus, None, env, tmp))
        st = r["stages"]
        print(f"| {texts} | {r['personas']} | {r['calls']:.1f} | {r['tokens']:.0f} | "
              f"{st['ingest']:.0f} | {st['segment']:.0f} | {st['generate']:.0f} | "
              f"{r['seconds']:.1f} |", flush=True)


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default="661ee20",
                    help="the commit to compare with (default: 661ee20, before aspects)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--scale", help="comma-separated corpus sizes, e.g. 1000,10000,all")
    args = ap.parse_args()
    from agent.llm.server import LocalLLMServer

    with LocalLLMServer(threads=2) as server:
        env = {**os.environ, "PERSONA_LLM__BASE_URL": server.base_url}
        if args.scale:
            scale([s.strip() for s in args.scale.split(",") if s.strip()], env)
        else:
            compare(None if args.no_baseline else args.baseline, env)


if __name__ == "__main__":
    main()
