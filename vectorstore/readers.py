"""Streaming readers for every supported input format.

Each reader yields :class:`Row` objects one at a time, so memory stays bounded whatever the
file size. A row that cannot be parsed is yielded with ``error`` set (it becomes a reject);
a file that cannot be parsed at all raises :class:`InputError` before any row is yielded.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError

SAMPLE_BYTES = 64 * 1024
MAX_ROW_LINES = 500  # a quoted CSV field spanning more lines than this is a stray quote
csv.field_size_limit(16 * 1024 * 1024)

FORMATS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
           ".parquet": "parquet", ".txt": "txt"}
DIR_SUFFIXES = {".txt", ".md"}
_NO_ROWS = {"csv": "the file has a header but no rows", "json": "the file holds an empty JSON "
            "array (no rows)", "jsonl": "the file has no rows (only blank lines)",
            "txt": "the file has no rows (only blank lines)",
            "parquet": "the file has columns but no rows"}


@dataclass
class Row:
    """One input row: its 1-based position as a user would find it, and its fields."""

    row: int | str
    fields: dict[str, Any] | None = None
    error: str | None = None


class CountingReader(io.RawIOBase):
    """A binary file wrapper that counts the bytes read (for the progress bar)."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self._raw.readinto(b)
        self.bytes_read += n or 0
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _sniff_encoding(path: Path, sample: bytes, encoding: str) -> str:
    if not sample:
        raise InputError(f"{path}: the file is empty (0 bytes)")
    if encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"{path}: unknown encoding {encoding!r} (try utf-8 or gb18030)") from None
        return encoding
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    binary = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if binary / len(sample) > 0.10:
        raise InputError(f"{path}: this looks like a binary file, not text "
                         f"({binary} control bytes in the first {len(sample)}); "
                         "pass a .csv, .tsv, .jsonl, .json, .parquet or .txt file")
    text = sample.decode("utf-8", errors="surrogateescape")
    bad = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    # A multi-byte character cut at the end of the sample is not an error.
    tail = 0
    if len(sample) == SAMPLE_BYTES:
        for ch in reversed(text[-3:]):
            if not has_undecodable(ch):
                break
            tail += 1
    bad -= tail
    if bad > 8 or (bad and bad / max(len(text), 1) > 0.005):
        first = next(i for i, ch in enumerate(text) if "\udc80" <= ch <= "\udcff")
        offset = len(text[:first].encode("utf-8", errors="surrogateescape"))
        raise InputError(f"{path}: the file is not UTF-8 text (invalid byte 0x{sample[offset]:02x} "
                         f"at offset {offset}); pass --encoding with its real encoding, for "
                         "example --encoding gb18030 for Chinese or --encoding cp1252")
    return "utf-8"


class _Opened:
    """An input file opened as text with a byte counter underneath."""

    def __init__(self, path: Path, encoding: str):
        self.path = path
        self.size = path.stat().st_size
        raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        sample = raw.read(SAMPLE_BYTES)
        raw.seek(0)
        self.encoding = _sniff_encoding(path, sample, encoding)
        self.sample = sample.decode(self.encoding, errors="surrogateescape")
        self.counter = CountingReader(raw)
        buffered = io.BufferedReader(self.counter, buffer_size=256 * 1024)
        self.text = io.TextIOWrapper(buffered, encoding=self.encoding, errors="surrogateescape",
                                     newline="")

    def close(self) -> None:
        self.text.close()


def has_undecodable(value: str) -> bool:
    """True when ``value`` holds bytes that were not valid in the file's encoding."""
    return any("\udc80" <= ch <= "\udcff" for ch in value)


class InputFile:
    """One input path (a file or a directory of .txt/.md files), opened for streaming.

    ``columns`` is known after opening (for a CSV: the header), so column errors are raised
    before any row is read, and so is a file without rows: the first row is read ahead
    when the file is opened. Iterate :meth:`rows` once.
    """

    def __init__(self, path: str | Path, encoding: str = "auto"):
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"{self.path}: no such file or directory")
        if self.path.is_dir():
            self.kind = "dir"
        else:
            kind = FORMATS.get(self.path.suffix.lower())
            if kind is None:
                raise InputError(f"{self.path}: unsupported file type {self.path.suffix or '(none)'!r}; "
                                 f"use one of {', '.join(sorted(FORMATS))} or a directory")
            self.kind = kind
        self.encoding = encoding
        self.columns: list[str] = []
        self._opened: _Opened | None = None
        self._dialect: Any = None
        self._header_lines = 0
        self._pending: deque = deque()
        try:
            getattr(self, f"_open_{self.kind}")()
            self._rows = getattr(self, f"_rows_{self.kind}")()
            self._first = next(self._rows, None)
            if self._first is None:
                raise InputError(f"{self.path}: {_NO_ROWS.get(self.kind, 'the file has no rows')}"
                                 "; nothing to ingest")
        except InputError:
            self.close()  # a file that cannot be used is not left open
            raise

    # -- progress ---------------------------------------------------------------------------
    @property
    def total_bytes(self) -> int:
        if self.kind == "dir":
            return len(self._files)
        return self.path.stat().st_size

    @property
    def bytes_done(self) -> int:
        if self.kind == "dir":
            return self._files_done
        if self.kind == "parquet":
            return self._parquet_done
        return self._opened.counter.bytes_read if self._opened else 0

    def close(self) -> None:
        if self._opened:
            self._opened.close()

    def rows(self) -> Iterator[Row]:
        try:
            if self._first is not None:
                first, self._first = self._first, None
                yield first
                yield from self._rows
        finally:
            self.close()

    # -- CSV / TSV ----------------------------------------------------------------------------
    def _open_csv(self) -> None:
        self._opened = _Opened(self.path, self.encoding)
        sample = self._opened.sample
        delimiters = "\t" if self.path.suffix.lower() == ".tsv" else ",\t;|"
        try:
            sniffed = csv.Sniffer().sniff(sample[:16384], delimiters=delimiters)
            delimiter = sniffed.delimiter
        except csv.Error:
            delimiter = "\t" if self.path.suffix.lower() == ".tsv" else ","

        class Dialect(csv.excel):
            pass

        Dialect.delimiter = delimiter
        Dialect.strict = True
        self._dialect = Dialect
        self._lines = self._numbered_lines()
        header = None
        for start, fields, err in self._csv_records():
            if err:
                raise InputError(f"{self.path}: the header row (line {start}) cannot be parsed: {err}")
            if any(f.strip() for f in fields):
                header = fields
                break
        if header is None:
            raise InputError(f"{self.path}: the file has no header row and no data")
        self.columns = _unique_names(header)

    def _numbered_lines(self) -> Iterator[tuple[int, str]]:
        yield from enumerate(self._opened.text, start=1)

    def _csv_records(self) -> Iterator[tuple[int, list[str], str | None]]:
        """Yield (first line, fields, error) per CSV record, recovering from stray quotes."""
        consumed: list[tuple[int, str]] = []

        def feed() -> Iterator[str]:
            while True:
                if self._pending:
                    item = self._pending.popleft()
                else:
                    item = next(self._lines, None)
                    if item is None:
                        return
                consumed.append(item)
                yield item[1]

        while True:
            consumed.clear()
            # A fresh feed per record: a generator that hit the end cannot be resumed, and
            # recovery may push lines back after the end was reached.
            reader = csv.reader(feed(), self._dialect)
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if not consumed:
                    return
                yield from self._recover(consumed, f"malformed CSV quoting ({exc})")
                continue
            if len(consumed) > MAX_ROW_LINES:
                yield from self._recover(consumed, f"unbalanced quote (a field ran over "
                                                   f"{len(consumed)} lines)")
                continue
            yield consumed[0][0], fields, None

    def _recover(self, consumed: list[tuple[int, str]], reason: str):
        # Reject the first line of the broken record and parse the rest again from the next
        # line, so one stray quote costs one row, not the rest of the file.
        first = consumed[0]
        self._pending.extendleft(reversed(consumed[1:]))
        yield first[0], [], reason

    def _rows_csv(self) -> Iterator[Row]:
        width = len(self.columns)
        for start, fields, err in self._csv_records():
            if err:
                yield Row(start, error=err)
                continue
            if not any(f.strip() for f in fields):
                continue  # blank line
            if len(fields) > width:
                yield Row(start, error=f"row has {len(fields)} fields but the header has {width} "
                                       "(an unquoted delimiter in the text?)")
                continue
            yield Row(start, dict(zip(self.columns, fields, strict=False)))

    # -- JSON Lines --------------------------------------------------------------------------
    def _open_jsonl(self) -> None:
        self._opened = _Opened(self.path, self.encoding)
        sample = self._opened.sample
        if not sample.strip() and self._opened.size <= SAMPLE_BYTES:
            raise InputError(f"{self.path}: {_NO_ROWS['jsonl']}; nothing to ingest")
        self.columns = _columns_from_sample(_json_lines_sample(sample), self.path)

    def _rows_jsonl(self) -> Iterator[Row]:
        for n, line in enumerate(self._opened.text, start=1):
            if not line.strip():
                continue
            yield _json_row(n, line)

    # -- JSON array ----------------------------------------------------------------------------
    def _open_json(self) -> None:
        self._opened = _Opened(self.path, self.encoding)
        head = self._opened.sample.lstrip("\ufeff \t\r\n")
        if not head.startswith("["):
            raise InputError(f"{self.path}: a .json file must hold an array of objects "
                             "(use .jsonl for one object per line)")
        if head[1:].lstrip(" \t\r\n").startswith("]"):
            raise InputError(f"{self.path}: {_NO_ROWS['json']}; nothing to ingest")
        self.columns = _columns_from_sample(_json_array_sample(head), self.path)

    def _rows_json(self) -> Iterator[Row]:
        decoder = json.JSONDecoder()
        text = self._opened.text
        buf = ""
        pos = 0
        index = 0
        eof = False

        def fill() -> bool:
            nonlocal buf, pos, eof
            chunk = text.read(1 << 20)
            if not chunk:
                eof = True
                return False
            buf = buf[pos:] + chunk
            pos = 0
            return True

        fill()
        pos = buf.index("[") + 1
        while True:
            while True:  # skip whitespace and separators
                while pos < len(buf) and buf[pos] in " \t\r\n,":
                    pos += 1
                if pos < len(buf) or not fill():
                    break
            if pos >= len(buf):
                yield Row(index + 1, error="the JSON array is not closed (file truncated?); "
                                           "the rows before this point were read")
                return
            if buf[pos] == "]":
                return
            while True:
                try:
                    value, end = decoder.raw_decode(buf, pos)
                    break
                except json.JSONDecodeError as exc:
                    if not eof and fill():
                        continue
                    yield Row(index + 1, error=f"invalid JSON ({exc.msg}); elements from "
                                               f"{index + 1} on were not read")
                    return
                except RecursionError:
                    value, end = None, _skip_value(buf, pos)
                    break
            index += 1
            if value is None and end is not None:
                yield Row(index, error="value is nested too deeply")
            else:
                yield _value_row(index, value)
            pos = end

    # -- Parquet --------------------------------------------------------------------------------
    def _open_parquet(self) -> None:
        import pyarrow.parquet as pq

        try:
            self._parquet = pq.ParquetFile(self.path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
            raise InputError(f"{self.path}: not a readable Parquet file ({exc})") from None
        self.columns = list(self._parquet.schema_arrow.names)
        self._parquet_done = 0

    def _rows_parquet(self) -> Iterator[Row]:
        n = 0
        total = max(self._parquet.metadata.num_rows, 1)
        size = self.path.stat().st_size
        for batch in self._parquet.iter_batches(batch_size=2048):
            for record in batch.to_pylist():
                n += 1
                yield Row(n, record)
            self._parquet_done = int(size * n / total)

    # -- plain text -----------------------------------------------------------------------------
    def _open_txt(self) -> None:
        self._opened = _Opened(self.path, self.encoding)
        self.columns = ["text"]

    def _rows_txt(self) -> Iterator[Row]:
        for n, line in enumerate(self._opened.text, start=1):
            if line.strip():
                yield Row(n, {"text": line.rstrip("\r\n")})

    # -- directory of .txt / .md ----------------------------------------------------------------
    def _open_dir(self) -> None:
        self._files = sorted(p for p in self.path.rglob("*")
                             if p.is_file() and p.suffix.lower() in DIR_SUFFIXES)
        if not self._files:
            raise InputError(f"{self.path}: the directory has no .txt or .md files")
        self._files_done = 0
        self.columns = ["text", "file"]

    def _rows_dir(self) -> Iterator[Row]:
        for p in self._files:
            rel = p.relative_to(self.path).as_posix()
            self._files_done += 1
            try:
                data = p.read_bytes()
                enc = _sniff_encoding(p, data[:SAMPLE_BYTES], self.encoding)
                yield Row(rel, {"text": data.decode(enc, errors="surrogateescape"), "file": rel})
            except InputError as exc:
                yield Row(rel, error=str(exc).split(": ", 1)[-1])
            except OSError as exc:
                yield Row(rel, error=f"cannot read: {exc.strerror}")


def _unique_names(header: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(header, start=1):
        name = raw.strip().lstrip("\ufeff") or f"column_{i}"
        base, k = name, 2
        while name in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        names.append(name)
    return names


def _json_row(n: int, line: str) -> Row:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return Row(n, error=f"invalid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return Row(n, error="value is nested too deeply")
    return _value_row(n, value)


def _value_row(n: int, value: Any) -> Row:
    if isinstance(value, dict):
        return Row(n, value)
    if isinstance(value, str):
        return Row(n, {"text": value})
    return Row(n, error=f"expected an object with a text field, got {type(value).__name__}")


def _skip_value(buf: str, pos: int) -> int | None:
    """End of the JSON value starting at ``pos`` by bracket matching (for over-deep values)."""
    depth, i, in_str = 0, pos, False
    while i < len(buf):
        ch = buf[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _json_lines_sample(sample: str) -> list[Any]:
    values = []
    for line in sample.splitlines()[:200]:
        try:
            values.append(json.loads(line))
        except (json.JSONDecodeError, RecursionError):
            continue
    return values


def _json_array_sample(head: str) -> list[Any]:
    decoder = json.JSONDecoder()
    values: list[Any] = []
    pos = 1
    while len(values) < 200:
        while pos < len(head) and head[pos] in " \t\r\n,":
            pos += 1
        try:
            value, pos = decoder.raw_decode(head, pos)
        except (json.JSONDecodeError, RecursionError):
            break
        values.append(value)
    return values


def _columns_from_sample(values: list[Any], path: Path) -> list[str]:
    columns: dict[str, None] = {}
    for v in values:
        if isinstance(v, dict):
            columns.update(dict.fromkeys(v))
        elif isinstance(v, str):
            columns["text"] = None
    if not values:
        raise InputError(f"{path}: no JSON values could be read from the start of the file")
    return list(columns)
