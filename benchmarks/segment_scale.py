"""Segmentation at scale: time and peak memory of the graph + community step on synthetic
384-d mixtures, and one whole `persona segment` command on a 100k-record collection.

    python benchmarks/segment_scale.py                 # 100k and 1M vectors, then the command
    python benchmarks/segment_scale.py --sizes 100000  # just one size
    python benchmarks/segment_scale.py --no-command

Each size runs in its own process so its peak resident memory (VmHWM) is its own. The
mixture has one centre per ~2,500 vectors on the unit sphere with Gaussian noise; ARI
against the generating centres is printed as a sanity check, not as a quality claim.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def mixture(n: int, dim: int = 384, seed: int = 0, noise: float = 0.045):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(2, n // 2500), dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(0, len(centres), n)
    x = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, 100_000):  # in blocks, to keep the temporary noise small
        e = min(n, s + 100_000)
        x[s:e] = centres[labels[s:e]] + rng.normal(scale=noise, size=(e - s, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, labels


def peak_mb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) // 1024


def one_size(n: int) -> None:
    from sklearn.metrics import adjusted_rand_score

    from vectorstore.segment import LeidenSegmenter

    x, y = mixture(n)
    ids = [f"r{i:08d}" for i in range(n)]
    base = peak_mb()
    started = time.perf_counter()
    seg = LeidenSegmenter(threads=2).segment(ids, x)
    seconds = time.perf_counter() - started
    sample = np.random.default_rng(1).choice(n, min(n, 200_000), replace=False)
    print(json.dumps({"n": n, "seconds": round(seconds, 1), "peak_mb": peak_mb(),
                      "peak_mb_before_segmenting": base, "segments": seg.n_segments,
                      "groups": seg.n_groups, "unassigned": round(seg.unassigned_share, 4),
                      "exact_knn": seg.params["exact_knn"],
                      "ari_vs_centres": round(adjusted_rand_score(y[sample], seg.labels[sample]), 3)}))


def command_run(n: int) -> dict:
    """Fill a Chroma collection with ``n`` synthetic records, then time `persona segment`."""
    from agent.workspace import Workspace
    from vectorstore.records import with_rec
    from vectorstore.store import ChromaStore

    x, _ = mixture(n, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws").ensure()
        store = ChromaStore(ws.default_collection(), path=ws.chroma_path)
        store.set_info(embedder="synthetic:mixture", embedder_kind="minilm", embedding_dim=384)
        started = time.perf_counter()
        for s in range(0, n, 5000):
            e = min(n, s + 5000)
            ids = [f"r{i:08d}" for i in range(s, e)]
            metas = [with_rec({"source": "synthetic", "text_hash": f"{i:016x}", "lang": "en",
                               "meta_bucket": i % 7}, dup_count=1) for i in range(s, e)]
            store.add(ids, x[s:e], [f"synthetic text number {i}" for i in range(s, e)], metas)
        fill = time.perf_counter() - started
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "agent.cli", "-w", str(ws.root), "--json",
                              "segment"], capture_output=True, text=True, cwd=ROOT, check=False)
        seconds = time.perf_counter() - started
        if out.returncode != 0:
            sys.exit(f"persona segment failed:\n{out.stderr[-3000:]}")
        s = json.loads(out.stdout)
        return {"n": n, "fill_seconds": round(fill, 1), "command_seconds": round(seconds, 1),
                "segments": s["counts"]["segments"], "groups": s["counts"]["groups"],
                "records_updated": s["records_updated"], "unassigned": s["unassigned_share"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--command-size", type=int, default=100_000)
    ap.add_argument("--no-command", action="store_true")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process mode
    args = ap.parse_args()
    if args.one:
        one_size(args.one)
        return
    print(f"{'n':>9} {'seconds':>8} {'peak MB':>8} {'segments':>8} {'groups':>6} "
          f"{'unassigned':>10} {'kNN':>6} {'ARI':>5}")
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True,
                             text=True, check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        if out.returncode != 0:
            print(f"{n:9d} failed: {out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['n']:9d} {r['seconds']:8.1f} {r['peak_mb']:8d} {r['segments']:8d} "
              f"{r['groups']:6d} {r['unassigned']:10.1%} {'exact' if r['exact_knn'] else 'hnsw':>6} "
              f"{r['ari_vs_centres']:5.2f}", flush=True)
    if not args.no_command:
        r = command_run(args.command_size)
        print(f"whole `persona segment` on {r['n']} stored records: {r['command_seconds']} s "
              f"(Chroma read + segment + describe + {r['records_updated']} metadata writes); "
              f"{r['segments']} segments, {r['groups']} groups; filling the store took "
              f"{r['fill_seconds']} s")


if __name__ == "__main__":
    main()
