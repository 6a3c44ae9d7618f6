"""Time and ratings in the metadata: which column holds a date or a rating, monthly sizes, and
whether a segment grew or shrank between the first and the last month.

Ingest keeps every other scalar column as metadata ``meta_<column>``. A date column is found
by its name (``date``, ``created_at``, ``timestamp``, ``time``, ``日期``, ``时间``, or a name
ending in ``_date``/``_at``) *and* by its values: most must parse as ISO dates (or be Unix
timestamps). A rating column is found by name (``rating``, ``stars``, ``score``, ``评分``,
``星级``) and numeric values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..records import META_PREFIX

DATE_NAMES = ("date", "created_at", "timestamp", "time", "日期", "时间")
DATE_SUFFIXES = ("_date", "_at", "_time")
RATING_NAMES = ("rating", "stars", "score", "评分", "星级")
MIN_PARSED = 0.9      # share of a column's values that must parse for it to count
STEADY = 0.01         # a share change below one percentage point is no change
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_EPOCH_RANGE = (946_684_800, 4_102_444_800)   # 2000-01-01 .. 2100-01-01, in seconds


def month_of(value: Any) -> str | None:
    """``YYYY-MM`` of an ISO date/time (or a Unix timestamp in s or ms), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > _EPOCH_RANGE[1] else value
        if not _EPOCH_RANGE[0] <= seconds < _EPOCH_RANGE[1]:
            return None
        return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m")
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _YEAR_MONTH.match(text)
    if m:
        return text if 1 <= int(m.group(2)) <= 12 else None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.strftime("%Y-%m")


def _columns(metadatas: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    values: dict[str, list[Any]] = {}
    for m in metadatas:
        for k, v in m.items():
            if k.startswith(META_PREFIX) and v is not None:
                values.setdefault(k, []).append(v)
    return values


def _by_name(keys: Sequence[str], names: Sequence[str], suffixes: Sequence[str] = ()
             ) -> list[str]:
    """Metadata keys whose column name matches, best first (exact names in their order)."""
    short = {k: k[len(META_PREFIX):].strip().lower() for k in keys}
    exact = [k for name in names for k in keys if short[k] == name]
    fuzzy = sorted(k for k in keys if k not in exact and short[k].endswith(tuple(suffixes)))
    return exact + fuzzy


def detect_date_key(metadatas: Sequence[dict[str, Any]]) -> str | None:
    """The metadata key of the date column, or None."""
    columns = _columns(metadatas)
    for key in _by_name(list(columns), DATE_NAMES, DATE_SUFFIXES):
        values = columns[key]
        parsed = sum(1 for v in values if month_of(v))
        if values and parsed / len(values) >= MIN_PARSED:
            return key
    return None


def detect_rating_key(metadatas: Sequence[dict[str, Any]]) -> str | None:
    """The metadata key of a numeric rating column, or None."""
    columns = _columns(metadatas)
    for key in _by_name(list(columns), RATING_NAMES):
        values = columns[key]
        numeric = sum(1 for v in values if isinstance(v, int | float) and not isinstance(v, bool))
        if values and numeric / len(values) >= MIN_PARSED:
            return key
    return None


def column_name(key: str | None) -> str | None:
    return key[len(META_PREFIX):] if key else None


def periods(months: Sequence[str | None]) -> list[str]:
    """Every month from the first to the last dated record (gaps included, so a chart's
    x axis is even)."""
    dated = sorted({m for m in months if m})
    if not dated:
        return []
    (y, mo), (y1, mo1) = (tuple(int(x) for x in d.split("-")) for d in (dated[0], dated[-1]))
    out = []
    while (y, mo) <= (y1, mo1):
        out.append(f"{y:04d}-{mo:02d}")
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return out


def monthly(months: Sequence[str | None], members: Sequence[int]) -> dict[str, int]:
    """Records per month among ``members`` (indexes into ``months``), in month order."""
    counts = Counter(months[i] for i in members if months[i])
    return dict(sorted(counts.items()))


def trend(counts: dict[str, int], totals: dict[str, int], first: str, last: str
          ) -> dict[str, Any] | None:
    """How a unit's share of each month's records moved from the ``first`` to the ``last``
    month: shares, not counts, so a month with fewer texts overall does not make every
    segment "shrink"."""
    if not totals.get(first) or not totals.get(last) or first == last:
        return None
    a, b = counts.get(first, 0), counts.get(last, 0)
    share_a, share_b = a / totals[first], b / totals[last]
    change = share_b - share_a
    direction = "steady" if abs(change) < STEADY else "grew" if change > 0 else "shrank"
    return {"first_period": first, "last_period": last, "first_count": a, "last_count": b,
            "first_share": round(share_a, 4), "last_share": round(share_b, 4),
            "change": round(change, 4), "direction": direction}


def mean_rating(values: Sequence[Any]) -> tuple[float | None, int]:
    numeric = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numeric:
        return None, 0
    return round(sum(numeric) / len(numeric), 2), len(numeric)
