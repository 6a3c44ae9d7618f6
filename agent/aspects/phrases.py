"""Key phrases: the thing an aspect is about ("parental controls", "exchange rate markup").

English: noun-phrase-like chunks — the one to three content words that follow a
determiner, a possessive or a preposition ("a dark mode", "of scams", "my pension") or open
a sentence ("the fingerprint login …"), leaving out verbs and adverbs. Chinese: the nouns of
jieba's part-of-speech tagger. An aspect's key phrase is its chunk with the highest
class-based TF-IDF against the other aspects of the group (a phrase all of them use says
nothing about one), among chunks that at least two of its members use.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+|[^\w\s]")
_OPENERS = frozenset("""a an the my our your their his her its this that these those some any
no every each of for about with on in to at from by without into over per than more less
""".split())
_STOP = frozenset("""i me we us you he she it they them is are was were be been being am do
does did doing have has had having will would can could should may might must shall not no
nor and or but so if then than too very just also still even ever only really quite rather
almost always never often sometimes usually again already yet now here there when where why
how what which who whom whose all both each few more most other some such own same
very much many lot lots thing things stuff way ones one please thanks hi hello ok yes
two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty
sixty seventy eighty ninety hundred hundreds thousand thousands million half dozen
first second third fourth fifth tenth""".split())   # a number counts, it names nothing
_VERBISH = re.compile(r"^(?:\w+ing|\w+ed)$")
# A chunk ends before a preposition, conjunction or adverb ("during intervals", "a tablet
# before", "the ad-free tier because") and before a verb, with its -s form and irregular
# past ("what my teenager buys", "the booking made"). Kept by hand: no English part-of-speech
# tagger is installed, and these closed word classes are short lists.
_FUNCTION = frozenset("""during between before after because while since until till through
across around under over above below near beside behind beyond despite without within
toward towards upon onto via like unlike except instead whether though although unless
once twice right least ago later away back off out up down yet again soon else whenever
however therefore instead otherwise""".split())
_BASE_VERBS = """need want wish like love hate use make take give keep find try know think
feel see pay buy order look come go tell ask work start stop let put help add show wait say
open check get become seem spend send set lose forget leave break freeze run sell bring
hold fall cost crash load sync arrive disconnect hurt fail save recognise recognize charge
block reset expire drop refuse reject decline appear disappear happen change miss move drain
die lag glitch hang die shake matter mean cause vanish triple quadruple skyrocket soar
plummet carry""".split()


def _third_person(verb: str) -> str:
    """ "fix" → "fixes", "carry" → "carries", "load" → "loads"."""
    if verb.endswith(("s", "sh", "ch", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in tuple("aeiou"):
        return verb[:-1] + "ies"
    return verb + "s"


_VERBS = frozenset(_BASE_VERBS) | {_third_person(v) for v in _BASE_VERBS} | frozenset("""made took gave kept
found tried knew thought felt saw paid bought came went told asked put said got became
seemed spent sent lost forgot left broke froze ran sold brought held fell did done meant
caused hurt cost""".split())


# Nouns that say nothing about what an aspect is on their own: people (they are the who, not
# the what) and spans of time ("complain about hour", "ask for teenager"); with another word
# they may ("school run", "delivery time").
_EMPTY_ALONE = frozenset("""customer customers user users people person persons someone
everyone anyone kid kids child children son sons daughter daughters teenager teenagers baby
babies husband wife partner friend friends family mum mom dad parent parents grandson
granddaughter grandma grandpa boss colleague colleagues guy guys hour hours minute minutes
day days week weeks month months year years time times today tonight morning evening night
weekend weekends moment thing app apps afternoon afternoons""".split())
_ADVERB_LY = re.compile(r"^[a-z]{3,}ly$")
_NOT_ADVERBS = frozenset("family reply supply assembly anomaly rally belly jelly italy july".split())


def not_a_thing(word: str) -> bool:
    """Whether an English word cannot name an aspect on its own: a verb form, a function
    word, a person, a span of time or an adverb."""
    w = word.lower()
    return (w in _VERBS or w in _STOP or w in _FUNCTION or w in _EMPTY_ALONE
            or bool(_VERBISH.match(w)) or (bool(_ADVERB_LY.match(w)) and w not in _NOT_ADVERBS))


#: Chinese words for the people in a writer's life: a key phrase of one of them alone says
#: who was there, not what was said ("孙子" of "孙子帮我装的")
_ZH_PEOPLE = frozenset("""孙子 孙女 外孙 外孙女 儿子 女儿 孩子 小孩 娃 宝宝 老公 老婆 丈夫 妻子
妈妈 爸爸 父母 爷爷 奶奶 外公 外婆 姥姥 姥爷 家人 朋友 同事 同学 室友 老人 老伴 邻居""".split())


def only_a_person(phrase: str, lang: str) -> bool:
    """Whether a key phrase names only a person ("grandson", "my kids", "孙子")."""
    if lang == "zh":
        return phrase in _ZH_PEOPLE
    words = [w for w in phrase.lower().split() if w not in _OPENERS]
    return len(words) == 1 and words[0] in _EMPTY_ALONE


def _content(word: str) -> bool:
    return (word[:1].isalpha() and word not in _STOP and word not in _OPENERS
            and word not in _VERBS and word not in _FUNCTION and "'" not in word)


#: fixed phrases whose noun names no thing ("three drivers in a row", "on the way home"):
#: no chunk starts inside one (a closed list, like the function words above)
_IDIOMS = frozenset("""in a row|at a time|at the time|in the end|at the moment|on the way|in the
meantime|by the way|at the same time|on time|in time|at all|for a while|in a while|after a
while|on top|at least|at most|in fact|in general|of course|on purpose|by far|so far|in a
hurry|in the middle|at first|at last|in a sense|in a way|on the spot|on the go|in the long
run|in a pinch|at once|in advance|on average|in total|on and off|to be honest|in my
opinion|in my experience|for sure|for good|for now|for ages|at times|all the time|most of the
time|half the time|every time|the whole time|in the first place|at this point|at some
point|no way|in any case|on the other hand|in a minute|in no time|at the end of the
day|on a budget|on the fly|by mistake|in a nutshell|on its own|on my own|on their own|by
myself|by itself|at the last minute|in the past|in the future|these days|nowadays""".replace(
    "\n", " ").split("|"))
_IDIOM_WORDS = 5


def _in_idiom(words: list[str], i: int) -> bool:
    """Whether the opener ``words[i]`` begins or continues one of ``_IDIOMS``."""
    for start in range(max(i - 3, 0), i + 1):
        for n in range(2, _IDIOM_WORDS + 1):
            if start + n > i + 1 and " ".join(words[start:start + n]) in _IDIOMS:
                return True
    return False


def english_chunks(text: str) -> list[str]:
    words = _WORD.findall(text.lower())
    out: list[str] = []
    for i, w in enumerate(words):
        if not (w in _OPENERS or i == 0) or w == "to":   # "to" opens a verb ("to cancel")
            continue
        if w in _OPENERS and _in_idiom(words, i):
            continue
        chunk: list[str] = []
        start = i + 1 if w in _OPENERS else i
        for k in range(start, min(start + 4, len(words))):
            nxt = words[k]
            after = words[k + 1] if k + 1 < len(words) else ""
            # an -ing or -ed word inside a chunk ends it ("the app crashing", "instalments
            # worked"), unless an -ing word has a noun after it: a modifier ("a weekly
            # spending limit")
            if not _content(nxt) or (_VERBISH.match(nxt) and chunk and not (
                    nxt.endswith("ing") and _content(after) and not _VERBISH.match(after)
                    and not _ADVERB_LY.match(after))):
                break
            chunk.append(nxt)
            if len(chunk) == 3:
                break
        while chunk and _ADVERB_LY.match(chunk[-1]) and chunk[-1] not in _NOT_ADVERBS:
            chunk.pop()   # "minutes regularly", "finally"
        if (len(chunk) == 1 and chunk[0] in _EMPTY_ALONE) or \
                (chunk and chunk[-1] in _SAYS_NOTHING):
            continue
        if chunk and not _VERBISH.match(chunk[-1]) and len(chunk[-1]) > 2:
            out.append(" ".join(chunk))
            # "the point of sale reader", "the quality of exported photos": one thing, said
            # with "of" — a candidate next to its parts
            end = start + len(chunk)
            if len(chunk) == 1 and chunk[0] not in _QUANTITIES and end + 1 < len(words) \
                    and words[end] == "of" and _content(words[end + 1]):
                tail = english_chunks(" ".join(words[end + 1:end + 4]))
                if tail and words[end + 1] == tail[0].split()[0]:
                    out.append(f"{chunk[0]} of {tail[0]}")
    return out


#: nouns that end a chunk without naming a thing, whatever comes before them: "the whole
#: reason I use it", "the main reason" ("thing" and "stuff" stop a chunk already)
_SAYS_NOTHING = frozenset({"reason", "reasons"})


#: nouns of quantity or kind before "of", which name no thing ("a couple of days")
_QUANTITIES = frozenset("""couple lot lots bit kind sort type number piece bunch pair set
series range amount part rest top bottom side end middle front back out""".split())


@lru_cache(maxsize=1)
def _posseg():
    import jieba.posseg

    from vectorstore.segment.keywords import _jieba

    _jieba()  # initialised quietly, once
    return jieba.posseg


#: nouns that name no theme of their own in any domain ("时间", "问题")
_ZH_EMPTY = frozenset("""时间 问题 东西 事情 情况 时候 地方 方面 感觉 体验 办法 原因 结果 部分 过程 方式
用户 客户 大家 朋友 孩子 儿子 女儿 老公 老婆 家人 今天 每天 晚上 早上 周末 小时 分钟""".split())


#: what jieba tags as a noun but says how, not what: a degree adverb before it ("太离谱了")
#: or a sentence-final particle after it ("急死人了") makes it a predicate; a two-character
#: word ending in 是 is an adverb or a conjunction ("光是", "总是", "但是")
_ZH_DEGREE = frozenset("太 很 真 好 挺 特别 非常 超 超级 有点 太过 更 最 蛮 十分 相当".split())
_ZH_FINAL = frozenset("了 啊 呀 吧 啦 哦 呢 嘛".split())
_ZH_SHI = re.compile(r"^.是$")


def chinese_chunks(text: str) -> list[str]:
    """Nouns (and noun compounds of adjacent nouns) of a Chinese text; names of people and
    places (``nr``, ``ns``), a verbal noun alone ("自动", "预计") and a word used as a
    predicate ("太离谱了") are no theme."""
    out: list[str] = []
    run: list[tuple[str, str]] = []
    before = ""

    def close(after: str) -> None:
        if run and not (len(run) == 1 and run[0][1] == "vn") and before not in _ZH_DEGREE \
                and after not in _ZH_FINAL:
            out.append("".join(w for w, _ in run))
        run.clear()

    for word, flag in _posseg().lcut(text):
        if (flag[:1] == "n" and flag not in ("nr", "ns", "nrfg", "nrt")) or flag in ("vn", "nz"):
            run.append((word, flag))
            continue
        close(word)
        before = word
    close("")
    return [w for w in out if len(w) >= 2 and w not in _ZH_EMPTY and not _ZH_SHI.match(w)]


def surface(phrase: str, texts: list[str]) -> str:
    """``phrase`` (found in lower case) as its sentences write it: "qr code" → "QR code",
    "iphone" → "iPhone"; a capital only at the start of a sentence is no part of it."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", re.IGNORECASE)
    inside: Counter = Counter()
    for t in texts:
        for m in pattern.finditer(t):
            if not re.search(r"(?:^|[.!?:;]\s*|[\"“(]\s*)$", t[:m.start()]):
                inside[m.group(0)] += 1
    def marked(form: str) -> bool:   # an acronym or a brand's inner capital: QR, iPhone
        return bool(re.search(r"\b[A-Z]{2,}\b|\b[a-z]+[A-Z]", form))
    if inside:
        return max(inside.items(), key=lambda kv: (kv[1], marked(kv[0]), kv[0] == phrase,
                                                   kv[0]))[0]
    # said only at the start of sentences: its acronyms are still written so ("ATM …")
    first = next((m.group(0) for t in texts for m in pattern.finditer(t)), phrase)
    return " ".join(w if re.fullmatch(r"[A-Z]{2,}", w) else w.lower() for w in first.split())


def chunks(text: str, lang: str) -> list[str]:
    return chinese_chunks(text) if lang == "zh" else english_chunks(text)


def _size(phrase: str, lang: str) -> int:
    return min(len(phrase) // 2, 3) if lang == "zh" else len(phrase.split())


def _proper(phrase: str, texts: list[str]) -> bool:
    """Whether an English phrase's words are written capitalised inside sentences and never
    in lower case (a place or a person: "Seoul", "Amber")."""
    if not phrase.isascii():
        return False
    for w in phrase.split():
        low = re.compile(rf"\b{re.escape(w)}\b")
        cap = re.compile(rf"(?<=[a-z,;] ){re.escape(w.capitalize())}\b")
        if any(cap.search(t) for t in texts) and not any(low.search(t) for t in texts):
            return True
    return False


def key_phrases(docs: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, str]]:
    """For each aspect (id → its (sentence, language) pairs), the key phrase per language."""
    out: dict[str, dict[str, str]] = {k: {} for k in docs}
    langs = {lang for pairs in docs.values() for _, lang in pairs}
    for lang in sorted(langs):
        counts = {k: Counter(c for text, lg in pairs if lg == lang
                             for c in set(chunks(text, lang)))
                  for k, pairs in docs.items()}
        total: Counter = Counter()
        for c in counts.values():
            total.update(c)
        classes = max(sum(1 for c in counts.values() if c), 1)
        for k, c in counts.items():
            texts = [t for t, _ in docs[k]]
            # a longer phrase says more ("offline playlist" over "playlist"): a small bonus
            scored = [(n * math.log(1 + classes / total[p]) * (1 + 0.25 * (_size(p, lang) - 1)),
                       len(p.split()), p)
                      for p, n in c.items() if n >= 2 and not _proper(p, texts)]
            if scored:
                out[k][lang] = max(scored)[2]
    return out


#: the key phrase alone names an aspect when at least this share of its member texts say it
COVERED = 0.6
#: ... else up to this many phrases do, each adding at least ``MIN_GAIN`` of them
MOST_PHRASES = 3
MIN_GAIN = 0.1
#: how much more often than the group's other aspects an aspect's members say a phrase
DISTINCT = 3.0


def _says(sentences: list[str], phrase: str, lang: str) -> bool:
    p = phrase.lower()
    if lang == "zh":
        return any(p in s for s in sentences)
    pattern = re.compile(rf"(?<![\w-]){re.escape(p)}(?![\w-])")
    return any(pattern.search(s.lower()) for s in sentences)


@lru_cache(maxsize=65536)
def _chunk_set(text: str, lang: str) -> frozenset[str]:
    """A sentence's chunks, once per sentence however many aspects ask (jieba is slow)."""
    return frozenset(chunks(text, lang))


def _overlaps(a: str, b: str, lang: str) -> bool:
    if lang == "zh":
        return a in b or b in a
    return bool(set(a.lower().split()) & set(b.lower().split()))


def _names_a_thing(phrase: str, lang: str) -> bool:
    """Whether a phrase can stand next to a key phrase in a claim: in English two words or
    more ("child account setup"; one word alone — "tips", "money" — is too vague) with no
    person, verb or judgment in it ("uni student", "a cool feature"); in Chinese a noun of
    jieba's tagger of at least three characters ("机场卡"; two are often a mis-cut: "手会")."""
    if lang == "zh":
        tags = [flag for _, flag in _posseg().lcut(phrase)]
        return len(phrase) >= 3 and phrase not in _ZH_EMPTY and bool(tags) and all(
            t[:1] == "n" and t not in ("nr", "ns", "nrfg", "nrt") for t in tags)
    words = phrase.lower().split()
    if any(not_a_thing(w) and w not in _EMPTY_ALONE for w in words) or \
            words[-1] in _EMPTY_ALONE or _PERSON_HEAD.search(words[-1]) or \
            any(w in _JUDGING for w in words):
        return False
    return len(words) >= 2


#: adjectives that judge rather than name ("a cool feature", "the great idea")
_JUDGING = frozenset("""cool great nice good bad awesome terrible amazing perfect fine lovely
awful horrible excellent brilliant best worst favourite favorite super wonderful fantastic
annoying useless useful helpful handy easy hard simple""".split())


#: English words for people (a suffix alone would take "payment" and "card reader" for one)
_PERSON_HEAD = re.compile(r"(?:student|ist|ian|ee|owner|worker|user|member|buyer|seller|"
                          r"driver|rider|travell?er|teacher|gamer|player|flyer|patient)s?$")


#: texts a covering phrase is judged on (a deterministic sample of larger aspects)
SAMPLE_TEXTS = 2000


def _sample_texts(said: dict[str, list[str]]) -> dict[str, list[str]]:
    if len(said) <= SAMPLE_TEXTS:
        return said
    keep = sorted(said, key=lambda t: hashlib.sha256(t.encode()).hexdigest())[:SAMPLE_TEXTS]
    return {t: said[t] for t in sorted(keep)}


def covering_phrases(key: str, said: dict[str, list[str]], lang: str,
                     elsewhere: dict[str, list[str]] | None = None) -> list[str]:
    """``key`` and, when few of the member texts say it, the phrases that together say what
    most of them do: an aspect of several complaints close in meaning ("the fingerprint login
    fails", "the menus are confusing", "the buttons are too close") is claimed as what it is,
    not as its most distinctive phrase. ``said``: member text id → its member sentences in
    ``lang``; ``elsewhere``: the same for the group's other aspects — a phrase counts only
    when the members say it at least ``DISTINCT`` times as often as the others ("money" in a
    group about money says nothing of one aspect). Greedy: the phrase said by most of the
    texts not yet covered, while it adds ``MIN_GAIN`` of them and at least two texts. (By
    hand: a set cover of a few dozen texts needs no library.)"""
    total = len(said)
    if total == 0:
        return [key]
    # which texts say each chunk, from chunk sets computed once per sentence; a large group
    # is judged on a deterministic sample of its texts
    has = {t: frozenset().union(*(_chunk_set(x, lang) for x in ss))
           for t, ss in _sample_texts(said).items()}
    there = Counter(c for ss in _sample_texts(elsewhere or {}).values()
                    for c in frozenset().union(*(_chunk_set(x, lang) for x in ss)))
    n_there = len(_sample_texts(elsewhere or {}))
    shown = {t: said[t] for t in has}
    covered = {t for t, ss in shown.items() if _says(ss, key, lang)}
    picked = [key]
    candidates = Counter(c for cs in has.values() for c in cs)

    def distinct(phrase: str) -> bool:
        return not n_there or candidates[phrase] / len(has) >= DISTINCT * there[phrase] / n_there
    while len(picked) < MOST_PHRASES and len(covered) < COVERED * len(has):
        best, gain = None, 0
        for phrase, n in sorted(candidates.items(), key=lambda kv: (-kv[1], kv[0])):
            if n <= gain:
                break   # no later phrase can add more texts than it is said in
            if n < 2 or any(_overlaps(phrase, p, lang) for p in picked) or \
                    not _names_a_thing(phrase, lang) or not distinct(phrase):
                continue
            new = sum(1 for t, cs in has.items() if t not in covered and phrase in cs)
            if new > gain:
                best, gain = phrase, new
        if best is None or gain < max(2, MIN_GAIN * len(has)):
            break
        picked.append(best if lang == "zh" else surface(best, [x for ss in shown.values()
                                                                for x in ss]))
        covered |= {t for t, cs in has.items() if best in cs}
    return picked
