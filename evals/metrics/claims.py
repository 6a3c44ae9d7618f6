"""What a reader of a persona card sees: names that say who, garbage claims, claims that copy
one text, and how many claims the model wrote.

The definitions are plain functions over strings and plain persona JSON (any schema
version), so ``benchmarks/personas.py`` counts with the same ones as the eval; the metric
classes apply them to a parsed persona.

- ``name_states_role``: when the group's texts state a role ("As a student, …", "作为宝妈，"),
  the persona's name names it ("Students on a budget", "精打细算的宝妈"); family roles count
  as one ("Parents" for mums and dads). No stated role: not applicable.
- ``garbage_claims``: claims with brackets, pipes or markup, placeholders (the redaction's
  ``EMAIL``/``PHONE``/..., ``TBD``, ``N/A``, ``XXX``), questions, no content (fewer than
  two words beyond "they", "the", "users"…: "They | They"), or the same text as an earlier
  claim of the persona.
- ``claim_copies``: share of claims (three words or more) that copy one text: word overlap
  (Jaccard over words of three letters or more, and single Chinese characters) of at least
  0.6 with one sentence of a text the claim cites (evidence or quote).
- ``model_claims_accepted``: share of a persona's claims whose model-written sentence passed
  validation (``provenance.model_claims / claims_total``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from agent.persona.schema import Persona

from .base import GroupCase, MetricResult, RunContext

FACETS = ("who", "goals", "pain_points", "behaviours", "motivations")
COPY_OVERLAP = 0.6
MIN_COPY_WORDS = 3

_BRACKETS = re.compile(r"[<>{}\[\]|]")
_EMPTY = {"they", "them", "their", "theirs", "these", "those", "the", "and", "for", "with",
          "some", "many", "most", "all", "who", "are", "was", "were", "has", "have", "had",
          "not", "too", "very", "about", "users", "customers", "people", "user", "customer"}
_PLACEHOLDER = re.compile(r"\b(?:EMAIL|PHONE|CARD|ID_NUMBER|IBAN|IP|SECRET|URL|NAME|TBD|TODO|N/A"
                          r"|X{3,})(?![\w/])|_{3,}|(?i:lorem ipsum)")
_QUESTION = re.compile(
    r"[?？]|^(?:why|how|what|which|who|when|where)\s+(?:do|does|did|is|are|was|were|can|could|"
    r"should|would|will|has|have)\b|^(?:do|does|did|can|could|should|would|will|is|are)\s+"
    r"(?:i|you|we|they|it|the|there|their|my)\b|[吗呢][。.!！]?$", re.IGNORECASE)
_FAMILY_EN = ("parent", "mum", "mom", "dad", "mother", "father", "famil")
_FAMILY_ZH = ("家长", "父母", "宝妈", "宝爸", "妈妈", "爸爸")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ZH_GENERIC = ("作者", "工作", "用户", "人员", "人士")


# -- the definitions ---------------------------------------------------------------------------
def words(text: str) -> set[str]:
    """Words of three letters or more (lower-cased) and single Chinese characters."""
    return set(re.findall(r"[a-z']{3,}", text.lower())) | set(_CJK.findall(text))


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?。！？])\s*", text) if s.strip()]


def overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


def copies_one_text(claim: str, sources: Iterable[str]) -> bool:
    """Whether ``claim`` shares at least 60 % of its words with one sentence of ``sources``
    (claims of fewer than three words never count)."""
    w = words(claim)
    if len(w) < MIN_COPY_WORDS:
        return False
    return any(overlap(w, words(s)) >= COPY_OVERLAP for t in sources for s in sentences(t))


def garbage_reason(text: str) -> str | None:
    """Why ``text`` is not a claim a reader can use (None: it is)."""
    t = " ".join(text.split())
    if _BRACKETS.search(t):
        return "brackets or markup"
    if _PLACEHOLDER.search(t):
        return "a placeholder"
    if _QUESTION.search(t):
        return "a question"
    if not _CJK.search(t) and len(words(t) - _EMPTY) < 2:
        return "no content"
    return None


def _norm(text: str) -> str:
    return re.sub(r"[\s.!。！]+$", "", " ".join(text.casefold().split()))


def garbage_claims(texts: Iterable[str]) -> list[tuple[str, str]]:
    """(claim, reason) for every garbage claim among one persona's ``texts``; a claim whose
    text repeats an earlier one is a duplicate."""
    seen: set[str] = set()
    out = []
    for t in texts:
        reason = garbage_reason(t) or ("a duplicate" if _norm(t) in seen else None)
        seen.add(_norm(t))
        if reason:
            out.append((t, reason))
    return out


def claim_dicts(persona: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every claim of a persona file read as plain JSON (who-claims included)."""
    return [c for f in FACETS for c in persona.get(f) or []]


def cited_ids(claim: Mapping[str, Any]) -> list[str]:
    """The texts a claim cites: its evidence, its quote and its other-language quotes."""
    quotes = [claim.get("quote") or {}, *(claim.get("other_quotes") or [])]
    return [*(claim.get("evidence_ids") or []), *(q["doc_id"] for q in quotes if q.get("doc_id"))]


def claim_copies(persona: Mapping[str, Any], docs: Mapping[str, str]) -> tuple[int, int]:
    """(claims copying one text, claims) of a persona file, given the texts by id."""
    claims = claim_dicts(persona)
    copies = sum(copies_one_text(c["text"], [docs.get(i, "") for i in cited_ids(c)])
                 for c in claims)
    return copies, len(claims)


def model_claims(persona: Mapping[str, Any]) -> tuple[int, int]:
    """(claims the model wrote that passed validation, claims) from the provenance; (0, 0)
    for a persona written before this was counted."""
    pv = persona.get("provenance") or {}
    return int(pv.get("model_claims") or 0), int(pv.get("claims_total") or 0)


_AFTER_HEAD = re.compile(r"^(?:of|with|who|in|on|at|from|for|to|by|\w+ing)$")
_GENERIC = ("people", "users", "customers", "persons")


def role_head(role: str) -> str:
    """The word a name must carry for an English role: the last word before a preposition,
    a participle or a relative clause — "small business owner" → "owner", "mum of two" →
    "mum", "parents travelling with children" → "parents"; a generic head gives way to the
    label's last word ("people with a long-term condition" → "condition")."""
    w = role.lower().split()
    cut = next((k for k, x in enumerate(w) if k and _AFTER_HEAD.match(x)), len(w))
    head = w[cut - 1]
    return w[-1] if head in _GENERIC and cut < len(w) else head


def name_states_role(name: str, role: str, language: str = "en") -> bool:
    """Whether ``name`` names ``role`` (plural or singular; any family word for a parent)."""
    if language == "zh" or _CJK.search(role):
        # the person word after the label's last 的 ("带娃出行的家长" → "家长"); its last two
        # characters are the head of a longer one ("大学生" → "学生", "网店卖家" → "卖家")
        core = re.sub(r"(?<=..)[党族]$", "", role.rsplit("的", 1)[-1] or role)
        core = re.sub(r"(?<=..[^老年病客工主家])人$", "", core)   # "老年人" → 老年, "老人" stays
        family = core in _FAMILY_ZH or core.endswith(("妈妈", "爸爸"))
        head = core[-2:] if len(core) >= 3 and core[-2:] not in _ZH_GENERIC else None
        # a generic person word says nothing: "夜班工作者" is named by 夜班 ("夜班族")
        kind = re.sub(r"(?:工作者|人员|人士)$", "", core)
        if head is None and len(kind) >= 2 and kind != core:
            head = kind
        # the words before a four-character label's person word say which people as much:
        # "退休老人" is named by 退休 ("退休人员"), "老年乘客" by 老年 ("老年用户")
        which = core[:-2] if len(core) == 4 else None
        return (core in name or (head is not None and head in name)
                or (which is not None and which in name)
                or (family and any(f in name for f in _FAMILY_ZH)))
    low = name.lower()
    head = role_head(role)
    if head in _FAMILY_EN or head.startswith(_FAMILY_EN):
        return any(f in low for f in _FAMILY_EN)
    stem = re.sub(r"(?:ies|es|s)$", "", head) if len(head) > 4 else head
    return re.search(rf"\b{re.escape(stem)}", low) is not None


def stated_role(texts: Iterable[str]) -> str | None:
    """The role the texts state most often (at least twice), by the same reading of
    self-descriptions the persona writer uses; None when they state none."""
    from agent.persona.roles import group_role

    texts = list(texts)
    langs = ["zh" if _CJK.search(t) else "en" for t in texts]
    main = "zh" if langs.count("zh") > len(langs) / 2 else "en"
    role = group_role(texts, langs, main)
    return role.phrase if role else None


# -- the metrics -------------------------------------------------------------------------------
def _texts(p: Persona) -> list[str]:
    return [c.text for c in (*p.who, *(c for _, c in p.claims()))]


class NameStatesRole:
    """1 when the name names the role the group's texts state, 0 when not; not applicable
    when they state none. The role is the one given for the group in
    ``run.extra["roles"]`` (a planted corpus's truth), else the one its texts state."""

    name, version = "name_states_role", "1"

    def score(self, case: GroupCase, run: RunContext) -> MetricResult:
        if case.persona is None:
            return MetricResult(None, "no persona")
        role = (run.extra.get("roles") or {}).get(case.group_id) or stated_role(
            case.texts.values())
        if not role:
            return MetricResult(None, "the group's texts state no role")
        ok = name_states_role(case.persona.name, role, case.persona.language)
        return MetricResult(float(ok), f"{case.persona.name!r} {'names' if ok else 'misses'} "
                                       f"the role {role!r}")


class GarbageClaims:
    """How many claims are garbage (lower is better: 0 is the goal)."""

    name, version = "garbage_claims", "1"

    def score(self, case: GroupCase, run: RunContext) -> MetricResult:
        if case.persona is None:
            return MetricResult(None, "no persona")
        bad = garbage_claims(_texts(case.persona))
        if not bad:
            return MetricResult(0.0, f"none of {len(_texts(case.persona))} claims")
        shown = "; ".join(f"{t!r}: {why}" for t, why in bad[:3])
        return MetricResult(float(len(bad)), f"{len(bad)} garbage claims: {shown}")


class ClaimCopies:
    """Share of claims that copy one text they cite (lower is better)."""

    name, version = "claim_copies", "1"

    def score(self, case: GroupCase, run: RunContext) -> MetricResult:
        if case.persona is None:
            return MetricResult(None, "no persona")
        docs = {**run.all_texts, **case.texts}
        copies, total = claim_copies(case.persona.model_dump(), docs)
        if not total:
            return MetricResult(None, "no claims")
        return MetricResult(copies / total, f"{copies} of {total} claims share "
                                            f"≥ {COPY_OVERLAP:.0%} of their words with one "
                                            "sentence they cite")


class ModelClaimsAccepted:
    """Share of claims whose model-written sentence passed validation."""

    name, version = "model_claims_accepted", "1"

    def score(self, case: GroupCase, run: RunContext) -> MetricResult:
        if case.persona is None:
            return MetricResult(None, "no persona")
        accepted, total = model_claims(case.persona.model_dump())
        if not total:
            return MetricResult(None, "the persona does not count its claims")
        return MetricResult(accepted / total, f"{accepted} of {total} claims written by the "
                                              "model and accepted")


PER_PERSONA = [NameStatesRole(), GarbageClaims(), ClaimCopies(), ModelClaimsAccepted()]
LOWER_IS_BETTER = {GarbageClaims.name, ClaimCopies.name}
