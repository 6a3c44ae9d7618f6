"""Turn a raw input row into a clean, redacted record candidate (or a reject reason)."""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .clean import clean_text, text_hash
from .errors import InputError
from .language import detect_language
from .readers import Row, has_undecodable
from .redact import DEFAULT_PHONE_REGIONS, looks_like_contact, pseudonymize, redact

# In order of preference: when several columns match, the earliest name wins (a free-text
# "feedback" over a side "notes" or "description" field).
TEXT_COLUMN_NAMES = ("text", "content", "review", "review_text", "comment", "comments",
                     "feedback", "message", "body", "response", "answer", "opinion",
                     "内容", "评论", "评价", "反馈", "留言", "意见",
                     "remarks", "remark", "description", "note", "notes", "备注")
USER_COLUMN_NAMES = ("user_id", "userid", "user", "username", "user_name", "author_id", "author",
                     "customer_id", "customer", "customer_name", "reviewer_id", "reviewer",
                     "reviewer_name", "member_id", "member", "account_id", "account", "nickname",
                     "用户id", "用户", "用户名", "昵称", "会员", "客户")
# A column whose name has one of these words holds a number, a key or a date about the
# text, not the text: "comment_id", "review_count", "message_date", "评论时间".
_NOT_TEXT_WORDS = frozenset({"id", "ids", "key", "uuid", "no", "num", "number", "count", "date",
                             "time", "at", "type", "len", "length", "url", "link", "score",
                             "rating", "lang", "language"})
_NOT_TEXT_CJK = re.compile(r"id|编号|序号|数|号|时间|日期|类型|链接|评分|星级", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")
RESERVED = {"text", "id"}
# Plain numbers only: no leading zeros (ids like "00123" stay text), at most 15 digits.
_NUMBER = re.compile(r"-?(0|[1-9]\d{0,14})(\.\d+)?")
MAX_META_CHARS = 2000


@dataclass(frozen=True)
class ColumnPlan:
    """Which input columns hold the text, id, user and metadata."""

    text: str
    id: str | None = None
    user: str | None = None
    meta: tuple[str, ...] | None = None  # None: every other scalar column
    #: the text column was named (--text-col), not detected: numbers in it are texts
    text_named: bool = False

    def describe(self, columns: list[str]) -> dict[str, Any]:
        """The chosen columns of a file with these ``columns``, for the ingest summary."""
        skip = {self.text, self.id, self.user}
        meta = list(self.meta) if self.meta is not None else [c for c in columns if c not in skip]
        return {"text": self.text, "id": self.id, "user": self.user, "metadata": meta}


def plan_columns(columns: list[str], path: str, text_col: str | None = None,
                 id_col: str | None = None, user_col: str | None = None,
                 meta_cols: list[str] | None = None) -> ColumnPlan:
    """Resolve column options against a file's columns; unknown names are an InputError."""
    listing = ", ".join(columns) or "(none)"

    def known(name: str | None, option: str) -> str | None:
        if name is None:
            return None
        if name in columns:
            return name
        lowered = {c.lower(): c for c in columns}
        if name.lower() in lowered:
            return lowered[name.lower()]
        raise InputError(f"{path}: unknown column {name!r} for {option}; columns are: {listing}")

    text = known(text_col, "--text-col") or detect_text_column(columns)
    if text is None:
        raise InputError(f"{path}: no text column found (looked for names such as "
                         f"{', '.join(TEXT_COLUMN_NAMES[:12])}, ...); pass --text-col NAME; "
                         f"columns are: {listing}")
    meta = None
    if meta_cols is not None:
        meta = tuple(known(c, "--meta-cols") for c in meta_cols)
    # --user-col "" turns detection off
    user = None if user_col == "" else (known(user_col, "--user-col")
                                        or _by_name([c for c in columns if c != text],
                                                    USER_COLUMN_NAMES))
    return ColumnPlan(text, known(id_col, "--id-col"), user, meta, text_named=text_col is not None)


def normal_name(column: str) -> str:
    """A column name compared with the known names: lower case, words joined by "_"."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", column.strip())  # reviewText → review_Text
    return re.sub(r"[\s\-.]+", "_", name).lower()


def _by_name(columns: list[str], names: tuple[str, ...]) -> str | None:
    normal = {}
    for c in columns:
        normal.setdefault(normal_name(c), c)
    return next((normal[n] for n in names if n in normal), None)


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^0-9a-z]+", name) if w}


def detect_text_column(columns: list[str]) -> str | None:
    """The column most likely to hold the user text, by name.

    An exact name wins; then a column whose name holds a known name as a word
    ("customer_message") or, in Chinese, as a part ("用户评论"), unless the name also says
    it is an id, a count or a date ("comment_id", "评论数").
    """
    exact = _by_name(columns, TEXT_COLUMN_NAMES)
    if exact:
        return exact
    normal = [(normal_name(c), c) for c in columns]
    for name in TEXT_COLUMN_NAMES:
        for low, original in normal:
            if _CJK.search(name):
                if name in low and not _NOT_TEXT_CJK.search(low):
                    return original
            elif name in _words(low) and not _words(low) & _NOT_TEXT_WORDS:
                return original
    return None


@dataclass
class Candidate:
    """A row that passed preparation: cleaned, redacted and tagged."""

    row: int | str
    text: str
    hash: str
    lang: str
    id_value: str | None
    user: str | None
    meta: dict[str, Any]
    redactions: Counter = field(default_factory=Counter)


def _scalar(value: Any) -> Any:
    """A Chroma-storable metadata value, or None to skip it."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else str(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    return None  # lists, dicts, bytes: not metadata


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


class RowPreparer:
    """Clean, validate and redact rows according to a :class:`ColumnPlan`."""

    def __init__(self, plan: ColumnPlan, redact_pii: bool, pseudonym_key: bytes,
                 coerce_numbers: bool = False, max_text_chars: int | None = None,
                 phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS):
        self.plan = plan
        self.max_text_chars = max_text_chars
        self.phone_regions = phone_regions
        self.coerce_numbers = coerce_numbers  # CSV/TSV cells are all strings
        self.redact_pii = redact_pii
        self.key = pseudonym_key

    def prepare(self, row: Row) -> Candidate | str:
        """Return a :class:`Candidate`, or the reason the row is rejected."""
        if row.error:
            return row.error
        fields = row.fields or {}
        raw = fields.get(self.plan.text)
        if raw is None:
            return f"no value in text column {self.plan.text!r}"
        text = _as_text(raw)
        if text is None:
            return f"text column {self.plan.text!r} holds a {type(raw).__name__}, not text"
        if not self.plan.text_named and self._is_number(raw):
            # a detected column full of numbers is most likely the wrong column (a rating)
            return (f"the text column holds a number, not text (column {self.plan.text!r}); "
                    f"pass --text-col {self.plan.text} to take numbers as text, or --text-col "
                    "with the column that holds the texts")
        if self.max_text_chars and len(text) > self.max_text_chars:
            # checked before cleaning: every later step costs memory and time per character
            return (f"text has {len(text):,} characters, more than the limit of "
                    f"{self.max_text_chars:,}; raise it with --max-text-chars")
        if has_undecodable(text):
            return "text has bytes that are not valid in the file's encoding (pass --encoding)"
        text = clean_text(text)
        if not text:
            return "empty text after cleaning"
        counts: Counter = Counter()
        if self.redact_pii:
            r = redact(text, self.phone_regions)
            text, counts = r.text, r.counts
        id_value = None
        if self.plan.id:
            id_value = _as_text(fields.get(self.plan.id))
            id_value = clean_text(id_value) if id_value is not None else None
            if not id_value:
                return f"empty id in column {self.plan.id!r}"
            if len(id_value) > 256:
                return f"id in column {self.plan.id!r} is longer than 256 characters"
        user = None
        if self.plan.user:
            user = _as_text(fields.get(self.plan.user))
            user = clean_text(user) if user else None
            if user and self.redact_pii and looks_like_contact(user, self.phone_regions):
                user = pseudonymize(user, self.key)
                counts["user_id"] += 1
        meta = self._meta(fields, counts)
        return Candidate(row.row, text, text_hash(text), detect_language(text), id_value, user,
                         meta, counts)

    def _is_number(self, raw: Any) -> bool:
        if isinstance(raw, int | float):
            return True
        return self.coerce_numbers and _NUMBER.fullmatch(raw.strip()) is not None

    def _meta(self, fields: dict[str, Any], counts: Counter) -> dict[str, Any]:
        skip = {self.plan.text, self.plan.id, self.plan.user}
        names = self.plan.meta if self.plan.meta is not None else [
            k for k in fields if k not in skip]
        meta: dict[str, Any] = {}
        for name in names:
            value = _scalar(fields.get(name))
            if value is None:
                continue
            if isinstance(value, str) and self.coerce_numbers and _NUMBER.fullmatch(value.strip()):
                value = float(value) if any(c in value for c in ".eE") else int(value)
            if isinstance(value, str):
                value = clean_text(value)[:MAX_META_CHARS]
                if self.redact_pii:
                    r = redact(value, self.phone_regions)
                    value = r.text
                    counts.update(r.counts)
                if not value:
                    continue
            meta[str(name)] = value
        return meta
