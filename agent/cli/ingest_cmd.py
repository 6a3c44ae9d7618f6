"""``persona ingest`` and ``persona run``."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from vectorstore.errors import InputError
from vectorstore.ingest import IngestOptions, Ingestor, open_inputs, sample_texts
from vectorstore.tokens import TokenCounter

from .app import JsonFlag, get_ctx
from .context import AppContext
from .generate_cmd import (
    Concurrency,
    Interview,
    Language,
    Level,
    MinPersona,
    MinSupport,
    NoCache,
    build_deck,
    exit_if_failed,
    print_generate,
    run_generate,
)
from .generate_cmd import _options as gen_options
from .progress import byte_progress
from .segment_cmd import print_segments, read_segments, run_segment

log = logging.getLogger(__name__)
STRICT_EXIT = 3
DOWNSTREAM = ["segment", "generate", "deck"]

Paths = Annotated[list[Path], typer.Argument(help="Files (.csv .tsv .jsonl .json .parquet .txt) "
                                                  "or directories of .txt/.md files.",
                                             show_default=False)]
TextCol = Annotated[str | None, typer.Option("--text-col", help="Column with the text "
                                             "[default: auto-detect].", show_default=False)]
IdCol = Annotated[str | None, typer.Option("--id-col", help="Column with a stable row id; rows "
                                           "are upserted by it.", show_default=False)]
UserCol = Annotated[str | None, typer.Option("--user-col", help="Column with the author/user id "
                                             "[default: auto-detect user_id, user, author, ...; "
                                             "'' for none].",
                                             show_default=False)]
MetaCols = Annotated[str | None, typer.Option(
    "--meta-cols", help="Comma-separated metadata columns [default: every other scalar column].",
    show_default=False)]
ChunkTokens = Annotated[int | None, typer.Option(
    "--chunk-tokens", min=16, help="Split texts longer than this many tokens [default: 512].",
    show_default=False)]
Embedder = Annotated[str | None, typer.Option(
    "--embedder", help="auto | minilm | multilingual | openai [default: auto, or the "
                       "collection's].", show_default=False)]
EmbeddingModel = Annotated[str | None, typer.Option(
    "--embedding-model", help="Model directory (minilm/multilingual) or name (openai).",
    show_default=False)]
Redact = Annotated[bool | None, typer.Option("--redact/--no-redact", help="Replace PII with "
                                      "placeholders before storing [default: on].", show_default=False)]
Sync = Annotated[bool, typer.Option("--sync", help="Delete records of these sources that are "
                                    "no longer in the files.")]
Encoding = Annotated[str, typer.Option("--encoding", help="Text encoding of the files.")]
Source = Annotated[str | None, typer.Option(
    "--source", help="Name the source (default: the file name); keeps ids stable when "
                     "dated exports are re-ingested.", show_default=False)]
Strict = Annotated[bool, typer.Option("--strict", help="Exit 3 when any row was rejected.")]


def ingest_paths(app: AppContext, paths: list[Path], options: IngestOptions,
                 embedder: str | None, embedding_model: str | None) -> dict[str, Any]:
    """Ingest ``paths`` into the workspace's collection; returns the summary dict."""
    if embedder is not None:
        app.settings.embedding.embedder = embedder
    if embedding_model is not None:
        app.settings.embedding.model = embedding_model
    ws = app.open_workspace()
    with ws.lock("ingest", app.settings.lock_timeout):
        store = app.store()
        inputs = open_inputs(paths, options)
        try:
            info = store.info()
            sample = None if info.get("embedder_kind") else sample_texts(paths, options)
            kind, model, reason = app.resolve_embedder(info, sample)
            app.err.print(f"embedder: {kind}{f' ({model})' if model else ''} — {reason}")
            emb = app.build_embedder(kind, model)
            if not info.get("embedder_kind"):
                store.set_info(embedder=emb.model_id, embedder_kind=kind, embedder_model=model,
                               embedding_dim=emb.dim, created_at=int(time.time()),
                               workspace=str(ws.root.resolve()))
            rejects = _RejectLog(ws.rejects_path)
            with byte_progress(app, "ingest") as progress:
                ingestor = Ingestor(store, emb, TokenCounter(), options,
                                    ws.pseudonym_key(_secret(app.settings.pseudonym_key)),
                                    on_reject=rejects.write, on_progress=progress)
                summary = ingestor.run(inputs)
        finally:
            for f, _ in inputs:
                f.close()
            if "rejects" in locals():
                rejects.close()
        result = summary.as_dict()
        result.update(embedder=emb.model_id, collection=store.name, records=store.count(),
                      rejects_file=str(ws.rejects_path) if summary.rejected else None)
        uncovered = {lang: n for lang, n in summary.languages.items() if not emb.covers(lang)}
        if summary.added and sum(uncovered.values()) > summary.added / 2:
            langs = ", ".join(sorted(uncovered))
            warning = (f"most new texts are in {langs}, which {emb.model_id} does not cover; "
                       "segments will be poor. Use a new collection with --embedder multilingual "
                       "(--collection NEW, or `persona reset`)")
            result["warning"] = warning
            log.warning(warning)
        ws.record_stage("ingest", files=result["files"], read=summary.read, added=summary.added,
                        updated=summary.updated, records=result["records"])
        if summary.added or summary.updated or summary.records_deleted:
            ws.mark_stale(DOWNSTREAM, "records were added, changed or removed by ingest")
    return result


def _secret(value) -> str | None:
    return value.get_secret_value() if value else None


class _RejectLog:
    """``rejects.jsonl``: the rows the current ingest rejected (rewritten per run)."""

    def __init__(self, path: Path):
        self.path = path
        self._f = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def write(self, file: str, row: Any, reason: str) -> None:
        self._f.write(json.dumps({"file": file, "row": row, "reason": reason},
                                 ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._f.close()


def print_ingest(app: AppContext, r: dict[str, Any]) -> None:
    c = app.human
    c.print(f"ingest {', '.join(r['files'])} → collection {r['collection']}")
    c.print(f"  read {r['read']}: added {r['added']}, updated {r['updated']}, unchanged "
            f"{r['unchanged']}, duplicates {r['duplicates']}, rejected {r['rejected']}")
    c.print(f"  records in collection: {r['records']} (written {r['records_written']}, "
            f"deleted {r['records_deleted']}, long texts chunked {r['chunked_rows']})")
    if r.get("flagged"):
        c.print(f"  {r['flagged']} texts read as instructions to a model; they are stored and "
                "counted but never put in a prompt")
    if r["redactions"]:
        c.print("  PII redacted: " + ", ".join(f"{k} {v}" for k, v in
                                                 sorted(r["redactions"].items())))
    if r["languages"]:
        c.print("  languages (new texts): " + ", ".join(f"{k} {v}" for k, v in
                                                        list(r["languages"].items())[:8]))
    t = r.get("timings") or {}
    parts = ", ".join(f"{name} {t[key]:.1f} s" for key, name in
                      (("embed", "embedding"), ("write", "Chroma writes"),
                       ("read_prepare", "reading + cleaning"), ("lookup", "duplicate lookups"))
                      if key in t)
    c.print(f"  embedder {r['embedder']}, {r['seconds']} s" + (f" ({parts})" if parts else ""))
    if r.get("rejects_file"):
        c.print(f"  {r['rejected']} rejected rows listed in {r['rejects_file']}")
    if r.get("warning"):
        c.print(f"  warning: {r['warning']}")


def _options(app: AppContext, text_col, id_col, user_col, meta_cols, chunk_tokens, redact, sync,
             encoding, source) -> IngestOptions:
    cfg = app.settings.ingest
    metas = [m.strip() for m in meta_cols.split(",") if m.strip()] if meta_cols else None
    return IngestOptions(text_col=text_col, id_col=id_col, user_col=user_col, meta_cols=metas,
                         chunk_tokens=chunk_tokens or cfg.chunk_tokens,
                         redact=cfg.redact if redact is None else redact, sync=sync,
                         encoding=encoding, source=source, block_rows=cfg.block_rows)


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest(ctx: typer.Context, paths: Paths, text_col: TextCol = None, id_col: IdCol = None,
               user_col: UserCol = None, meta_cols: MetaCols = None,
               chunk_tokens: ChunkTokens = None, embedder: Embedder = None,
               embedding_model: EmbeddingModel = None, redact: Redact = None, sync: Sync = False,
               encoding: Encoding = "auto", source: Source = None, strict: Strict = False,
               json_output: JsonFlag = False) -> None:
        """Read user texts into the vector store: clean, redact PII, dedupe, chunk, embed."""
        a = get_ctx(ctx, json_output)
        _check_embedder(embedder)
        opts = _options(a, text_col, id_col, user_col, meta_cols, chunk_tokens, redact, sync,
                        encoding, source)
        result = ingest_paths(a, paths, opts, embedder, embedding_model)
        print_ingest(a, result)
        a.emit(result)
        if strict and result["rejected"]:
            raise typer.Exit(STRICT_EXIT)

    @app.command("run")
    def run(ctx: typer.Context, paths: Paths, text_col: TextCol = None, id_col: IdCol = None,
            user_col: UserCol = None, meta_cols: MetaCols = None,
            chunk_tokens: ChunkTokens = None, embedder: Embedder = None,
            embedding_model: EmbeddingModel = None, redact: Redact = None,
            encoding: Encoding = "auto", level: Level = "group",
            min_persona_size: MinPersona = None, min_support: MinSupport = None,
            language: Language = None, interview: Interview = None,
            concurrency: Concurrency = None, no_cache: NoCache = False,
            strict: Annotated[bool, typer.Option(
                "--strict", help="Exit 3 when a row was rejected or a persona degraded.")] = False,
            json_output: JsonFlag = False) -> None:
        """The main job: ingest → segment → generate personas → deck."""
        a = get_ctx(ctx, json_output)
        _check_embedder(embedder)
        started = time.perf_counter()
        opts = _options(a, text_col, id_col, user_col, meta_cols, chunk_tokens, redact, False,
                        encoding, None)
        result = ingest_paths(a, paths, opts, embedder, embedding_model)
        print_ingest(a, result)
        state = a.workspace.read_state()
        if read_segments(a) is not None and "segment" not in state.get("stale", {}):
            segments = read_segments(a)
            a.human.print(f"segment: unchanged records, keeping segmentation {segments['run_id']}")
        else:
            segments = run_segment(a)
            print_segments(a, segments)
        a.no_cache = no_cache
        generated = run_generate(a, gen_options(a, level, min_persona_size, min_support,
                                                language, interview, concurrency, None))
        print_generate(a, generated)
        deck = build_deck(a)
        a.human.print(f"deck: {deck['html']} (and {deck['markdown']})")
        seconds = round(time.perf_counter() - started, 2)
        a.human.print(f"done in {seconds} s; tokens {generated['prompt_tokens']} in / "
                      f"{generated['completion_tokens']} out; open {deck['html']}")
        segments = {k: v for k, v in segments.items() if k not in ("segments", "users")}
        generated.pop("groups", None)
        a.emit({"ingest": result, "segment": segments, "generate": generated, "deck": deck,
                "seconds": seconds})
        exit_if_failed(a, generated)
        if strict and (result["rejected"] or generated["degraded"]):
            raise typer.Exit(STRICT_EXIT)


def _check_embedder(value: str | None) -> None:
    if value is not None and value not in ("auto", "minilm", "multilingual", "openai"):
        raise InputError(f"--embedder must be auto, minilm, multilingual or openai, not {value!r}")
