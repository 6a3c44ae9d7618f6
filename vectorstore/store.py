"""The Chroma adapter: the only module that imports chromadb.

One :class:`ChromaStore` wraps one collection, either in an embedded ``PersistentClient``
(a directory in the workspace) or on a Chroma server (``HttpClient``). Embeddings are always
computed by personakit and passed in, so Chroma never loads (or downloads) a model of its own.

Reads show each record's segment labels through a :class:`~.labels.LabelView` when the store
has one (``labels``, set by whoever knows the committed segmentation): only the committed
run's labels, in returned metadata and in ``where`` filters alike. ``raw=True`` reads past it
(for the segmenter that writes labels, and for ``status``).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from .errors import InputError, StoreUnavailable
from .labels import LabelView

log = logging.getLogger(__name__)
PAGE = 2000
WRITE_BATCH = 2000
#: chromadb builds a client's shared system lazily and not thread-safely: two API requests
#: opening the same store at once failed with "'RustBindingsAPI' object has no attribute
#: 'bindings'" (seen in `persona serve`), so clients are created one at a time
_CLIENTS = threading.Lock()
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]$")


def check_collection_name(name: str) -> str:
    if not _NAME_OK.fullmatch(name) or ".." in name:
        raise InputError(f"invalid collection name {name!r}: use 3-512 characters from "
                         "letters, digits, '.', '_' and '-', starting and ending with a "
                         "letter or digit")
    return name


class ChromaStore:
    """One Chroma collection of records (id, text, embedding, metadata)."""

    def __init__(self, collection: str, path: str | Path | None = None, url: str | None = None,
                 timeout: float = 30.0, labels: Callable[[], LabelView | None] | None = None):
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        import chromadb
        from chromadb.config import Settings

        self.name = check_collection_name(collection)
        self.location = url or str(path)
        settings = Settings(anonymized_telemetry=False)
        try:
            with _CLIENTS:
                if url:
                    parsed = urlparse(url)
                    if parsed.scheme not in ("http", "https") or not parsed.hostname:
                        raise InputError(f"invalid --chroma-url {url!r}: expected http://HOST:PORT")
                    self._client = chromadb.HttpClient(
                        host=parsed.hostname, port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                        ssl=parsed.scheme == "https", settings=settings)
                else:
                    Path(path).mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - chromadb raises many types for a store it cannot open or reach
            raise StoreUnavailable(self._unreachable(exc)) from None
        self._collection = None
        #: the committed labels' view, or None: every label as stored (no segmentation
        #: tracked, or one written before labels were tagged)
        self.labels = labels

    def label_view(self) -> LabelView | None:
        return self.labels() if self.labels is not None else None

    def _unreachable(self, exc: Exception) -> str:
        if self.location.startswith("http"):
            return (f"cannot reach the Chroma server at {self.location} ({type(exc).__name__}: "
                    f"{exc}); start it with `chroma run --path DIR --port PORT` or check --chroma-url")
        return f"cannot open the Chroma store at {self.location}: {exc}"

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (InputError, StoreUnavailable):
            raise
        except Exception as exc:
            name = type(exc).__name__
            if any(k in name for k in ("Connect", "Timeout", "Transport", "Network", "Remote")):
                raise StoreUnavailable(self._unreachable(exc)) from exc
            raise

    # -- collection -----------------------------------------------------------------------------
    def exists(self) -> bool:
        names = self._call(self._client.list_collections)
        return self.name in [getattr(c, "name", c) for c in names]

    @property
    def collection(self):
        if self._collection is None:
            self._collection = self._call(
                self._client.get_or_create_collection, self.name, embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}})
        return self._collection

    def info(self) -> dict[str, Any]:
        """Collection-level metadata (embedder, dimension, ...)."""
        if not self.exists():
            return {}
        return dict(self._call(lambda: self.collection.metadata) or {})

    def set_info(self, **values: Any) -> None:
        merged = self.info()
        merged.update({k: v for k, v in values.items() if v is not None})
        self._call(self.collection.modify, metadata=merged)

    def drop(self) -> None:
        if self.exists():
            self._call(self._client.delete_collection, self.name)
        self._collection = None

    def close(self) -> None:
        """Release the client. An embedded store's directory may be deleted only after this:
        Chroma keeps one open system per path and process, which would go on writing to the
        deleted files."""
        try:
            self._client.close()
        except Exception as exc:  # noqa: BLE001 - closing is best effort (e.g. a server that went away)
            log.debug("closing the Chroma client failed: %s", exc)
        self._collection = None

    # -- records --------------------------------------------------------------------------------
    def count(self) -> int:
        if not self.exists():
            return 0
        return self._call(self.collection.count)

    def get(self, ids: Sequence[str] | None = None, where: dict | None = None,
            include: Sequence[str] = ("metadatas",), limit: int | None = None,
            offset: int | None = None, raw: bool = False) -> dict[str, Any]:
        if ids is not None and not ids:
            return {"ids": [], "metadatas": [], "documents": [], "embeddings": []}
        view = None if raw else self.label_view()
        res = self._call(self.collection.get, ids=list(ids) if ids is not None else None,
                         where=view.where(where) if view else where, include=list(include),
                         limit=limit, offset=offset)
        if view and res.get("metadatas") is not None:
            res["metadatas"] = [view.resolve(m) for m in res["metadatas"]]
        return res

    def metadata_by_id(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), PAGE):
            res = self.get(ids=ids[start:start + PAGE])
            found.update(zip(res["ids"], res["metadatas"], strict=True))
        return found

    def find(self, key: str, values: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """Records whose metadata ``key`` is one of ``values``: {id: metadata}."""
        found: dict[str, dict[str, Any]] = {}
        values = list(dict.fromkeys(values))
        for start in range(0, len(values), PAGE):
            chunk = values[start:start + PAGE]
            where = {key: chunk[0]} if len(chunk) == 1 else {key: {"$in": chunk}}
            res = self.get(where=where)
            found.update(zip(res["ids"], res["metadatas"], strict=True))
        return found

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, documents: Sequence[str],
               metadatas: Sequence[dict[str, Any]]) -> None:
        for s in range(0, len(ids), WRITE_BATCH):
            e = s + WRITE_BATCH
            self._call(self.collection.upsert, ids=list(ids[s:e]), embeddings=embeddings[s:e],
                       documents=list(documents[s:e]), metadatas=list(metadatas[s:e]))

    def add(self, ids: Sequence[str], embeddings: np.ndarray, documents: Sequence[str],
            metadatas: Sequence[dict[str, Any]]) -> None:
        """Insert records whose ids are known to be absent (cheaper than upsert)."""
        for s in range(0, len(ids), WRITE_BATCH):
            e = s + WRITE_BATCH
            self._call(self.collection.add, ids=list(ids[s:e]), embeddings=embeddings[s:e],
                       documents=list(documents[s:e]), metadatas=list(metadatas[s:e]))

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict[str, Any]]) -> None:
        for s in range(0, len(ids), WRITE_BATCH):
            e = s + WRITE_BATCH
            self._call(self.collection.update, ids=list(ids[s:e]), metadatas=list(metadatas[s:e]))

    def delete(self, ids: Sequence[str]) -> None:
        for s in range(0, len(ids), WRITE_BATCH):
            self._call(self.collection.delete, ids=list(ids[s:s + WRITE_BATCH]))

    def query(self, embedding: np.ndarray, n_results: int, where: dict | None = None
              ) -> dict[str, list]:
        """Nearest records to one embedding (cosine distance), optionally filtered."""
        if not self.exists():
            return {"ids": [], "documents": [], "distances": [], "metadatas": []}
        n_results = max(1, min(n_results, self.count()))
        view = self.label_view()
        res = self._call(self.collection.query, query_embeddings=[np.asarray(embedding)],
                         n_results=n_results, where=view.where(where) if view else where,
                         include=["documents", "distances", "metadatas"])
        out = {k: res[k][0] for k in ("ids", "documents", "distances", "metadatas")}
        if view:
            out["metadatas"] = [view.resolve(m) for m in out["metadatas"]]
        return out

    def iter_records(self, include: Sequence[str] = ("metadatas",), where: dict | None = None,
                     page: int = PAGE, raw: bool = False) -> Iterator[dict[str, Any]]:
        """Every record, page by page: dicts with ``id`` and the included fields (``raw``:
        the metadata as stored, labels of uncommitted runs included)."""
        if not self.exists():
            return
        offset = 0
        while True:
            res = self.get(where=where, include=include, limit=page, offset=offset, raw=raw)
            ids = res["ids"]
            if not ids:
                return
            for i, rid in enumerate(ids):
                item: dict[str, Any] = {"id": rid}
                for field in include:  # "metadatas" → "metadata", "embeddings" → "embedding"
                    values = res.get(field)
                    item[field.rstrip("s")] = values[i] if values is not None else None
                yield item
            offset += len(ids)
            if len(ids) < page:
                return


# -- erasure ------------------------------------------------------------------------------------
#: What a Chroma server keeps of deleted records until it is compacted (said by ``forget``).
SERVER_KEEPS = ("the Chroma server at {url} still holds the erased texts in its write-ahead log "
                "(the embeddings_queue table, until its vector index next syncs), in the free "
                "pages of its chroma.sqlite3 and as tombstoned vectors in its HNSW files; to "
                "purge them, stop the server and run `chroma vacuum --path DATA_DIR --force` on "
                "its data directory")
#: What even a purged embedded store keeps (said in docs/reliability.md and by ``forget``).
EMBEDDED_KEEPS = ("the vectors of erased records stay in the HNSW files (data_level0.bin) as "
                  "tombstoned slots, without text or ids, until Chroma reuses them")


def erase_embedded(path: str | Path, doomed: dict[str, Sequence[str]],
                   vacuum_timeout: float = 600.0) -> None:
    """Delete ``doomed`` ({collection: ids}) from the embedded store at ``path`` so that no
    copy of them is left in its files, using what Chroma offers.

    Chroma writes every operation to its log (the ``embeddings_queue`` table, documents and
    metadata included) and purges an entry only once every segment of the collection has
    persisted it; the HNSW segment persists every ``sync_threshold`` (1,000) operations. So:
    lower each collection's ``sync_threshold`` to 1 (a client reads it when it opens), delete —
    the deletion itself makes the vector index persist, and Chroma purges the log behind it —
    restore the threshold, then run ``chroma vacuum``, which purges what is left of the log
    and rewrites chroma.sqlite3 without its free pages (where SQLite leaves deleted rows).

    No other client of the store may be open in this process (close them first).
    """
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    doomed = {name: list(ids) for name, ids in doomed.items() if ids}
    if not doomed:
        return
    client = chromadb.PersistentClient(path=str(path), settings=settings)
    thresholds: dict[str, int] = {}
    try:
        for name in doomed:
            col = client.get_collection(name, embedding_function=None)
            hnsw = (col.configuration_json or {}).get("hnsw") or {}
            if "sync_threshold" in hnsw:
                thresholds[name] = int(hnsw["sync_threshold"])
                col.modify(configuration={"hnsw": {"sync_threshold": 1}})
        client.close()
        client = chromadb.PersistentClient(path=str(path), settings=settings)
        for name, ids in doomed.items():
            col = client.get_collection(name, embedding_function=None)
            for s in range(0, len(ids), WRITE_BATCH):
                col.delete(ids=ids[s:s + WRITE_BATCH])
    finally:
        for name, threshold in thresholds.items():
            try:
                client.get_collection(name, embedding_function=None).modify(
                    configuration={"hnsw": {"sync_threshold": threshold}})
            except Exception as exc:  # noqa: BLE001 - reported, the deletion itself stands
                log.warning("could not restore sync_threshold %d of collection %s: %s",
                            threshold, name, exc)
        client.close()
    vacuum_embedded(path, vacuum_timeout)


def vacuum_embedded(path: str | Path, timeout: float = 600.0) -> None:
    """``chroma vacuum --path PATH --force``: purge the log and rewrite chroma.sqlite3."""
    cmd = [sys.executable, "-c", "from chromadb.cli.cli import app; app()", "vacuum", "--path",
           str(path), "--force", "--timeout", str(int(timeout))]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30,
                              env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    except subprocess.TimeoutExpired:
        raise StoreUnavailable(f"`chroma vacuum --path {path}` did not finish in "
                               f"{int(timeout)} s; run it again when no persona command uses "
                               "the workspace") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise StoreUnavailable(f"`chroma vacuum --path {path}` failed"
                               + (f": {detail[-1]}" if detail else "")
                               + "; run it again when no persona command uses the workspace")
