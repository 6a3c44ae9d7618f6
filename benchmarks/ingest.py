"""Ingest throughput versus bare SentenceTransformer.encode, measured in one run.

    python benchmarks/ingest.py [--data ../shared/data/banking77/data.jsonl] [--threads 2]

Runs the bare encode (same model, batch size and thread count) before and after a
`persona ingest` into a fresh workspace, and reports texts/s and the ratio against the mean
of the two baseline runs (this machine is shared and noisy, so only ratios from one run are
compared). "command" includes process start-up and model loading; "stage" is the ingest
itself as the command reports it, broken down into the phases the command times.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "banking77" / "data.jsonl"


def bare_encode(texts: list[str], threads: int, batch_size: int) -> float:
    import torch
    from sentence_transformers import SentenceTransformer

    from vectorstore.embedders.minilm import packaged_minilm_path

    torch.set_num_threads(threads)
    model = SentenceTransformer(str(packaged_minilm_path()), device="cpu")
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, show_progress_bar=False)
    return time.perf_counter() - started


def persona_ingest(data: Path, threads: int, batch_size: int, ws: str) -> tuple[float, dict]:
    env = {**os.environ, "PERSONA_EMBEDDING__THREADS": str(threads),
           "PERSONA_EMBEDDING__BATCH_SIZE": str(batch_size)}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "agent.cli", "-w", ws, "--json", "ingest",
                          str(data), "--embedder", "minilm"], env=env, capture_output=True,
                         text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"persona ingest failed:\n{out.stderr}")
    return wall, json.loads(out.stdout)


def copy_writes(ws: str) -> None:
    """Child mode: read the ingested records, wait for "go" on stdin, then write them all
    into a fresh store the way ingest does, and print the seconds that took."""
    from agent.workspace import Workspace
    from vectorstore.store import ChromaStore

    w = Workspace(Path(ws))
    source = ChromaStore(w.default_collection(), path=w.chroma_path)
    got = source.get(include=["embeddings", "documents", "metadatas"])
    with tempfile.TemporaryDirectory() as tmp:
        target = ChromaStore("copy-of-ingest", path=Path(tmp) / "chroma")
        target.count()
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.perf_counter()
        target.add(got["ids"], got["embeddings"], got["documents"], got["metadatas"])
        print(round(time.perf_counter() - started, 2), flush=True)


def writes_in_child(ws: str) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, __file__, "--copy-writes", ws], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    child.stdin.write("go\n")
    child.stdin.flush()
    return child


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--copy-writes", help=argparse.SUPPRESS)  # child process mode
    args = ap.parse_args()
    if args.copy_writes:
        copy_writes(args.copy_writes)
        return
    if not args.data.is_file():
        sys.exit(f"{args.data} not found (pass --data FILE.jsonl with a 'text' field)")
    with open(args.data, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    n = len(texts)
    with tempfile.TemporaryDirectory() as ws:
        base1 = bare_encode(texts, args.threads, args.batch_size)
        wall, summary = persona_ingest(args.data, args.threads, args.batch_size, ws)
        base2 = bare_encode(texts, args.threads, args.batch_size)
        # Can Chroma's writes hide behind encoding? Time them alone, then time the bare
        # encode while another process makes the same writes.
        alone = float(writes_in_child(ws).communicate()[0].strip())
        child = writes_in_child(ws)
        contended = bare_encode(texts, args.threads, args.batch_size)
        during = float(child.communicate()[0].strip())
    base = (base1 + base2) / 2
    stage = summary["seconds"]
    assert summary["added"] + summary["duplicates"] == n, summary
    rows = [
        ("bare SentenceTransformer.encode (mean of 2)", base, 1.0),
        ("persona ingest, stage", stage, base / stage),
        ("persona ingest, whole command", wall, base / wall),
    ]
    print(f"{n} texts from {args.data.name}; all-MiniLM-L6-v2, batch {args.batch_size}, "
          f"{args.threads} threads; baseline runs {base1:.1f} s and {base2:.1f} s")
    print(f"{'':46} {'seconds':>8} {'texts/s':>8} {'ratio':>6}")
    for name, seconds, ratio in rows:
        print(f"{name:46} {seconds:8.1f} {n / seconds:8.0f} {ratio:6.2f}")
    print(f"ingest: added {summary['added']}, duplicates {summary['duplicates']}, "
          f"rejected {summary['rejected']}")
    t = summary.get("timings", {})
    if t:
        other = stage - sum(t.values())
        print("where the stage's seconds went: " + ", ".join(
            f"{k} {v:.1f}" for k, v in [*t.items(), ("bookkeeping", other)]))
        # Encoding keeps both cores busy, so Chroma's own writes (sqlite rows, full-text
        # index, HNSW insert; they hold the GIL) cannot hide behind it: their seconds add up.
        print(f"ceiling if everything but encoding and Chroma's writes were free: "
              f"{base / (base + t.get('write', 0.0)):.2f}")
    print(f"Chroma writes of the same {summary['records_written']} records alone: {alone:.1f} s; "
          f"bare encode while another process makes them: {contended:.1f} s "
          f"(+{contended - base:.1f} s over the baseline; the writes took {during:.1f} s)")


if __name__ == "__main__":
    main()
