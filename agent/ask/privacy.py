"""Questions that try to single out one person are declined (the data is about groups)."""

from __future__ import annotations

import re

from vectorstore.redact import redact

_PATTERNS = re.compile("|".join([
    r"\buser\s*(id\s*)?[#:]?\s*[a-z]*\d+\b", r"\b(customer|account|author)\s*(id\s*)?[#:]?\s*\d+",
    r"\bwhat did\s+(?!users|they|people|customers)\w+\s+(write|say|post)\b",
    r"\b(who|which (person|user|customer))\s+(wrote|said|posted|complained)\b",
    r"\b(address|phone number|e-?mail( address)?|home|identity|real name|id number)\s+of\b",
    r"\b(his|her)\s+(address|phone|e-?mail|name|account)\b",
    r"用户\s*\d+", r"(谁|哪个人|哪位用户)(写|说|发)了?",
    r"(的)?(地址|电话|手机号|身份证|真实姓名)是(什么|多少)",
    r"(他|她)的(地址|电话|手机|邮箱|名字)",
]), re.IGNORECASE)


def singles_out_person(question: str) -> bool:
    """True when ``question`` asks about one identifiable person rather than a group."""
    return bool(_PATTERNS.search(question)) or bool(redact(question).counts)
