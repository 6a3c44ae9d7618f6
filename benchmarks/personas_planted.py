"""Personas on the planted corpora, read as a product manager would, with the eval units.

    python benchmarks/personas_planted.py                 # the frozen test domains
    python benchmarks/personas_planted.py --split train

For each planted corpus of the split (``evals/data/planted``, with its ``truth.json``): a
fresh workspace ingests the CSV without the planted ``group`` (the id, text, user, date,
rating and city columns only), segments it and writes personas with the configured model
(the packaged local model by default). Each persona is matched to the planted group most of
its group's texts come from (``labels.jsonl``), and scored with ``evals.metrics.claims``:
does its name state that group's role (where enough of the persona's own texts state it,
by the row labels: ``STATED_TEXTS``, ``STATED_SHARE``), garbage claims
(brackets, placeholders, questions, duplicates), claims that copy one text (word overlap
≥ 0.6 with one sentence they cite), and the share of the model's claims that passed
validation. Prints one table row per domain and the totals.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PLANTED = ROOT / "evals" / "data" / "planted"


#: a persona's texts state a role when at least this many of them, and this share, do — the
#: writer's own threshold (``agent.persona.roles``), counted here from the row labels
STATED_TEXTS = 2
STATED_SHARE = 0.06


def domains(split: str) -> list[str]:
    table = json.loads((ROOT / "evals" / "data" / "SPLIT.json").read_text())["domains"]
    return sorted(d for d, s in table.items() if s == split)


def run_domain(domain: str, tmp: Path) -> dict:
    from agent.config import load_settings
    from agent.project import build_project
    from evals.metrics.claims import claim_copies, garbage_claims, model_claims, name_states_role

    truth = json.loads((PLANTED / f"{domain}.truth.json").read_text(encoding="utf-8"))
    group_of, states_of = {}, {}
    for line in (PLANTED / f"{domain}.labels.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        group_of[row["id"]] = row["group"]
        states_of[row["id"]] = bool(row.get("states_role"))
    with (PLANTED / f"{domain}.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    # a stored text is matched to its planted row by its words (duplicates: the first row)
    row_by_text: dict[str, str] = {}
    for r in rows:
        row_by_text.setdefault(" ".join(r["text"].split()), r["id"])
    meta = ",".join(c for c in header if c not in ("id", "text", "user_id", "group"))
    project = build_project(load_settings(tmp / domain))
    ingest = project.ingest([PLANTED / f"{domain}.csv"], project.ingest_options(
        text_col="text", user_col="user_id", meta_cols=meta))
    project.segment()
    project.generate(project.generate_options())
    store = project.providers.store()
    got = store.get(include=["documents", "metadatas"])
    docs = dict(zip(got["ids"], got["documents"], strict=True))
    row_of = {i: row_by_text.get(" ".join(d.split())) for i, d in docs.items()}
    out = {"domain": domain, "records": ingest.records, "personas": 0, "named": 0,
           "role_stated": 0, "garbage": 0, "claims": 0, "copies": 0, "model": 0,
           "model_total": 0, "rows": []}
    for p in project.artifacts.personas():
        data = json.loads(p.model_dump_json())
        members = store.find("parent_id" if p.level == "group" else "segment_id",
                             [p.subject_id])
        planted = Counter(group_of.get(row_of.get(i)) for i in members)
        planted.pop(None, None)
        best = planted.most_common(1)[0][0] if planted else None
        info = truth["groups"].get(best, {})
        role = info.get(f"role_label_{'zh' if p.language == 'zh' else 'en'}")
        # "where its texts state one": enough of this persona's own texts state the planted
        # group's role (row labels) — a fragment of a group whose few texts say nobody is
        # not counted as a persona whose name could have said who
        stating = sum(1 for i in members if group_of.get(row_of.get(i)) == best
                      and states_of.get(row_of.get(i)))
        states = bool(info.get("states_role_count")) and stating >= max(
            STATED_TEXTS, STATED_SHARE * len(members))
        named = bool(role and states and name_states_role(p.name, role, p.language))
        texts = [c.text for c in (*p.who, *(c for _, c in p.claims()))]
        bad = garbage_claims(texts)
        copied, total = claim_copies(data, docs)
        accepted, written = model_claims(data)
        out["personas"] += 1
        out["role_stated"] += states
        out["named"] += named
        out["garbage"] += len(bad)
        out["claims"] += total
        out["copies"] += copied
        out["model"] += accepted
        out["model_total"] += written
        out["rows"].append({"persona": p.subject_id, "planted": best, "name": p.name,
                            "role": role, "states_role": states, "stating": stating,
                            "size": len(members), "named_role": p.role,
                            "named_share": next((c.prevalence for c in p.who
                                                 if c.role == p.role), None),
                            "label_share": round(stating / max(len(members), 1), 3), "named": named,
                            "garbage": bad, "claims": total, "copies": copied})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=("train", "test"), default="test")
    ap.add_argument("--domains", help="comma-separated, default: every domain of the split")
    ap.add_argument("--json", type=Path, help="also write every persona's row here")
    args = ap.parse_args()
    names = args.domains.split(",") if args.domains else domains(args.split)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for d in names:
            results.append(run_domain(d, Path(tmp)))
            print(f"{d}: done", file=sys.stderr, flush=True)
    print(f"\nplanted corpora, {args.split} split\n")
    print("| domain | texts | personas | name states the role (where the texts state one) | "
          "garbage claims | claims copying one text | model claims accepted |")
    print("|---|---|---|---|---|---|---|")
    for r in [*results, _total(results)]:
        print(f"| {r['domain']} | {r['records']} | {r['personas']} | "
              f"{r['named']} of {r['role_stated']} | {r['garbage']} | "
              f"{r['copies']} of {r['claims']} ({r['copies'] / max(r['claims'], 1):.0%}) | "
              f"{r['model']} of {r['model_total']} |")
    for r in results:
        for row in r["rows"]:
            missed = row["states_role"] and not row["named"]
            print(f"  {r['domain']} {row['persona']} ({row['planted']}, {row['stating']} of "
                  f"{row['size']} state its role): {row['name']!r}"
                  f"{' — role ' + repr(row['role']) + ' not named' if missed else ''}"
                  f"{' garbage: ' + repr(row['garbage']) if row['garbage'] else ''}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


def _total(results: list[dict]) -> dict:
    keys = ("records", "personas", "named", "role_stated", "garbage", "claims", "copies", "model",
            "model_total")
    return {"domain": "**all**", **{k: sum(r[k] for r in results) for k in keys}}


if __name__ == "__main__":
    main()
