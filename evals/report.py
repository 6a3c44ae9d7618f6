"""Aggregates with bootstrap confidence intervals over groups, and the side-by-side report
(``report.md`` and a self-contained ``report.html``, a Jinja2 template with autoescape)."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from agent.workspace import atomic_write

from .metrics.claims import LOWER_IS_BETTER as READER_LOWER

SHARED_BETWEEN_VARIANTS = {"stability", "claim_overlap"}  # one value per pair: no winner
LOWER_IS_BETTER = {"cost", "canary_leaks", *READER_LOWER}
RESAMPLES = 1000
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def bootstrap(values: list[float], seed: int = 0) -> tuple[float, float]:
    """A 95% percentile-bootstrap interval of the mean (``scipy.stats.bootstrap``, seeded:
    the same values always give the same interval)."""
    if len(values) < 2:
        return (values[0], values[0]) if values else (float("nan"), float("nan"))
    arr = np.asarray(values, dtype=float)
    if np.all(arr == arr[0]):  # no spread: scipy warns and the interval is the value
        return float(arr[0]), float(arr[0])
    ci = stats.bootstrap((arr,), np.mean, n_resamples=RESAMPLES, confidence_level=0.95,
                         method="percentile", rng=np.random.default_rng(seed)).confidence_interval
    return float(ci.low), float(ci.high)


def aggregate(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """variant → metric → {value, low, high, n, reason}."""
    per_group: dict[tuple[str, str], list[float]] = defaultdict(list)
    overall: dict[tuple[str, str], dict[str, Any]] = {}
    versions: dict[str, str] = {}
    for r in rows:
        versions[r["metric"]] = r["metric_version"]
        key = (r["variant"], r["metric"])
        if r["group"] is None:
            overall[key] = r
        elif r["value"] is not None:
            per_group[key].append(r["value"])
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for key in sorted(set(per_group) | set(overall)):
        variant, metric = key
        values = per_group.get(key, [])
        value = overall[key]["value"] if key in overall else (
            float(np.mean(values)) if values else None)
        low, high = bootstrap(values) if values else (None, None)
        out[variant][metric] = {"value": value, "low": low, "high": high, "n": len(values),
                                "version": versions[metric],
                                "reason": overall[key]["reason"] if key in overall else
                                f"mean over {len(values)} groups"}
    return dict(out)


def winners(agg: dict[str, dict[str, dict[str, Any]]]) -> dict[str, str]:
    """Per metric, the variant whose confidence interval lies clear of every other's."""
    out = {}
    metrics = sorted({m for v in agg.values() for m in v})
    for m in metrics:
        cells = [(v, agg[v][m]) for v in agg if m in agg[v] and agg[v][m]["value"] is not None]
        if len(cells) < 2 or m in SHARED_BETWEEN_VARIANTS:
            continue
        lower = m in LOWER_IS_BETTER
        best_v, best = (min if lower else max)(cells, key=lambda c: c[1]["value"])
        if best["low"] is None or any(c[1]["low"] is None for c in cells):
            continue
        clear = all(best["high"] < c["low"] if lower else best["low"] > c["high"]
                    for v, c in cells if v != best_v)
        if clear:
            out[m] = best_v
    return out


def _cell(c: dict[str, Any] | None) -> str:
    if not c or c["value"] is None:
        return "—"
    if c["low"] is not None and c["n"] > 1:
        return f"{c['value']:.3f} [{c['low']:.3f}, {c['high']:.3f}]"
    return f"{c['value']:.3f}"


def write_reports(run_dir: Path, summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    agg = summary["aggregates"]
    win = winners(agg)
    variants = list(agg)
    metrics = sorted({m for v in agg.values() for m in v},
                     key=lambda m: (m in ("cost", "stability", "claim_overlap"), m))
    md = [f"# Eval {summary['run_id']}", "",
          f"Data: `{summary['data']}` · labels: {summary['label_col'] or '—'} · held out: "
          f"{summary['holdout']:.0%} per group · seed {summary['seed']} · segmentation "
          f"{summary['segmentation_run']} · {summary['seconds']} s", "",
          "| metric | " + " | ".join(variants) + " | winner |",
          "|---|" + "---|" * (len(variants) + 1)]
    for m in metrics:
        md.append(f"| {m} (v{next(agg[v][m]['version'] for v in variants if m in agg[v])}) | "
                  + " | ".join(_cell(agg[v].get(m)) for v in variants)
                  + f" | {win.get(m, '—')} |")
    md += ["", "Values are means over groups with 95% bootstrap intervals (1,000 resamples); a "
               "winner is named only where its interval is clear of every other variant's.", "",
           "## Variants", ""]
    for v, info in summary["variants"].items():
        md.append(f"- **{v}**: {info['settings']}; {info['personas']} personas, "
                  f"{info['degraded']} degraded, {info['seconds']} s")
        if info.get("label_agreement"):
            la = info["label_agreement"]
            md.append(f"  - label agreement: groups ARI {la['groups_ari']:.3f} / NMI "
                      f"{la['groups_nmi']:.3f}, segments ARI {la['segments_ari']:.3f} / NMI "
                      f"{la['segments_nmi']:.3f}")
    atomic_write(run_dir / "report.md", "\n".join(md) + "\n")
    atomic_write(run_dir / "report.html", _html(summary, agg, win, variants, metrics))


def _html(summary, agg, win, variants, metrics) -> str:
    from markupsafe import Markup

    cells = {m: {v: _cell(agg[v].get(m)) for v in variants} for m in metrics}
    charts = [_chart(m, agg, variants) for m in metrics if m != "cost"]
    return _template("report.html.j2").render(
        csp=Markup(CSP), summary=summary, variants=variants, metrics=metrics, cells=cells,
        winners=win, charts=charts)


def _chart(metric: str, agg, variants) -> dict[str, Any]:
    """One metric's bars (value) and lines (interval), in SVG coordinates."""
    w, bar = 260, 18
    rows = []
    for i, v in enumerate(variants):
        c = agg[v].get(metric)
        if not c or c["value"] is None:
            continue
        y = 20 + i * (bar + 6)
        x = max(0.0, min(1.0, float(c["value"]))) * (w - 90)
        interval = None
        if c["low"] is not None:
            interval = tuple(max(0.0, min(1.0, c[k])) * (w - 90) for k in ("low", "high"))
        rows.append({"variant": v, "y": y, "width": x, "interval": interval})
    return {"metric": metric, "w": w, "h": 30 + len(variants) * (bar + 6), "bar": bar,
            "rows": rows}


@lru_cache(maxsize=2)
def _template(name: str):
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("evals", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["fmt"] = format
    return env.get_template(name)


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Metric by metric, variant by variant (matched by name; else first with first)."""
    out = []
    pairs = [(v, v) for v in a["aggregates"] if v in b["aggregates"]] or [
        (next(iter(a["aggregates"])), next(iter(b["aggregates"])))]
    for va, vb in pairs:
        for m in sorted(set(a["aggregates"][va]) | set(b["aggregates"][vb])):
            x = a["aggregates"][va].get(m, {}).get("value")
            y = b["aggregates"][vb].get(m, {}).get("value")
            out.append({"variant": va if va == vb else f"{va} → {vb}", "metric": m, "a": x,
                        "b": y, "delta": None if x is None or y is None else y - x})
    return out
