"""Run the reliability suite and write benchmarks/RELIABILITY.md from its outcomes.

    python benchmarks/reliability.py

Runs tests/test_reliability.py, tests/test_fuzz_ingest.py and the injection / privacy tests
of tests/test_persona_e2e.py and tests/test_eval_e2e.py (the real local model, a real Chroma),
then tabulates what was tried, how many cases, and the outcome.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ROOT / "tests" / "artifacts" / "reliability.jsonl"
JUNIT = ROOT / "tests" / "artifacts" / "junit.xml"
SUITES = {
    "fuzzed ingestion": ("tests/test_fuzz_ingest.py", "hypothesis: random bytes in 6 formats, "
                         "5 encodings, ragged CSV, nested/huge JSON, mixed scripts, NUL bytes, "
                         "a 3 MB line; CLI on broken files"),
    "prompt injection": ("tests/test_persona_e2e.py::test_hostile_texts_are_flagged_and_the_"
                         "canary_appears_nowhere", "22 hostile texts (English and Chinese: "
                         "overrides, fake system prompts, chat tokens, imitation tool calls, "
                         "JSON/Markdown breakers, HTML/script) with a random canary, real model"),
    "privacy": ("tests/test_persona_e2e.py::test_planted_pii_and_the_api_key_leak_nowhere",
                "6 random fake e-mails, phones and ID numbers (1% of texts) and a random API "
                "key; searched in stored texts, personas, deck, logs, ask answers, API"),
    "privacy (eval)": ("tests/test_eval_e2e.py", "planted-persona eval with random canaries in "
                       "1% of texts; searched in every file of the run and the logs"),
    "API hardening": ("tests/test_api.py", "bad JSON, missing/extra fields, oversized bodies, "
                      "unknown ids, path traversal, token auth, Chroma stopped"),
    "API exposure": ("tests/test_api_exposure.py", "a 32 MB chunked POST (bytes the app reads "
                     "counted), serve on 0.0.0.0 / :: / a LAN address without a token, "
                     "Host: attacker.example, --allowed-host, --insecure"),
    "erasure": ("tests/test_erasure.py", "canaries planted in one user's texts, searched in "
                "the bytes of every file of the workspace after `persona forget` (Chroma's "
                "SQLite log and free pages included); a Chroma server"),
    "erasure (units)": ("tests/test_erasure_files.py", "what counts as a trace, personas "
                        "stripped of only the erased evidence, logs rewritten while open"),
    "model outage": ("tests/test_deadlines.py", "a refused port, a server that accepts and "
                     "never answers (at the first request and in a persona call), an outage "
                     "with one good persona and one group without any"),
    "duplicates": ("tests/test_duplicates.py", "the same rows in two sources, old duplicate "
                   "lists converted, metadata size bounded"),
    "atomic labels": ("tests/test_labels_atomic.py", "SIGKILL of `segment --fresh` while it "
                      "writes labels (3,000 records): readers see only the committed run, status "
                      "says interrupted; filtered reads; a workspace from before labels were "
                      "tagged"),
    "small hardening": ("tests/test_hardening_small.py", "the user's own loopback address in "
                        "messages, rejects history across runs, 600/700 workspace files, the "
                        "embedding dimension in status, a dead model endpoint in one line, "
                        "numbers as texts, bidi controls, a header-only file"),
    "PII redaction": ("tests/test_clean_redact.py", "national and international phones, SSN, "
                      "IBAN, obfuscated / full-width / zero-width-split e-mails, harmless "
                      "numbers left alone, bidi controls"),
}
#: figures of benchmark scripts, appended to RELIABILITY.md as they were last committed
FIGURES = {"PII redaction on the labelled set (python benchmarks/pii.py)": "results/pii.md",
           "Identical rows (python benchmarks/duplicates.py)": "results/duplicates.md"}


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--from-artifacts", action="store_true",
                    help="only tabulate tests/artifacts/reliability.jsonl from the last test run")
    args = ap.parse_args()
    rows = []
    if args.from_artifacts:
        rows = suite_rows(JUNIT) if JUNIT.exists() else []
        rows += [json.loads(x) for x in OUTCOMES.read_text().splitlines()]
        write(rows)
        return
    OUTCOMES.unlink(missing_ok=True)
    for area, (target, tried) in SUITES.items():
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "pytest", "-q", target, "-p", "no:cacheprovider"],
                             cwd=ROOT, capture_output=True, text=True, check=False)
        last = [line for line in out.stdout.splitlines() if " passed" in line or " failed"
                in line or " error" in line]
        rows.append({"area": area, "tried": tried, "cases": last[-1] if last else "?",
                     "outcome": "survived (all passed)" if out.returncode == 0 else
                     "FAILED: see pytest output", "seconds": round(time.perf_counter() - started)})
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_reliability.py",
                          "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    if OUTCOMES.exists():
        rows += [json.loads(x) for x in OUTCOMES.read_text().splitlines()]
    if out.returncode:
        rows.append({"area": "faults and crashes", "tried": "tests/test_reliability.py",
                     "cases": "", "outcome": "FAILED: " + out.stdout[-500:]})
    write(rows)


def suite_rows(junit: Path) -> list[dict]:
    """One row per SUITES entry from a JUnit XML report of a whole test run (`make test`
    writes tests/artifacts/junit.xml)."""
    import xml.etree.ElementTree as ET

    cases = []
    for case in ET.parse(junit).iter("testcase"):
        path = case.get("classname", "").replace(".", "/")
        failed = any(case.find(tag) is not None for tag in ("failure", "error"))
        skipped = case.find("skipped") is not None
        cases.append((f"{path}.py::{case.get('name')}", failed, skipped))
    rows = []
    for area, (target, tried) in SUITES.items():
        mine = [c for c in cases if c[0] == target or c[0].startswith(
            target + ("[" if "::" in target else "::"))]
        if not mine:
            continue
        bad = sum(f for _, f, _ in mine)
        skipped = sum(s for _, _, s in mine)
        rows.append({"area": area, "tried": tried, "cases": f"{len(mine)} tests",
                     "outcome": (f"FAILED: {bad} of {len(mine)}" if bad else
                                 f"survived (all passed{f', {skipped} skipped' if skipped else ''})")})
    return rows


def write(rows: list[dict]) -> None:
    lines = ["# Reliability", "",
             f"Generated by `python benchmarks/reliability.py` on {time.strftime('%Y-%m-%d')} "
             "(2 cores; the real local model and a real Chroma).", "",
             "| area | what was tried | cases | outcome |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['area']} | {r['tried']} | {r['cases']} | {r['outcome']} |")
    lines += ["", "Rerun one part: `python -m pytest tests/test_reliability.py -k ingest` (and the "
                  "other files named above)."]
    for title, rel in FIGURES.items():
        path = ROOT / "benchmarks" / rel
        if path.exists():
            lines += ["", f"## {title}", "", path.read_text(encoding="utf-8").strip()]
    (ROOT / "benchmarks" / "RELIABILITY.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
