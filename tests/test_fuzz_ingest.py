"""Property-based ingestion: whatever bytes arrive, the result is stored records or a clear
error — never a traceback — and read = added + updated + unchanged + duplicates + rejected."""

import csv
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import HashEmbedder
from vectorstore.errors import InputError
from vectorstore.ingest import IngestOptions, Ingestor, open_inputs
from vectorstore.store import ChromaStore
from vectorstore.tokens import TokenCounter

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
text_st = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                  max_size=300) | st.sampled_from([
                      "", " ", "\x00", "物流很快 👍", "a" * 20000, "<b>html</b>", "😀" * 50,
                      "مرحبا", "line\nbreak", '"quoted, comma"', "\u200b\ufeff"])


class Counter:
    n = 0


def run_ingest(tmp_path, path, **opts):
    Counter.n += 1
    store = ChromaStore(f"fuzz-{Counter.n}", path=tmp_path / "chroma")
    options = IngestOptions(chunk_tokens=64, **opts)
    try:
        inputs = open_inputs([path], options)
    except InputError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        return None
    summary = Ingestor(store, HashEmbedder(), TokenCounter(), options, b"k").run(inputs)
    assert summary.read == (summary.added + summary.updated + summary.unchanged
                            + summary.duplicates + summary.rejected)
    first = [m for m in (r["metadata"] for r in store.iter_records()) if "text_hash" in m]
    assert len(first) == summary.added  # one record per new distinct text (plus chunks)
    return summary


@FUZZ
@given(data=st.binary(max_size=4000), suffix=st.sampled_from([".csv", ".tsv", ".jsonl",
                                                             ".json", ".txt", ".parquet"]))
def test_random_bytes_in_any_format(tmp_path, data, suffix):
    p = tmp_path / f"in{suffix}"
    p.write_bytes(data)
    run_ingest(tmp_path, p)


@FUZZ
@given(data=st.text(max_size=2000), encoding=st.sampled_from(["utf-8", "utf-16", "gb18030",
                                                              "latin-1", "shift_jis"]))
def test_random_text_in_random_encodings(tmp_path, data, encoding):
    p = tmp_path / "in.csv"
    try:
        p.write_bytes(("text\n" + data).encode(encoding))
    except UnicodeEncodeError:
        return
    run_ingest(tmp_path, p)


@FUZZ
@given(rows=st.lists(st.lists(text_st, min_size=0, max_size=6), max_size=30))
def test_ragged_csv(tmp_path, rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["text", "user", "note"])
    w.writerows(rows)
    p = tmp_path / "in.csv"
    p.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
    run_ingest(tmp_path, p)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | text_st,
                           lambda c: st.lists(c, max_size=4) | st.dictionaries(text_st, c,
                                                                                max_size=4),
                           max_leaves=30)


@FUZZ
@given(items=st.lists(st.one_of(json_values, st.fixed_dictionaries(
    {"text": text_st}, optional={"user": text_st, "deep": json_values})), max_size=25),
       depth=st.integers(0, 3000))
def test_nested_and_huge_json(tmp_path, items, depth):
    lines = [json.dumps(i) for i in items] + ["[" * depth + "]" * depth]
    (tmp_path / "in.jsonl").write_text("\n".join(lines), encoding="utf-8")
    run_ingest(tmp_path, tmp_path / "in.jsonl")
    (tmp_path / "in.json").write_text(json.dumps(items), encoding="utf-8")
    run_ingest(tmp_path, tmp_path / "in.json")


@FUZZ
@given(texts=st.lists(text_st, max_size=20))
def test_parquet_and_txt_with_mixed_scripts(tmp_path, texts):
    pq.write_table(pa.table({"text": texts or [""], "n": list(range(len(texts) or 1))}),
                   tmp_path / "in.parquet")
    run_ingest(tmp_path, tmp_path / "in.parquet")
    (tmp_path / "in.txt").write_text("\n".join(t.replace("\r", " ") for t in texts),
                                     encoding="utf-8")
    run_ingest(tmp_path, tmp_path / "in.txt")


@pytest.mark.parametrize("blob", [b"\x00" * 5000, b"text\n" + b"x" * 3_000_000 + b"\n",
                                  b"\xff\xfe" + "text\n物流".encode("utf-16-le"),
                                  b"text\n" + b"\xc3\x28\n" * 3])
def test_edge_files(tmp_path, blob):
    p = tmp_path / "in.csv"
    p.write_bytes(blob)
    run_ingest(tmp_path, p)


def test_cli_never_shows_a_traceback(tmp_path, cli):
    for i, blob in enumerate([b"", b"\x00\x01\x02" * 100, b"text\n\xff\xfe\xfa" * 50,
                              b"{\"text\": ", b"[1, 2, 3]"]):
        for suffix in (".csv", ".json"):
            p = tmp_path / f"f{i}{suffix}"
            p.write_bytes(blob)
            r = cli("-w", tmp_path / "ws", "ingest", p, "--embedder", "minilm")
            assert r.code in (0, 2), r.stderr
            assert "Traceback" not in r.stderr + r.stdout
