"""``persona status``: what is in the workspace and which stages have run."""

from __future__ import annotations

import typer

from agent.project.pins import describe
from agent.project.results import StatusResult

from .app import JsonFlag, get_ctx
from .context import AppContext


def print_status(app: AppContext, s: StatusResult) -> None:
    c = app.human
    c.print(f"workspace {s.workspace}  collection {s.collection}"
            f"  store {s.store or '(none yet)'}")
    if s.pinned:
        c.print(f"  pinned on the first ingest ({s.pinned.pinned_at}): {describe(s.pinned)}; "
                "commands use it without flags (another store needs a new workspace: -w DIR)")
    if s.llm and s.llm.values():
        c.print("  LLM endpoint remembered: " + ", ".join(f"{k} {v}" for k, v in
                                                       s.llm.values().items()))
    if not s.records:
        c.print("  no records yet: run `persona ingest FILE`")
    else:
        c.print(f"  {s.records} records ({s.texts} texts + {s.chunks} extra chunks), "
                f"{s.users} users, embedder {s.embedder} "
                f"({f'{s.embedding_dim}-d' if s.embedding_dim else 'dimension unknown'})")
        c.print("  languages: " + ", ".join(f"{k} {v}" for k, v in list(s.languages.items())[:8]))
        c.print("  sources: " + ", ".join(f"{k} {v}" for k, v in list(s.sources.items())[:8]))
    seg = s.segmentation
    if seg and seg.error:
        c.print(f"  segmentation: {seg.error}")
    elif seg and seg.run_id:
        c.print(f"  segmentation {seg.run_id}: {seg.segments} segments in {seg.groups} "
                f"groups, unassigned {seg.unassigned_share:.1%}"
                + (f"; {seg.labelled} records labelled" if seg.labelled is not None else ""))
    else:
        c.print("  not segmented yet: run `persona segment`")
    run = seg.interrupted if seg else None
    cmd = "segment --assign-new" if run and run.kind == "assign-new" else "segment"
    if run and run.running:
        c.print(f"  a `persona {cmd}` run is under way (started "
                f"{run.started_at}); until it finishes, readers see the segmentation above")
    elif run:
        started = f" (started {run.started_at})" if run.started_at else ""
        shown = "the segmentation above" if seg.run_id else "no segments"
        c.print(f"  segmentation interrupted: a `persona {cmd}` run{started} "
                f"was stopped after labelling {run.records_written} records; they show "
                f"{shown} until `persona segment` runs again")
    for stage, info in s.stages.items():
        stale = s.stale.get(stage)
        note = f"  stale: {stale['reason']}" if stale else ""
        c.print(f"  stage {stage}: ran {info.get('at')}{note}")


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status(ctx: typer.Context, json_output: JsonFlag = False) -> None:
        """Show what the workspace holds and which stages have run.

        The pinned store, counts, embedder, languages, users, sources, the segmentation and
        what is stale.

        \b
        Example:
          persona status --json
        """
        a = get_ctx(ctx, json_output)
        s = a.project().status()
        print_status(a, s)
        a.emit(s)
