"""Ingest control flow with a deterministic stand-in embedder and a real embedded Chroma."""

import csv
import json

import pytest

from tests.conftest import ROOT
from vectorstore.ingest import IngestOptions, Ingestor, open_inputs
from vectorstore.records import rec
from vectorstore.store import ChromaStore
from vectorstore.tokens import TokenCounter

KEY = b"test-key-0123456789abcdef"


@pytest.fixture
def store(tmp_path):
    return ChromaStore("test-records", path=tmp_path / "chroma")


def ingest(store, embedder, paths, **opts):
    rejects = []
    options = IngestOptions(**opts)
    ing = Ingestor(store, embedder, TokenCounter(), options, KEY,
                   on_reject=lambda f, r, why: rejects.append((r, why)))
    summary = ing.run(open_inputs(paths, options))
    assert summary.balanced(), summary.as_dict()
    return summary, rejects


def write_csv(path, rows, header=("text", "user_id", "stars")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def all_meta(store):
    return {r["id"]: r["metadata"] for r in store.iter_records()}


def test_100_rows_with_5_bad(tmp_path, store, hash_embedder):
    lines = ["text,user_id,stars"]
    for i in range(100):
        if i in (3, 20, 41, 62, 99):  # empty texts and stray quotes
            lines.append(f",u{i},1" if i % 2 else f'"unterminated {i},u{i},1')
        else:
            lines.append(f"review number {i} about the app,u{i % 7},{i % 5 + 1}")
    p = tmp_path / "r.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s, rejects = ingest(store, hash_embedder, [p])
    assert (s.read, s.added, s.rejected) == (100, 95, 5)
    assert store.count() == 95
    assert sorted(r for r, _ in rejects) == [5, 22, 43, 64, 101]  # file line numbers
    assert all(why for _, why in rejects)
    # the summary says where the time went, and the phases fit inside the total
    t = s.as_dict()["timings"]
    assert {"read_prepare", "lookup", "embed", "write"} <= set(t), t
    assert all(v >= 0 for v in t.values()) and sum(s.timings.values()) <= s.seconds + 1e-6


def test_reingest_is_idempotent_and_insert_at_top_adds_one(tmp_path, store, hash_embedder):
    rows = [[f"text {i}", f"u{i % 3}", "5"] for i in range(50)]
    p = write_csv(tmp_path / "r.csv", rows)
    s1, _ = ingest(store, hash_embedder, [p])
    assert s1.added == 50
    embedded = hash_embedder.texts
    s2, _ = ingest(store, hash_embedder, [p])
    assert (s2.added, s2.unchanged, s2.updated) == (0, 50, 0)
    assert hash_embedder.texts == embedded  # nothing embedded twice
    write_csv(p, [["a brand new first row", "u9", "4"], *rows])
    s3, _ = ingest(store, hash_embedder, [p])
    assert (s3.added, s3.unchanged) == (1, 50)
    assert store.count() == 51


def test_duplicates_are_stored_once_and_counted_by_source_row(tmp_path, store, hash_embedder):
    p = write_csv(tmp_path / "r.csv", [["same text", "u1", "5"], ["other", "u2", "4"],
                                        ["same text", "u3", "1"], ["same   text", "u4", "2"]])
    s, _ = ingest(store, hash_embedder, [p])
    assert (s.added, s.duplicates) == (2, 2)
    metas = [rec(m) for m in all_meta(store).values() if rec(m)["chars"] == 9]
    assert len(metas) == 1 and metas[0]["dup_count"] == 3
    s, _ = ingest(store, hash_embedder, [p])  # same file again: the count does not grow
    assert (s.duplicates, s.unchanged) == (2, 2)
    metas = [rec(m) for m in all_meta(store).values() if rec(m)["chars"] == 9]
    assert metas[0]["dup_count"] == 3
    q = write_csv(tmp_path / "other.csv", [["same text", "u7", "3"]])
    s, _ = ingest(store, hash_embedder, [q])  # another source's row counts
    assert s.duplicates == 1
    metas = [rec(m) for m in all_meta(store).values() if rec(m)["chars"] == 9]
    assert metas[0]["dup_count"] == 4 and store.count() == 2


def test_id_column_updates_in_place(tmp_path, store, hash_embedder):
    p = write_csv(tmp_path / "r.csv", [["1", "first text", "5"], ["2", "second text", "4"]],
                  header=("id", "text", "stars"))
    ingest(store, hash_embedder, [p], id_col="id")
    assert set(all_meta(store)) == {"1", "2"}
    write_csv(p, [["1", "first text, edited", "5"], ["2", "second text", "3"],
                  ["2", "repeated id", "3"]], header=("id", "text", "stars"))
    s, rejects = ingest(store, hash_embedder, [p], id_col="id")
    assert (s.updated, s.added, s.rejected) == (2, 0, 1)
    assert "repeats" in rejects[0][1]
    got = store.get(ids=["1", "2"], include=["documents", "metadatas"])
    docs = dict(zip(got["ids"], got["documents"], strict=True))
    metas = dict(zip(got["ids"], got["metadatas"], strict=True))
    assert docs["1"] == "first text, edited" and metas["2"]["meta_stars"] == 3  # CSV numbers


def test_sync_removes_rows_gone_from_the_file(tmp_path, store, hash_embedder):
    p = write_csv(tmp_path / "r.csv", [["keep me", "u1", "5"], ["drop me", "u2", "4"]])
    ingest(store, hash_embedder, [p])
    write_csv(p, [["keep me", "u1", "5"]])
    s, _ = ingest(store, hash_embedder, [p], sync=True)
    assert s.records_deleted == 1 and store.count() == 1


def test_long_texts_are_chunked_with_chunk_of(tmp_path, store, hash_embedder):
    long = " ".join(f"Sentence number {i} says something about the product." for i in range(60))
    p = write_csv(tmp_path / "r.csv", [[long, "u1", "5"], ["short", "u2", "4"]])
    s, _ = ingest(store, hash_embedder, [p], chunk_tokens=64)
    metas = all_meta(store)
    chunks = {k: m for k, m in metas.items() if "chunk_of" in m}
    parent = next(iter(chunks.values()))["chunk_of"]
    assert s.chunked_rows == 1 and len(chunks) >= 5 and parent in chunks
    assert all(m["chunk_of"] == parent for m in chunks.values())
    assert TokenCounter().count(store.get(ids=[parent], include=["documents"])["documents"][0]) <= 64
    s2, _ = ingest(store, hash_embedder, [p], chunk_tokens=64)
    assert s2.unchanged == 2 and store.count() == len(metas)


def test_pii_is_redacted_in_text_metadata_and_user_ids(tmp_path, store, hash_embedder):
    p = write_csv(tmp_path / "r.csv", [
        ["call me on 13812345678 please", "someone@example.com", "contact: bob@example.com"],
        ["fine", "u2", "ok"]], header=("text", "user_id", "note"))
    s, _ = ingest(store, hash_embedder, [p])
    dump = json.dumps(store.get(include=["documents", "metadatas"]), ensure_ascii=False)
    assert "13812345678" not in dump and "example.com" not in dump
    assert s.redactions == {"phone": 1, "email": 1, "user_id": 1}
    users = {m.get("user") for m in all_meta(store).values()}
    assert "u2" in users and any(u.startswith("user-") for u in users)


def test_no_redact_keeps_text(tmp_path, store, hash_embedder):
    p = write_csv(tmp_path / "r.csv", [["call 13812345678", "u1", "5"]])
    ingest(store, hash_embedder, [p], redact=False)
    assert "13812345678" in store.get(include=["documents"])["documents"][0]


def test_bad_input_stops_before_any_write(tmp_path, store, hash_embedder):
    good = write_csv(tmp_path / "good.csv", [["ok", "u1", "5"]])
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nbob\n", encoding="utf-8")
    from vectorstore.errors import InputError

    with pytest.raises(InputError, match="no text column"):
        ingest(store, hash_embedder, [good, bad])
    assert store.count() == 0


def _meta_sizes(store):
    return [len(json.dumps(m, ensure_ascii=False)) for m in all_meta(store).values()]


def _dup_count(store, chars):
    metas = [rec(m) for m in all_meta(store).values() if rec(m).get("chars") == chars]
    assert len(metas) == 1
    return metas[0]["dup_count"]


def test_many_duplicates_keep_metadata_small_and_counts_exact(tmp_path, store, hash_embedder):
    # 3,000 copies of one text: its record's metadata must not grow with them (it held every
    # row's key), and the count stays exact and idempotent.
    rows = [["same short text", f"u{i % 5}", "5"] for i in range(3000)]
    p = write_csv(tmp_path / "r.csv", rows)
    s, _ = ingest(store, hash_embedder, [p], block_rows=500)
    assert (s.added, s.duplicates) == (1, 2999)
    assert _dup_count(store, 15) == 3000
    assert max(_meta_sizes(store)) < 4096
    s, _ = ingest(store, hash_embedder, [p], block_rows=500)  # the same file again
    assert (s.unchanged, s.duplicates) == (1, 2999)
    assert _dup_count(store, 15) == 3000
    write_csv(p, [*rows, ["same short text", "u9", "1"]])  # one more copy adds exactly one
    ingest(store, hash_embedder, [p], block_rows=500)
    assert _dup_count(store, 15) == 3001
    q = write_csv(tmp_path / "other.csv", rows[:10])  # another source's rows count too
    ingest(store, hash_embedder, [q])
    assert _dup_count(store, 15) == 3011
    ingest(store, hash_embedder, [q])
    assert _dup_count(store, 15) == 3011 and store.count() == 1
    write_csv(q, rows[:4])  # --sync forgets the rows a source no longer holds
    ingest(store, hash_embedder, [q], sync=True)
    assert _dup_count(store, 15) == 3005 and max(_meta_sizes(store)) < 4096


def test_duplicates_with_an_id_column_are_counted_by_id(tmp_path, store, hash_embedder):
    rows = [[str(i), "good", "5"] for i in range(1500)] + [["x", "other text", "3"]]
    p = write_csv(tmp_path / "jan.csv", rows, header=("id", "text", "stars"))
    s, _ = ingest(store, hash_embedder, [p], id_col="id")
    assert (s.added, s.duplicates) == (2, 1499)
    assert _dup_count(store, 4) == 1500 and max(_meta_sizes(store)) < 4096
    ingest(store, hash_embedder, [p], id_col="id")
    assert _dup_count(store, 4) == 1500
    rows.append(["1500", "good", "4"])  # one more copy adds exactly one
    write_csv(p, rows, header=("id", "text", "stars"))
    ingest(store, hash_embedder, [p], id_col="id")
    assert _dup_count(store, 4) == 1501
    # the same rows under another file name are the same rows (ids name no source);
    # sources holding different rows are counted each on its own (see vectorstore/duplicates.py)
    q = write_csv(tmp_path / "jan-copy.csv", rows, header=("id", "text", "stars"))
    s, _ = ingest(store, hash_embedder, [q], id_col="id")
    assert s.added == 0 and _dup_count(store, 4) == 1501 and _dup_count(store, 10) == 1


BIG_LINE_CHILD = """
import json, re, sys
from tests.conftest import HashEmbedder
from vectorstore.ingest import IngestOptions, Ingestor, open_inputs
from vectorstore.store import ChromaStore
from vectorstore.tokens import TokenCounter

def peak_mb():
    return int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) // 1024

store = ChromaStore('big-line', path=sys.argv[2])
options = IngestOptions()
rejects = []
ing = Ingestor(store, HashEmbedder(), TokenCounter(), options, b'k',
               on_reject=lambda f, r, why: rejects.append([f, r, why]))
ing.run(open_inputs([sys.argv[3]], options))  # warm-up: imports, models, the store
before = peak_mb()
started = __import__('time').perf_counter()
s = Ingestor(store, HashEmbedder(), TokenCounter(), options, b'k',
             on_reject=lambda f, r, why: rejects.append([f, r, why])).run(
    open_inputs([sys.argv[1]], options))
print(json.dumps({"summary": s.as_dict(), "rejects": rejects, "before": before,
                  "after": peak_mb(), "count": store.count(),
                  "seconds": __import__('time').perf_counter() - started}))
"""


@pytest.mark.parametrize("suffix", [".txt", ".csv"])
def test_a_5mb_line_is_rejected_before_cleaning_with_bounded_memory(tmp_path, suffix):
    import subprocess
    import sys

    assert IngestOptions().max_text_chars == 100_000
    line = ("the app keeps crashing when I open the camera, " * 110_000)[:5_000_000]
    big = tmp_path / f"big{suffix}"
    head = "text\n" if suffix == ".csv" else ""
    body = f'"{line}"' if suffix == ".csv" else line  # one quoted field with commas inside
    big.write_text(f"{head}a short text\n{body}\nanother short text\n", encoding="utf-8")
    small = tmp_path / f"small{suffix}"
    small.write_text(f"{head}warm up\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", BIG_LINE_CHILD, str(big), str(tmp_path / "db"),
                          str(small)], capture_output=True, text=True, check=True, timeout=120,
                         cwd=ROOT)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    s = got["summary"]
    assert (s["read"], s["added"], s["rejected"]) == (3, 2, 1), s
    (file, row, why), = got["rejects"]
    assert file.endswith(big.name) and row == (3 if suffix == ".csv" else 2)
    assert "5,000,000" in why and "100,000" in why and "--max-text-chars" in why
    assert got["count"] == 3  # the warm-up text and the two short ones, no chunks
    assert got["after"] - got["before"] < 60, f"peak memory grew {got['after'] - got['before']} MB"
    assert got["seconds"] < 20


def test_max_text_chars_can_be_raised(tmp_path, store, hash_embedder):
    p = write_csv(tmp_path / "r.csv", [["x" * 60, "u1", "5"], ["short", "u2", "4"]])
    s, rejects = ingest(store, hash_embedder, [p], max_text_chars=50)
    assert (s.added, s.rejected) == (1, 1) and rejects[0][0] == 2
    s, rejects = ingest(store, hash_embedder, [p], max_text_chars=60)
    assert (s.added, s.unchanged, s.rejected) == (1, 1, 0)


def test_numbers_in_the_text_column_are_rejected_unless_it_was_named(tmp_path, store,
                                                                     hash_embedder):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": [101, 202], "user_id": ["u1", "u2"]}), tmp_path / "n.parquet")
    (tmp_path / "n.jsonl").write_text('{"text": 42}\n{"text": 4.5}\n{"text": "words"}\n',
                                      encoding="utf-8")
    write_csv(tmp_path / "n.csv", [["12345", "u1", "5"], ["-3.5", "u2", "4"],
                                   ["order 12345 was late", "u3", "1"]])
    for name, texts in (("n.parquet", 0), ("n.jsonl", 1), ("n.csv", 1)):
        s, rejects = ingest(store, hash_embedder, [tmp_path / name])
        assert s.added == texts and s.rejected == 2, (name, rejects)
        assert all("the text column holds a number, not text" in why and "--text-col" in why
                   for _, why in rejects), rejects
    for name in ("n.parquet", "n.jsonl", "n.csv"):  # named with --text-col: numbers are text
        s, rejects = ingest(store, hash_embedder, [tmp_path / name], text_col="text")
        assert s.rejected == 0 and s.added == 2, (name, rejects)


def test_a_text_of_only_bidi_controls_is_a_reject(tmp_path, store, hash_embedder):
    p = write_csv(tmp_path / "r.csv", [["\u202e\u2066\u200f", "u1", "5"], ["real text", "u2", "4"]])
    s, rejects = ingest(store, hash_embedder, [p])
    assert (s.added, s.rejected) == (1, 1) and "empty text after cleaning" in rejects[0][1]


def test_a_header_only_file_stops_the_ingest_before_any_write(tmp_path, store, hash_embedder):
    from vectorstore.errors import InputError

    good = write_csv(tmp_path / "good.csv", [["ok", "u1", "5"]])
    empty = write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(InputError, match=r"empty\.csv.*has a header but no rows") as e:
        ingest(store, hash_embedder, [good, empty])
    assert e.value.exit_code == 2 and store.count() == 0


def test_common_column_names_are_detected_and_reported(tmp_path, store, hash_embedder):
    p = write_csv(tmp_path / "survey.csv", [["2026-01-02", "Ann Lee", "Leeds", "4", "Fast and clear"],
                                            ["2026-01-03", "Bo Chen", "York", "2", "Too slow"]],
                  header=("date", "customer", "city", "rating", "feedback"))
    q = write_csv(tmp_path / "notes.csv", [["n1", "just a note"]], header=("ref", "notes"))
    s, _ = ingest(store, hash_embedder, [p, q])
    cols = s.as_dict()["columns"]
    assert cols[str(p)] == {"text": "feedback", "id": None, "user": "customer",
                            "metadata": ["date", "city", "rating"]}
    assert cols[str(q)] == {"text": "notes", "id": None, "user": None, "metadata": ["ref"]}
    assert s.as_dict()["no_user_column"] == [str(q)]
    metas = list(all_meta(store).values())
    assert {m["user"] for m in metas if "user" in m} == {"Ann Lee", "Bo Chen"}
    assert all({"meta_date", "meta_city", "meta_rating"} <= set(m) for m in metas
               if m.get("source") == "survey.csv")


def test_phone_regions_option_reaches_redaction_and_is_checked(tmp_path, store, hash_embedder):
    from vectorstore.errors import InputError

    p = write_csv(tmp_path / "r.csv", [["ruf an: 030 12345678", "u1", "5"]])
    ingest(store, hash_embedder, [p], phone_regions=("US",))
    assert "030 12345678" in store.get(include=["documents"])["documents"][0]
    store.drop()
    ingest(store, hash_embedder, [p], phone_regions=("de", "US"))
    assert store.get(include=["documents"])["documents"][0] == "ruf an: <PHONE>"
    with pytest.raises(InputError, match=r"phone region 'XX'.*ingest\.phone_regions"):
        ingest(store, hash_embedder, [p], phone_regions=("XX",))
