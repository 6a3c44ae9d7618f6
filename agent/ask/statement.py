"""Turn a question into the statement a user would write, before counting support.

The support threshold is calibrated on statements ("the fee is too high"), and a question
("Which users say the fee is too high?") sits measurably further from the texts that say it.
So "Who finds the letters too small?" is counted as "I find the letters too small", and
"哪些用户在意物流速度？" as "我在意物流速度". A question with nothing left after the rewrite
(for example "What do users complain about?") is counted as it was asked.
"""

from __future__ import annotations

import re

# the people a question asks about: users, or a plural of a role (riders, sellers, patients)
_PEOPLE_EN = r"(?:users|customers|people|persons|clients|[a-z]+(?:ers|ents|ists|ians|ants|ees))"
_EN_ASKER = re.compile(
    r"^(?:(?:which|what)\s+(?:kinds?\s+of\s+|types?\s+of\s+|groups?\s+of\s+)?"
    r"(?:" + _PEOPLE_EN + r"|segments?|groups?|personas?|ones)"
    r"|who(?:\s+(?:else|all))?|do\s+(?:any|some|many)\s+" + _PEOPLE_EN +
    r"|are\s+there\s+(?:any\s+)?" + _PEOPLE_EN + r"(?:\s+who|\s+that)?"
    r"|how\s+many\s+(?:of\s+(?:our|the)\s+)?(?:" + _PEOPLE_EN + r"|texts|reviews))\b\s*",
    re.IGNORECASE)
_EN_SAYING = re.compile(r"^(?:say|says|said|write|writes|wrote|report|reports|reported|"
                        r"complain|complains|complained|feel|feels|felt|think|thinks|thought)"
                        r"\s+(?:that\s+|about\s+)?", re.IGNORECASE)
# verbs that name a topic rather than a claim: "mention dark mode" counts "dark mode"
_EN_TOPIC_VERB = re.compile(r"^(?:mention|mentions|mentioned|mentioning|talk(?:s|ed)?\s+about|"
                            r"bring\s+up|brings\s+up|brought\s+up|discuss|discusses|discussed|"
                            r"refer(?:s|red)?\s+to|raise[sd]?)\s+(?:the\s+)?", re.IGNORECASE)
_EN_FILLER = re.compile(r"^(?:most|mostly|often|usually|really|also|still)\s+", re.IGNORECASE)
_EN_THIRD = [(r"\btheir\b", "my"), (r"\bthem\b", "me"), (r"\bthemselves\b", "myself"),
             (r"\bthey\b", "I")]
_BE = {"is": "am", "are": "am", "was": "was", "were": "was", "has": "have", "does": "do"}
_ZH_ASKER = re.compile(r"^(?:哪(?:个|些|一个|类|种)?(?:用户群体|用户群|用户|群体|人群|客户|顾客|乘客|患者|"
                       r"买家|卖家|学员|学生|家长|玩家|司机|人)|谁)"
                       r"(?:都|会|最|更|经常|比较)*")
_ZH_SAYING = re.compile(r"^(?:说自己|说|提到|提出|提及|抱怨|吐槽|反映|表示|觉得|认为)")
# questions that ask about a group of people, not "which": "有多少用户…", "说说那些…的用户"
_ZH_HOW_MANY = re.compile(r"^(?:有)?多少(?:位|个|名)?(?:用户|人|客户|顾客|学员|乘客|患者|买家|卖家)"
                          r"(?:都|会|在)?")
_ZH_PEOPLE = r"(?:用户|大家|客户|顾客|人们|学习者|学员|乘客|患者|买家|卖家|家长|玩家)"
_ZH_ABOUT = [  # (pattern, group holding the statement); the statement is what remains
    re.compile(r"^(?:说说|讲讲|介绍一下)(?:那些|这些)?(?P<s>.+?)的" + _ZH_PEOPLE + "$"),
    re.compile(r"^(?P<s>.+?)对(?:于)?" + _ZH_PEOPLE + r"(?:来说)?(?:有)?多(?:么)?重要$"),
    re.compile(r"^" + _ZH_PEOPLE + r"?(?:对|对于)(?P<s>.+?)(?:有需求|感兴趣|有兴趣|怎么看|"
               r"如何看待|什么看法|有意见|满意)吗?$"),
    re.compile(r"^" + _ZH_PEOPLE + r"?(?:怎么看|如何看待)(?P<s>.+)$"),
    re.compile(r"^" + _ZH_PEOPLE + r"?对(?P<s>.+?)的(?:呼声|需求|意见|反馈|评价)(?:高|大|多)?吗?$"),
    re.compile(r"^" + _ZH_PEOPLE + r"?对(?P<s>.+?)有(?:什么|哪些)(?:反馈|期待|期望|要求|建议|不满)$"),
    re.compile(r"^(?P<s>.+?)(?:是不是|是否|算不算)" + _ZH_PEOPLE + r"?的(?:痛点|问题|难题)$"),
    re.compile(r"^(?P<s>.+?)对" + _ZH_PEOPLE + r"?有多大(?:吸引力|影响|帮助)$"),
    re.compile(r"^" + _ZH_PEOPLE + r"?(?:是不是|是否|有没有|会不会)(?P<s>.+?)吗?$"),
    re.compile(r"^" + _ZH_PEOPLE + r"?(?P<s>(?:需要|想要|希望|愿意|会用|在意).+?)吗$"),
    re.compile(r"^(?P<s>.+?)(?:的问题|的情况|这个问题)?(?:" + _ZH_PEOPLE +
               r")?(?:被提到|提到|提)?得?(?:多|常见|普遍|严重)吗$"),
]
# "Is X a common complaint?", "Is there demand for X?", "Do people X?", "Tell me about the
# users who X"
_EN_COMMON = re.compile(r"^(?:is|are)\s+(?P<s>.+?)\s+(?:a|an)\s+(?:common|big|frequent|major|"
                        r"real|widespread)\s+(?:complaint|problem|issue|request|theme|concern)$",
                        re.IGNORECASE)
_EN_MATTER = re.compile(r"^(?:how\s+(?:important|big\s+a\s+deal)\s+(?:is|are)\s+(?P<s>.+?)|"
                        r"how\s+much\s+(?:does|do)\s+(?P<t>.+?)\s+matter)\s+(?:to|for)\s+"
                        r"(?:our\s+|the\s+)?" + _PEOPLE_EN + r"(?:\s+(?:with|who|in|on)\s.+)?$",
                        re.IGNORECASE)
_EN_PROBLEM = re.compile(r"^(?:is|are)\s+(?P<s>.+?)\s+(?:a|an)\s+(?:problem|issue|pain|"
                         r"concern)(?:\s+for\s+(?:our\s+|the\s+)?" + _PEOPLE_EN + ")?$",
                         re.IGNORECASE)
_EN_WOULD = re.compile(r"^would\s+(?:our\s+|the\s+)?" + _PEOPLE_EN + r"\s+(?P<s>.+)$",
                       re.IGNORECASE)
_EN_DEMAND = re.compile(r"^is\s+there\s+(?:any\s+|much\s+|real\s+)?(?:interest|demand|a\s+need|"
                        r"appetite)\s+(?:in|for)\s+(?P<s>.+)$", re.IGNORECASE)
_EN_DO_PEOPLE = re.compile(r"^(?P<aux>do|does|did|are|were|is)\s+(?:the\s+|our\s+|many\s+|most\s+|"
                           r"some\s+)?(?P<who>users|customers|people|clients|[a-z]+(?:ers|ents|"
                           r"ists|ians|ants))\s+(?P<s>.+)$", re.IGNORECASE)
# "What do travellers complain about (most)?" asks for a ranking of themes, not one statement
_RANKING_VERBS = (r"(?:say|think|feel|want|need|like|love|hate|dislike|ask|request|mention|talk|"
                  r"wish|value|care|worry|struggle|praise|complain)\w*\b")
# "When do learners usually practise?", "How do users finish a photo?": what the people do
_EN_WH_DO = re.compile(r"^(?:when|where|how)(?:\s+and\s+(?:when|where|how))?"
                       r"(?:\s+(?:in|of)\s+the\s+(?:day|week))?\s+(?:do|does|did)\s+"
                       r"(?:the\s+|our\s+|most\s+)?" + _PEOPLE_EN + r"\s+(?P<s>.+)$",
                       re.IGNORECASE)
_EN_WHAT_DO = re.compile(r"^what\s+(?:do|does|did)\s+(?:the\s+|our\s+|most\s+)?" + _PEOPLE_EN +
                         r"\s+(?P<s>(?!" + _RANKING_VERBS + r").+)$",
                         re.IGNORECASE)
_EN_WHOSE = re.compile(r"^what\s+(?:are|is)\s+(?:the\s+|our\s+)?" + _PEOPLE_EN + r"'s?\s+(?P<s>.+)$",
                       re.IGNORECASE)
# a yes/no question about a thing: "Is the voice recognition letting learners down?"
_EN_YES_NO = re.compile(r"^(?P<aux>is|are|was|were|does|do|did|can|will|has|have)\s+(?P<s>.+)$",
                        re.IGNORECASE)
_EN_TELL = re.compile(r"^(?:tell\s+me\s+about|describe|show\s+me)\s+(?:the\s+)?"
                      r"(?:" + _PEOPLE_EN + r"|ones)\s+(?:who|that)\s+(?P<s>.+)$", re.IGNORECASE)


def as_statement(question: str) -> str:
    """The first-person statement behind ``question`` (or ``question`` unchanged)."""
    q = " ".join(question.split()).strip()
    body = q.rstrip("?？!！。.").strip()
    if re.search(r"[\u4e00-\u9fff]", body):
        return _zh_statement(q, body)
    return _en_statement(q, body)


def _zh_statement(q: str, body: str) -> str:
    for pattern in _ZH_ABOUT:
        about = pattern.match(body)
        if about and len(about.group("s")) >= 2:
            rest = about.group("s").strip("，, ")
            saying = _ZH_SAYING.match(rest)
            return rest[saying.end():] if saying and len(rest) - saying.end() >= 2 else rest
    m = _ZH_ASKER.match(body) or _ZH_HOW_MANY.match(body)
    if not m:
        return _zh_open(q, body)
    rest = body[m.end():].strip("，, ")
    saying = _ZH_SAYING.match(rest)
    if saying:
        rest = rest[saying.end():].strip("，, ")
    elif rest:
        rest = "我" + rest
    return rest if len(rest) >= 2 else q


_ZH_ASKING = re.compile(r"什么时候|什么时间段?|什么地方|在哪里|哪里|哪儿|怎么样|怎么|如何|怎样|"
                        r"是不是|是否|有没有")


def _zh_open(q: str, body: str) -> str:
    """An open or yes/no question in the words a text would use: "用户平时是怎么随手记录的" →
    "我平时随手记录", "手机和电脑之间的同步靠谱吗" → "手机和电脑之间的同步靠谱"."""
    rest = re.sub(r"^" + _ZH_PEOPLE + r"(?:们)?", "我", body)
    rest = re.sub(r"在?(?:" + _ZH_ASKING.pattern + r")", "", rest)
    rest = re.sub(r"在?、+", "", rest)
    rest = re.sub(r"^我(一般|通常|平时|经常|主要)?是(.+)的$", r"我\1\2", rest)   # "我是…的" → "我…"
    rest = re.sub(r"(?:吗|呢|吧)$", "", rest).strip("，,、 ")
    rest = re.sub(r"(?:在|去)$", "", rest)
    if re.search(r"什么|哪些|哪个|哪方面", rest):   # "用户最常抱怨什么": a ranking, no statement
        return q
    if rest == body or len(re.findall(r"[\u4e00-\u9fff]", rest)) < 3:
        return q
    return rest


def _en_statement(q: str, body: str) -> str:
    for pattern in (_EN_COMMON, _EN_DEMAND, _EN_MATTER, _EN_PROBLEM, _EN_WOULD):
        m = pattern.match(body)
        if m:
            rest = next(g for g in m.groups() if g)
            if pattern is _EN_DEMAND:
                rest = f"I want {rest}"
            elif pattern is _EN_WOULD:
                rest = _third_to_first(f"I would {rest}")
            else:   # a topic: "haggling", "lukewarm food"
                return rest.strip(" ,")
            return _sentence(rest, q)
    m = _EN_TELL.match(body) or _EN_DO_PEOPLE.match(body)
    if m:
        rest = _EN_FILLER.sub("", m.group("s"))
        aux = (m.groupdict().get("aux") or "").lower()
        if aux in ("are", "is", "were"):   # "Are users unhappy with X" → "I am unhappy with X"
            rest = f"{'was' if aux == 'were' else 'am'} {rest}"
        return _sentence(_first_person(rest), q)
    m = _EN_ASKER.match(body)
    if not m:
        return _en_open(q, body)
    rest = body[m.end():]
    rest = re.sub(r"^(?:who|that)\s+", "", rest, flags=re.IGNORECASE)
    rest = _EN_FILLER.sub("", rest)
    topic = _EN_TOPIC_VERB.match(rest)
    if topic and rest[topic.end():].strip():
        tail = rest[topic.end():]
        if re.match(r"that\s+", tail, re.IGNORECASE):   # "mention that X": X is a claim
            return _sentence(_third_to_first(tail[5:].lstrip()), q)
        return tail.strip(" ,")
    saying = _EN_SAYING.match(rest)
    if saying and len(rest[saying.end():].split()) >= 3:
        rest = rest[saying.end():]
        if re.match(r"(?:they|their|them)\b", rest, re.IGNORECASE):
            rest = _third_to_first(rest)   # "say they are too busy" → "I am too busy"
    elif rest:
        rest = _first_person(rest)
    return _sentence(rest, q)


def _en_open(q: str, body: str) -> str:
    """An open or yes/no question in the words a text would use: "When do learners usually
    practise?" → "I usually practise.", "Is the voice recognition letting learners down?" →
    "The voice recognition letting learners down." (the question form itself sits further
    from the texts that answer it than its words do)."""
    m = _EN_WH_DO.match(body) or _EN_WHAT_DO.match(body)
    if m:
        return _sentence(_third_to_first(f"I {m.group('s')}"), q)
    m = _EN_WHOSE.match(body)
    if m:
        return _sentence(f"my {m.group('s')}", q)
    m = _EN_YES_NO.match(body)
    if m and len(m.group("s").split()) >= 3:
        rest = m.group("s")
        if re.match(r"(?:it|there)\s", rest, re.IGNORECASE) and \
                m.group("aux").lower() in ("is", "was"):
            rest = re.sub(r"^(\w+)", rf"\1 {m.group('aux').lower()}", rest)   # "it is hard …"
        return _sentence(rest, q)
    return q


def _first_person(rest: str) -> str:
    """ "finds the letters too small" → "I find the letters too small"."""
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
    return _third_to_first(f"I {verb} {tail}".strip())


def _third_to_first(rest: str) -> str:
    """The users' "they" becomes "I" ("they are" → "I am"); "themselves" of another subject
    ("the lessons repeat themselves") is left alone."""
    starts_with_user = re.match(r"(?:I|they)\b", rest, re.IGNORECASE)
    for pattern, repl in _EN_THIRD:
        if repl == "myself" and not starts_with_user:
            continue
        rest = re.sub(pattern, repl, rest)
    return re.sub(r"\bI (are|were|have|has)\b",
                  lambda m: "I " + {"are": "am", "were": "was", "have": "have",
                                    "has": "have"}[m.group(1)], rest)


def _sentence(rest: str, q: str) -> str:
    rest = rest.strip(" ,")
    if len(rest.split()) < 2:
        return q
    return rest[:1].upper() + rest[1:] + "."
