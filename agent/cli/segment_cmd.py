"""``persona segment`` and ``persona export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.project import SegmentOptions
from agent.project.results import SegmentResult
from agent.project.segment import METHODS
from vectorstore.errors import InputError

from .app import JsonFlag, get_ctx
from .context import AppContext


def print_segments(app: AppContext, r: SegmentResult) -> None:
    c = app.human
    s = r
    if r.kept_previous:
        c.print(f"segment: unchanged records, keeping segmentation {s.run_id}")
        return
    extra = f", {s.assigned_new} new records assigned" if s.assigned_new else ""
    c.print(f"segment {s.records} records → {s.counts.segments} segments in "
            f"{s.counts.groups} groups ({s.method}, seed {s.seed}); unassigned "
            f"{s.unassigned_share:.1%}{extra}; {s.seconds} s")
    kept = s.stability.previous_ids_kept
    if kept is not None:
        c.print(f"  {kept:.0%} of previously segmented records kept their segment id")
    for note in s.params.notes:
        c.print(f"  note: {note}")
    for g in s.groups:
        c.print(f"  {g.id:>4}  {g.size:>6} texts {g.share:6.1%}  "
                f"{', '.join(g.keywords[:6])}  [{', '.join(g.segments[:8])}"
                f"{' …' if len(g.segments) > 8 else ''}]")
    c.print(f"  details: {r.path}")


def register(app: typer.Typer) -> None:
    @app.command("segment")
    def segment(
        ctx: typer.Context,
        method: Annotated[str, typer.Option("--method", help="leiden (default: kNN graph + "
                                            "Leiden, finds the number of segments), hdbscan, "
                                            "or kmeans (with --k).")] = "leiden",
        k: Annotated[int | None, typer.Option("--k", min=1, help="Number of segments "
                                              "(kmeans only).", show_default=False)] = None,
        neighbors: Annotated[int | None, typer.Option(
            "--neighbors", min=2, max=200, help="Neighbours per text in the graph [default: 15].",
            show_default=False)] = None,
        resolution: Annotated[float | None, typer.Option(
            "--resolution", min=0.01, max=100.0, help="Granularity: higher gives more, smaller "
            "segments. It is the Leiden resolution for 10,000 texts, scaled to the corpus "
            "size [default: 4.0].", show_default=False)] = None,
        min_segment_size: Annotated[int | None, typer.Option(
            "--min-segment-size", min=1, help="Smaller communities are merged into their "
            "nearest segment or unassigned [default: about √n/8, 3 to 50].",
            show_default=False)] = None,
        seed: Annotated[int | None, typer.Option("--seed", help="Random seed [default: 42].",
                                                 show_default=False)] = None,
        min_groups: Annotated[int, typer.Option("--min-groups", min=1,
                                                help="Fewest parent groups.")] = 5,
        max_groups: Annotated[int, typer.Option("--max-groups", min=1,
                                                help="Most parent groups.")] = 12,
        assign_new: Annotated[bool, typer.Option(
            "--assign-new", help="Only give records ingested since the last run their nearest "
            "existing segment (no renumbering).")] = False,
        fresh: Annotated[bool, typer.Option(
            "--fresh", help="Ignore the previous segmentation instead of starting from it "
            "(the result then depends only on the records and settings).")] = False,
        json_output: JsonFlag = False,
    ) -> None:
        """Group the stored texts into segments and parent groups.

        A kNN graph of the embeddings and Leiden community detection find the number of
        segments themselves; segment and group ids (and so labels) carry over between runs.

        \b
        Example:
          persona segment
          persona segment --fresh --seed 7
        """
        a = get_ctx(ctx, json_output)
        if method not in METHODS:
            raise InputError(f"--method must be one of {', '.join(METHODS)}, not {method!r}")
        options = SegmentOptions(method=method, clusters=k, neighbors=neighbors,
                                 resolution=resolution, min_segment_size=min_segment_size,
                                 seed=seed, min_groups=min_groups, max_groups=max_groups,
                                 assign_new=assign_new, fresh=fresh)
        r = a.project().segment(options)
        print_segments(a, r)
        a.emit(r)

    @app.command("export")
    def export(ctx: typer.Context,
               out: Annotated[Path, typer.Option(
                   "--out", "-o", help="Output file: .jsonl, .csv or .parquet (records); .csv "
                   "or .xlsx (with --personas).", show_default=False)],
               personas: Annotated[bool, typer.Option(
                   "--personas", help="Write one row per persona claim instead: id, name, "
                   "facet, claim, share, support count and a quote.")] = False,
               json_output: JsonFlag = False) -> None:
        """Write records or persona claims for spreadsheets and other tools.

        Records: one row per record (id, text, user, segment_id, parent_id, group_label,
        segment_label, persona_name, metadata). With --personas: one row per claim, named
        as everywhere else (labels first); an .xlsx file also has a sheet of personas.

        \b
        Example:
          persona export --out records.parquet
          persona export --personas --out personas.xlsx
        """
        a = get_ctx(ctx, json_output)
        if personas:
            p = a.project().export_personas(out)
            a.human.print(f"exported {p.claims} claims of {p.personas} personas to {p.out}")
            a.emit(p)
            return
        r = a.project().export(out)
        a.human.print(f"exported {r.records} records to {r.out}")
        a.emit(r)
