"""Phone numbers, found by Google's libphonenumber (the ``phonenumbers`` package).

International numbers (``+44 …``, ``0044 …``) are read whatever the regions. A number in
national format (``030 12345678``) is only a number *in some country*, so the caller names
the countries whose national formats to read (``phone_regions``); each costs one pass of
the matcher over every run of digits long enough to be a phone number.

The matcher runs with ``Leniency.POSSIBLE`` (a plausible length for the country); a
candidate is kept when it is written like a phone number: with an international prefix;
or with the very digits the country's national format has (so "10115" is not read as the
German "010115") and either allocated (libphonenumber's validity check) or a whole
national number after the country's trunk prefix ("0"). The last case keeps numbers
reserved for examples and fiction (``07700 900123``), which people copy into texts like
real ones, without taking postcodes, dates and ISBNs, which do not start that way. Dates,
and digits glued to Latin letters or to further digit groups, are never phone numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

MIN_DIGITS = 7
MAX_RUN = 40      # "+44 (0)20 7946 0958" is 19 characters; a longer run is a table
MAX_RUNS = 500    # phone-like runs per text given to the matcher (about 1 s at most)
# digits with the separators phone numbers are written with, optionally after + or (
_RUN = re.compile(r"[+(]?\d(?:[\d \t().\-/]*\d)?")
_NON_DIGIT = re.compile(r"\D")
# "04.03.2026", "2026-03-04", "03/04/26": dates, whatever a country's numbering allows
_DATE = re.compile(r"\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2})|\d{4}([./-])\d{1,2}\2\d{1,2}")
# a candidate inside a longer run of digit groups ("9400 1000 0000 0000 0000 00") or glued
# to Latin letters ("A927703822", "1Z999AA10123456784") is part of a tracking, account,
# order or model number
_DIGIT_BEFORE = re.compile(r"\d[ .-]?$|[A-Za-z]$")
_DIGIT_AFTER = re.compile(r"^[ .-]?\d|^[A-Za-z]")


@lru_cache(maxsize=64)
def _prefixes(region: str) -> tuple[str | None, str | None]:
    """(trunk prefix, international dialling prefix) of ``region``."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None:
        raise ValueError(f"unknown phone region {region!r}: use ISO 3166 codes such as GB, "
                         "DE, FR, US, CN")
    idd = meta.preferred_international_prefix or meta.international_prefix
    return meta.national_prefix, idd if idd and idd.isdigit() else None


def check_regions(regions: tuple[str, ...]) -> tuple[str, ...]:
    """``regions`` upper-cased; an unknown region is a ValueError naming it."""
    out = tuple(r.strip().upper() for r in regions if r.strip())
    for r in out:
        _prefixes(r)
    return out


def _digit_count(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def _keep(match, region: str, text: str, offset: int) -> bool:
    """Whether a candidate found in ``text[offset:]`` is a phone number (see the module)."""
    raw = match.raw_string.lstrip("(")
    digits = _NON_DIGIT.sub("", raw)
    if not MIN_DIGITS <= len(digits) <= 15 or _DATE.fullmatch(raw):
        return False
    if "." in raw and any(len(g) < 2 for g in raw.split(".")):
        return False  # "1.6.4.8884" is a version; dotted phones group 2+ digits
    start, end = offset + match.start, offset + match.end
    if _DIGIT_BEFORE.search(text[max(0, start - 2):start]) or \
            _DIGIT_AFTER.search(text[end:end + 2]):
        return False
    trunk, idd = _prefixes(region)
    if raw.startswith("+") or (idd is not None and digits.startswith(idd)):
        return True
    national = _NON_DIGIT.sub("", phonenumbers.format_number(match.number,
                                                           PhoneNumberFormat.NATIONAL))
    if digits != national:
        return False  # "10115" read as "010115": not how the country writes it
    if phonenumbers.is_valid_number_for_region(match.number, region):
        return True
    # not allocated: a whole national number (not a local one) after the trunk prefix
    return (bool(trunk) and digits.startswith(trunk)
            and phonenumbers.is_possible_number_with_reason(match.number)
            == phonenumbers.ValidationResult.IS_POSSIBLE)


def find_phones(text: str, regions: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """(start, end) of every phone number in ``text``, reading ``regions``' national formats.

    The matcher runs on each run of phone characters with enough digits, not on the whole
    text: it costs about a third of a millisecond per candidate and region, so a text that
    is a table of numbers would take seconds. Runs longer than any phone number written
    out (:data:`MAX_RUN` characters) and runs past the first :data:`MAX_RUNS` of a text are
    left to the regex shapes in :mod:`vectorstore.redact`.
    """
    if sum(ch.isdigit() for ch in text) < MIN_DIGITS:
        return
    runs = [m for m in _RUN.finditer(text)
            if len(m.group(0)) <= MAX_RUN and _digit_count(m.group(0)) >= MIN_DIGITS]
    for run in runs[:MAX_RUNS]:
        start = run.start()
        for region in regions:
            for m in PhoneNumberMatcher(run.group(0), region, Leniency.POSSIBLE):
                if _keep(m, region, text, start):
                    yield start + m.start, start + m.end
