"""Language tags per text: script rules for CJK, py3langid for the rest.

Script rules come first because they are exact and fast: a text written mostly in Han
characters is Chinese unless it also has kana (Japanese); Hangul means Korean. Everything
else goes to py3langid's classifier. Very short texts with no letters are tagged ``und``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _classifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)


def detect_language(text: str) -> str:
    """Return an ISO 639-1 code for ``text`` (``und`` when there is nothing to judge)."""
    letters = len(_LETTER.findall(text))
    if letters == 0:
        return "und"
    han = len(_HAN.findall(text))
    kana = len(_KANA.findall(text))
    hangul = len(_HANGUL.findall(text))
    if kana and (kana + han) / letters > 0.3:
        return "ja"
    if hangul / letters > 0.3:
        return "ko"
    if han / letters > 0.3:
        return "zh"
    if letters < 3:
        return "und"
    lang, _ = _classifier().classify(text)
    return lang


def language_mix(texts: Iterable[str]) -> Counter:
    """Count detected languages over ``texts``."""
    return Counter(detect_language(t) for t in texts)


def non_english_share(mix: Counter) -> float:
    """Share of texts (ignoring undetermined ones) that are not English."""
    judged = sum(n for lang, n in mix.items() if lang != "und")
    if judged == 0:
        return 0.0
    return 1.0 - mix.get("en", 0) / judged
