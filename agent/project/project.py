"""The application layer: one object that owns a workspace and runs its stages.

The CLI, the HTTP API, the evals, the benchmarks and the tests all call these methods; none
of them wires a stage by hand. Options are resolved from the settings here (``*_options``),
so every face resolves the same flags to the same configuration.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.artifacts import Artifacts
from agent.config import Settings
from agent.logs import attach_file, register_endpoint, register_secret
from agent.persona.options import GenerateOptions
from agent.workspace import Workspace
from vectorstore.errors import InputError
from vectorstore.ingest import IngestOptions
from vectorstore.segment.artifact import Level

from . import aspects, data, evaluate, generate, ingest, naming, search, segment
from .pins import apply_pins
from .progress import Quiet, Reporter
from .prompts import PromptsResult, check_prompts
from .providers import Providers
from .results import (
    DeckResult,
    ExportResult,
    ForgetResult,
    GenerateResult,
    IngestResult,
    LabelResult,
    ListResult,
    PersonaExportResult,
    ResetResult,
    RunResult,
    SearchResult,
    SegmentResult,
    StatusResult,
)
from .segment import SegmentOptions


class Project:
    """A workspace and everything built from its settings (see :func:`build_project`)."""

    def __init__(self, settings: Settings, providers: Providers, reporter: Reporter):
        self.settings = settings
        self.providers = providers
        self.workspace = providers.workspace
        self.artifacts = Artifacts(self.workspace)
        self.reporter = reporter
        self._private = False

    # -- building related projects ------------------------------------------------------------------
    def with_settings(self, settings: Settings) -> Project:
        """The same workspace and store under other (e.g. an eval variant's) settings."""
        return Project(settings, self.providers.copy(settings), self.reporter)

    def for_workspace(self, root: Path) -> Project:
        """A project on another workspace with these settings (its own store)."""
        settings = self.settings.model_copy(deep=True)
        settings.workspace = root
        settings.chroma.collection = None
        return build_project(settings, self.reporter, llm=self.providers.llm)

    # -- workspace ----------------------------------------------------------------------------------
    def open_workspace(self) -> Workspace:
        """Create the workspace (and its log file) on first write; what an older version
        left readable by others is made private once."""
        self.workspace.ensure()
        if not self._private:
            make_private(self.workspace.root)
            self._private = True
        attach_file(self.workspace.logs_dir)
        return self.workspace

    def pseudonym_secret(self) -> str | None:
        key = self.settings.pseudonym_key
        return key.get_secret_value() if key else None

    # -- options ------------------------------------------------------------------------------------
    def ingest_options(self, *, text_col: str | None = None, id_col: str | None = None,
                       user_col: str | None = None, meta_cols: str | None = None,
                       chunk_tokens: int | None = None, redact: bool | None = None,
                       sync: bool = False, encoding: str = "auto",
                       source: str | None = None,
                       max_text_chars: int | None = None) -> IngestOptions:
        cfg = self.settings.ingest
        metas = [m.strip() for m in meta_cols.split(",") if m.strip()] if meta_cols else None
        return IngestOptions(text_col=text_col, id_col=id_col, user_col=user_col,
                             meta_cols=metas, chunk_tokens=chunk_tokens or cfg.chunk_tokens,
                             redact=cfg.redact if redact is None else redact, sync=sync,
                             encoding=encoding, source=source, block_rows=cfg.block_rows,
                             max_text_chars=max_text_chars or cfg.max_text_chars,
                             phone_regions=tuple(cfg.phone_regions))

    def generate_options(self, **overrides: Any) -> GenerateOptions:
        """The settings' ``persona`` section with ``overrides`` (None values are ignored)."""
        p = self.settings.persona
        values: dict[str, Any] = {
            "level": Level.parse(p.level), "min_persona_size": p.min_persona_size,
            "min_support": p.min_support, "language": p.language, "interview": p.interview,
            "concurrency": p.concurrency, "prompt_versions": dict(p.prompt_versions),
            "price_per_million": (p.price_input_per_million, p.price_output_per_million),
            "support_threshold": p.support_threshold}
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "level" in overrides and overrides["level"] is not None:
            values["level"] = Level.parse(overrides["level"])
        if values.get("only") is not None:
            values["only"] = tuple(values["only"])
        try:
            return GenerateOptions(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise InputError(f"invalid value for {field}: {first['msg']}") from None

    # -- stages -------------------------------------------------------------------------------------
    def ingest(self, paths: list[Path], options: IngestOptions | None = None) -> IngestResult:
        return ingest.ingest(self, [Path(p) for p in paths], options or self.ingest_options())

    def segment(self, options: SegmentOptions | None = None) -> SegmentResult:
        return segment.segment(self, options or SegmentOptions())

    def generate(self, options: GenerateOptions | None = None,
                 out_dir: Path | None = None) -> GenerateResult:
        return generate.generate(self, options or self.generate_options(), out_dir)

    def deck(self) -> DeckResult:
        return generate.deck(self)

    def run(self, paths: list[Path], ingest_options: IngestOptions | None = None,
            generate_options: GenerateOptions | None = None) -> RunResult:
        """The main job: ingest → segment (when records changed) → generate → deck."""
        started = time.perf_counter()
        ingested = self.ingest(paths, ingest_options)
        stored = self.artifacts.segmentation()
        if stored is not None and "segment" not in self.workspace.read_state().get("stale", {}):
            segmented = SegmentResult.of(stored, self.artifacts.segments_path, kept_previous=True)
        else:
            segmented = self.segment()
        generated = self.generate(generate_options)
        deck = self.deck()
        return RunResult(ingest=ingested, segment=segmented, generate=generated, deck=deck,
                         seconds=round(time.perf_counter() - started, 2))

    def ask_engine(self, min_support: int | None = None):
        """The engine behind ``ask`` and ``search``: the records, and every group's aspects
        (those ``generate`` stored, or found now and stored for next time)."""
        from agent.ask.engine import AskEngine

        segments = self.artifacts.segmentation()
        if segments is None:
            raise_no_segments()
        support = min_support or self.settings.persona.min_support
        return AskEngine(self.providers.store(), self.providers.store_embedder(), segments,
                         self.artifacts.personas(),
                         lambda engine: aspects.index_for(self, engine, segments),
                         support, labels=self.artifacts.labels())

    def ask(self, question: str, mode: str = "guided", min_support: int | None = None,
            use_llm: bool = True, filters=None, on_facts=None):
        """A counted, cited answer (``agent.ask.engine.AskResult``); ``filters``: an
        ``agent.ask.question.Filters`` on the records' metadata."""
        from agent.ask.answer import answer

        return answer(self, question, mode, min_support, use_llm, filters, on_facts)

    def search(self, query: str, group: str | None = None, segment: str | None = None,
               k: int = 10, engine=None, filters=None) -> SearchResult:
        """The stored texts closest to ``query``, optionally within one group or segment
        and passing ``filters`` (rating, dates, source), with their metadata (``engine``: a
        loaded ask engine to reuse, as the API does)."""
        return search.search(self, query, group, segment, k, engine, filters)

    def status(self) -> StatusResult:
        return data.status(self)

    def label(self, unit_id: str, label: str | None) -> LabelResult:
        """Name group or segment ``unit_id`` (None removes the label); kept across reruns."""
        return naming.label(self, unit_id, label)

    def list_units(self, segments: bool = False) -> ListResult:
        """Groups (and their segments) by displayed name, with sizes."""
        return naming.list_units(self, segments)

    def export(self, out: Path) -> ExportResult:
        """One row per record, with segment ids, group labels and persona names."""
        return data.export(self, out)

    def export_personas(self, out: Path) -> PersonaExportResult:
        """One row per persona claim, as .csv or .xlsx (a spreadsheet for the team)."""
        from .exports import export_personas

        return export_personas(self, out)

    def forget(self, user: str | None = None, source: str | None = None,
               ids_file: Path | None = None) -> ForgetResult:
        return data.forget(self, user, source, ids_file)

    def reset(self) -> ResetResult:
        return data.reset(self)

    def eval(self, request: evaluate.EvalRequest) -> dict[str, Any]:
        return evaluate.evaluate(self, request)

    def prompts(self) -> PromptsResult:
        """Every installed prompt, loaded and validated, with its hash."""
        return check_prompts()

    # -- the model ----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def llm(self):
        """A started model runtime for the duration of the block."""
        with self.providers.llm_runtime() as rt:
            yield rt


#: a workspace holds people's texts: what personakit (and Chroma) create in it is private to
#: the user, files 600 and folders 700
PRIVATE = 0o077


def private_umask() -> None:
    """Add ``PRIVATE`` to the process umask (stricter bits the user set are kept). Chroma and
    SQLite create their own files, so the umask is the one place that covers them all."""
    os.umask(os.umask(PRIVATE) | PRIVATE)


def make_private(root: Path) -> None:
    """Take group and other permissions off everything under ``root`` (a workspace an older
    version wrote 644 / 755)."""
    for path in [root, *root.rglob("*")]:
        try:
            st = path.lstat()
            if not stat.S_ISLNK(st.st_mode) and st.st_mode & PRIVATE:
                path.chmod(stat.S_IMODE(st.st_mode) & ~PRIVATE)
        except OSError:
            continue  # not ours, or gone: nothing to tighten


def raise_no_segments():
    raise InputError("no segments yet: run `persona run FILE` (or ingest and segment) first")


def build_project(settings: Settings, reporter: Reporter | None = None, *,
                  llm: Callable[[], Any] | None = None, check_pins: bool = True) -> Project:
    """The composition root: a :class:`Project` for ``settings``.

    The workspace's pinned store identity and remembered LLM endpoint are applied here
    (:mod:`.pins`): a setting that contradicts the pinned store raises an ``InputError``
    unless ``check_pins`` is false (``persona reset``, which empties the pinned store).
    ``llm`` replaces the configured model with a ready one (a function returning an
    ``agent.persona.generate.LLMContext``), for tests and benchmarks of control flow.
    """
    if settings.llm.api_key:
        register_secret(settings.llm.api_key.get_secret_value())
    register_endpoint(settings.llm.base_url)
    register_endpoint(settings.chroma.url)
    private_umask()
    workspace = Workspace(settings.workspace)
    settings, endpoint = apply_pins(settings, workspace, check=check_pins)
    providers = Providers(settings, workspace, llm=llm, endpoint=endpoint)
    return Project(settings, providers, reporter or Quiet())
