"""PII redaction on the labelled set in evals/data/pii: recall per format, false positives.

    python benchmarks/pii.py [--phone-regions GB,DE,FR,US,CN] [--show-misses] [--out FILE]

Every row goes through the ingest path (``RowPreparer``: cleaning, then redaction), so
what is measured is what would be stored. A PII item counts as redacted when nothing of it
is left: neither the item itself (compared after NFKC, without zero-width characters,
lower case) nor any of its letter/digit runs of three or more that the rest of the text
does not also hold. Recall per format is the share of items redacted; the false-positive
rate is the share of clean texts that came out changed. Both are reported for train and
for the frozen test half (its sha256 is checked against ``HASH``); tune on train only
(``--show-misses`` lists train misses and false positives, never test ones). Writes a
markdown table to ``benchmarks/results/pii.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import re
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "evals" / "data" / "pii"
OUT = ROOT / "benchmarks" / "results" / "pii.md"
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def norm(s: str) -> str:
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", s)).lower()


def runs(s: str) -> set[str]:
    return {t for t in re.findall(r"[0-9a-z]+", norm(s)) if len(t) >= 3}


def leaked(text: str, pii: str, out: str) -> bool:
    """True when something of ``pii`` (found in ``text``) is still in ``out``."""
    if norm(pii) in norm(out):
        return True
    own = runs(pii) - runs(text.replace(pii, " "))
    return bool(own & runs(out))


def load(split: str) -> list[dict]:
    with open(DATA / f"{split}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def check_hash() -> None:
    want = (DATA / "HASH").read_text(encoding="utf-8").split()[0]
    got = hashlib.sha256((DATA / "test.jsonl").read_bytes()).hexdigest()
    if want != got:
        sys.exit(f"evals/data/pii/test.jsonl changed (sha256 {got}, HASH says {want}); "
                 "the test half is frozen: rebuild only with evals/data/pii/build.py")


def preparer(regions: tuple[str, ...] | None):
    from vectorstore.prepare import ColumnPlan, RowPreparer

    kwargs = {}
    if regions is not None:
        if "phone_regions" not in inspect.signature(RowPreparer).parameters:
            sys.exit("this version of RowPreparer has no phone_regions")
        kwargs["phone_regions"] = regions
    return RowPreparer(ColumnPlan("text", text_named=True), redact_pii=True,
                       pseudonym_key=b"bench", **kwargs)


def evaluate(rows: list[dict], prep) -> tuple[dict, dict, list, float]:
    from vectorstore.clean import clean_text
    from vectorstore.readers import Row

    recall: dict[str, list[int]] = defaultdict(lambda: [0, 0])   # format → [redacted, n]
    fp: dict[str, list[int]] = defaultdict(lambda: [0, 0])       # kind → [changed, n]
    misses = []
    started = time.perf_counter()
    for row in rows:
        got = prep.prepare(Row(row["id"], {"text": row["text"]}))
        out = got if isinstance(got, str) else got.text
        if row["format"]:
            for item in row["pii"]:
                ok = not leaked(row["text"], item, out)
                recall[row["format"]][0] += ok
                recall[row["format"]][1] += 1
                if not ok:
                    misses.append((row["format"], row["text"], out))
        else:
            kind = f"clean, {row['digits']}" if row.get("digits") else "clean, no digits"
            changed = out != clean_text(row["text"])
            fp[kind][0] += changed
            fp[kind][1] += 1
            if changed:
                misses.append((kind, row["text"], out))
    seconds = time.perf_counter() - started
    return recall, fp, misses, seconds * 1e6 / max(len(rows), 1)


def table(results: dict, regions) -> str:
    lines = [f"PII redaction on evals/data/pii (phone regions: {', '.join(regions) if regions else 'n/a'}).",
             "Recall: share of PII items with nothing left; FP: share of clean texts changed.", "",
             "| format | train recall | test recall |", "|---|---|---|"]
    formats = sorted(results["train"][0])
    for f in formats:
        cells = []
        for split in ("train", "test"):
            ok, n = results[split][0].get(f, [0, 0])
            cells.append(f"{ok / n:.3f} ({ok}/{n})" if n else "–")
        lines.append(f"| {f} | {cells[0]} | {cells[1]} |")
    lines += ["", "| clean texts | train FP | test FP |", "|---|---|---|"]
    kinds = sorted(results["train"][1])
    totals = {}
    for split in ("train", "test"):
        fp = results[split][1]
        totals[split] = [sum(v[0] for v in fp.values()), sum(v[1] for v in fp.values())]
    for k in [*kinds, "all clean texts"]:
        cells = []
        for split in ("train", "test"):
            bad, n = totals[split] if k == "all clean texts" else results[split][1].get(k, [0, 0])
            cells.append(f"{bad / n:.3%} ({bad}/{n})" if n else "–")
        lines.append(f"| {k} | {cells[0]} | {cells[1]} |")
    lines += ["", "Time per text (cleaning + redaction + language tag): "
              + ", ".join(f"{split} {results[split][3]:.0f} µs" for split in ("train", "test"))]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--phone-regions", help="comma-separated regions [default: the library's]")
    ap.add_argument("--show-misses", action="store_true", help="print train misses and FPs")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    check_hash()
    regions = tuple(r.strip().upper() for r in args.phone_regions.split(",")) \
        if args.phone_regions else None
    prep = preparer(regions)
    if regions is None:
        try:
            from vectorstore.redact import DEFAULT_PHONE_REGIONS as shown
        except ImportError:
            shown = None
    else:
        shown = regions
    evaluate(load("train")[:20], prep)  # load the language classifier before timing
    results = {split: evaluate(load(split), prep) for split in ("train", "test")}
    if args.show_misses:
        for kind, text, out in results["train"][2]:
            print(f"[{kind}] {text!r}\n    → {out!r}")
    md = table(results, shown)
    print(md)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(md, encoding="utf-8")


if __name__ == "__main__":
    main()
