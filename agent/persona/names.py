"""Names that say who: the group's stated role and its most distinctive aspect.

The role comes from self-descriptions (``roles.py``: "As a nurse,", "Student here:",
"作为上班族，", counted by their head word over all the group's texts). The model may write
the name; code checks it — two to five words, no digits (no one person's age), no
capitalised word the texts do not contain (no person's name), not a piece cut out of one
text, and the role when there is one. Otherwise the name is built in code from the role and
the top aspect's key phrase.
"""

from __future__ import annotations

import re

from agent.aspects.model import Aspect
from vectorstore.redact import redact

from .llm_io import NameOut, tidy

_BANNED = {"smollam", "smollm", "assistant", "chatgpt", "persona", "group", "segment"}
# a digit, or a Chinese number ("七十出头", "住三个人"): an age or a count is one person's
_DIGIT = re.compile(r"\d|[一二三四五六七八九十百千两]")
_CLASS_YEAR = re.compile(r"[大高初研][一二三四]")   # "大一新生", "高三学生": a year of study


def with_article(role: str) -> str:
    """ "nurse" → "a nurse", "office worker" → "an office worker", "parents" → "parents"."""
    if role.endswith("s") and not role.endswith("ss"):
        return role
    low = role.lower()
    vowel_sound = ((low[:1] in "aeiou" and not low.startswith(("uni", "use", "usu", "eu", "one")))
                   or low.startswith(("hour", "honest", "heir")))
    return ("an " if vowel_sound else "a ") + role


_CJK = re.compile(r"[\u3400-\u9fff]")
#: a Chinese name names people: the role, or a word for people ("者", "族", "家长", "用户" …)
_ZH_PEOPLE = re.compile(r"[者族党员生人户客友迷民师手长妈爸们]")
_ZH_NOT_NAMES = re.compile(r"^(?:那些|这些|他们|她们|我们|大家|有人)")


#: the tail of a compound person noun whose first word takes the plural
_COMPOUND_TAIL = re.compile(r"-(?:to-be|in-law|in-training|at-large)$")


def plural(role: str) -> str:
    """ "office worker" → "Office workers", "mum of two" → "Mums of two"; a Chinese role
    stays as it is."""
    if _CJK.search(role):
        return role
    words = role.split()
    head = words.index("of") - 1 if "of" in words and words.index("of") > 0 else len(words) - 1
    w = words[head]
    compound = re.match(r"^([a-z]+)(" + _COMPOUND_TAIL.pattern[:-1] + ")$", w)
    if compound:   # "expat-to-be" → "Expats-to-be", "mother-in-law" → "Mothers-in-law"
        words[head] = plural(compound.group(1)).lower() + compound.group(2)
        out = " ".join(words)
        return out[:1].upper() + out[1:]
    if w.endswith(("s", "x", "ch", "sh")):
        w = w + "es" if not w.endswith("s") else w
    elif w.endswith("y") and len(w) > 2 and w[-2] not in "aeiou":
        w = w[:-1] + "ies"
    elif w in ("man", "woman"):
        w = w[:-2] + "en"
    else:
        w = w + "s"
    words[head] = w
    out = " ".join(words)
    return out[:1].upper() + out[1:]




def fallback_name(role: str | None, top: Aspect | None, language: str) -> str:
    zh = language == "zh"
    if role and bool(_CJK.search(role)) != zh:
        role = None   # a role stated in the other language would mix scripts in one name
    who = (role if zh else plural(role)) if role else ("用户" if zh else "Customers")
    if top is None:
        return who
    key = top.labels.get(language)   # a key phrase in another language would mix scripts
    # A key phrase is a noun picked out of the members' sentences: "teenager" from "what my
    # teenager buys". Joined with "who want" it can say what nobody said, so the name only
    # says the members mention it — and a stated role is named with a phrase of two or
    # more words only ("dark mode", "exchange rate markup"), else on its own.
    if not key or (role and not zh and len(key.split()) < 2) or not _is_chunk(key, top, language):
        return who
    name = f"关注{key}的{who}" if zh else f"{who} who mention {key}"
    return name[:60]


def _is_chunk(key: str, aspect: Aspect, language: str) -> bool:
    """Whether ``key`` is a noun phrase of the aspect's own sentences (a key phrase may also be
    a distinctive bare term — "finally", "kettle" — which names nothing)."""
    from agent.aspects.phrases import chunks

    return any(key.lower() in chunks(e.text, language) for e in aspect.examples_in(language))


#: an English word for a group of people: a plural person noun ("commuters", "owners",
#: "students", "parents") or a word that only names people
_EN_PERSON = re.compile(r"^(?:[a-z-]+(?:ers|ors|ists|ians|ants|ents|ees|ies|als)|people|folks|"
                        r"staff|families|children|kids|teens|adults|couples|mums|moms|dads|"
                        r"women|men|fans|buffs|pros|newbies|beginners)$")


def check_name(name: str, role: str | None, texts: list[str], language: str,
               grounded: set[str]) -> str | None:
    """Why ``name`` may not stand (None: it may). ``grounded``: lower-cased words of the
    group's texts, role and key phrases."""
    n = name.strip()
    if not n or len(n) > 60:
        return "give a short name (two to five words)."
    if re.search(r"[<>{}\[\]\"“”?？]", n) or redact(n).counts:
        return "give a plain name: no quotes, brackets or contact details."
    if _DIGIT.search(_CLASS_YEAR.sub("", n)):
        return "do not use ages or numbers in the name."
    zh = language == "zh"
    words = re.findall(r"[^\W\d_][\w'-]*", n.lower()) if not zh else []
    role_alone = bool(role) and n.lower() == plural(role).lower()   # "Parents", "Students"
    if not zh and not 2 <= len(words) <= 6 and not (role_alone and len(words) == 1):
        return "use two to five words."
    if zh and not 2 <= len(re.sub(r"\s", "", n)) <= 16:
        return "名字用二到十六个字。"
    if zh and (re.search(r"[A-Za-z]{2,}", n) or sum("\u4e00" <= ch <= "\u9fff" for ch in n)
               < 0.8 * len(re.sub(r"[\s：:·]", "", n))):
        return "名字请用中文。"
    if zh and (_ZH_NOT_NAMES.match(n) or not ((role and role in n) or _ZH_PEOPLE.search(n))):
        return "名字要说明是哪类用户（例如“……的家长”“……的上班族”），不要用人名。"
    people = n.rsplit("的", 1)[-1]
    if zh and role and people != role and people.endswith(role) and texts and \
            not any(people in t for t in texts):
        # "小学生" holds the role 学生 but names other people (the packaged model wrote it
        # for a group of university students that never says 小学生)
        return f"用评论里的说法称呼他们：{role}。"
    if zh and not (role and role in n) and n[-2:] not in ("用户", "客户") and texts and \
            not any(n[-2:] in t for t in texts):
        return "用评论里说到的身份称呼他们，不要编造。"   # "聪明的家长" for landlords
    if not zh and _CJK.search(n):
        return "write the name in English."
    if re.search(r"[.!。！]$", n) or (words and words[0] in ("they", "these", "those")):
        return "give a name, not a sentence."
    stems = [w[:4] for w in words if len(w) >= 4]
    if len(stems) != len(set(stems)):   # "Games Gamers", "Students and students"
        return "say each thing once: no word twice."
    if any(w in _BANNED for w in words) or any(b in n.lower() for b in _BANNED):
        return "describe the customers, not the assistant, the group or a persona."
    if not zh:
        if re.search(r"[,:;/]", n):
            return "give one name, not a list or a title."
        for w in re.findall(r"\b[A-Z][A-Za-z]+\b", n)[1:]:
            if w.lower() not in grounded:
                return f"do not use a person's name or a word the texts do not contain ({w})."
        for w in re.findall(r"\b[A-Z][A-Za-z]+\b", n):
            if _proper_noun(w, texts):
                return f"do not use a person's or a place's name ({w})."
    low = n.lower()
    if (len(words) >= 2 or zh) and any(low in t.lower() for t in texts) and low != (role or ""):
        return "say who they are in your own words; do not cut a phrase out of one comment."
    if not zh and not role and not any(_EN_PERSON.match(w) for w in words):
        return "say who they are: a group of people (for example 'Commuters who …')."
    if role:
        head = role.split()[-1] if not zh else role
        head = _COMPOUND_TAIL.sub("", head)   # "expat-to-be" is named by "expats-to-be"
        if (zh and role not in n) or (not zh and head.rstrip("s") not in low):
            return f"say who they are: include '{plural(role) if not zh else role}'."
    return None


def _proper_noun(word: str, texts: list[str]) -> bool:
    """Whether the texts write ``word`` only capitalised, and at least once inside a sentence
    (a person's or a place's name: "Amber", "Brightwater"), never in lower case."""
    low = word.lower()
    inside = re.compile(rf"(?<![.!?]\s)(?<!^)\b{re.escape(word)}\b")
    seen_inside = False
    for t in texts:
        if re.search(rf"\b{re.escape(low)}\b", t):
            return False
        if inside.search(t.strip()):
            seen_inside = True
    return seen_inside


def write_name(llm, prompts: dict, usage, remaining: int, role: str | None,
               points: list[str], language: str, texts: list[str], grounded: set[str],
               language_name: str, tag: str) -> str | None:
    """The model's name when it passes :func:`check_name` (None otherwise)."""
    from .llm_io import statements_block

    if llm is None or remaining < 1:
        return None
    who = (plural(role) if language != "zh" else role) if role else (
        "not stated" if language != "zh" else "未说明")
    user = prompts["writer.name"].render(role=who, points=statements_block(points[:3]),
                                         language=language_name)
    messages = [{"role": "system", "content": prompts["persona.system"].render()},
                {"role": "user", "content": user}]
    out, _ = llm.ask(messages, NameOut, max_tokens=24, usage=usage, tag=f"{tag}/name",
                     retries=min(1, remaining - 1),
                     check=lambda o: check_name(name_text(o.name), role, texts, language,
                                                grounded))
    return name_text(out.name) if out is not None else None


_ARTICLE = re.compile(r"^(?:the|a|an)\s+(?=\S)", re.IGNORECASE)


def name_text(raw: str) -> str:
    """The model's name, tidied, without a leading article: a name reads "Teachers", not
    "The Teachers" (seen from the packaged model on the planted train corpora)."""
    name = _ARTICLE.sub("", tidy(raw))
    return name[:1].upper() + name[1:]
