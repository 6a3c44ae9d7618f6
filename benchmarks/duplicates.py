"""Duplicate handling must be linear in rows: N identical rows, N = 10,000 and 30,000.

    python benchmarks/duplicates.py [--sizes 10000 30000] [--no-command]

For each N, one short text is written N times to a CSV and ingested into a fresh embedded
Chroma store in a temp dir, through the real ingest path (``Ingestor``) with the real
all-MiniLM-L6-v2 embedder (identical texts embed once, so this measures the bookkeeping).
Then the same file is ingested by the whole ``persona ingest`` command in a fresh
workspace (process start-up and model loading included). Prints seconds per N, the ratio
of the largest N to the smallest (linear: about N's ratio, 3.0 for 30k/10k; the target
is at most 3.5) and the largest record metadata in bytes (target: under 4 KB).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXT = "Great app, works fine."


def write_rows(path: Path, n: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "user_id"])
        w.writerows([TEXT, f"u{i % 97}"] for i in range(n))


def ingest_stage(path: Path, embedder) -> tuple[float, dict, int]:
    """(seconds, summary, largest metadata bytes) of one in-process ingest."""
    from vectorstore.ingest import IngestOptions, Ingestor, open_inputs
    from vectorstore.store import ChromaStore
    from vectorstore.tokens import TokenCounter

    with tempfile.TemporaryDirectory() as tmp:
        store = ChromaStore("bench-duplicates", path=Path(tmp) / "chroma")
        options = IngestOptions()
        started = time.perf_counter()
        summary = Ingestor(store, embedder, TokenCounter(), options, b"bench-key").run(
            open_inputs([path], options))
        seconds = time.perf_counter() - started
        largest = max(len(json.dumps(r["metadata"], ensure_ascii=False))
                      for r in store.iter_records())
    return seconds, summary.as_dict(), largest


def ingest_command(path: Path) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as ws:
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "agent.cli", "-w", ws, "--json", "ingest",
                              str(path), "--embedder", "minilm"], capture_output=True, text=True,
                             cwd=ROOT, check=False)
        wall = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"persona ingest failed:\n{out.stderr}")
    return wall, json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-command", action="store_true", help="skip the whole-command runs")
    args = ap.parse_args()
    from vectorstore.embedders.minilm import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(threads=args.threads)
    stage: dict[int, float] = {}
    command: dict[int, float] = {}
    largest = 0
    with tempfile.TemporaryDirectory() as tmp:
        # Load the model, the language classifier and the tokenizer before timing anything.
        write_rows(Path(tmp) / "warm-up.csv", 100)
        ingest_stage(Path(tmp) / "warm-up.csv", embedder)
        for n in args.sizes:
            path = Path(tmp) / f"same-{n}.csv"
            write_rows(path, n)
            seconds, summary, size = ingest_stage(path, embedder)
            assert (summary["added"], summary["duplicates"]) == (1, n - 1), summary
            stage[n], largest = seconds, max(largest, size)
            line = f"{n:>7} identical rows: ingest stage {seconds:6.2f} s ({summary['timings']})"
            if not args.no_command:
                wall, result = ingest_command(path)
                command[n] = wall
                line += f"; whole command {wall:6.2f} s (its stage {result['seconds']} s)"
            print(line, flush=True)
    lo, hi = min(args.sizes), max(args.sizes)
    print(f"ratio {hi}/{lo} rows: ingest stage {stage[hi] / stage[lo]:.2f}"
          + (f", whole command {command[hi] / command[lo]:.2f}" if command else "")
          + f" (linear: {hi / lo:.2f}; target <= 3.5)")
    print(f"largest record metadata: {largest} bytes (target < 4096)")


if __name__ == "__main__":
    main()
