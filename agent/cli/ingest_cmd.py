"""``persona ingest`` and ``persona run``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.project.providers import EMBEDDER_KINDS
from agent.project.results import IngestResult
from vectorstore.errors import InputError

from .app import JsonFlag, get_ctx
from .context import AppContext
from .generate_cmd import (
    Concurrency,
    Interview,
    Language,
    LevelOpt,
    MinPersona,
    MinSupport,
    NoCache,
    exit_if_failed,
    print_deck,
    print_generate,
)
from .segment_cmd import print_segments

STRICT_EXIT = 3

Paths = Annotated[list[Path], typer.Argument(help="Files (.csv .tsv .jsonl .json .parquet .txt) "
                                                  "or directories of .txt/.md files.",
                                             show_default=False)]
TextCol = Annotated[str | None, typer.Option("--text-col", help="Column with the text "
                                             "[default: auto-detect].", show_default=False)]
IdCol = Annotated[str | None, typer.Option("--id-col", help="Column with a stable row id; rows "
                                           "are upserted by it.", show_default=False)]
UserCol = Annotated[str | None, typer.Option("--user-col", help="Column with the author/user id "
                                             "[default: auto-detect user_id, user, author and "
                                             "similar names; '' for none].",
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
MaxTextChars = Annotated[int | None, typer.Option(
    "--max-text-chars", min=100, help="Reject rows whose text is longer than this "
    "[default: 100,000].", show_default=False)]


def _project(a: AppContext, embedder: str | None, embedding_model: str | None):
    if embedder is not None and embedder not in EMBEDDER_KINDS:
        raise InputError(f"--embedder must be one of {', '.join(EMBEDDER_KINDS)}, not {embedder!r}")
    if embedder is None and embedding_model is None:
        return a.project()
    return a.project(embedding={"embedder": embedder, "model": embedding_model})


def print_ingest(app: AppContext, r: IngestResult) -> None:
    c = app.human
    c.print(f"ingest {', '.join(r.files)} → collection {r.collection}")
    for file, cols in r.columns.items():
        meta = ", ".join(cols.get("metadata") or []) or "none"
        c.print(f"  columns of {Path(file).name}: text {cols.get('text')!r}, id "
                f"{cols.get('id') or '(hash of source and text)'}, user "
                f"{cols.get('user') or '(none)'}; metadata: {meta}")
    c.print(f"  read {r.read}: added {r.added}, updated {r.updated}, unchanged "
            f"{r.unchanged}, duplicates {r.duplicates}, rejected {r.rejected}")
    c.print(f"  records in collection: {r.records} (written {r.records_written}, "
            f"deleted {r.records_deleted}, long texts chunked {r.chunked_rows})")
    if r.flagged:
        c.print(f"  {r.flagged} texts read as instructions to a model; they are stored and "
                "counted but never put in a prompt")
    if r.redactions:
        c.print("  PII redacted: " + ", ".join(f"{k} {v}" for k, v in sorted(r.redactions.items())))
    if r.languages:
        c.print("  languages (new texts): " + ", ".join(f"{k} {v}" for k, v in
                                                        list(r.languages.items())[:8]))
    t = r.timings
    parts = ", ".join(f"{name} {t[key]:.1f} s" for key, name in
                      (("embed", "embedding"), ("write", "Chroma writes"),
                       ("read_prepare", "reading + cleaning"), ("lookup", "duplicate lookups"))
                      if key in t)
    c.print(f"  embedder {r.embedder}, {r.seconds} s" + (f" ({parts})" if parts else ""))
    if r.rejects_file:
        c.print(f"  {r.rejected} rejected rows listed in {r.rejects_file} (run {r.rejects_run})")
    if r.no_user_column:
        c.print(f"  warning: no user column found in {', '.join(Path(f).name for f in r.no_user_column)}"
                "; users cannot be counted (pass --user-col NAME)")
    if r.warning:
        c.print(f"  warning: {r.warning}")


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest(ctx: typer.Context, paths: Paths, text_col: TextCol = None, id_col: IdCol = None,
               user_col: UserCol = None, meta_cols: MetaCols = None,
               chunk_tokens: ChunkTokens = None, embedder: Embedder = None,
               embedding_model: EmbeddingModel = None, redact: Redact = None, sync: Sync = False,
               encoding: Encoding = "auto", source: Source = None, strict: Strict = False,
               max_text_chars: MaxTextChars = None, json_output: JsonFlag = False) -> None:
        """Read user texts into the vector store.

        Cleans, redacts PII, drops duplicates, chunks long texts, embeds and stores them.
        Every other scalar column is kept as metadata (a date column gives monthly trends).
        Unusable input exits 2 before anything is written.

        \b
        Example:
          persona ingest reviews.csv --text-col feedback --user-col customer
          persona ingest exports/ --workspace team-ws
        """
        a = get_ctx(ctx, json_output)
        project = _project(a, embedder, embedding_model)
        opts = project.ingest_options(text_col=text_col, id_col=id_col, user_col=user_col,
                                      meta_cols=meta_cols, chunk_tokens=chunk_tokens,
                                      redact=redact, sync=sync, encoding=encoding, source=source,
                                      max_text_chars=max_text_chars)
        result = project.ingest(paths, opts)
        print_ingest(a, result)
        a.emit(result)
        if strict and result.rejected:
            raise typer.Exit(STRICT_EXIT)

    @app.command("run")
    def run(ctx: typer.Context, paths: Paths, text_col: TextCol = None, id_col: IdCol = None,
            user_col: UserCol = None, meta_cols: MetaCols = None,
            chunk_tokens: ChunkTokens = None, embedder: Embedder = None,
            embedding_model: EmbeddingModel = None, redact: Redact = None,
            encoding: Encoding = "auto", max_text_chars: MaxTextChars = None,
            level: LevelOpt = None,
            min_persona_size: MinPersona = None, min_support: MinSupport = None,
            language: Language = None, interview: Interview = None,
            concurrency: Concurrency = None, no_cache: NoCache = False,
            strict: Annotated[bool, typer.Option(
                "--strict", help="Exit 3 when a row was rejected or a persona degraded.")] = False,
            json_output: JsonFlag = False) -> None:
        """The main job: ingest, segment, write personas, build the deck.

        Each stage does only missing work, so running it again after adding files is cheap.

        \b
        Example:
          persona run examples/app_reviews.csv --meta-cols rating,channel,date
        """
        from .generate_cmd import parse_level

        a = get_ctx(ctx, json_output)
        project = _project(a, embedder, embedding_model)
        opts = project.ingest_options(text_col=text_col, id_col=id_col, user_col=user_col,
                                      meta_cols=meta_cols, chunk_tokens=chunk_tokens,
                                      redact=redact, encoding=encoding,
                                      max_text_chars=max_text_chars)
        gen = project.generate_options(
            level=parse_level(a, level), min_persona_size=min_persona_size,
            min_support=min_support, language=language, interview=interview,
            concurrency=concurrency, no_cache=no_cache or None)
        r = project.run(paths, opts, gen)
        print_ingest(a, r.ingest)
        print_segments(a, r.segment)
        print_generate(a, r.generate)
        print_deck(a, r.deck)
        a.human.print(f"done in {r.seconds} s; tokens {r.generate.prompt_tokens} in / "
                      f"{r.generate.completion_tokens} out; open {r.deck.html}")
        a.emit(r)
        exit_if_failed(a, r.generate)
        if strict and (r.ingest.rejected or r.generate.degraded):
            raise typer.Exit(STRICT_EXIT)
