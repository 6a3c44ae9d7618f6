"""Text cleaning: the normal form every stored text is in.

Cleaning is deliberately conservative: it removes markup and invisible junk that would
otherwise split identical texts into "different" ones, and nothing that carries meaning.
Redaction (:mod:`vectorstore.redact`) runs on the cleaned text, so cleaning never puts a
space where an invisible character was: "bob\u200b@example.com" must stay one address,
not become "bob @example.com", which no pattern reads as one.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

_TAG = re.compile(r"<\s*(script|style)\b[^>]*>.*?<\s*/\s*\1\s*>|<!--.*?-->|</?[a-zA-Z][^<>]{0,500}>",
                  re.IGNORECASE | re.DOTALL)
# Control characters that separate (vertical tab, form feed, file/group/record/unit
# separators, next line) become spaces, like lone surrogates (undecodable bytes under
# surrogateescape) ...
_SEPARATORS = re.compile(r"[\x0b\x0c\x1c-\x1f\x85\ud800-\udfff]")
# ... the other C0/C1 controls, zero-width spaces, the word joiner, the BOM, the Mongolian
# vowel separator and soft hyphens are removed: they sit inside words, not between them.
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u180e\u200b\u2060\ufeff]")
# Zero-width (non-)joiners shape emoji sequences and some scripts; next to ASCII they only
# hide a separator ("b\u200dob@example.com"), so they go there.
_JOINER_BY_ASCII = re.compile(r"(?<=[\x00-\x7f])[\u200c\u200d]+|[\u200c\u200d]+(?=[\x00-\x7f])")
# Bidirectional controls (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069,
# the marks U+200E/U+200F and U+061C): invisible, and able to make a stored text display
# differently from what it holds ("Trojan source"). Removed, not spaced: they never
# separate words.
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Return ``text`` in normal form: NFC, no HTML, no control or bidi characters, single
    spaces.

    Entities are decoded before tags are stripped, so escaped markup ("&lt;b&gt;") goes too.
    """
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _TAG.sub(" ", text)
    text = _BIDI.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _JOINER_BY_ASCII.sub("", text)
    text = _SEPARATORS.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return _SPACE.sub(" ", text).strip()


def text_hash(cleaned: str) -> str:
    """Stable 16-hex-digit hash of a cleaned text: the key for exact duplicates."""
    return hashlib.sha256(cleaned.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def stable_id(*parts: str) -> str:
    """A short deterministic id from string parts (source name, text hash, ...)."""
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:20]
