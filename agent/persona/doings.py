"""What someone does, or is, that says who they are, when they do not say "as a …".

Reviews state a role in passing far more often than in a self-introduction: "I walk dogs for
a living", "Running a small bakery, I …", "I used to be a chef", "At 82 I …", "I'm blind",
"my toddler loves …". These readings are general English (no product or domain is
assumed); each gives the role a product team would name the group by. Measured on the
project's labelled role sentences (``evals/data/roles``, ``benchmarks/roles.py``).
"""

from __future__ import annotations

import re

#: a verb + "for a living" / "professionally" (its object first): "i walk dogs for a living"
_LIVING = re.compile(r"^(?:i|we) (?:also |now |still )?(?P<v>[a-z]+)(?: (?P<o>[a-z]+))?"
                     r" (?:for a living|professionally|freelance|for work)\b")
#: agent nouns that are not verb + "er"
_AGENT = {"edit": "editor", "translate": "translator", "act": "actor", "sail": "sailor",
          "instruct": "instructor", "illustrate": "illustrator", "create": "creator",
          "coach": "coach", "cook": "cook", "guide": "guide", "tutor": "tutor",
          "nurse": "nurse", "counsel": "counsellor", "moderate": "moderator",
          "operate": "operator", "inspect": "inspector", "supervise": "supervisor",
          "direct": "director", "conduct": "conductor", "invent": "inventor",
          "type": "typist", "study": "student", "farm": "farmer", "nanny": "nanny",
          "babysit": "babysitter", "tattoo": "tattoo artist", "paint": "painter",
          "photograph": "photographer", "shoot": "photographer", "stream": "streamer", "model": "model"}
_NOT_VERBS = frozenset("""use love like hate need want get got have try buy pay read watch
listen play work live do make go am was be""".split())


def agent_noun(verb: str) -> str | None:
    """The person who does ``verb`` ("walk" → "walker", "drive" → "driver", "run" →
    "runner", "translate" → "translator"), or None for a verb that says nothing of anyone."""
    if verb in _NOT_VERBS or len(verb) < 3:
        return None
    if verb in _AGENT:
        return _AGENT[verb]
    if verb.endswith("e"):
        return verb + "r"
    if re.search(r"[^aeiou][aeiou][bdgmnpt]$", verb) and len(verb) <= 4:
        return verb + verb[-1] + "er"
    return verb + "er"


def singular(noun: str) -> str:
    """"dogs" → "dog", "babies" → "baby", "expats" → "expat"."""
    if noun.endswith("ies") and len(noun) > 4:
        return noun[:-3] + "y"
    if noun.endswith(("ches", "shes", "sses", "xes")):
        return noun[:-2]
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


#: a participle that opens a sentence about oneself, read as "i …": "Running a small firm, I"
_PARTICIPLE = re.compile(r"^(?P<v>working|teaching|tutoring|coaching|commuting|freelancing|"
                         r"running|owning|travell?ing|flying|driving|homeschooling|caring|"
                         r"looking|training|raising|managing|studying) ")
_BASE = {"working": "work", "teaching": "teach", "tutoring": "tutor", "coaching": "coach",
         "commuting": "commute", "freelancing": "freelance", "running": "run",
         "owning": "own", "travelling": "travel", "traveling": "travel", "flying": "fly",
         "driving": "drive", "homeschooling": "homeschool", "caring": "care",
         "looking": "look", "training": "train", "raising": "raise", "managing": "manage",
         "studying": "study"}


def as_first_person(t: str) -> str:
    """ "running a bakery, i …" → "i run a bakery, i …" (lower-case text); other text as is."""
    m = _PARTICIPLE.match(t)
    return "i " + _BASE[m.group("v")] + " " + t[m.end():] if m else t


#: a business of one's own: run, own, found or open one (→ small business owner)
_BUSINESS = re.compile(
    r"^(?:i|we) (?:also |now |still )?(?:run|own|co-own|founded|co-founded|started|opened|"
    r"set up) (?:a|an|my|my own|our|our own|the family) (?:[a-z0-9&'-]+ ){0,3}(?:business|shop|"
    r"store|boutique|bakery|caf[eé]|restaurant|salon|studio|firm|company|startup|start-up|"
    r"agency|clinic|practice|farm|gym|bar|pub|b&b|guesthouse|workshop|garage|stall|"
    r"food truck|consultancy|brand)\b")
#: a state or condition that a group is named by ("I'm blind", "I've been vegan for years")
_CONDITION = re.compile(
    r"^(?:i'?m|i am|being|i'?ve been|i have been) (?:a |an )?(?:(?:type [12]|lifelong|"
    r"strict|full-time) )?(?P<c>blind|deaf|partially sighted|visually impaired|hard of hearing|"
    r"colou?r-?blind|dyslexic|autistic|disabled|a wheelchair user|wheelchair user|vegan|"
    r"vegetarian|diabetic|pregnant|coeliac|celiac|epileptic)\b")
_CONDITION_ROLE = {"blind": "blind user", "deaf": "deaf user", "partially sighted":
                   "visually impaired user", "visually impaired": "visually impaired user",
                   "hard of hearing": "hard-of-hearing user", "color-blind": "colour-blind user",
                   "colour-blind": "colour-blind user", "colorblind": "colour-blind user",
                   "colourblind": "colour-blind user", "color blind": "colour-blind user",
                   "colour blind": "colour-blind user", "dyslexic": "dyslexic user",
                   "autistic": "autistic user", "disabled": "disabled user",
                   "a wheelchair user": "wheelchair user", "wheelchair user": "wheelchair user",
                   "vegan": "vegan", "vegetarian": "vegetarian", "diabetic": "diabetic",
                   "pregnant": "expectant parent", "coeliac": "coeliac", "celiac": "coeliac",
                   "epileptic": "epileptic user"}
#: the role before "for N years", "by day", "by trade": "Line cook for eight years, …"
_NOUN_FIRST = re.compile(r"^(?P<r>(?:[a-z'-]+ ){0,2}[a-z'-]+) (?:by (?:day|trade|profession|"
                         r"training)|for (?:over |nearly |almost |about )?(?:\d+|two|three|four|"
                         r"five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|a few|"
                         r"many) (?:years|decades))\b")
#: children or grandchildren of one's own: "my toddler loves …", "with our two kids"
_CHILDREN = re.compile(r"\b(?:my|our|with (?:a|an|my|our|two|three|four|five|\d)) "
                       r"(?:(?:two|three|four|twin|young|little|teenage|eldest|"
                       r"youngest|oldest|older|younger|\d-year-old|[a-z]+-year-old) ){0,2}"
                       r"(?P<k>grand)?(?:sons?|daughters?|kids?|children|child|toddlers?|twins|"
                       r"babies|baby|little ones?|boys|girls|teens|teenagers)\b")
#: "a children's doctor", "a kids' menu": children of nobody in particular
_ANY_CHILDREN = re.compile(r"\b(?:a|an|with a|with an) (?:children|kids)'s?")
_DOES = [(re.compile(p), role) for p, role in (
    (r"^i (?:also )?(?:coach|manage) (?:a |an |the |my |our |\w+ )?(?:[a-z-]+ ){0,2}"
     r"(?:team|teams|squad|club|league|football|soccer|basketball|netball|hockey|rugby|"
     r"swimming|athletics)\b", "coach"),
    (r"^i (?:also )?tutor\b", "tutor"),
    (r"^i homeschool\b", "parent"),
    (r"^i (?:care for|look after) (?:my )?(?:elderly |sick |disabled |ageing |aging )?"
     r"(?:mother|father|mum|mom|dad|parents?|husband|wife|partner|grand(?:mother|father|ma|pa)|"
     r"gran|nan|son|daughter)\b", "carer"),
    (r"^i (?:train|'m training|am training) for (?:a |my |the |another )?(?:first |next )?"
     r"(?:[a-z0-9-]+ )?(?:marathon|half marathon|half|ultra|10k|5k|triathlon|race)\b", "runner"),
    (r"^i raise (?:my |our )?(?:\w+ )?(?:kids|children|sons|daughters|grandkids)\b", "parent"),
    (r"\b(?:feeding|feed|raising|raise) a family of\b|\bour family of (?:three|four|five|six|"
     r"seven|[3-9])\b", "parent"),
    (r"^my (?:daily |morning |evening |long |weekly )?commute\b", "commuter"),
    (r"^i (?:rent out|let out|sublet)\b", "landlord"),
    (r"^(?:i'?m |i am |we'?re |we are |being |living )?on (?:a|my|our|the state) pension\b",
     "retiree"),
    (r"^i drive for (?:a|an) (?:[a-z-]+ ){0,2}(?:service|company|app|firm|platform)\b",
     "driver"),
    (r"\bmy (?:night|graveyard|overnight|late) shifts?\b", "night-shift worker"),
    (r"^(?:a )?(?:senior|junior|freshman|sophomore) (?:in|at) (?:high school|college|uni|"
     r"university)\b|^(?:high school|college|uni|university) (?:senior|junior|freshman|"
     r"sophomore)\b", "student"),
    (r"^(?:i'?m |i am )?(?:stationed|deployed|serving) (?:overseas |abroad )?(?:with|in) the "
     r"(?:army|military|marines|air force)\b", "soldier"),
    (r"\b(?:while |i'?m |i am |i'?ve been )?studying abroad\b|\bas an international "
     r"student\b", "international student"),
)]


#: a pastime or trade said as a gerund, and who does it
_GERUND = {"gaming": "gamer", "running": "runner", "cycling": "cyclist", "hiking": "hiker",
           "baking": "baker", "knitting": "knitter", "gardening": "gardener",
           "reading": "reader", "painting": "painter", "swimming": "swimmer",
           "climbing": "climber", "fishing": "angler", "cooking": "cook", "drawing": "artist",
           "writing": "writer", "singing": "singer", "dancing": "dancer", "skating": "skater",
           "surfing": "surfer", "skiing": "skier", "camping": "camper", "teaching": "teacher",
           "nursing": "nurse", "photography": "photographer", "birdwatching": "birdwatcher",
           "woodworking": "woodworker", "quilting": "quilter", "sewing": "sewist"}
_HOBBY = re.compile(r"^(?P<g>[a-z]+) (?:is|has been|has always been) (?:my|our) (?:main |big |"
                    r"favou?rite |only |biggest |one )?(?:hobby|passion|thing)\b|^after "
                    r"(?:\d+|[a-z]+) years (?:of|in) (?P<y>[a-z]+)\b")


def role_done(low: str) -> str | None:
    """The role that what the (lower-case) sentence says someone does states, or None."""
    t = as_first_person(low)
    m = _CONDITION.search(t)
    if m:
        return _CONDITION_ROLE.get(m.group("c"), m.group("c"))
    if _BUSINESS.search(t):
        return "small business owner"
    for pattern, role in _DOES:
        if pattern.search(t):
            return role
    m = _HOBBY.search(t)
    if m and _GERUND.get(m.group("g") or m.group("y")):
        return _GERUND[m.group("g") or m.group("y")]
    m = _LIVING.search(t)
    if m:
        person = agent_noun(m.group("v"))
        if person:
            obj = m.group("o")
            return f"{singular(obj)} {person}" if obj and obj not in ("it", "them") else person
    return None


def implied_role(low: str, lang: str) -> str | None:
    """The role that people in one's life imply: "my toddler loves …", "with our two kids"
    → parent ("grandparent" for grandchildren), "my students" → teacher, "我儿子" → 家长.
    Weaker than a role stated in so many words: it never names a group by itself."""
    if lang == "zh":
        if _GRANDCHILDREN_ZH.search(low):
            return "祖父母"
        return "家长" if _CHILDREN_ZH.search(low) else None
    t = as_first_person(low)
    if re.search(r"^my (?:students|pupils)\b", t):
        return "teacher"
    m = _CHILDREN.search(_ANY_CHILDREN.sub(" ", t))
    if not m:
        return None
    return "grandparent" if m.group("k") else "parent"


def noun_first(low: str) -> str | None:
    """ "line cook for eight years, …" → "line cook" (a role that opens the sentence)."""
    m = _NOUN_FIRST.search(low)
    return m.group("r") if m else None


# -- Chinese ---------------------------------------------------------------------------------
#: "做装修的，", "跑快递的", "学医的": a trade said by what one does, before 的
_TRADE_ZH = re.compile(r"^(?:我是|本人是?)?(?:在[^，,。；;！!？?]{1,6})?(?P<v>做|干|搞|跑|学)"
                       r"(?P<x>[^，,。；;！!？?的]{1,6})的(?=[，,。；;！!？?\s]|时候|$)")
_RUNS_ZH = {"快递": "快递员", "外卖": "外卖员", "销售": "销售员", "业务": "业务员"}
#: a place of one's own: "开了家小餐馆", "我是开宠物美容店的", "开了个小会计事务所"
_OWNS_ZH = re.compile(r"^(?:我是|我|本人|自己)?(?:在[^，,。]{1,6})?开(?:了)?(?:一)?(?:家|个|间)?"
                      r"[^，,。；;！!？?]{0,10}?(?P<p>网店|店铺|店|馆|餐厅|公司|事务所|工作室|厂)")
#: "当了十年导游", "以前在酒店当过厨师": a job held
_HELD_ZH = re.compile(r"^(?:我)?(?:以前|之前|曾经)?(?:在[^，,。]{1,10})?(?:当|干|做)(?:了|过)?"
                      r"(?:[^，,。]{0,5}年)?(?P<r>[^，,。；;！!？?\s]{2,6})")
#: children of one's own: "我儿子", "我家俩娃", "带娃出去玩", "送孩子上学", "带着八个月大的宝宝"
_CHILDREN_ZH = re.compile(r"(?:我|我家|家里|我们家)(?:的)?(?:[两俩二三]个)?"
                          r"(?:儿子|女儿|孩子|娃|宝宝|闺女|小孩)"
                          r"|^(?:每天)?(?:带|送|接)(?:着)?(?:[^，,。]{0,8})?(?:娃|孩子|宝宝|小孩)")
_GRANDCHILDREN_ZH = re.compile(r"(?:带|我|我家)(?:的)?(?:孙子|孙女|外孙|外孙女)")
#: a year or level of study without "我是": "大三狗一只", "研二在读", "读博第四年", "兽医专业在读"
_STUDY_ZH = [(re.compile(p), role) for p, role in (
    (r"^(?:我|本人)?(?:现在|目前)?大[一二三四](?:狗|党|学生|在读)?(?:一[只枚个])?[，,。]", "大学生"),
    (r"^(?:我|本人)?(?:现在|目前)?高[一二三](?:狗|党|学生|在读)?(?:一[只枚个])?[，,。]", "高中生"),
    (r"^(?:我|本人)?(?:现在|目前)?初[一二三](?:狗|党|学生|在读)?(?:一[只枚个])?[，,。]", "初中生"),
    (r"^(?:我|本人)?(?:现在|目前)?研[一二三](?:狗|党|在读)?[，,。]", "研究生"),
    (r"^(?:我|本人)?(?:正在|目前|现在)?读博", "博士生"),
    (r"^(?:我|本人)?(?:[^，,。]{1,6}专业)在读", "学生"),
    (r"^(?:我|本人)?(?:在国外|在海外)(?:读书|读研|留学|上学)|^(?:我们几个|我是)?留学生", "留学生"),
    (r"^(?:我|本人)?吃素", "素食者"),
    (r"^(?:我|本人|我们)?(?:和老伴|老两口)", "老年用户"),
    (r"^(?:我|本人)?[^，,。]{0,4}备考", "考生"),
    (r"^(?:我|本人)?(?:在家)?照顾(?:[^，,。]{0,4})?(?:母亲|父亲|妈妈|爸爸|老人|老伴|婆婆|公公|奶奶|爷爷)",
     "照护者"),
    (r"^(?:我|本人)?[^，,。]{0,4}(?:一直|正在|在)找工作", "求职者"),
    (r"^(?:我|本人)?在(?:国外|海外)(?:生活|定居|工作)", "海外华人"),
    (r"(?:两班倒|三班倒|倒班)", "倒班族"),
)]


def role_done_zh(t: str) -> str | None:
    """The role that what a Chinese sentence says someone does states, or None."""
    for pattern, role in _STUDY_ZH:
        if pattern.search(t):
            return role
    m = _OWNS_ZH.search(t)
    if m:
        return "店主" if m.group("p").endswith(("店", "铺")) else "老板"
    m = _TRADE_ZH.search(t)
    if m:
        v, x = m.group("v"), m.group("x")
        if v == "学":
            return f"学{x}的学生"
        if v == "跑" and x in _RUNS_ZH:
            return _RUNS_ZH[x]
        return x if x.endswith(("翻译", "会计", "设计师", "司机")) else f"{x}从业者"
    m = _HELD_ZH.search(t)
    if m:
        return m.group("r")
    return None
