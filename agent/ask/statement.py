"""Turn a question into the statement a user would write, before counting support.

The support threshold is calibrated on statements ("the fee is too high"), and a question
("Which users say the fee is too high?") sits measurably further from the texts that say it.
So "Who finds the letters too small?" is counted as "I find the letters too small", and
"哪些用户在意物流速度？" as "我在意物流速度". A question with nothing left after the rewrite
(for example "What do users complain about?") is counted as it was asked.
"""

from __future__ import annotations

import re

_EN_ASKER = re.compile(
    r"^(?:(?:which|what)\s+(?:kinds?\s+of\s+|types?\s+of\s+|groups?\s+of\s+)?"
    r"(?:users|customers|people|persons|clients|segments?|groups?|personas?|ones)"
    r"|who(?:\s+(?:else|all))?|do\s+(?:any|some|many)\s+(?:users|customers|people)"
    r"|are\s+there\s+(?:any\s+)?(?:users|customers|people)(?:\s+who|\s+that)?"
    r"|how\s+many\s+(?:users|customers|people|texts|reviews))\b\s*",
    re.IGNORECASE)
_EN_SAYING = re.compile(r"^(?:say|says|said|write|writes|mention|mentions|report|reports|"
                        r"complain|complains|feel|feels|think|thinks)\s+(?:that\s+|about\s+)?",
                        re.IGNORECASE)
_EN_FILLER = re.compile(r"^(?:most|mostly|often|usually|really|also|still)\s+", re.IGNORECASE)
_EN_THIRD = [(r"\btheir\b", "my"), (r"\bthem\b", "me"), (r"\bthemselves\b", "myself"),
             (r"\bthey\b", "I")]
_BE = {"is": "am", "are": "am", "was": "was", "were": "was", "has": "have", "does": "do"}
_ZH_ASKER = re.compile(r"^(?:哪(?:个|些|一个|类|种)?(?:用户群体|用户群|用户|群体|人群|客户|人)|谁)"
                       r"(?:都|会|最|更|经常|比较)*")
_ZH_SAYING = re.compile(r"^(?:说|提到|抱怨|反映|表示|觉得|认为)")


def as_statement(question: str) -> str:
    """The first-person statement behind ``question`` (or ``question`` unchanged)."""
    q = " ".join(question.split()).strip()
    body = q.rstrip("?？!！。.").strip()
    if re.search(r"[\u4e00-\u9fff]", body):
        m = _ZH_ASKER.match(body)
        if not m:
            return q
        rest = body[m.end():].strip("，, ")
        saying = _ZH_SAYING.match(rest)
        if saying:
            rest = rest[saying.end():].strip("，, ")
        elif rest:
            rest = "我" + rest
        return rest if len(rest) >= 2 else q
    m = _EN_ASKER.match(body)
    if not m:
        return q
    rest = body[m.end():]
    rest = re.sub(r"^(?:who|that)\s+", "", rest, flags=re.IGNORECASE)
    rest = _EN_FILLER.sub("", rest)
    saying = _EN_SAYING.match(rest)
    if saying and len(rest[saying.end():].split()) >= 3:
        rest = rest[saying.end():]
    elif rest:
        verb, _, tail = rest.partition(" ")
        low = verb.lower()
        if low in _BE:
            verb = _BE[low]
        elif low.endswith("ies") and len(low) > 4:
            verb = verb[:-3] + "y"
        elif low.endswith(("ches", "shes", "sses", "xes")):
            verb = verb[:-2]
        elif low.endswith("s") and not low.endswith("ss") and len(low) > 3:
            verb = verb[:-1]
        rest = f"I {verb} {tail}".strip()
    for pattern, repl in _EN_THIRD:
        rest = re.sub(pattern, repl, rest)
    rest = rest.strip(" ,")
    if len(rest.split()) < 2:
        return q
    return rest[:1].upper() + rest[1:] + "."
