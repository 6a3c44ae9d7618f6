"""How well the writer reads who someone is from one sentence (evals/data/roles).

    python benchmarks/roles.py            # the table
    python benchmarks/roles.py --misses   # also every sentence read wrong
    python benchmarks/roles.py --planted  # also: the planted corpora's role-stating texts

The sentences (``evals/data/roles/roles.jsonl``, written for the project in twelve product
domains that no planted corpus uses) each state the writer's role in passing — "I walk dogs
for a living", "Running a small bakery, I …", "我是跑快递的", "带娃出去玩" — or look like a self-
description and are not ("As a result, …", "I'm a little worried", "客服是个新手"). A sentence
counts as read when ``agent.persona.roles.role_phrase`` gives, for one of its units, a role
that a persona name would have to contain by the planted-corpus check
(``evals.metrics.claims.name_states_role``); a role read from a sentence that states none is
a false reading. With ``--planted``, the same reading of every planted corpus's texts that
state their group's role (row labels ``states_role``), per split. This is a development set:
the rules were written while looking at it, so its figures say how much of this variety the
rules cover, not how they do on unseen text (for that: ``benchmarks/personas_planted.py
--split test``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "evals" / "data" / "roles" / "roles.jsonl"


def read(text: str, lang: str) -> str | None:
    from agent.persona.roles import role_phrase
    from vectorstore.units import split_units

    return next((r for u in split_units("x", text, lang) if (r := role_phrase(u.text, lang))),
                None)


def planted(split: str) -> dict[str, tuple[int, int]]:
    """Per language: (role-stating texts of the split's planted corpora, those read as
    their group's role)."""
    from evals.metrics.claims import name_states_role

    data = ROOT / "evals" / "data"
    table = json.loads((data / "SPLIT.json").read_text())["domains"]
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in sorted(x for x, s in table.items() if s == split):
        truth = json.loads((data / "planted" / f"{d}.truth.json").read_text(encoding="utf-8"))
        labels = {(r := json.loads(line))["id"]: r for line in
                  (data / "planted" / f"{d}.labels.jsonl").read_text(encoding="utf-8")
                  .splitlines()}
        with (data / "planted" / f"{d}.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                label = labels[row["id"]]
                if not label.get("states_role"):
                    continue
                lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in row["text"]) else "en"
                role = truth["groups"][label["group"]][f"role_label_{lang}"]
                got = read(row["text"], lang)
                out[lang][0] += 1
                out[lang][1] += bool(got and name_states_role(got, role, lang))
    return {lang: (n, k) for lang, (n, k) in out.items()}


def main() -> None:
    from evals.metrics.claims import name_states_role

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--misses", action="store_true", help="print every sentence read wrong")
    ap.add_argument("--planted", action="store_true",
                    help="also read the planted corpora's role-stating texts")
    args = ap.parse_args()
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    count: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        lang, got = row["lang"], read(row["text"], row["lang"])
        c = count[lang]
        if row["role"]:
            ok = bool(got and name_states_role(got, row["role"], lang))
            c["stated"] += 1
            c["read"] += ok
            what = "" if ok else ("missed" if got is None else f"read as {got!r}")
        else:
            c["none"] += 1
            c["false"] += got is not None
            what = f"false reading {got!r}" if got else ""
        if args.misses and what:
            print(f"{row['id']} {lang} [{row['role']}] {what}: {row['text']}")
    print("| language | sentences stating a role | read | sentences stating none | "
          "false readings |\n|---|---|---|---|---|")
    for lang in sorted(count):
        c = count[lang]
        print(f"| {lang} | {c['stated']} | {c['read']} ({c['read'] / max(c['stated'], 1):.0%}) "
              f"| {c['none']} | {c['false']} ({c['false'] / max(c['none'], 1):.0%}) |")
    if args.planted:
        print("\n| planted split | language | texts stating their group's role | read as it |"
              "\n|---|---|---|---|")
        for split in ("train", "test"):
            for lang, (n, k) in sorted(planted(split).items()):
                print(f"| {split} | {lang} | {n} | {k} ({k / max(n, 1):.0%}) |")


if __name__ == "__main__":
    main()
