"""What a question asks: its kind, the statement to count, a facet, who it is about, filters.

Kinds: ``who`` (which groups say X), ``how_many`` (texts and distinct users saying X),
``what`` (the top aspects of a group, or of everyone), ``why`` (the motivations and reasons),
``compare`` (group A against group B), and ``count`` for anything else that names a theme.
Filters on metadata come from options (``--where rating<=2``, ``--since 2026-03-01``,
``--source NAME``) and from the question itself ("1-star reviews", "since March",
"差评", "三月以来"). The rules are general phrasings of English and Chinese questions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from vectorstore.errors import InputError
from vectorstore.language import detect_language

from .statement import as_statement

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
_ZH_MONTH = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
             "十": 10, "十一": 11, "十二": 12}


@dataclass(frozen=True)
class Filters:
    rating_min: float | None = None
    rating_max: float | None = None
    since: str | None = None       # ISO date, inclusive
    until: str | None = None       # ISO date, exclusive
    source: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.rating_min, self.rating_max, self.since,
                                           self.until, self.source))

    def merged(self, other: Filters) -> Filters:
        """These filters, with ``other``'s set values taking precedence."""
        values = {k: v for k, v in other.__dict__.items() if v is not None}
        return replace(self, **values)

    def describe(self, language: str = "en") -> str:
        parts = []
        if self.rating_min is not None and self.rating_max is not None and \
                self.rating_min == self.rating_max:
            parts.append(f"评分 {self.rating_min:g}" if language == "zh"
                         else f"rating {self.rating_min:g}")
        else:
            if self.rating_min is not None:
                parts.append(f"评分 ≥ {self.rating_min:g}" if language == "zh"
                             else f"rating ≥ {self.rating_min:g}")
            if self.rating_max is not None:
                parts.append(f"评分 ≤ {self.rating_max:g}" if language == "zh"
                             else f"rating ≤ {self.rating_max:g}")
        if self.since:
            parts.append(f"{self.since} 起" if language == "zh" else f"since {self.since}")
        if self.until:
            parts.append(f"{self.until} 前" if language == "zh" else f"before {self.until}")
        if self.source:
            parts.append(f"来源 {self.source}" if language == "zh" else f"source {self.source}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Query:
    question: str
    lang: str
    kind: str
    statement: str
    facet: str | None = None
    subjects: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)


_KIND_EN = [
    ("compare", re.compile(r"\b(?:compare|comparison|differ|difference|different from|versus|"
                           r"vs\.?)\b", re.I)),
    ("how_many", re.compile(r"^\s*how\s+(?:many|much|often)\b|\bnumber\s+of\b|\bcount\b", re.I)),
    ("why", re.compile(r"^\s*(?:why|for\s+what\s+reason)\b|\bwhat\s+(?:makes|motivates|drives)\b"
                       r"|\breasons?\b", re.I)),
    ("who", re.compile(r"^\s*(?:who|which\s+(?:users|customers|people|groups?|segments?|"
                       r"personas?|ones))\b|\bare\s+there\s+(?:any\s+)?(?:users|customers|people)"
                       r"\b", re.I)),
    ("what", re.compile(r"^\s*what\b|\b(?:top|main|most\s+common|biggest)\s+(?:complaints?|"
                        r"problems?|issues?|requests?|wishes|reasons?|themes?|topics?)\b", re.I)),
]
_KIND_ZH = [
    ("compare", re.compile(r"比较|对比|区别|不同|差异|相比")),
    ("how_many", re.compile(r"多少|几个|几位|几成|比例")),
    ("why", re.compile(r"为什么|为何|原因|什么让|动力")),
    ("who", re.compile(r"^(?:哪些|哪个|哪类|哪种|谁)")),
    ("what", re.compile(r"什么|最常|最多|主要|哪些问题|哪些方面")),
]
_FACET_EN = [("pain_point", re.compile(r"\b(?:complain\w*|problems?|issues?|frustrat\w*|annoy\w*|"
                                       r"hate|dislike|struggle\w*|trouble|pain\s+points?|bugs?|"
                                       r"unhappy|negative|wrong)\b", re.I)),
             ("goal", re.compile(r"\b(?:want\w*|wish\w*|ask(?:ing)?\s+for|request\w*|need\w*|"
                                 r"would\s+like|missing)\b", re.I)),
             ("motivation", re.compile(r"\b(?:why|reasons?|motivat\w*|value\w*|love\w*|like\w*"
                                       r"|matters?)\b", re.I)),
             ("behaviour", re.compile(r"\bhow\s+(?:do|does)\b.*\buse\b|\b(?:habits?|routines?|"
                                      r"usage)\b", re.I))]
_FACET_ZH = [("pain_point", re.compile(r"抱怨|吐槽|问题|不满|困扰|麻烦|投诉|失败|差评")),
             ("goal", re.compile(r"希望|想要|需要|建议|要求|期待")),
             ("motivation", re.compile(r"为什么|原因|看重|喜欢|在意|动力|重要")),
             ("behaviour", re.compile(r"怎么用|如何使用|习惯|经常"))]


def parse(question: str, today: dt.date | None = None) -> Query:
    """The :class:`Query` behind ``question``."""
    q = " ".join(question.split()).strip()
    if not q:
        raise InputError("the question is empty")
    lang = "zh" if detect_language(q) == "zh" else "en"
    filters, rest = _filters(q, lang, today or dt.date.today())
    kinds = _KIND_ZH if lang == "zh" else _KIND_EN
    kind = next((k for k, pattern in kinds if pattern.search(rest)), "count")
    facet = next((f for f, pattern in (_FACET_ZH if lang == "zh" else _FACET_EN)
                  if pattern.search(rest)), None)
    if kind == "why":
        facet = "motivation"
    topic = _TOPIC_ZH.search(rest) if lang == "zh" else _TOPIC_EN.search(rest)
    if topic and topic.group("t").strip(" ？?。.").lower() in _NO_TOPIC:
        topic = None   # "complain about most": no theme named
    statement = topic.group("t").strip(" ？?。.") if topic else as_statement(rest)
    return Query(q, lang, kind, statement, facet, _subjects(rest, lang), filters)


_NO_TOPIC = {"most", "the most", "it", "this", "that", "them", "anything", "everything",
             "things", "the app", "us", "most often", "often", "lately", "recently"}
# "What do students think about the fee?" → the fee; "学生对会员费有什么看法" → 会员费
_TOPIC_EN = re.compile(r"\b(?:think|say|feel|write|talk|complain)\s+(?:about|of|regarding)\s+"
                       r"(?:the\s+)?(?P<t>[^?]{3,80})", re.I)
_TOPIC_ZH = re.compile(r"对(?P<t>[^，,？?]{2,20}?)(?:有什么|有啥|怎么|的)(?:看法|评价|意见|感受|说)")


# -- filters in the question --------------------------------------------------------------------
_STARS_EN = re.compile(r"\b(one|two|three|four|five|[1-5])[- ]stars?\b", re.I)
_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_RATED_EN = re.compile(r"\brated\s+(?:(?P<op>below|under|above|over|at\s+least|at\s+most)\s+)?"
                       r"(?P<n>[1-5])(?:\s+or\s+(?P<dir>less|lower|more|higher))?", re.I)
_SINCE_EN = re.compile(r"\b(?:since|after|from)\s+(?P<when>\d{4}-\d{2}-\d{2}|[A-Za-z]+"
                       r"(?:\s+\d{4})?)", re.I)
_BEFORE_EN = re.compile(r"\b(?:before|until)\s+(?P<when>\d{4}-\d{2}-\d{2}|[A-Za-z]+"
                        r"(?:\s+\d{4})?)", re.I)
_IN_MONTH_EN = re.compile(r"\bin\s+(?P<when>(?:january|february|march|april|may|june|july|"
                          r"august|september|october|november|december)(?:\s+\d{4})?)\b", re.I)
_NEG_EN = re.compile(r"\b(?:negative|bad|low[- ]rated|poor)\s+(?:reviews?|ratings?|feedback)\b",
                     re.I)
_POS_EN = re.compile(r"\b(?:positive|good|high[- ]rated|great)\s+(?:reviews?|ratings?|feedback)\b",
                     re.I)
_STARS_ZH = re.compile(r"([一二三四五1-5])\s*星")
_SINCE_ZH = re.compile(r"(?:自|从)?(?P<m>十[一二]?|[一二三四五六七八九]|\d{1,2})月(?:份)?"
                       r"(?:以来|之后|以后|起)")
_IN_MONTH_ZH = re.compile(r"(?P<m>十[一二]?|[一二三四五六七八九]|\d{1,2})月(?:份)?(?:的|里|期间)")


def _filters(q: str, lang: str, today: dt.date) -> tuple[Filters, str]:
    """Filters stated in the question, and the question without them."""
    f: dict = {}
    rest = q
    if lang == "zh":
        if m := _STARS_ZH.search(rest):
            n = _ZH_MONTH.get(m.group(1)) or int(m.group(1))
            f["rating_min"] = f["rating_max"] = float(n)
            rest = rest.replace(m.group(0), "")
        elif "差评" in rest:
            f["rating_max"] = 2.0
        elif "好评" in rest:
            f["rating_min"] = 4.0
        if m := _SINCE_ZH.search(rest):
            f["since"] = _month_start(_zh_month(m.group("m")), today).isoformat()
            rest = rest.replace(m.group(0), "")
        elif m := _IN_MONTH_ZH.search(rest):
            start = _month_start(_zh_month(m.group("m")), today)
            f["since"], f["until"] = start.isoformat(), _next_month(start).isoformat()
            rest = rest.replace(m.group(0), "")
        return Filters(**f), rest.strip(" ，,")
    if m := _STARS_EN.search(rest):
        word = m.group(1).lower()
        n = _WORD_NUM.get(word) or int(word)
        f["rating_min"] = f["rating_max"] = float(n)
        rest = rest.replace(m.group(0), "")
    elif m := _RATED_EN.search(rest):
        n = float(m.group("n"))
        op = (m.group("op") or "").lower()
        direction = (m.group("dir") or "").lower()
        if op in ("below", "under"):
            f["rating_max"] = n - 1
        elif op in ("above", "over"):
            f["rating_min"] = n + 1
        elif op == "at least" or direction in ("more", "higher"):
            f["rating_min"] = n
        else:
            f["rating_max"] = n
        rest = rest.replace(m.group(0), "")
    elif _NEG_EN.search(rest):
        f["rating_max"] = 2.0
    elif _POS_EN.search(rest):
        f["rating_min"] = 4.0
    for pattern, key in ((_SINCE_EN, "since"), (_BEFORE_EN, "until")):
        m = pattern.search(rest)
        if m and (when := _date(m.group("when"), today)) is not None:
            f[key] = when.isoformat()
            rest = rest.replace(m.group(0), "")
    if "since" not in f and (m := _IN_MONTH_EN.search(rest)):
        start = _date(m.group("when"), today)
        if start:
            f["since"], f["until"] = start.isoformat(), _next_month(start).isoformat()
            rest = rest.replace(m.group(0), "")
    rest = re.sub(r"\b(?:in|from|of|among)\s+(?:the\s+)?(?:reviews?|ratings?)\b", "", rest,
                  flags=re.I)
    return Filters(**f), " ".join(rest.split()).strip(" ,")


def _zh_month(text: str) -> int:
    return _ZH_MONTH.get(text) or int(text)


def _date(text: str, today: dt.date) -> dt.date | None:
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.lower().split()
    month = MONTHS.get(parts[0]) if parts else None
    if month is None:
        return None
    year = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return _month_start(month, today, year)


def _month_start(month: int, today: dt.date, year: int | None = None) -> dt.date:
    """The first of ``month``: in ``year``, else the latest such month not after today."""
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    return dt.date(year, month, 1)


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def parse_where(expressions: list[str]) -> Filters:
    """``--where rating<=2`` (repeatable): rating comparisons (<, <=, >, >=, =)."""
    f: dict = {}
    for expr in expressions:
        m = re.fullmatch(r"\s*(rating|stars|score)\s*(<=|>=|<|>|=|==)\s*(\d+(?:\.\d+)?)\s*", expr)
        if not m:
            raise InputError(f"--where {expr!r}: expected a rating comparison such as "
                             "rating<=2, rating>=4 or rating=5")
        op, n = m.group(2), float(m.group(3))
        if op in ("<=", "<"):
            f["rating_max"] = n - (1 if op == "<" else 0)
        elif op in (">=", ">"):
            f["rating_min"] = n + (1 if op == ">" else 0)
        else:
            f["rating_min"] = f["rating_max"] = n
    return Filters(**f)


# -- who the question is about ------------------------------------------------------------------
_SUBJECT_EN = re.compile(r"\b(?:do|does|did|are|is)\s+(?:the\s+)?(?P<s>[a-z][a-z -]{2,40}?)\s+"
                         r"(?:complain|want|say|mention|like|love|use|need|ask|think|feel|value|"
                         r"dislike|hate|struggle|differ)", re.I)
_BETWEEN_EN = re.compile(r"\b(?:compare|between)\s+(?:the\s+)?(?P<a>[a-z][a-z -]{2,30}?)\s+"
                         r"(?:and|with|vs\.?|versus)\s+(?:the\s+)?(?P<b>[a-z][a-z -]{2,30}?)\b"
                         r"(?:[?.!]|$)", re.I)
_DIFFER_EN = re.compile(r"(?:how\s+)?(?:do|does)\s+(?:the\s+)?(?P<a>[a-z][a-z -]{2,30}?)\s+differ\s+"
                        r"from\s+(?:the\s+)?(?P<b>[a-z][a-z -]{2,30}?)\b", re.I)
_SUBJECT_ZH = re.compile(r"^(?P<s>[^，,？?]{1,10}?)(?:用户|们)?(?:最|都|对|在|会|为什么|抱怨|希望|"
                         r"喜欢|看重|怎么|有什么|和)")


def _subjects(q: str, lang: str) -> tuple[str, ...]:
    if lang == "zh":
        m = re.search(r"(?P<a>[^，,？?和与跟]{1,8})(?:和|与|跟)(?P<b>[^，,？?]{1,8}?)"
                      r"(?:比|相比|有什么|的区别|的不同)", q)
        if m:
            return (m.group("a").strip(), m.group("b").strip())
        m = _SUBJECT_ZH.search(q)
        if not m:
            return ()
        s = re.sub(r"(?:里|中|的)$", "", m.group("s").strip())
        if not s or re.match(r"^(?:哪|谁|有多少|多少|什么|为什么|差评|好评|所有|大家|用户)", s):
            return ()
        return (s,)
    for pattern in (_BETWEEN_EN, _DIFFER_EN):
        m = pattern.search(q)
        if m:
            return (m.group("a").strip(), m.group("b").strip())
    m = _SUBJECT_EN.search(q)
    if m:
        s = m.group("s").strip()
        if s.lower() not in ("users", "customers", "people", "they", "most users", "you", "we",
                             "i", "it", "this", "that"):
            return (s,)
    return ()
