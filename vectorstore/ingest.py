"""Ingestion: files → clean → redact → dedupe → chunk → embed → upsert into Chroma.

Rows stream through in blocks, so memory is bounded by the block size plus one small entry
per distinct text and one id per row of the file being read (for duplicate bookkeeping).
Every read row ends in exactly one of: added, updated, unchanged, duplicates, rejected.

Identity rules (they make re-ingesting idempotent):

* with ``id_col``, the record id is that column's value; a changed row is updated in place;
* without it, the id is a hash of the source name and the cleaned text, so inserting or
  reordering rows changes nothing already stored;
* an exact duplicate text (same cleaned-text hash) is stored once; its ``dup_count`` is the
  number of distinct source rows holding it. A source row is identified by its id, or
  without ids by (source, text hash, n-th occurrence in the file), so reading the same file
  again never grows the count. Rows are tallied per text in memory while a file is read and
  each text's record is written once at the end of the file, as one entry per source
  (a count and a digest of the row keys, :mod:`vectorstore.duplicates`), so the work is
  linear in rows and a record's bookkeeping does not grow with its duplicates.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from .chunking import chunk_text
from .clean import stable_id
from .duplicates import Entry, Tally, entries, entry_for, merge, packed_values, source_tag
from .embedders.base import BatchEmbedder
from .errors import InputError
from .injection import FLAG_INSTRUCTION, FLAG_KEY, reads_as_instruction
from .prepare import Candidate, ColumnPlan, RowPreparer, plan_columns
from .readers import InputFile, Row
from .records import META_PREFIX, content, is_first, rec, with_rec
from .redact import DEFAULT_PHONE_REGIONS, check_regions
from .store import ChromaStore
from .tokens import TokenCounter

RejectFn = Callable[[str, Any, str], None]
ProgressFn = Callable[[str, int, int, int], None]


@dataclass
class IngestOptions:
    """How to read and store the inputs (the CLI's ``persona ingest`` options)."""

    text_col: str | None = None
    id_col: str | None = None
    user_col: str | None = None
    meta_cols: list[str] | None = None
    chunk_tokens: int = 512
    redact: bool = True
    sync: bool = False
    encoding: str = "auto"
    source: str | None = None
    block_rows: int = 2048
    #: longer texts are rejected before cleaning, so one huge row cannot take the machine
    #: (a 5 MB line became 2,367 records and took 2 GB of memory); ``--max-text-chars``
    max_text_chars: int = 100_000
    #: countries whose national phone formats redaction reads (ISO 3166 codes; the
    #: application layer's ``ingest.phone_regions``); international formats always are
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS


@dataclass
class IngestSummary:
    files: list[str] = field(default_factory=list)
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    rejected: int = 0
    records_written: int = 0
    records_deleted: int = 0
    chunked_rows: int = 0
    flagged: int = 0
    redactions: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    #: where the seconds went: reading and preparing rows, duplicate lookups, embedding,
    #: Chroma writes (the rest is bookkeeping)
    timings: Counter = field(default_factory=Counter)
    #: per file, the columns chosen: {"text", "id", "user", "metadata": [...]}
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: files read without a user column (per-user counts will be missing for them)
    no_user_column: list[str] = field(default_factory=list)

    def balanced(self) -> bool:
        return self.read == (self.added + self.updated + self.unchanged + self.duplicates
                             + self.rejected)

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "read": self.read, "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged,
                "duplicates": self.duplicates, "rejected": self.rejected,
                "records_written": self.records_written, "records_deleted": self.records_deleted,
                "chunked_rows": self.chunked_rows, "flagged": self.flagged,
                "redactions": dict(self.redactions),
                "languages": dict(self.languages.most_common()),
                "seconds": round(self.seconds, 2),
                "timings": {k: round(v, 2) for k, v in self.timings.items()},
                "columns": self.columns, "no_user_column": self.no_user_column}


def open_inputs(paths: Sequence[str | Path], options: IngestOptions
                ) -> list[tuple[InputFile, ColumnPlan]]:
    """Open every input and resolve its columns before anything is written.

    A file that cannot be used at all raises :class:`InputError` here, so a bad third file
    does not leave the first two half-ingested.
    """
    if options.source and len(paths) > 1:
        raise InputError("--source names one input; pass one path with it")
    try:
        options.phone_regions = check_regions(tuple(options.phone_regions))
    except ValueError as exc:
        raise InputError(f"{exc} (in ingest.phone_regions)") from None
    opened = []
    try:
        for p in paths:
            f = InputFile(p, options.encoding)
            opened.append((f, plan_columns(f.columns, str(p), options.text_col, options.id_col,
                                           options.user_col, options.meta_cols)))
    except Exception:
        for f, _ in opened:
            f.close()
        raise
    return opened


def source_name(path: Path, options: IngestOptions) -> str:
    return options.source or path.name


def sample_texts(paths: Sequence[str | Path], options: IngestOptions,
                 per_file: int = 400) -> list[str]:
    """Cleaned texts from the start of every input (used to pick an embedder)."""
    texts: list[str] = []
    for f, plan in open_inputs(paths, options):
        prep = RowPreparer(plan, redact_pii=False, pseudonym_key=b"",
                           max_text_chars=options.max_text_chars)
        try:
            for row in islice(f.rows(), per_file):
                c = prep.prepare(row)
                if isinstance(c, Candidate):
                    texts.append(c.text)
        finally:
            f.close()
    return texts


class Ingestor:
    """Runs one ingest into one store with one embedder."""

    def __init__(self, store: ChromaStore, embedder: BatchEmbedder, tokens: TokenCounter,
                 options: IngestOptions, pseudonym_key: bytes,
                 on_reject: RejectFn | None = None, on_progress: ProgressFn | None = None):
        self.store = store
        self.embedder = embedder
        self.tokens = tokens
        self.options = options
        self.key = pseudonym_key
        self.on_reject = on_reject or (lambda *_: None)
        self.on_progress = on_progress or (lambda *_: None)
        self.summary = IngestSummary()

    def run(self, inputs: list[tuple[InputFile, ColumnPlan]]) -> IngestSummary:
        started = time.perf_counter()
        for f, plan in inputs:
            self.summary.files.append(str(f.path))
            self.summary.columns[str(f.path)] = plan.describe(f.columns)
            if plan.user is None:
                self.summary.no_user_column.append(str(f.path))
            self._ingest_file(f, plan)
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    # -- one file -----------------------------------------------------------------------------
    def _ingest_file(self, f: InputFile, plan: ColumnPlan) -> None:
        source = source_name(f.path, self.options)
        prep = RowPreparer(plan, self.options.redact, self.key, coerce_numbers=f.kind == "csv",
                           max_text_chars=self.options.max_text_chars,
                           phone_regions=self.options.phone_regions)
        state = _FileState(source=source, by_id=plan.id is not None)
        rows = f.rows()
        while True:
            started = time.perf_counter()
            block = list(islice(rows, self.options.block_rows))
            if not block:
                break
            candidates: list[Candidate] = []
            for row in block:
                self.summary.read += 1
                result = prep.prepare(row)
                if isinstance(result, str):
                    self._reject(f, row, result)
                else:
                    candidates.append(result)
            self._timed("read_prepare", started)
            self._write_block(f, state, candidates)
            self.on_progress(str(f.path), f.bytes_done, f.total_bytes, self.summary.read)
        self._flush_duplicates(state)
        if self.options.sync:
            self._sync(state)

    def _timed(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.summary.timings[phase] += now - started
        return now

    def _reject(self, f: InputFile, row: Row, reason: str) -> None:
        self.summary.rejected += 1
        self.on_reject(str(f.path), row.row, reason)

    # -- one block ------------------------------------------------------------------------------
    def _write_block(self, f: InputFile, state: _FileState, cands: list[Candidate]) -> None:
        keyed = []
        for c in cands:
            tally = state.texts.get(c.hash)
            if tally is None:
                tally = state.texts[c.hash] = Tally()
            if state.by_id:
                rid, key = c.id_value, f"id:{c.id_value}"
                if rid in state.ids_in_file:
                    self._reject(f, Row(c.row), f"id {rid!r} repeats an earlier row of this file")
                    continue
            else:
                # the n-th row of this file holding this text
                rid, key = stable_id(state.source, c.hash), f"{state.source}|{c.hash}|{tally.n}"
            state.ids_in_file.add(rid)
            tally.add(key)
            keyed.append((c, rid, key, tally))
        if not keyed:
            return
        started = time.perf_counter()
        known = self.store.metadata_by_id(list({rid for _, rid, _, _ in keyed}))
        unknown_hashes = [c.hash for c, rid, _, _ in keyed if rid not in known]
        by_hash: dict[str, tuple[str, dict]] = {}
        if unknown_hashes:
            found = self.store.find("text_hash", unknown_hashes)
            for rid in sorted(found):
                by_hash.setdefault(found[rid]["text_hash"], (rid, found[rid]))
        self._timed("lookup", started)

        new: dict[str, tuple[Candidate, dict]] = {}      # rid → (candidate, metadata)
        reembed: dict[str, tuple[Candidate, dict]] = {}   # rid → text changed in place
        changed: dict[str, dict] = {}                     # rid → metadata to rewrite
        for c, rid, key, tally in keyed:
            self.summary.redactions.update(c.redactions)
            if rid in new or rid in reembed:
                self.summary.duplicates += 1
                continue
            if rid in known:
                meta = changed.get(rid, known[rid])
                if meta.get("text_hash") != c.hash:
                    fresh = self._metadata(c, state.source, key)
                    removed = {k: None for k in content(meta) if k not in fresh}
                    reembed[rid] = (c, {**fresh, **removed})
                    tally.owner, tally.stored = rid, entry_for(key)
                    self.summary.updated += 1
                    continue
                self._own(tally, rid, meta, state)
                if rec(meta).get("row_key") == key:
                    fresh = self._metadata(c, state.source, key)
                    if content(fresh) != content(meta):
                        removed = {k: None for k in content(meta) if k not in fresh}
                        changed[rid] = {**meta, **content(fresh), **removed}
                        self.summary.updated += 1
                    else:
                        self.summary.unchanged += 1
                else:
                    self.summary.duplicates += 1
                continue
            if c.hash in by_hash:
                self._own(tally, *by_hash[c.hash], state)
                self.summary.duplicates += 1
                continue
            meta = self._metadata(c, state.source, key)
            new[rid] = (c, meta)
            by_hash[c.hash] = (rid, meta)
            tally.owner, tally.stored = rid, entry_for(key)
            self.summary.added += 1
            self.summary.flagged += FLAG_KEY in meta
            self.summary.languages[c.lang] += 1
        self._embed_and_write(new, reembed, known)
        if changed:
            started = time.perf_counter()
            ids = list(changed)
            self.store.update_metadata(ids, [changed[i] for i in ids])
            self._timed("write", started)

    @staticmethod
    def _own(tally: Tally, rid: str, meta: dict, state: _FileState) -> None:
        """Note that record ``rid`` holds the tally's text (once per text and file)."""
        if tally.owner != rid:
            tally.owner = rid
            tally.stored = entries(rec(meta), meta.get("source")).get(state.tag)

    def _flush_duplicates(self, state: _FileState) -> None:
        """Write each text's count of this source's rows into its record (end of a file).

        Counting in memory and writing once per text keeps duplicate handling linear in
        rows; a crash before this point leaves counts that the next read of the file fixes.
        """
        started = time.perf_counter()
        pending: dict[str, Entry] = {}
        for tally in state.texts.values():
            if tally.owner is None:
                continue
            merged = merge(tally.stored, tally.entry(), replace=self.options.sync)
            if merged != tally.stored:
                pending[tally.owner] = merged
        if pending:
            metas = self.store.metadata_by_id(list(pending))
            ids = [rid for rid in pending if rid in metas]
            self.store.update_metadata(ids, [_with_entry(metas[rid], state.tag, pending[rid])
                                             for rid in ids])
        self._timed("write", started)

    def _embed_and_write(self, new: dict, reembed: dict, known: dict) -> None:
        """Embed and store new and changed texts, chunk by chunk.

        A text's own record (which carries its hash) is written after its later chunks, so
        a crash in between leaves a text that a rerun sees as missing and writes again.
        """
        rows: list[tuple[str, str, dict, bool]] = []   # id, text, metadata, brand new
        stale: list[str] = []
        for fresh, items in ((True, new), (False, reembed)):
            for rid, (c, meta) in items.items():
                pieces = chunk_text(c.text, self.options.chunk_tokens, self.tokens.count,
                                    self.tokens.split)
                old_count = int(rec(known.get(rid, {})).get("chunk_count", 1))
                stale.extend(f"{rid}#{i}" for i in range(len(pieces), old_count))
                if len(pieces) > 1:
                    self.summary.chunked_rows += 1
                    for i in range(len(pieces) - 1, 0, -1):
                        later = {k: v for k, v in meta.items() if k != "text_hash"}
                        later = with_rec(later, row_key=None, dups=None, dup_count=None,
                                         chunk_index=i, chunk_count=len(pieces))
                        later["chunk_of"] = rid
                        rows.append((f"{rid}#{i}", pieces[i], later, False))
                    meta = with_rec({**meta, "chunk_of": rid}, chunk_index=0,
                                    chunk_count=len(pieces))
                elif old_count > 1 or "chunk_of" in known.get(rid, {}):
                    meta = with_rec({**meta, "chunk_of": None}, chunk_index=None,
                                    chunk_count=None)
                rows.append((rid, pieces[0], meta, fresh))
        if rows:
            started = time.perf_counter()
            vectors = self.embedder.embed([text for _, text, _, _ in rows])
            started = self._timed("embed", started)
            added = [i for i, row in enumerate(rows) if row[3]]
            rest = [i for i, row in enumerate(rows) if not row[3]]
            # Later chunks and changed texts first (upsert), then brand-new first records
            # (add: cheaper, and safe because their ids were just checked to be absent).
            for idx, write in ((rest, self.store.upsert), (added, self.store.add)):
                if idx:
                    write([rows[i][0] for i in idx], vectors[idx], [rows[i][1] for i in idx],
                          [rows[i][2] for i in idx])
            self._timed("write", started)
            self.summary.records_written += len(rows)
        if stale:
            started = time.perf_counter()
            self.store.delete(stale)
            self._timed("write", started)
            self.summary.records_deleted += len(stale)

    def _metadata(self, c: Candidate, source: str, key: str) -> dict:
        meta: dict[str, Any] = {"source": source, "text_hash": c.hash, "lang": c.lang}
        if reads_as_instruction(c.text):
            meta[FLAG_KEY] = FLAG_INSTRUCTION  # stored and counted, never put in a prompt
        if c.user:
            meta["user"] = c.user
        for k, v in c.meta.items():
            meta[META_PREFIX + k] = v
        row = c.row if isinstance(c.row, int) else str(c.row)
        return with_rec(meta, row=row, row_key=key, dups={source_tag(source): entry_for(key)},
                        dup_count=1, chars=len(c.text), ingested_at=int(time.time()))

    # -- --sync -------------------------------------------------------------------------------------
    def _sync(self, state: _FileState) -> None:
        """Forget this source's rows that are gone: records of it that no row of the file
        holds lose the source's entry, and are deleted when no source holds them any more.
        (Texts the file still holds were recounted by :meth:`_flush_duplicates`.)"""
        owned = self.store.find("source", [state.source])
        touched = {t.owner for t in state.texts.values()}
        delete: list[str] = []
        rewrite: dict[str, dict] = {}
        gone: set[str] = set()
        for rid, meta in owned.items():
            if not is_first(meta) or rid in touched:
                continue  # a later chunk follows its text below
            r = rec(meta)
            ents = entries(r, meta.get("source"))
            if ents.pop(state.tag, None) is None and ents:
                continue
            if not ents and not r.get("dup_more"):
                delete.append(rid)
                gone.add(rid)
            else:
                rewrite[rid] = with_rec(meta, **packed_values(ents, r.get("dup_more", 0)))
        delete.extend(rid for rid, m in owned.items() if m.get("chunk_of") in gone and rid not in gone)
        if delete:
            self.store.delete(delete)
            self.summary.records_deleted += len(delete)
        if rewrite:
            self.store.update_metadata(list(rewrite), list(rewrite.values()))


@dataclass
class _FileState:
    source: str
    by_id: bool
    #: per distinct text (hash) of the file: its rows here and the record holding it
    texts: dict[str, Tally] = field(default_factory=dict)
    ids_in_file: set = field(default_factory=set)

    @property
    def tag(self) -> str:
        return source_tag(self.source)


def _with_entry(meta: dict, tag: str, entry: Entry) -> dict:
    """``meta`` with source ``tag``'s entry set and ``dup_count`` recounted."""
    r = rec(meta)
    ents = entries(r, meta.get("source"))
    ents[tag] = entry
    return with_rec(meta, **packed_values(ents, r.get("dup_more", 0)))
