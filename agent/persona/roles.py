"""The role a group's texts state: "As a nurse,", "Night-shift nurse here:", "我是医院的夜班护士".

Every sentence of the group that opens with a self-description gives a role phrase; phrases
are counted by their head — the person word that ends them ("desk worker" and "office
worker" are both workers, "大三学生", "在校学生" and "大学生" all 学生) — so the role many of
a group's users state is found even when each says it in their own words. The group's role
is its head stated by the most texts (at least ``MIN_TEXTS`` and ``MIN_SHARE`` of the group),
said with that head's most common phrase.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .doings import (
    as_first_person,
    implied_role,
    noun_first,
    role_done,
    role_done_zh,
    singular,
)

MIN_TEXTS = 2
MIN_SHARE = 0.06  # a role one in sixteen of the group state; a stray mention names nobody

#: what ends a role phrase: a preposition, a relative pronoun or a participle ("a professional
#: preparing to move"), each a whole word ("a small online shop owner" is not cut at "on")
_STOP_EN = (r"(?:\s(?:who|that|with|and|on|in|at|from|for|by|since|to|about|is|are|was|were|"
            r"of|it|it's|its|this|they|i|i'm|i've|we|"
            r"has|have|start|starts|end|ends|begin|begins|mean|means|keep|keeps|take|takes|"
            r"[a-z]+ing(?<!sibling)(?<!darling))\b|,|:|;|\.|!|$)")
_ROLE_EN = [
    re.compile(r"^(?:speaking |writing )?as (?:a|an|one of the) (?P<r>[a-z][a-z' -]{1,40}?)"
               + _STOP_EN),
    re.compile(r"(?:^|, )being (?:a|an) (?P<r>[a-z][a-z' -]{1,40}?)" + _STOP_EN),
    re.compile(r"^(?:speaking |writing )?as the (?P<r>(?:[a-z-]+ ){0,2}(?:[a-z-]+(?:er|or|ist|ian|"
               r"ant|ent|man|woman|ee)|mum|mom|dad|parent|nurse|chef|cook|coach|student))"
               + _STOP_EN),
    re.compile(r"^(?:i'?m|i am|being) (?:a|an) (?P<r>[a-z][a-z' -]{1,40}?)" + _STOP_EN),
    re.compile(r"^my (?:job|work|shifts?|day job|role) as (?:a|an) (?P<r>[a-z][a-z' -]{1,40}?)"
               + _STOP_EN),
    re.compile(r"^(?P<r>[a-z][a-z' -]{1,30}?) here\b"),
    re.compile(r"^i work as (?:a|an) (?P<r>[a-z][a-z' -]{1,40}?)" + _STOP_EN),
    re.compile(r"^i(?: used to be| (?:also )?volunteer as| freelance as| moonlight as|(?:'ve| have)"
               r" (?:been working|worked) as|(?:'ve| have) been) (?:a|an) "
               r"(?P<r>[a-z][a-z' -]{1,40}?)" + _STOP_EN),
    re.compile(r"^(?:we'?re|we are) (?:both |all )?(?P<r>[a-z][a-z' -]{1,40}?s)" + _STOP_EN),
    re.compile(r"when you'?re (?:a|an) (?P<r>[a-z][a-z' -]{1,40}?)" + _STOP_EN),
    re.compile(r"^(?:i'?m |i am )?(?:the |a )?(?P<r>(?:mum|mom|mother|dad|father|parent) of [a-z]+)"),
    re.compile(r"^(?P<r>(?:(?:first-time|new|single|working) )?(?:mum|mom|dad))\s*[,:;.!-]"),
    # a sentence that is only a person noun: "Commuter.", "Project manager:", "Pensioner,"
    re.compile(r"^(?P<r>(?:[a-z][a-z'-]+ ){0,2}[a-z'-]+(?:er|or|ist|ian|ant|ent|man|woman|ee))"
               r"\s*(?:[,:;.!-]|$)"),
]
#: words with a person noun's ending that name no person ("Better.", "Error.") — a short
#: closed list: no English part-of-speech tagger is installed
_NOT_PERSONS = frozenset("""better whatever however never ever either neither other another
rather together later faster sooner over under after order error paper number power
water weather summer winter answer matter letter filter folder timer browser printer computer
counter cover center centre chapter corner border banner sticker poster tracker charger
monitor sensor motor factor mirror minor major colour color floor door favour favor honour
honor humour humor flavour flavor content current recent present different excellent
important urgent constant instant brilliant decent frequent consistent efficient convenient
pleasant relevant apparent elegant permanent transparent event moment comment payment
statement department management government environment amount account percent
fee free three tree coffee degree agree guarantee committee""".split())
_ROLE_ZH = [re.compile(r"^(?:作为|身为)(?:一(?:个|名|位|枚))?(?P<r>[^，,。；;！!？?\s]{1,14})"),
            re.compile(r"^(?:我是|本人是|本人|(?:我|本人)(?:自己)?(?:就|也|本身)是|我这种)"
                       r"(?:一(?:个|名|位|枚))?(?P<r>[^，,。；;！!？?\s]{1,14})"),
            re.compile(r"^(?P<r>[^，,。\s]{1,8}?(?:党|族))(?:一枚)?(?:[，,：:]|报到|来了|表示)"),
            re.compile(r"^(?P<r>[^，,。\s]{1,10}?)一(?:枚|个|只|名)(?:[，,：:。！!]|$)"),
            re.compile(r"^(?P<r>[^，,。\s]{2,8}?)(?:说两句|说一句|表示)"),
            # a sentence that is only a person word: "幼儿园老师。", "退休老人，" (not "客服是个
            # 新手": a sentence about someone else)
            re.compile(r"^(?P<r>[^，,。\s是]{2,8})(?:[，,。：:！!]|$)")]
_NOT_ROLES = {"someone", "person", "user", "customer", "people", "regular", "fan", "big fan",
              "bit", "little", "lot", "long time", "new", "huge fan", "first time", "loyal"}
#: what follows "as a" / "I'm a" that is no role: "As a result", "I'm a little worried", "I'm
#: a day late", "I'm a big believer in …", "As a first step"
_NOT_ROLE_STARTS = frozenset("""little tad few couple day hour minute week month year second
result matter side whole first""".split())
_NOT_ROLE_HEADS = frozenset("""believer sucker step impression result dish tool reminder
example whole rule bonus note aside precaution test side member subscriber buyer shopper
client patron visitor guest gesture token courtesy""".split())
#: words that open no role phrase: "We moved here", "Out here on the farm"
_NOT_SUBJECTS = frozenset("we i you they it he she my our the this that out over back up down "
                          "just only so".split())
#: "As a backup tool it's fine": the phrase describes the product, not the writer
_ABOUT_SOMETHING = re.compile(r"^\s+(?:it|it's|its|this|they|there)\b")
_PERSON_END = re.compile(r"(?:er|or|ist|ian|ant|ent|man|woman|ee|eer|ster|ic|ess)$")
_PERSON_WORDS = frozenset("""cook chef nurse vet pilot nanny medic coach tutor guide mum mom
dad parent student expat nomad senior pensioner retiree veteran widow widower
grandparent carer caregiver clerk""".split())
# Family roles are one role however they are put ("mum of two", "dad of three", "a parent").
_FAMILY_EN = re.compile(r"^(?:(?:new|first-time|single|working|busy|stay-at-home) )?"
                        r"(?:mum|mom|mother|mummy|dad|father|daddy|parent)s?\b")
_FAMILY_ZH = re.compile(r"(?:宝妈|宝爸|妈妈|爸爸|家长|母亲|父亲|孩子的(?:妈|爸)|二胎妈|当妈的|当爸的)$")
#: the last character of a Chinese word for people (学生, 护士, 卖家, 博主, 白领, 患者 …)
_ZH_PERSON_END = re.compile(r"[者族党员生人户客友迷民师手长妈爸们士领家主工娃宝匠官任头姐哥妹爷奶农妇"
                            r"东侠控粉仔弟叔姨婆嫂翁男女]$")
_ZH_GENERIC_PERSONS = ("人员", "人士", "工作者", "人", "用户")
#: person words that say only that someone uses or buys: "我是一个月前买的会员"
_ZH_NOT_ROLES = frozenset("会员 用户 客户 顾客 买家 新用户 老用户 老客户".split())
#: roles the Chinese readings of what someone does give as they are
_ZH_DONE_ROLES = frozenset("大学生 高中生 初中生 研究生 博士生 学生 留学生 素食者 老年用户 店主 老板 "
                           "家长 祖父母 快递员 外卖员 销售员 业务员 考生 照护者 求职者 海外华人 "
                           "倒班族".split())
_MARKERS_ZH = re.compile(r"^(?:一个|一名|一位|一枚|个|名|位)")


#: a stated age of sixty or more ("I am 74", "我今年七十多岁了") is a role of its own: older
#: customers, named for the many who say it, never with one person's age
OLDER = {"en": "older customer", "zh": "老年用户"}
_AGE_EN = re.compile(r"^(?:(?:i'?m|i am) (?:nearly |almost |over |now )?|(?:at|aged) |"
                     r"(?:speaking )?as (?:someone|a person|one) (?:who'?s|who is|aged) )"
                     r"(?P<n>\d{2})(?: years old| now|,|\.|!| and|$| i\b| we\b|-year-old|"
                     r" and still\b)")
#: "I'm in my 70s"
_DECADE_EN = re.compile(r"^(?:i'?m|i am|we'?re|we are) (?:now |well )?in (?:my|our) "
                        r"(?:early |mid |mid-|late )?(?P<n>[6-9]0)'?s\b")
#: an age said in words: "I'm seventy-one", "someone in their late sixties"
_AGE_WORDS_EN = re.compile(r"^(?:(?:speaking |writing )?as someone |(?:i'?m|i am) )(?:nearly |"
                           r"almost |over |now |well )?(?:in (?:my|their|his|her) (?:early |"
                           r"mid-|mid |late )?)?(?P<w>sixt|sevent|eight|ninet)(?:y|ies)\b")
_AGE_ZH = re.compile(r"^(?:我|本人)(?:今年|已经|都)*(?P<n>\d{2}|[一二三四五六七八九]十"
                     r"[一二三四五六七八九多几]?)(?:多|出头)?(?:岁|了|(?=[，,。！!]|$))")
#: an age said without a number: "我年纪大了", "本人上了年纪"
_OLD_ZH = re.compile(r"^(?:我|本人)(?:已经|也)?(?:年纪大了|上了年纪|年纪不小了|年过(?:六|七|八)十)")
#: an activity that says who someone is ("I commute into the city", "I teach Year 9", "我在仓库
#: 上夜班"): the verb's agent noun, for a closed list of verbs of work and daily life — a verb
#: such as "use" or "love" says nothing about the person
_ACTIVITY_EN = re.compile(
    r"^(?:i|we) (?:[a-z]+ly |also |still |now |just |mostly |mainly )?"
    r"(?P<v>work (?:the |a )?(?:night|graveyard|overnight) shifts?|work (?:nights|overnight)|"
    r"work (?:from|at) home|(?:travel|fly) (?:for work|on business)|commute|teach|"
    r"freelance(?! as\b)|"
    r"work (?:in|at) (?:a|an|the|our) (?:[a-z-]+ ){0,2}office|work (?:long )?office hours|"
    r"work (?:a )?nine[ -]to[ -]five|"
    r"drive for (?:a living|work)|run (?:a|an|my|my own|our) (?:[a-z-]+ ){0,3}"
    r"(?:business|shop|store|boutique)|sell)\b")
_ACTIVITY_ROLE_EN = (("shift", "night-shift worker"), ("nights", "night-shift worker"),
                     ("overnight", "night-shift worker"), ("office", "office worker"),
                     ("nine", "office worker"),
                     ("home", "home worker"), ("travel", "business traveller"),
                     ("fly", "business traveller"), ("commute", "commuter"),
                     ("teach", "teacher"), ("freelance", "freelancer"), ("drive", "driver"),
                     ("run", "small business owner"), ("sell", "seller"))
_ACTIVITY_ZH = re.compile(r"^(?:我|本人)[^，,。；;！!？?]{0,10}?(?P<v>上夜班|值夜班|通勤|出差|居家办公|"
                          r"在家办公|远程办公|开网店|做电商|开了?一?家[^，,。；;！!？?]{0,10}?(?:网店|小店|店铺)|"
                          r"教书|备考|准备考|准备[^，,。；;！!？?]{1,8}考试)")
_ACTIVITY_ROLE_ZH = {"上夜班": "夜班族", "值夜班": "夜班族", "通勤": "通勤族", "出差": "出差族",
                     "居家办公": "居家办公族", "在家办公": "居家办公族", "远程办公": "居家办公族",
                     "开网店": "网店店主", "做电商": "网店店主", "教书": "老师", "备考": "考生",
                     "准备考": "考生"}
#: Chinese words for an occupation whose last character is no person word
_ZH_OCCUPATIONS = ("保安", "司机", "会计", "保姆", "代购", "码农", "护工", "导游", "空乘", "翻译",
                   "教练", "主播", "监理", "律师", "经理", "助理", "人事", "财务", "出纳",
                   "运营", "销售", "前台", "编辑", "书虫", "程序猿")
_RETIRED_EN = re.compile(r"^(?:(?:i'?m|i am|being|i|i have|i've|we|we're|we are|we've|we have) "
                         r"(?:now |recently |newly |happily |just |finally |already |both )?|"
                         r"(?:happily |recently |newly )?(?=retired (?:since|for|after|last|in|"
                         r"now|and)\b|retired,))retired\b")
_RETIRED_ZH = re.compile(r"^(?:我|本人|我们老两口|我们)?(?:已经|刚)?(?:从单位)?退(?:了)?休")
_ZH_DIGITS = {c: k for k, c in enumerate("零一二三四五六七八九")}


def _age(text: str, lang: str) -> int | None:
    m = (_AGE_ZH if lang == "zh" else _AGE_EN).search(text) or (
        None if lang == "zh" else _DECADE_EN.search(text))
    if not m:
        return None
    n = m.group("n")
    if n.isdigit():
        return int(n)
    tens = _ZH_DIGITS.get(n[0], 0) * 10
    return tens + (_ZH_DIGITS.get(n[2], 0) if len(n) > 2 else 0)


@dataclass(frozen=True)
class Role:
    """A role the group states: the phrase to show, its head, and the texts stating it
    (indices into the group's texts) with the self-description of the first."""

    phrase: str
    head: str
    texts: tuple[int, ...]
    share: float
    language: str
    example: tuple[int, str]     # (text index, the sentence that states it)
    also_as: tuple[int, str] | None = None   # … and one that states it in the other language
    implied: int = 0             # texts counted that only imply it ("my kids …": a parent)


#: how to say a role that some of its texts only imply (by the people in their lives)
_IMPLIED_SAID = {"parent": "say they are parents or speak of their children",
                 "grandparent": "say they are grandparents or speak of their grandchildren",
                 "teacher": "say they are teachers or speak of their students",
                 "家长": "自称家长或提到自己的孩子", "祖父母": "提到自己的孙辈"}


def says_who(phrase: str, language: str, implied: bool = False) -> str:
    """The words after a share that say the role: "describe themselves as a nurse", "say
    they are sixty or older" (without the share: "about a third" + these); with
    ``implied`` (some texts counted only imply it), "say they are parents or speak of their
    children"."""
    from .names import with_article

    if implied and phrase in _IMPLIED_SAID:
        return _IMPLIED_SAID[phrase]
    if phrase in OLDER.values():
        return "说自己六十岁以上" if language == "zh" else "say they are sixty or older"
    return f"自称{phrase}" if language == "zh" else f"describe themselves as {with_article(phrase)}"


def role_phrase(text: str, lang: str) -> str | None:
    """The role a self-description states ("As a nurse," → "nurse"), or None."""
    return reading(text, lang)[0]


def reading(text: str, lang: str) -> tuple[str | None, bool]:
    """The role ``text`` states and whether it is only implied ("my kids love it": a
    parent), which counts for a role that others of the group state outright but names
    no group by itself."""
    said = _stated(text, lang)
    if said:
        return said, False
    t = " ".join(text.strip().split())
    implied = implied_role(t if lang == "zh" else t.lower(), lang)
    return implied, implied is not None


def _stated(text: str, lang: str) -> str | None:
    t = " ".join(text.strip().split())
    low = (_as_first_person_zh(t) if lang == "zh"
           else as_first_person(_as_first_person(t.lower())))
    age = _age(low, lang)
    if age is not None:
        return OLDER["zh" if lang == "zh" else "en"] if age >= 60 else None
    if (_OLD_ZH if lang == "zh" else _AGE_WORDS_EN).search(low):
        return OLDER["zh" if lang == "zh" else "en"]
    if (_RETIRED_ZH if lang == "zh" else _RETIRED_EN).search(low):
        return "退休人员" if lang == "zh" else "retiree"
    activity = (_ACTIVITY_ZH if lang == "zh" else _ACTIVITY_EN).search(low)
    if activity:
        verb = activity.group("v")
        if lang == "zh":
            if verb.startswith("开"):   # "开了一家卖手工饰品的小店": a shop of their own
                return "网店店主" if "网店" in verb else "店主"
            return _ACTIVITY_ROLE_ZH.get(verb, "考生")   # "准备雅思考试": an exam candidate
        return next(role for word, role in _ACTIVITY_ROLE_EN if word in verb)
    if lang != "zh" and _EXAM_EN.search(low):
        return "exam candidate"
    for pattern, said in (_DOES_ZH if lang == "zh" else _DOES_EN):
        if pattern.search(low):
            return said
    done = role_done(low) if lang != "zh" else None
    if done:
        return done
    year = _CLASS_YEAR_ZH.search(t) if lang == "zh" else None
    if year:   # "本人大三，": a year of study says which students
        return _CLASS_YEAR_ROLE[year.group("y")]
    if lang == "zh":
        for pattern in _ROLE_ZH:
            m = pattern.search(t)
            if m:
                said = None if pattern is _ROLE_ZH[-1] and _a_clause(m.group("r")) else \
                    _chinese_role(m.group("r"))
                if said:
                    return said
                break
        # what someone does, when no self-description names a person ("我是跑快递的")
        return _done_zh(low)
    t = re.sub(r"\bstay at home\b", "stay-at-home", t.lower())
    said = _stated_en(t)
    if said:
        return "parent" if _FAMILY_EN.match(said) else said
    said = noun_first(t)
    return said if said and _person_noun(said) else None


def _stated_en(t: str) -> str | None:
    """The role an English self-description states in so many words ("As a nurse", "I'm a
    nurse", "Nurse here"), or None (also for "As a result", "I'm a little worried")."""
    for pattern in _ROLE_EN:
        m = pattern.search(t)
        if not m:
            continue
        role = m.group("r").strip(" ,.:;'-")
        if _FAMILY_EN.match(role):
            return role   # "mum of three here": the count is no reason to doubt it
        words = role.split()
        if (not role or role in _NOT_ROLES or words[-1] in _NOT_PERSONS
                or words[0] in _NOT_ROLE_STARTS | _NOT_SUBJECTS or words[-1] in _NOT_ROLE_HEADS
                or role.startswith(("someone", "one ", "bit "))
                or _ABOUT_SOMETHING.match(t[m.end("r"):])):
            return None
        if role.startswith("retired "):
            return "retiree"
        return _singular_role(role) if m.re.pattern.startswith("^(?:we") else role
    return None


def _singular_role(role: str) -> str:
    """ "we're expats" → "expat", "we are nurses" → "nurse"."""
    words = role.split()
    return " ".join([*words[:-1], singular(words[-1])])


def _person_noun(role: str) -> bool:
    """Whether a phrase that opens a sentence ends in a word for a person ("line cook", not
    "the app" before "for two years")."""
    words = role.split()
    return (words[0] not in _NOT_ROLE_STARTS | {"the", "this", "that", "my", "it", "i", "we"}
            and words[-1] not in _NOT_PERSONS
            and (_PERSON_END.search(words[-1]) is not None or words[-1] in _PERSON_WORDS))


#: "I'm" said of "someone who": "As someone who travels for work" reads as "I travel for work"
_SOMEONE_WHO = re.compile(r"^(?:speaking |writing )?as (?:someone|a person|one) who (?P<v>[a-z]+)")


def _as_first_person(t: str) -> str:
    """A self-description by "someone who …" in the first person ("as someone who flies for
    work" → "i fly for work"), so an activity reads the same either way; other text as is."""
    m = _SOMEONE_WHO.match(t)
    if not m:
        return t
    v = m.group("v")
    if v.endswith("ies") and len(v) > 4:
        v = v[:-3] + "y"
    elif v.endswith(("ches", "shes", "sses", "xes")):
        v = v[:-2]
    elif v.endswith("s") and not v.endswith("ss"):
        v = v[:-1]
    return "i " + v + t[m.end():]


#: "经常出差的我，": the clause before 的我 says what the writer does
_DE_WO = re.compile(r"^(?P<v>[^，,。；;！!？?\s的]{2,12})的我(?=[，,。；;！!？?\s]|$)")


def _as_first_person_zh(t: str) -> str:
    """ "经常出差的我，" → "我经常出差，" (so an activity reads the same either way)."""
    m = _DE_WO.match(t)
    return "我" + m.group("v") + t[m.end():] if m else t


#: preparing for an exam says who someone is this season: "I'm studying for my language exam"
_EXAM_EN = re.compile(r"^(?:i'?m|i am|i) (?:currently |now |still )?(?:studying|preparing|revising|"
                      r"cramming|retaking|resitting)(?: for)? (?:a|an|my|the|two|three) "
                      r"(?:[a-z-]+ ){0,3}(?:exams?|tests?)(?:\s+(?:in|this|next|soon|on|at)\b|"
                      r"[,.!;:]|$)")


#: more of what someone does that says who they are: children of their own, a collection, a
#: team to manage, an instrument, goods bought to sell again, the drive or ride to work
_DOES_EN = [(re.compile(p), role) for p, role in (
    (r"^(?:i have|i've got|we have|we've got) (?:a|an|one|two|three|four|\d) (?:young |little |"
     r"small )?(?:kids?|children|child|toddlers?|sons?|daughters?|babies|baby)\b", "parent"),
    (r"^we (?:just |recently )?had (?:our first |a )?(?:baby|babies|twins|son|daughter)\b",
     "parent"),
    (r"^i(?:'ve been|'m| have been| am| also)? collect(?:s|ing)?\b", "collector"),
    (r"^i (?:also )?manage (?:a |an |the |our |two |three |\w+ )?(?:[a-z-]+ ){0,2}(?:team|teams|"
     r"projects?|people|staff|department|launches)\b", "manager"),
    (r"^i (?:also )?play (?:the |rhythm |lead |bass |keys in |in )?(?:guitar|piano|drums|bass|"
     r"violin|cello|keyboard|saxophone|a (?:[a-z]+ )?band)\b", "musician"),
    (r"^i(?:'ve| have)? (?:also )?(?:sung|sing|played|play) in (?:a|the) (?:[a-z]+ )?"
     r"(?:choir|band|orchestra)\b", "musician"),
    (r"^i (?:also )?(?:flip|resell|buy and resell|buy and sell)\b", "reseller"),
    (r"^i (?:spend|drive|cycle|ride) (?:[a-z-]+ ){0,4}(?:commuting|to work|to the office)\b",
     "commuter"),
)]
_DOES_ZH = [(re.compile(p), role) for p, role in (
    (r"^(?:我|本人)(?:现在|目前)?(?:读|在读)大(?![学一二三四]*生)", "大学生"),
    (r"^(?:我|本人)(?:现在|目前)?(?:读|在读)研(?!究生)", "研究生"),
    (r"^(?:我|本人)[^，,。；;！!？?]{0,6}(?:朝九晚五|朝九晚六|坐班|坐办公室|在写字楼上班)", "上班族"),
    (r"^(?:我|本人)[^，,。；;！!？?]{0,6}(?:坐|挤|搭)(?:地铁|公交|公车)上下?班", "通勤族"),
    (r"^(?:我|本人)(?:刚|已经)?从(?:单位|岗位|工作岗位)(?:上)?退下来", "退休人员"),
    (r"^(?:我|本人)[^，,。；;！!？?]{0,6}(?:弹钢琴|弹吉他|弹贝斯|打鼓|玩乐队|自学吉他|在乐队)", "乐手"),
    (r"^玩乐队的", "乐手"),
)]


#: a year of study ("本人大三", "我高二"): the school it is a year of
_CLASS_YEAR_ZH = re.compile(r"^(?:我|本人)(?:是|今年|现在|目前)?(?P<y>[大高初研])[一二三四](?:了|在读)?"
                            r"(?:[，,。；;！!]|$)")
_CLASS_YEAR_ROLE = {"大": "大学生", "高": "高中生", "初": "初中生", "研": "研究生"}


def _a_clause(raw: str) -> bool:
    """Whether a short Chinese sentence is a clause with a verb ("在家就能看医生"), not a bare
    person word ("幼儿园老师", "退休老人")."""
    # "刚拿驾照的大学生": a modifier before 的; "做会计的": the clause is all there is
    words = _posseg().lcut(raw.rstrip("的").rsplit("的", 1)[-1])
    return any(f.startswith("v") and w not in ("退休", "在读", "应届") for w, f in words[:-1])


def _done_zh(t: str) -> str | None:
    """``role_done_zh``'s role; a job held ("当过厨师") read as any Chinese role phrase."""
    done = role_done_zh(t)
    if done is None or done in _ZH_DONE_ROLES or done.endswith("从业者") or \
            done.startswith("学"):
        return done
    return _chinese_role(done)


def _chinese_role(raw: str) -> str | None:
    """The person word a Chinese self-description ends with: "医院的夜班护士" → "夜班护士",
    "在读研究生" → "研究生", "学生党" → "学生"; None when it names no person ("甲减")."""
    raw = re.sub(r"一[枚个只名]$", "", _MARKERS_ZH.sub("", raw)).rstrip("的")
    if _FAMILY_ZH.search(raw):
        return "家长"
    raw = re.sub(r"(?<=[生人员])[党族]$", "", raw)
    words = [(w, f) for w, f in _posseg().lcut(raw)]
    # the noun run that ends the phrase ("夜班护士"), after the last 的 when what follows
    # it is a word of its own ("上夜班的人" keeps its clause: "人" alone says nothing)
    tail: list[str] = []
    for w, f in reversed(words):
        if w == "的" or not (f[:1] == "n" or f in ("vn", "nz", "nr", "ng")):
            break
        tail.insert(0, w)
    phrase = "".join(tail)
    if phrase in _ZH_GENERIC_PERSONS and len(raw) > len(phrase):
        phrase = raw   # "退休人员": the generic word alone ("人员") names nobody
    if phrase in _ZH_NOT_ROLES:
        return None
    if len(phrase) < 2:
        if "的" not in raw and not (raw.endswith(_ZH_OCCUPATIONS) or (
                len(words[-1][0]) >= 2 and _ZH_PERSON_END.search(words[-1][0]))):
            return None   # no person word ends it: "广告比节目还长" says no one
        cut = raw.rfind("的")
        phrase = raw if cut < 0 or len(raw) - cut - 1 < 2 else raw[cut + 1:]
    if not (_ZH_PERSON_END.search(phrase) or phrase.endswith(_ZH_OCCUPATIONS)) or len(phrase) > 8:
        return None
    # a retired accountant, teacher or worker is retired first: one role, however they put it
    return "退休人员" if raw.startswith(("退休", "已退休")) else phrase


def head_of(role: str, lang: str) -> str:
    """What two role phrases share when they name one role: the Chinese phrase's last two
    characters (the whole of a "…族" word: 夜班族 and 上班族 are two roles), the English
    phrase's last word in the singular."""
    if lang == "zh":
        return role if role.endswith("族") else role[-2:]
    if role == "parent":
        return role
    last = role.split()[-1] if " of " not in role else role.split(" of ")[0].split()[-1]
    return re.sub(r"(?<=[^s])s$", "", last)


#: English words before a role that say what kind of person, not which role
_NOT_KINDS = frozenset("""small big busy young old older new proud happy frustrated long-time
longtime regular loyal full-time part-time first-time single working retired former""".split())
#: the heads that say a kind of person and nothing more ("night-shift worker", "夜班族")
_GENERIC_HEADS = {"en": (" worker", " people"), "zh": ("人员", "族", "的人")}


def kind_of(role: str, lang: str) -> str | None:
    """The kind a role phrase shares with others of different heads: "night-shift nurse" and
    "night-shift worker" are both night-shift, "夜班护士" and "夜班族" both 夜班; None when the
    phrase has no such word."""
    if role in OLDER.values():
        return None
    if lang == "zh":
        if "的" in role:
            return None
        if role.endswith("族"):
            return role[:-1] if len(role) >= 3 else None
        # the word before the person word, by jieba's segmentation: "业余吉他手" and "业余钢琴
        # 爱好者" are both 业余 (the last two characters, "业余吉", would cut a word)
        words = _posseg().lcut(role)
        first = words[0].word if len(words) >= 2 else ""
        return first if len(first) >= 2 else None
    words = role.split()
    if len(words) < 2 or " of " in role:
        return None
    first = words[0]
    return None if first in _NOT_KINDS else first


def stated_roles(texts: list[str], langs: list[str], language: str, most: int = 2,
                 embed: Callable[[list[str]], np.ndarray] | None = None,
                 elsewhere: Callable[[tuple[str, str]], float | None] | None = None
                 ) -> list[Role]:
    """The roles the group's texts state, said in ``language`` (a role in another script
    would mix scripts in a name), most stated first: those stated by at least ``MIN_TEXTS``
    texts and ``MIN_SHARE`` of the group, at most ``most``. Phrases are counted by their
    head, and also by a kind they share across heads: a group of night-shift nurses, guards
    and technicians is "night-shift workers" when more of its texts say night-shift than any
    one head. With ``embed``, a role stated in the other language counts for the role it
    translates (``_translations``): "作为家长" is a parent too. With ``elsewhere`` (a role
    key → its share among the rest of the corpus, ``role_rates``), a role the group states
    no more than ``DISTINCT`` times as often as the others names nobody."""
    from vectorstore.units import split_units

    from .role_rates import DISTINCT

    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    phrases: dict[tuple[str, str], Counter] = defaultdict(Counter)
    first: dict[tuple[str, str], tuple[int, str]] = {}
    foreign: list[tuple[int, str, str]] = []   # (text, role, the sentence stating it)
    outright: dict[tuple[str, str], set[int]] = defaultdict(set)   # texts stating it outright
    foreign_outright: set[int] = set()          # texts stating a role outright, other language
    for k, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        other = (lang == "zh") != (language == "zh")
        if other and embed is None:
            continue
        for unit in split_units(str(k), text, lang):
            role, implied = reading(unit.text, lang)
            if not role:
                continue
            if other:
                foreign.append((k, role, unit.text))
                if not implied:
                    foreign_outright.add(k)
                continue
            kind = kind_of(role, lang)
            for key in (("head", head_of(role, lang)), *((("kind", kind),) if kind else ())):
                if not by_key[key] or by_key[key][-1] != k:
                    by_key[key].append(k)
                phrases[key][role] += 1
                if not implied:   # the example shown is a role stated outright
                    outright[key].add(k)
                    first.setdefault(key, (k, unit.text))
    # which roles the group states, and in what words, is read in the persona's language;
    # how many texts state each is counted in both
    also: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    if foreign and any(k[0] == "head" for k in by_key):
        also = _translations(foreign, {key: _phrase(key, c, language)
                                       for key, c in phrases.items()}, embed)
    out: list[Role] = []
    taken: set[int] = set()
    # a head before a kind stated by as many texts; a role whose texts an earlier one
    # mostly counted already is the same people said again
    for key, ids in sorted(by_key.items(), key=lambda kv: (-len(kv[1]), kv[0][0], kv[0][1])):
        share = len(ids) / max(len(texts), 1)
        if len(ids) < MIN_TEXTS or share < MIN_SHARE or len(out) == most or \
                not outright.get(key):
            continue
        if len(taken & set(ids)) > len(ids) / 2:
            continue
        rest = elsewhere(key) if elsewhere else None
        if rest is not None and share < DISTINCT * rest:
            continue
        phrase = _phrase(key, phrases[key], language)
        counted = sorted(set(ids) | set(also[key]))
        said_too = next(iter(sorted(also[key].items())), None)
        implied = len(set(ids) - outright[key]) + len(set(also[key]) - set(ids)
                                                       - foreign_outright)
        out.append(Role(phrase, key[1], tuple(counted),
                        round(len(counted) / max(len(texts), 1), 4), language, first[key],
                        said_too, implied))
        taken |= set(ids)
    return out


#: a role phrase in one language and one in the other are the same role at this cosine
#: (multilingual encoder), the nearest of the group's roles: parent ~ 家长 0.71, 宝爸 0.63,
#: 妈妈 0.62; student ~ 学生 0.89; gamer ~ 游戏玩家 0.71; retiree ~ 退休人员 0.71; nurse ~ 护士
#: 0.75 — while student ~ 家长 is 0.54 and parent ~ 学生 0.51 (pairs the project wrote)
SAME_ROLE = 0.6


def _translations(foreign: list[tuple[int, str, str]], shown: dict[tuple[str, str], str],
                  embed: Callable[[list[str]], np.ndarray]
                  ) -> dict[tuple[str, str], dict[int, str]]:
    """For each role (by head), the texts that state it in the other language: a foreign
    role phrase counts for the role whose phrase is nearest to it, when at least
    ``SAME_ROLE`` similar."""
    keys = sorted(k for k in shown if k[0] == "head")
    said = sorted({r for _, r, _ in foreign})
    vectors = np.asarray(embed([shown[k] for k in keys] + said), dtype=np.float32)
    sims = vectors[len(keys):] @ vectors[:len(keys)].T        # (foreign phrase, key)
    out: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for k, role, sentence in foreign:
        i = said.index(role)
        j = int(np.argmax(sims[i]))
        if sims[i, j] >= SAME_ROLE:
            out[keys[j]].setdefault(k, sentence)
    return out


def _phrase(key: tuple[str, str], phrases: Counter, language: str) -> str:
    """The words to show for a role: its most common phrase; for a kind, the phrase with a
    generic head when its texts use one ("night-shift worker" over "night-shift nurse")."""
    ranked = [p for p, _ in sorted(phrases.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))]
    if key[0] == "kind":
        generic = {key[1] + g for g in _GENERIC_HEADS["zh" if language == "zh" else "en"]}
        return next((p for p in ranked if p in generic), ranked[0])
    return ranked[0]


def group_role(texts: list[str], langs: list[str], language: str) -> Role | None:
    """The role the group's texts state most, or None when too few state one."""
    roles = stated_roles(texts, langs, language, most=1)
    return roles[0] if roles else None


def _posseg():
    from agent.aspects.phrases import _posseg as shared  # jieba's tagger, loaded once there

    return shared()
