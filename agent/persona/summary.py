"""Summary and tagline: facts first, in code, from the who-facet and the top aspects.

The summary is two or three sentences built from counted facts (who they are, the top
aspects with their shares), so it can neither glue two members' comments together nor
contradict a claim. The tagline is one model call checked against the claims (its words
must come from them, no new numbers), with the top claim standing in.
"""

from __future__ import annotations

import re

from agent.aspects.model import Aspect

from .claims import said_about, share_words
from .evidence import content_terms
from .llm_io import TaglineOut, statements_block, tidy
from .roles import says_who

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_VERB = {"pain_point": ("complain about", "抱怨"), "goal": ("ask for", "希望有"),
         "motivation": ("value", "看重"), "behaviour": ("talk about", "提到")}


def summary(size: int, users: int, role_text: str | None, role_share: float,
            aspects: list[Aspect], language: str, implied: bool = False) -> str:
    """Two or three sentences of counted facts (``implied``: some texts counted for the
    role only imply it, ``roles.says_who``)."""
    zh = language == "zh"
    first = (f"{size}条反馈，来自{users}位用户" if zh else
             f"{size} texts from {users} users" if users else f"{size} texts")
    if role_text:
        who = share_words(role_share, language)
        said = says_who(role_text, language, implied)
        first += f"；{who}{said}。" if zh else f"; {who} {said}."
    else:
        first += "。" if zh else "."
    parts = []
    # an aspect without a key phrase in the persona's language is left out: one language
    # per sentence
    for a in [a for a in aspects if a.labels.get(language)][:3]:
        en, cn = _VERB.get(a.facet, _VERB["behaviour"])
        share = f"{round(100 * a.prevalence)}%"
        parts.append(f"{share}{cn}{said_about(a, language)}" if zh else
                     f"{share} {en} {said_about(a, language)}")
    if not parts:
        return first
    if zh:
        return first + "，".join(parts) + "。"
    body = "; ".join(parts)
    return f"{first} {body[:1].upper()}{body[1:]}."


def check_tagline(text: str, claims: list[str], limit: int = 120) -> str | None:
    t = text.strip()
    if not t or len(t) > limit:
        return f"keep it under {limit} characters."
    if re.search(r"[<>{}\[\]?？]", t):
        return "one plain statement, no brackets or questions."
    pool = " ".join(claims)
    if any(n not in pool for n in _NUMBER.findall(t)):
        return "do not add numbers."
    words = content_terms(t)
    found = content_terms(pool)
    if words and len(words & found) / len(words) < 0.85:
        return "use only the words of the facts above."
    if not words:
        return "say something about the customers."
    return None


def write_tagline(llm, prompts: dict, usage, remaining: int, claims: list[str],
                  language_name: str, tag: str) -> str | None:
    if llm is None or remaining < 1 or not claims:
        return None
    user = prompts["writer.tagline"].render(statements=statements_block(claims[:4]),
                                            language=language_name)
    messages = [{"role": "system", "content": prompts["persona.system"].render()},
                {"role": "user", "content": user}]
    out, _ = llm.ask(messages, TaglineOut, max_tokens=40, usage=usage, tag=f"{tag}/tagline",
                     retries=min(1, remaining - 1),
                     check=lambda o: check_tagline(tidy(o.tagline), claims))
    return tidy(out.tagline) if out is not None else None
