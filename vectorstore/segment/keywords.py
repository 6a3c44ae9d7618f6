"""Keywords per segment by class-based TF-IDF, with real tokenisation per language.

Chinese is segmented with jieba; alphabetic languages are split into words, lower-cased,
stripped of English stop words, and get bigrams of adjacent content words ("credit card").
A term's weight in a class is its frequency there times log(1 + A / f), where A is the
average number of terms per class and f the term's frequency over all classes, so words
common everywhere ("app", "please") sink and words particular to a segment rise.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise

_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]")
_PLACEHOLDER = re.compile(r"<[A-Z_]+>")
ZH_STOP = frozenset("""
的 了 是 我 你 他 她 它 们 也 很 都 就 还 在 和 有 不 没 没有 这 那 这个 那个 个 一个 吧 啊 呢 吗
着 被 把 给 说 要 会 能 对 又 与 及 等 但 而 就是 还是 因为 所以 如果 一下 非常 真的 感觉 觉得 东西
什么 怎么 可以 一些 一点 已经 然后 还有 不是 自己 我们 你们 他们 比较 而且 其实 但是 不过 只是 一直
还要 时候 现在 出来 起来 知道 这样 那样 这么 那么 可能 应该 需要 希望 太 最 更 好 再 才 让 用 去 来
到 上 下 里 后 前 中 多 少 大 小 次 请 谢谢 为 从 以 及其 之 于 其 或 或者 并 并且 啦 呀 哦 嗯 哈
""".split())


@lru_cache(maxsize=1)
def _english_stop() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    extra = {"im", "i'm", "ive", "i've", "dont", "don't", "can't", "cant", "it's", "its", "just",
             "really", "also", "get", "got", "would", "could", "one", "like", "doesn't",
             "didn't", "isn't", "wasn't", "won't", "wouldn't", "couldn't", "shouldn't",
             "haven't", "hasn't", "aren't", "weren't", "i'd", "i'll", "you're", "they're",
             "that's", "there's", "what's", "let's", "we're", "we've", "you've"}
    return frozenset(ENGLISH_STOP_WORDS | extra)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """Content terms of ``text``: jieba words for Chinese runs, words and bigrams otherwise."""
    text = _PLACEHOLDER.sub(" ", text)
    out: list[str] = []
    if _HAN.search(text):
        for w in _jieba().lcut(text):
            w = w.strip().lower()
            chinese = len(w) >= 2 and _HAN.search(w) and w not in ZH_STOP
            latin = len(w) >= 3 and _WORD.fullmatch(w) and w not in _english_stop()
            if chinese or latin:
                out.append(w)
        return out
    stop = _english_stop()
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    content = [w if (w not in stop and len(w) >= 3) else None for w in words]
    out.extend(w for w in content if w)
    out.extend(f"{a} {b}" for a, b in pairwise(content) if a and b)
    return out


def class_tfidf(docs_by_class: dict[str, Iterable[str]], top: int = 10,
                min_count: int = 2) -> dict[str, list[str]]:
    """Top ``top`` terms per class; terms seen fewer than ``min_count`` times in a class are
    ignored there (one author's typo is not a keyword)."""
    counts: dict[str, Counter] = {c: Counter(t for d in docs for t in tokens(d))
                                  for c, docs in docs_by_class.items()}
    total = Counter()
    for c in counts.values():
        total.update(c)
    sizes = [sum(c.values()) for c in counts.values()]
    avg = (sum(sizes) / len(sizes)) if sizes else 0.0
    result: dict[str, list[str]] = {}
    for name, c in counts.items():
        n = sum(c.values()) or 1
        scored = [(tf / n * math.log(1 + avg / total[t]), t) for t, tf in c.items()
                  if tf >= min_count or n < 50]
        scored.sort(key=lambda x: (-x[0], x[1]))
        picked: list[str] = []
        for _, term in scored:
            # A bigram makes its words redundant, and the other way round.
            if any(term in p.split(" ") or p in term.split(" ") for p in picked):
                continue
            picked.append(term)
            if len(picked) == top:
                break
        result[name] = picked
    return result


def top_terms(texts: Sequence[str], top: int = 10) -> list[str]:
    """Most frequent content terms of ``texts`` (for a single group with nothing to contrast)."""
    c = Counter(t for d in texts for t in tokens(d))
    return [t for t, _ in sorted(c.items(), key=lambda x: (-x[1], x[0]))[:top]]
