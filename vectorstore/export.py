"""``persona export``: one row per record, so users can join segments back to their data."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError
from .records import META_PREFIX, rec
from .store import ChromaStore

BASE = ["id", "text", "user", "segment_id", "parent_id", "source", "row", "lang", "dup_count",
        "chunk_of", "chunk_index"]
FORMATS = (".jsonl", ".csv", ".parquet")


Extra = Callable[[dict[str, Any]], dict[str, Any]]


def _rows(store: ChromaStore, meta_names: dict[str, str], extra: Extra | None = None
          ) -> Iterator[dict[str, Any]]:
    for item in store.iter_records(include=("documents", "metadatas")):
        m = item["metadata"] or {}
        r = rec(m)
        row = {"id": item["id"], "text": item["document"], "user": m.get("user"),
               "segment_id": m.get("segment_id"), "parent_id": m.get("parent_id"),
               "source": m.get("source"), "row": r.get("row"), "lang": m.get("lang"),
               "dup_count": r.get("dup_count"), "chunk_of": m.get("chunk_of"),
               "chunk_index": r.get("chunk_index")}
        if extra is not None:
            row.update(extra(m))
        for key, column in meta_names.items():
            row[column] = m.get(key)
        yield row


def _meta_columns(store: ChromaStore, taken: Sequence[str] = ()
                  ) -> tuple[dict[str, str], dict[str, str]]:
    """Metadata keys → output column names, and each column's parquet type."""
    kinds: dict[str, set] = {}
    for item in store.iter_records(include=("metadatas",)):
        for k, v in (item["metadata"] or {}).items():
            if k.startswith(META_PREFIX) and v is not None:
                kinds.setdefault(k, set()).add(type(v).__name__)
    names = {}
    for k in sorted(kinds):
        short = k[len(META_PREFIX):]
        names[k] = short if short not in BASE and short not in taken else k
    types = {}
    for k, ts in kinds.items():
        types[names[k]] = ("int64" if ts == {"int"} else "double" if ts <= {"int", "float"}
                           else "bool" if ts == {"bool"} else "string")
    return names, types


def export_records(store: ChromaStore, out: Path, extra: Extra | None = None,
                   extra_columns: Sequence[str] = ()) -> int:
    """Write every record of ``store`` to ``out`` (.jsonl, .csv or .parquet), atomically.

    ``extra`` adds the (string) columns ``extra_columns`` to each row from its metadata (the
    application joins labels and persona names in this way)."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"--out {out}: use a .jsonl, .csv or .parquet file name")
    if not store.exists() or store.count() == 0:
        raise InputError(f"collection {store.name!r} has no records; run `persona ingest` first")
    names, types = _meta_columns(store, extra_columns)
    types.update({c: "string" for c in extra_columns})
    writer: Callable = {".jsonl": _jsonl, ".csv": _csv, ".parquet": _parquet}[suffix]
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        n = writer(Path(tmp), _rows(store, names, extra),
                   [*BASE, *extra_columns, *names.values()], types)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def _jsonl(path: Path, rows, columns, types) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def _csv(path: Path, rows, columns, types) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        for row in rows:
            w.writerow({k: "" if v is None else v for k, v in row.items()})
            n += 1
    return n


def _parquet(path: Path, rows, columns, types) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    base_types = {"row": "string", "dup_count": "int64", "chunk_index": "int64"}
    schema = pa.schema([(c, pa.type_for_alias(types.get(c, base_types.get(c, "string"))))
                        for c in columns])
    n = 0
    with pq.ParquetWriter(path, schema) as w:
        batch: list[dict] = []
        for row in rows:
            row["row"] = None if row["row"] is None else str(row["row"])
            for c, t in types.items():
                if t == "string" and row.get(c) is not None:
                    row[c] = str(row[c])
            batch.append(row)
            if len(batch) == 5000:
                w.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        if batch:
            w.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n
