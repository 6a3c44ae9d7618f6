"""``persona eval`` and ``persona eval compare``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.project.evaluate import EvalRequest
from vectorstore.errors import InputError

from .app import JsonFlag, get_ctx
from .context import AppContext

STRICT_EXIT = 3
eval_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)  # help: eval_main


def _fail_under(values: list[str]) -> dict[str, float]:
    out = {}
    for v in values:
        metric, sep, bar = v.partition("=")
        try:
            out[metric.strip()] = float(bar)
        except ValueError:
            raise InputError(f"--fail-under {v!r}: expected METRIC=VALUE, e.g. "
                             "quote_grounding=0.95") from None
        if not sep:
            raise InputError(f"--fail-under {v!r}: expected METRIC=VALUE")
    return out


def print_summary(app: AppContext, s: dict[str, Any], run_dir: Path) -> None:
    c = app.human
    c.print(f"eval {s['run_id']}: {len(s['variants'])} variants, {s['seconds']} s → "
            f"{run_dir / 'report.md'} and {run_dir / 'report.html'}")
    metrics = sorted({m for v in s["aggregates"].values() for m in v})
    c.print(f"  {'metric':22}" + "".join(f"{v:>22}" for v in s["aggregates"]))
    for m in metrics:
        cells = []
        for v in s["aggregates"]:
            x = s["aggregates"][v].get(m, {}).get("value")
            cells.append(f"{'—' if x is None else f'{x:.3f}':>22}")
        c.print(f"  {m:22}" + "".join(cells))


@eval_app.callback()
def eval_main(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Option("--data", help="Texts to evaluate on (any "
                                              "ingest format).", show_default=False)] = None,
    label_col: Annotated[str | None, typer.Option("--label-col", help="Column with true group "
                                                  "labels (for label_agreement).",
                                                  show_default=False)] = None,
    variant: Annotated[list[str] | None, typer.Option(
        "--variant", help="NAME:KEY=VALUE,... (keys: prompts, prompt.<id>, provider, model, "
        "base_url, model_path, interview, temperature, level). Repeatable.",
        show_default=False)] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="An eval spec YAML (see "
                                              "evals/specs/).", show_default=False)] = None,
    holdout: Annotated[float, typer.Option("--holdout", min=0.0, max=0.9,
                                           help="Share of each group held out.")] = 0.2,
    seed: Annotated[int, typer.Option("--seed", help="Seed for segmentation and hold-out.")] = 42,
    no_stability: Annotated[bool, typer.Option("--no-stability", help="Skip the second "
                                               "segmentation.")] = False,
    fail_under: Annotated[list[str] | None, typer.Option(
        "--fail-under", help="METRIC=VALUE: exit 3 when a variant scores below it.",
        show_default=False)] = None,
    sample: Annotated[int | None, typer.Option(
        "--sample", min=10, help="Evaluate on a seeded sample of this many rows (stratified "
        "by --label-col when given).", show_default=False)] = None,
    split: Annotated[str | None, typer.Option(
        "--split", help="Keep only rows whose 'split' column has this value (e.g. test).",
        show_default=False)] = None,
    planted: Annotated[bool, typer.Option(
        "--planted", help="Evaluate on a generated corpus of planted personas (English and "
        "Chinese) with random fake-PII canaries; reports group recovery and canary leaks.")
    ] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not reuse cached LLM "
                                           "answers.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Score personas of prompt or model variants side by side.

    Runs the pipeline under several variants on the same data and segments and compares
    them (results.jsonl, report.md, report.html). Without --data (or --planted) the
    variants run on this workspace's own records and segmentation.

    \b
    Example:
      persona eval --data reviews.csv --label-col label \\
          --variant v1:prompts=1 --variant v2:prompts=2
      persona eval compare RUN_A RUN_B
    """
    if ctx.invoked_subcommand is not None:
        return
    from evals.variants import load_spec, parse_variant

    a = get_ctx(ctx, json_output)
    variants = [parse_variant(v) for v in variant or []]
    if spec is not None:
        s = load_spec(spec)
        variants = s["variants"] + variants
        data = data or (Path(s["data"]) if s.get("data") else None)
        label_col = label_col or s.get("label_col")
        holdout = float(s.get("holdout", holdout))
        seed = int(s.get("seed", seed))
        sample = sample or s.get("sample")
        split = split or s.get("split")
    bars = _fail_under(fail_under or [])
    request = EvalRequest(data=data, label_col=label_col, variants=variants, holdout=holdout,
                          seed=seed, stability=not no_stability, sample=sample, split=split,
                          planted=planted, no_cache=no_cache)
    summary = a.project().eval(request)
    run_dir = Path(summary["run_dir"])
    print_summary(a, summary, run_dir)
    failed = [f"{v}: {m} {summary['aggregates'][v][m]['value']:.3f} < {bar}"
              for m, bar in bars.items() for v in summary["aggregates"]
              if summary["aggregates"][v].get(m, {}).get("value") is not None
              and summary["aggregates"][v][m]["value"] < bar]
    summary["below_bar"] = failed
    a.emit(summary)
    for f in failed:
        a.err.print(f"  below --fail-under: {f}")
    if failed:
        raise typer.Exit(STRICT_EXIT)


@eval_app.command("compare")
def eval_compare(ctx: typer.Context,
                 run_a: Annotated[str, typer.Argument(help="Run id or directory.")],
                 run_b: Annotated[str, typer.Argument(help="Run id or directory.")],
                 json_output: JsonFlag = False) -> None:
    """Diff two stored eval runs metric by metric.

    \b
    Example:
      persona eval compare 20260101T120000-ab12 20260102T090000-cd34
    """
    from evals.report import compare

    a = get_ctx(ctx, json_output)

    def load(run: str) -> dict[str, Any]:
        path = Path(run)
        if not path.is_dir():
            path = a.project().workspace.root / "evals" / run
        try:
            return json.loads((path / "summary.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"no eval run at {path} (expected summary.json there)") from None

    def fmt(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    rows = compare(load(run_a), load(run_b))
    for r in rows:
        delta = "" if r["delta"] is None else f"{r['delta']:+.3f}"
        a.human.print(f"  {r['variant']:>12} {r['metric']:22} {fmt(r['a']):>8} → "
                      f"{fmt(r['b']):>8} {delta}")
    a.emit({"a": run_a, "b": run_b, "rows": rows})
