"""Build ``examples/app_reviews.csv``, the demo corpus (written for personakit).

Feedback about "Pocketly", a fictional mobile wallet and shopping app, from six planted user
groups, in English and Chinese. Every text is assembled from sentences written for its group,
so the ``group`` column is the ground truth a segmentation should recover. The file also
holds exact duplicates, PII (e-mails, phone numbers, a card number, a Chinese ID number, a
user id that is an e-mail address) and a few deliberately broken rows, so the demo shows
every ingest stage doing real work.

Run ``python examples/make_demo_corpus.py`` to rebuild it; the output is deterministic.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from evals.planted import build

SEED = 20261128
OUT = Path(__file__).with_name("app_reviews.csv")

def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    fields = ["text", "user_id", "rating", "channel", "date", "group"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    lines = buf.getvalue().splitlines()
    # Deliberately broken rows, placed among the good ones: an empty text, a stray quote,
    # and unquoted commas that give the row too many fields.
    broken = [
        ",u1010,3,survey,2026-04-02,budget_students",
        '"The app crashes when I open the wallet,u1060,2,app_store,2026-05-11,gamers',
        "Fees, fees, fees, everywhere, u1090, 1, forum, 2026-06-19, small_business, extra",
        "   ,u1020,4,survey,2026-02-14,parents",
    ]
    for i, line in enumerate(broken):
        lines.insert(40 + i * 150, line)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(build(random.Random(SEED))), encoding="utf-8")
    print(f"wrote {OUT}")
