"""Small charts and facts for a persona card: a monthly-size sparkline and the average rating.

Kept apart from the page layout (``render.py``) so they can move into a template as they
are: each function returns a finished, escaped fragment.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from vectorstore.segment.artifact import SegmentationRun, UnitInfo

MAX_MONTHS = 36
ARROW = {"grew": "↑", "shrank": "↓", "steady": "→"}


def sparkline(values: Sequence[float], width: int = 140, height: int = 28,
              colour: str = "#4e79a7", label: str = "") -> str:
    """An inline SVG line of ``values`` (oldest first), its last point marked."""
    if len(values) < 2:
        return ""
    top = max(max(values), 1)
    pad = 3
    step = (width - 2 * pad) / (len(values) - 1)
    points = [(pad + i * step, height - pad - (height - 2 * pad) * v / top)
              for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    x, y = points[-1]
    return (f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{html.escape(label, quote=True)}">'
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{line}"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{colour}"/></svg>')


def _trend_words(unit: UnitInfo) -> str:
    t = unit.trend
    if t is None:
        return ""
    return (f"{t.direction} {ARROW[t.direction]} {t.first_share:.0%} → {t.last_share:.0%} of "
            f"the month's texts ({t.first_period} → {t.last_period})")


def _rating_words(run: SegmentationRun, unit: UnitInfo) -> str:
    if unit.rating is None:
        return ""
    return f"average {run.rating_column} {unit.rating:.1f} ({unit.rating_count} rated)"


def card_facts_html(run: SegmentationRun, unit: UnitInfo | None, colour: str) -> str:
    """The card's trend sparkline and average rating, or "" when there is neither."""
    if unit is None:
        return ""
    parts = []
    series = run.series(unit)[-MAX_MONTHS:]
    if unit.monthly and len(series) >= 2:
        months = run.periods[-MAX_MONTHS:]
        label = f"texts per month, {months[0]} to {months[-1]}"
        parts.append(sparkline(series, colour=colour, label=label))
        parts.append(f'<span class="trend">{html.escape(_trend_words(unit))}</span>')
    rating = _rating_words(run, unit)
    if rating:
        parts.append(f'<span class="rating">{html.escape(rating)}</span>')
    if not parts:
        return ""
    return ('<p class="facts" style="display:flex;gap:10px;align-items:center;flex-wrap:wrap;'
            'font-size:12px;color:#596273;margin:4px 0">' + "".join(parts) + "</p>")


def card_facts_md(run: SegmentationRun, unit: UnitInfo | None) -> str:
    """The same facts as one Markdown line ("" when there are none)."""
    if unit is None:
        return ""
    words = [w for w in (_trend_words(unit), _rating_words(run, unit)) if w]
    if unit.monthly and run.date_column:
        counts = ", ".join(str(v) for v in run.series(unit)[-MAX_MONTHS:])
        words.insert(0, f"texts per month by {run.date_column}: {counts}")
    return ("Trend: " + "; ".join(words) + ".") if words else ""
