"""`persona segment` / `persona export` end to end on the demo corpus (real embedder and
Chroma): planted groups recovered, ids written back, export, incremental runs, odd data."""

import csv
import json
import shutil
from collections import Counter

import pyarrow.parquet as pq
import pytest
from sklearn.metrics import adjusted_rand_score

from tests.conftest import DEMO_CORPUS

pytestmark = pytest.mark.e2e


def planted(tmp_path, rows=None):
    """Write the demo corpus's good rows (or a slice of them) to a new CSV."""
    from vectorstore.readers import InputFile

    data = [r.fields for r in InputFile(DEMO_CORPUS).rows()
            if not r.error and r.fields.get("text", "").strip() and r.fields.get("group")]
    data = data if rows is None else data[rows]
    p = tmp_path / "part.csv"
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(data[0]))
        w.writeheader()
        w.writerows(data)
    return p


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """The demo corpus ingested once (`persona ingest` defaults); tests work on copies."""
    from agent.config import load_settings
    from agent.project import build_project

    ws = tmp_path_factory.mktemp("demo-ingested") / "ws"
    build_project(load_settings(ws)).ingest([DEMO_CORPUS])
    return ws


def copy_of(ws, tmp_path):
    shutil.copytree(ws, tmp_path / "ws")
    return tmp_path / "ws"


def exported(cli, ws, tmp_path, name="out.jsonl"):
    out = tmp_path / name
    r = cli("-w", ws, "export", "--out", out)
    assert r.code == 0, r.stderr
    return out


def groups_by_record(cli, ws, tmp_path):
    rows = [json.loads(x) for x in exported(cli, ws, tmp_path).read_text().splitlines()]
    return {r["id"]: r for r in rows}


def test_segment_recovers_the_planted_groups(tmp_path, cli, ingested):
    ws = copy_of(ingested, tmp_path)  # (`persona run` as a whole is tested in test_persona_e2e)
    r = cli("-w", ws, "--json", "segment")
    assert r.code == 0, r.stderr
    seg = json.loads((ws / "segments.json").read_text())
    assert 5 <= seg["counts"]["groups"] <= 12
    assert seg["unassigned_share"] <= 0.05
    assert seg["seed"] == 42 and seg["embedder"].startswith("multilingual")
    for s in seg["segments"]:
        assert s["keywords"] and s["central_ids"] and s["parent"].startswith("g")
        assert set(s["languages"]) <= {"en", "zh", "und"}
    records = groups_by_record(cli, ws, tmp_path)
    assert all(r["segment_id"] and r["parent_id"] for r in records.values())
    by_group: dict[str, Counter] = {}
    for r in records.values():
        by_group.setdefault(r["parent_id"], Counter())[r["group"]] += 1
    purity = sum(c.most_common(1)[0][1] for c in by_group.values()) / len(records)
    assert purity >= 0.9, by_group
    majority = {c.most_common(1)[0][0] for c in by_group.values()}
    assert len(majority) == 6  # every planted group is the majority of some group
    users = json.loads((ws / "segment_users.json").read_text())
    assert len(users) > 90 and all(u["primary"] in u["segments"] for u in users.values())
    st = cli("-w", ws, "status", "--json").json
    assert st["segmentation"]["groups"] == seg["counts"]["groups"]


def test_export_formats(tmp_path, cli, ingested):
    ws = copy_of(ingested, tmp_path)
    rows = [json.loads(x) for x in exported(cli, ws, tmp_path).read_text().splitlines()]
    assert rows and all(r["segment_id"] is None for r in rows)  # not segmented yet
    cli("-w", ws, "segment")
    with open(exported(cli, ws, tmp_path, "out.csv"), encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert len(table) == len(rows)
    assert {"id", "text", "user", "segment_id", "parent_id", "rating", "group"} <= set(table[0])
    pt = pq.read_table(exported(cli, ws, tmp_path, "out.parquet"))
    assert pt.num_rows == len(rows) and pt.schema.field("rating").type == "int64"
    r = cli("-w", ws, "export", "--out", tmp_path / "out.xlsx")
    assert r.code == 2 and ".jsonl, .csv or .parquet" in r.stderr


def test_incremental_assign_new_and_stable_ids(tmp_path, cli):
    ws = tmp_path / "ws"
    first = planted(tmp_path, slice(0, 570))
    assert cli("-w", ws, "ingest", first, "--source", "reviews").code == 0
    assert cli("-w", ws, "segment").code == 0
    before = groups_by_record(cli, ws, tmp_path)
    ari_before = adjusted_rand_score([r["group"] for r in before.values()],
                                     [r["parent_id"] for r in before.values()])
    full = planted(tmp_path)  # +10% new records, same source name
    assert cli("-w", ws, "ingest", full, "--source", "reviews").code == 0
    r = cli("-w", ws, "--json", "segment", "--assign-new")
    assert r.code == 0, r.stderr
    assert r.json["assigned_new"] > 40
    after_assign = groups_by_record(cli, ws, tmp_path)
    assert all(after_assign[i]["segment_id"] == before[i]["segment_id"] for i in before)
    assert all(r["segment_id"] for r in after_assign.values())
    r = cli("-w", ws, "--json", "segment")  # full re-segmentation
    assert r.json["stability"]["previous_ids_kept"] >= 0.9
    after = groups_by_record(cli, ws, tmp_path)
    kept = sum(after[i]["segment_id"] == before[i]["segment_id"] for i in before) / len(before)
    assert kept >= 0.9
    ari_after = adjusted_rand_score([r["group"] for r in after.values()],
                                    [r["parent_id"] for r in after.values()])
    assert ari_after >= ari_before - 0.02


def test_segment_small_and_odd_collections(tmp_path, cli):
    ws = tmp_path / "ws"
    r = cli("-w", ws, "segment")
    assert r.code == 2 and "persona ingest" in r.stderr
    one = tmp_path / "one.txt"
    one.write_text("the only text there is\n", encoding="utf-8")
    cli("-w", ws, "ingest", one)
    r = cli("-w", ws, "--json", "segment")
    assert r.code == 0 and r.json["counts"] == {"segments": 1, "groups": 1}
    same = tmp_path / "same.txt"
    same.write_text("identical complaint\n" * 30, encoding="utf-8")
    ws2 = tmp_path / "ws2"
    cli("-w", ws2, "ingest", same)
    r = cli("-w", ws2, "--json", "segment")
    assert r.code == 0 and r.json["records"] == 1
    ten = tmp_path / "ten.txt"
    ten.write_text("\n".join(f"review {i}: the app {'crashes' if i % 2 else 'is slow'} on "
                             f"my phone model {i}" for i in range(10)), encoding="utf-8")
    ws3 = tmp_path / "ws3"
    cli("-w", ws3, "ingest", ten)
    r = cli("-w", ws3, "--json", "segment")
    assert r.code == 0 and r.json["records"] == 10 and r.json["unassigned"] == 0


def test_segment_option_errors(tmp_path, cli, ingested):
    ws = copy_of(ingested, tmp_path)
    r = cli("-w", ws, "segment", "--method", "kmeans")
    assert r.code == 2 and "--k" in r.stderr
    r = cli("-w", ws, "segment", "--k", "5")
    assert r.code == 2 and "kmeans" in r.stderr
    r = cli("-w", ws, "segment", "--method", "spectral")
    assert r.code == 2
    r = cli("-w", ws, "--json", "segment", "--method", "kmeans", "--k", "6")
    assert r.code == 0 and r.json["counts"]["segments"] == 6
    r = cli("-w", ws, "--json", "segment", "--method", "hdbscan")
    assert r.code == 0 and r.json["unassigned_share"] <= 0.05


def test_segment_and_export_on_a_chroma_server(tmp_path, cli, chroma_server):
    ws = tmp_path / "ws"
    args = ("-w", ws, "--chroma-url", chroma_server, "--collection", "segment-server-test")
    assert cli(*args, "ingest", DEMO_CORPUS).code == 0
    r = cli(*args, "--json", "segment")
    assert r.code == 0, r.stderr
    assert 5 <= r.json["counts"]["groups"] <= 12 and r.json["records_updated"] == r.json["records"]
    out = tmp_path / "server.jsonl"
    assert cli(*args, "export", "--out", out).code == 0
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == r.json["records"] and all(x["parent_id"] for x in rows)
