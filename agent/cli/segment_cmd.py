"""``persona segment`` and ``persona export``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.workspace import atomic_write
from vectorstore.errors import InputError
from vectorstore.export import export_records

from .app import JsonFlag, get_ctx
from .context import AppContext

METHODS = ("leiden", "hdbscan", "kmeans")


def segments_path(app: AppContext) -> Path:
    return app.workspace.root / "segments.json"


def read_segments(app: AppContext) -> dict[str, Any] | None:
    path = segments_path(app)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"{path} is damaged; run `persona segment` again") from None


def build_segmenter(method: str, k: int | None, neighbors: int | None, resolution: float | None,
                    min_segment_size: int | None, seed: int | None, min_groups: int,
                    max_groups: int, threads: int | None):
    from vectorstore.segment import HDBSCANSegmenter, KMeansSegmenter, LeidenSegmenter
    from vectorstore.segment.methods import DEFAULT_K, DEFAULT_RESOLUTION, DEFAULT_SEED

    if method not in METHODS:
        raise InputError(f"--method must be one of {', '.join(METHODS)}, not {method!r}")
    if min_groups > max_groups:
        raise InputError("--min-groups must not exceed --max-groups")
    common = {"min_segment_size": min_segment_size, "seed": DEFAULT_SEED if seed is None else seed,
              "k": neighbors or DEFAULT_K, "min_groups": min_groups, "max_groups": max_groups,
              "threads": threads or 2}
    if method == "kmeans":
        if not k:
            raise InputError("--method kmeans needs --k N (the number of segments)")
        return KMeansSegmenter(n_clusters=k, **common)
    if k:
        raise InputError("--k is the number of segments for --method kmeans; the graph "
                         "methods find it themselves (use --resolution to tune granularity)")
    if method == "hdbscan":
        return HDBSCANSegmenter(**common)
    return LeidenSegmenter(resolution=resolution or DEFAULT_RESOLUTION, **common)


def run_segment(app: AppContext, segmenter=None, assign_new: bool = False,
                fresh: bool = False) -> dict[str, Any]:
    from vectorstore.segment.run import assign_new as assign
    from vectorstore.segment.run import segment_store

    ws = app.open_workspace()
    with ws.lock("segment", app.settings.lock_timeout):
        store = app.store()
        info = store.info()
        if not info.get("embedder"):
            raise InputError(f"collection {store.name!r} has no records; run `persona ingest "
                             "FILE` first")
        say = (lambda msg: app.err.print(f"  {msg}")) if app.verbose else None
        if assign_new:
            previous = read_segments(app)
            if previous is None:
                raise InputError("no segmentation yet: run `persona segment` first")
            summary = assign(store, previous, progress=say)
        else:
            segmenter = segmenter or build_segmenter("leiden", None, None, None, None, None, 5,
                                                     12, app.settings.embedding.threads)
            summary = segment_store(store, segmenter, info["embedder"], progress=say, fresh=fresh)
        users = summary.pop("users")
        summary["collection"] = store.name
        atomic_write(segments_path(app), json.dumps(summary, indent=1, ensure_ascii=False))
        atomic_write(ws.root / "segment_users.json", json.dumps(users, ensure_ascii=False))
        ws.record_stage("segment", run_id=summary["run_id"], segments=summary["counts"]["segments"],
                        groups=summary["counts"]["groups"])
        ws.mark_stale(["generate", "deck"], "segments changed")
    return summary


def print_segments(app: AppContext, s: dict[str, Any]) -> None:
    c = app.human
    extra = f", {s['assigned_new']} new records assigned" if s.get("assigned_new") else ""
    c.print(f"segment {s['records']} records → {s['counts']['segments']} segments in "
            f"{s['counts']['groups']} groups ({s['method']}, seed {s['seed']}); unassigned "
            f"{s['unassigned_share']:.1%}{extra}; {s['seconds']} s")
    kept = (s.get("stability") or {}).get("previous_ids_kept")
    if kept is not None:
        c.print(f"  {kept:.0%} of previously segmented records kept their segment id")
    for g in s["groups"]:
        c.print(f"  {g['id']:>4}  {g['size']:>6} texts {g['share']:6.1%}  "
                f"{', '.join(g['keywords'][:6])}  [{', '.join(g['segments'][:8])}"
                f"{' …' if len(g['segments']) > 8 else ''}]")
    c.print(f"  details: {segments_path(app)}")


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
        """Group the stored texts into segments and parent groups by embedding neighbourhoods."""
        a = get_ctx(ctx, json_output)
        segmenter = None if assign_new else build_segmenter(
            method, k, neighbors, resolution, min_segment_size, seed, min_groups, max_groups,
            a.settings.embedding.threads)
        s = run_segment(a, segmenter, assign_new, fresh)
        print_segments(a, s)
        a.emit(s)

    @app.command("export")
    def export(ctx: typer.Context,
               out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .jsonl, .csv "
                                                 "or .parquet.", show_default=False)],
               json_output: JsonFlag = False) -> None:
        """Write one row per record (id, text, user, segment_id, parent_id, metadata)."""
        a = get_ctx(ctx, json_output)
        n = export_records(a.store(), out)
        a.human.print(f"exported {n} records to {out}")
        a.emit({"out": str(out), "records": n})
