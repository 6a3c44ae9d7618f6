"""Segmentation of small corpora (pilots of 24–1,000 texts): today's code against this code.

    python benchmarks/segment_small.py                       # writes results/segment_small.md
    python benchmarks/segment_small.py --base-rev 661ee20 --seeds 5

Subsamples with known labels: banking77 (all splits, MiniLM) with labels drawn by a seed
from those that have enough texts, and the demo corpus examples/app_reviews.csv (its six
``group`` values, multilingual USE), each label sampled to the same number of texts. Every
case runs for several seeds; the table gives mean ARI against the labels for segments and
for parent groups, mean and fewest segments, and mean groups.

Both versions run in the same invocation, each in its own subprocess on the same cached
vectors: "today" is the ``vectorstore`` package of ``--base-rev`` (default: the commit
before the small-corpus change), extracted with ``git archive`` under benchmarks/.cache;
"new" is the package in this checkout. Embeddings are cached in benchmarks/.cache.

Check: at least 2 segments in every run where at least 3 labels have at least 8 texts.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BASE_REV = "735138717833c26378f70f715d396e202c9bfc60"  # main before small corpora were handled
DEMO = ROOT / "examples" / "app_reviews.csv"
DEMO_GROUPS = ("budget_students", "elderly_first_time", "gamers", "parents", "small_business",
               "travellers")
# (corpus, labels, texts per label): six themes at three sizes in both corpora, then for
# context the smallest case the check covers, many narrow themes (where the new code makes
# fewer, broader segments than today's) and a size the change does not touch.
CASES = [("banking77", 6, 8), ("banking77", 6, 16), ("banking77", 6, 50),
         ("app_reviews", 6, 8), ("app_reviews", 6, 16), ("app_reviews", 6, 50),
         ("banking77", 3, 8), ("banking77", 30, 10), ("banking77", 77, 8), ("banking77", 77, 13)]


# ---------------------------------------------------------------- data


def load_corpus(name: str) -> tuple[list[str], np.ndarray]:
    """Each text's label and the vectors of the whole corpus (embedded once, cached)."""
    from common import SHARED, embed_cached, load_jsonl

    if name == "banking77":
        rows = load_jsonl(SHARED / "banking77" / "data.jsonl")
        return [r["label"] for r in rows], embed_cached([r["text"] for r in rows], "minilm")
    with open(DEMO, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    # Embed every row (the cache key is the whole file), keep the six named groups only.
    vectors = embed_cached([r["text"] for r in rows], "multilingual")
    return [r["group"] if r["group"] in DEMO_GROUPS else "" for r in rows], vectors


def draw(labels: list[str], n_labels: int, per_label: int, seed: int,
         fixed: tuple[str, ...] | None = None) -> list[int]:
    """Row numbers: ``per_label`` rows of each of ``n_labels`` labels, all chosen by ``seed``
    (the labels from those with enough rows, unless ``fixed``)."""
    rng = random.Random(seed)
    rows_of: dict[str, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        if lab:
            rows_of[lab].append(i)
    if fixed is None:
        enough = sorted(lab for lab, rows in rows_of.items() if len(rows) >= per_label)
        chosen = sorted(rng.sample(enough, n_labels))
    else:
        chosen = sorted(fixed)[:n_labels]
    return [i for lab in chosen for i in sorted(rng.sample(rows_of[lab], per_label))]


# ---------------------------------------------------------------- running both versions


def base_package(rev: str) -> Path:
    """The ``vectorstore`` package of ``rev``, extracted once under benchmarks/.cache."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", rev], check=True,
                         capture_output=True, text=True).stdout.strip()
    dest = ROOT / "benchmarks" / ".cache" / f"base-{sha[:12]}"
    if not (dest / "vectorstore" / "segment" / "methods.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", sha, "vectorstore"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def run_version(code_root: Path, jobs: list[dict], vectors: dict[str, np.ndarray]) -> list[dict]:
    """Segment every job with the ``vectorstore`` package under ``code_root``, in a
    subprocess so that the two versions never share an import."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "jobs.json"
        spec.write_text(json.dumps([{"corpus": j["corpus"], "rows": j["rows"]} for j in jobs]))
        for name, v in vectors.items():
            np.save(Path(tmp) / f"{name}.npy", v)
        subprocess.run([sys.executable, __file__, "--worker", str(code_root), tmp], check=True)
        return json.loads((Path(tmp) / "out.json").read_text())


def worker(code_root: str, tmp: str) -> None:
    """Subprocess side: import ``vectorstore`` from ``code_root`` and segment each job."""
    sys.path.insert(0, code_root)
    import vectorstore
    from vectorstore.segment import LeidenSegmenter

    assert Path(vectorstore.__file__).resolve().is_relative_to(Path(code_root).resolve())
    vectors = {p.stem: np.load(p) for p in Path(tmp).glob("*.npy")}
    out = []
    for job in json.loads((Path(tmp) / "jobs.json").read_text()):
        rows = job["rows"]
        ids = [f"r{i:06d}" for i in rows]
        started = time.perf_counter()
        seg = LeidenSegmenter().segment(ids, vectors[job["corpus"]][rows])
        out.append({"labels": seg.labels.tolist(), "parents": seg.parents.tolist(),
                    "notes": seg.params.get("notes", []),
                    "seconds": time.perf_counter() - started})
    (Path(tmp) / "out.json").write_text(json.dumps(out))


# ---------------------------------------------------------------- report


def n_clusters(labels: list[int]) -> int:
    return len(set(labels) - {-1})


def needs_two(truth: list[str]) -> bool:
    """The check applies when at least 3 labels have at least 8 texts."""
    counts: dict[str, int] = defaultdict(int)
    for t in truth:
        counts[t] += 1
    return sum(c >= 8 for c in counts.values()) >= 3


def summarise(runs: list[tuple[list[str], dict]]) -> dict:
    from sklearn.metrics import adjusted_rand_score as ari

    segs = [n_clusters(r["labels"]) for _, r in runs]
    return {"ari_seg": float(np.mean([ari(t, r["labels"]) for t, r in runs])),
            "ari_grp": float(np.mean([ari(t, r["parents"]) for t, r in runs])),
            "segs": float(np.mean(segs)), "min_segs": min(segs),
            "groups": float(np.mean([n_clusters(r["parents"]) for _, r in runs])),
            "check": all(n_clusters(r["labels"]) >= 2 for t, r in runs if needs_two(t))}


def table(rows: list[dict]) -> list[str]:
    out = ["| data (embedder) | labels × texts | n | ARI segments today → new | "
           "ARI groups today → new | segments today → new (fewest) | groups today → new | "
           "≥ 2 segments today / new |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        t, n = r["today"], r["new"]
        emb = "MiniLM" if r["corpus"] == "banking77" else "multilingual USE"
        out.append(
            f"| {r['corpus']} ({emb}) | {r['labels']} × {r['per']} | {r['n']} | "
            f"{t['ari_seg']:.3f} → {n['ari_seg']:.3f} | {t['ari_grp']:.3f} → {n['ari_grp']:.3f} | "
            f"{t['segs']:.1f} ({t['min_segs']}) → {n['segs']:.1f} ({n['min_segs']}) | "
            f"{t['groups']:.1f} → {n['groups']:.1f} | "
            f"{'yes' if t['check'] else 'no'} / {'yes' if n['check'] else 'no'} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-rev", default=BASE_REV, help="git revision of today's code")
    ap.add_argument("--seeds", type=int, default=5, help="runs per case (seeds 0..N-1)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "segment_small.md")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return

    corpora = {name: load_corpus(name) for name in ("banking77", "app_reviews")}
    jobs = []
    for corpus, n_labels, per in CASES:
        labels, _ = corpora[corpus]
        fixed = DEMO_GROUPS if corpus == "app_reviews" else None
        for seed in range(args.seeds):
            rows = draw(labels, n_labels, per, seed, fixed)
            jobs.append({"corpus": corpus, "labels": n_labels, "per": per, "seed": seed,
                         "rows": rows, "truth": [labels[i] for i in rows]})
    vectors = {name: v for name, (_, v) in corpora.items()}
    base = base_package(args.base_rev)
    started = time.perf_counter()
    today = run_version(base, jobs, vectors)
    new = run_version(ROOT, jobs, vectors)
    seconds = time.perf_counter() - started

    rows, notes = [], {}
    for corpus, n_labels, per in CASES:
        mine = [i for i, j in enumerate(jobs) if (j["corpus"], j["labels"], j["per"]) ==
                (corpus, n_labels, per)]
        rows.append({"corpus": corpus, "labels": n_labels, "per": per, "n": n_labels * per,
                     "today": summarise([(jobs[i]["truth"], today[i]) for i in mine]),
                     "new": summarise([(jobs[i]["truth"], new[i]) for i in mine])})
        notes[f"{corpus} {n_labels} × {per}, seed 0"] = new[mine[0]]["notes"]
    lines = table(rows)
    print("\n".join(lines))
    report = [
        "# Small corpora: today's code vs new", "",
        f"`python benchmarks/segment_small.py --seeds {args.seeds}` — today = `vectorstore` at "
        f"`{args.base_rev[:12]}`, new = this checkout; both on the same cached embeddings, in "
        f"one run ({seconds:.0f} s for both, 2 cores). Mean over seeds 0–{args.seeds - 1}; "
        "banking77 labels are drawn per seed from all splits, app_reviews uses its six groups. "
        "ARI against the labels; the last column is the check \"at least 2 segments whenever "
        "≥ 3 labels have ≥ 8 texts\" over every run.", "",
        *lines, "", "Notes (`params[\"notes\"]`) from the new code, seed 0:", "",
        *[f"- {case}: {'; '.join(n) or '(none)'}" for case, n in notes.items()], ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(report), encoding="utf-8")
    print(f"wrote {args.out}")
    if not all(r["new"]["check"] for r in rows):
        sys.exit("check failed: a run with ≥ 3 labels of ≥ 8 texts got fewer than 2 segments")


if __name__ == "__main__":
    main()
