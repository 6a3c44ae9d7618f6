"""PII redaction: typed placeholders instead of personal data, before anything is stored.

Patterns run in a fixed order (secrets in URLs, e-mails, Chinese resident IDs, card numbers,
phone numbers, IP addresses) so that a longer, more specific match wins over a shorter one
inside it. Card numbers must pass the Luhn check, which keeps order numbers and prices out.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass, field

PLACEHOLDERS = {
    "secret": "<SECRET>",
    "email": "<EMAIL>",
    "id_number": "<ID_NUMBER>",
    "card": "<CARD>",
    "phone": "<PHONE>",
    "ip": "<IP>",
}

_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@:]+:[^\s/@]+@")
_URL_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:access_?token|api_?key|apikey|auth|client_secret|code|key|password|passwd|pwd"
    r"|secret|session(?:_?id)?|sig|signature|token)=)[^&#\s]+"
)
_TOKENS = re.compile(
    r"\b(?:sk-(?:proj-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|xox[baprs]-[A-Za-z0-9-]{10,})\b|(?i:bearer\s+)[A-Za-z0-9._~+/=-]{20,}"
)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CN_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![0-9A-Za-z])"
)
_CARD = re.compile(r"(?<![\d.,+])\d(?:[ -]?\d){12,18}(?![\d.,]\d)")
_PHONES = [
    # Chinese mobile, optionally with +86 / 0086, grouped 3-4-4 or not.
    re.compile(r"(?<![\d+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)"),
    # International format with a leading +.
    re.compile(r"(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}(?!\d)"),
    # North American (555) 123-4567 / 555-123-4567 / 555.123.4567.
    re.compile(r"(?<![\d-])(?:\(\d{3}\)[ ]?|\d{3}[-. ])\d{3}[-. ]\d{4}(?![\d-])"),
    # Chinese landline 010-12345678 / 0755-1234567.
    re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"),
]
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\d.vV])(?:{_OCTET}\.){{3}}{_OCTET}(?![\d.]*\d)")
_IPV6 = re.compile(
    r"(?<![0-9A-Fa-f:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4})(?![0-9A-Fa-f:])"
)


def luhn_ok(digits: str) -> bool:
    """True when ``digits`` passes the Luhn checksum used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@dataclass
class Redaction:
    text: str
    counts: Counter = field(default_factory=Counter)


def _digit_count(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def redact(text: str) -> Redaction:
    """Replace personal data in ``text`` with typed placeholders; count what was replaced."""
    counts: Counter = Counter()

    def sub(pattern: re.Pattern, kind: str, s: str, repl=None, check=None) -> str:
        def _r(m: re.Match) -> str:
            if check is not None and not check(m.group(0)):
                return m.group(0)
            counts[kind] += 1
            return repl(m) if repl else PLACEHOLDERS[kind]

        return pattern.sub(_r, s)

    if not any(ch.isdigit() or ch in "@:" for ch in text) and "bearer" not in text.lower():
        return Redaction(text, counts)  # fast path: nothing any pattern could match
    s = sub(_URL_USERINFO, "secret", text, repl=lambda m: m.group(1) + "<SECRET>@")
    s = sub(_URL_SECRET_PARAM, "secret", s, repl=lambda m: m.group(1) + "<SECRET>")
    s = sub(_TOKENS, "secret", s)
    s = sub(_EMAIL, "email", s)
    s = sub(_CN_ID, "id_number", s)
    s = sub(_CARD, "card", s, check=lambda v: luhn_ok(re.sub(r"\D", "", v)))
    for pattern in _PHONES:
        s = sub(pattern, "phone", s, check=lambda v: 7 <= _digit_count(v) <= 15)
    s = sub(_IPV4, "ip", s)
    s = sub(_IPV6, "ip", s, check=lambda v: v.count(":") >= 2 and any(c.isdigit() for c in v))
    return Redaction(s, counts)


def looks_like_contact(value: str) -> bool:
    """True when ``value`` as a whole is an e-mail address or a phone number."""
    v = value.strip()
    if _EMAIL.fullmatch(v):
        return True
    return any(p.fullmatch(v) for p in _PHONES) and 7 <= _digit_count(v) <= 15


def pseudonymize(value: str, key: bytes) -> str:
    """A keyed, stable pseudonym for a user id (same key and value → same pseudonym)."""
    digest = hmac.new(key, value.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"user-{digest[:16]}"
