"""Render personas as ``deck/deck.md`` and a self-contained ``deck/index.html``.

The deck reads like a deck: every group is named (the user's label, else the persona's
name) on the size chart and in the map's legend; each card shows its claims with their
share and one verbatim quote; ids, prompt versions and the model sit behind a
``<details>`` disclosure.

Every piece of user- or model-written text is escaped (the HTML is a Jinja2 template with
autoescape, ``templates/deck.html.j2``; Markdown through :func:`md`); the page carries a
Content Security Policy that forbids scripts, so even a text that slipped past every filter
cannot run. No external resources: the page works offline and from a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from agent.labels import Labels, display_name
from agent.persona.schema import Claim, Persona
from vectorstore.segment.artifact import Level, SegmentationRun, UnitInfo

from .charts import card_facts_html, card_facts_md
from .mapping import MapData

FIELD_TITLES = {"who": "Who they are", "goals": "Goals", "pain_points": "Pain points",
                "behaviours": "Behaviours", "motivations": "Motivations"}
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c"]
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
       "base-uri 'none'; form-action 'none'")
LANGUAGES = {"en": "English", "zh": "Chinese"}


def language_line(p: Persona, info: UnitInfo | None) -> str:
    """What languages a persona's texts are in and which one it is written in: "Texts: 55%
    English, 45% Chinese; written in English" (a language under 5% of the texts is left out;
    "Written in English" alone read as if the texts were)."""
    written = LANGUAGES.get(p.language, p.language)
    counts = dict(info.languages) if info is not None else {}
    total = sum(counts.values())
    shown = [(k, n / total) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
             if total and n / total >= 0.05 and k != "und"]
    if len(shown) < 2:
        return f"Written in {written}"
    mix = ", ".join(f"{share:.0%} {LANGUAGES.get(k, k)}" for k, share in shown)
    return f"Texts: {mix}; written in {written}"

# -- Markdown ----------------------------------------------------------------------------------
# Only what CommonMark (and GitHub's autolinks) would read as markup is escaped; plain
# punctuation — parentheses, "!", "#", "+", "." in a sentence, one "*" or "~" — stays as it
# is written. Newlines become spaces, so a text is one line and can only open a block at its
# start.
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")          # a backslash that would escape
_FLANKING_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")  # not inside snake_case
_BLOCK = re.compile(r"^(?:#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|[-_=](?=[-_=\s]*$))")
_ORDERED = re.compile(r"^\d{1,9}(?=[.)](?:\s|$))")
_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp)(?=://)|\bwww(?=\.)")


def md(text: Any) -> str:
    """User text made inert in Markdown: no HTML, links, emphasis, code or block markup.
    Kept by hand: Jinja2's autoescape is for HTML, and no library we keep escapes
    Markdown."""
    s = " ".join(str(text).split())
    s = re.sub(r"&(?=#?\w+;)", "&amp;", s)                      # no entities
    s = s.replace("<", "&lt;")                                   # no HTML, no <autolinks>
    s = _BACKSLASH.sub(r"\\\\", s)
    for ch in "`*~":                    # code, emphasis and strikethrough need two of them
        if s.count(ch) >= 2:
            s = s.replace(ch, "\\" + ch)
    if len(_FLANKING_UNDERSCORE.findall(s)) >= 2:
        s = _FLANKING_UNDERSCORE.sub(r"\\_", s)
    if "[" in s and "]" in s:           # a link or an image needs both
        s = s.replace("[", "\\[").replace("]", "\\]")
    s = _AUTOLINK.sub(lambda m: m.group(0) + "\\", s)          # https\:// and www\. stay text
    if not s.startswith("\\"):
        if (m := _ORDERED.match(s)) is not None:
            s = s[:m.end()] + "\\" + s[m.end():]
        elif _BLOCK.match(s):
            s = "\\" + s
    return re.sub(r"(\s)(#+)$", r"\1\\\2", s)                   # no closing heading marks


# -- the view ----------------------------------------------------------------------------------
@dataclass
class Bar:
    id: str
    name: str
    size: int
    share: float
    colour: str
    has_persona: bool


def _level(personas: list[Persona]) -> Level:
    return Level.parse(personas[0].level) if personas else Level.GROUP


def _units(segments: SegmentationRun, personas: list[Persona]) -> list[UnitInfo]:
    return list(segments.units(_level(personas)))


def view(personas: list[Persona], segments: SegmentationRun,
         labels: Labels | None = None) -> dict[str, Any]:
    """What both renderings show: names, colours and the size chart's bars."""
    by_subject = {p.subject_id: p for p in personas}
    units = _units(segments, personas)
    colours = {u.id: PALETTE[i % len(PALETTE)] for i, u in enumerate(units)}
    names = {u.id: display_name(u.id, by_subject.get(u.id), labels,
                                fallback=", ".join(u.keywords[:3]) or u.id) for u in units}
    names.update({p.subject_id: display_name(p.subject_id, p, labels) for p in personas})
    total = max(segments.records, 1)
    bars = [Bar(u.id, names[u.id], u.size, u.size / total, colours[u.id], u.id in by_subject)
            for u in sorted(units, key=lambda u: -u.size)]
    return {"names": names, "colours": colours, "bars": bars}


def facets(p: Persona) -> list[tuple[str, list[Claim]]]:
    """The card's sections in order, empty ones left out (who they are first)."""
    return [(title, getattr(p, f)) for f, title in FIELD_TITLES.items() if getattr(p, f)]


def versus(p: Persona, names: dict[str, str]) -> list[str]:
    """The differentiators in words, naming the nearby groups instead of showing their ids;
    nearby groups the persona differs from in the same words share one line."""
    lines: list[str] = []
    together: dict[tuple[str, ...], list[str]] = {}
    for d in p.differentiators:
        other = names.get(d.versus)
        if other is None or not d.distinctive_keywords:
            lines.append(d.text)
            continue
        together.setdefault(tuple(d.distinctive_keywords), []).append(other)
    for words, others in together.items():
        if p.language == "zh":
            lines.append(f"与{''.join(f'「{o}」' for o in others)}相比，更常提到：{'、'.join(words)}")
        else:
            lines.append(f"Compared with {' and '.join(others)}, they talk more about "
                         f"{', '.join(words)}")
    return lines


def _share_words(c: Claim) -> str:
    return f"{c.prevalence:.0%} · {c.support_count} texts"


# -- deck.md -----------------------------------------------------------------------------------
def render_markdown(personas: list[Persona], segments: SegmentationRun, flagged: dict[str, int],
                    labels: Labels | None = None) -> str:
    v = view(personas, segments, labels)
    names = v["names"]
    lines = ["# Persona deck", "",
             f"{len(personas)} personas from {segments.records} texts.", "",
             "| Group | Texts | Share |", "|---|---:|---:|"]
    lines += [f"| {md(b.name).replace('|', '&#124;')} | {b.size} | {b.share:.1%} |"
              for b in v["bars"]]
    lines.append("")
    for p in personas:
        badge = " (degraded)" if p.degraded else ""
        lines += [f"## {md(names[p.subject_id])} ({p.subject_id}){badge}", "", f"*{md(p.tagline)}*", "",
                  f"{p.size.texts} texts from {p.size.users} users, {p.share:.1%} of all "
                  f"texts. {language_line(p, segments.find(p.subject_id))}.", "",
                  md(p.summary), ""]
        facts = card_facts_md(segments, segments.find(p.subject_id))
        lines += [md(facts), ""] if facts else []
        if p.degraded:
            lines += [f"> Degraded: {md(p.degraded_reason)}", ""]
        for title, claims in facets(p):
            lines += [f"### {title}", ""]
            for c in claims:
                lines.append(f"- **{md(c.text)}** — {_share_words(c)}")
                for q in card_quotes(c):
                    lines.append(f"  > “{md(q.text)}”")
            lines.append("")
        shown = {q.text for _, claims in facets(p) for c in claims for q in card_quotes(c)}
        more = [q for q in p.quotes[:4] if q.text not in shown]
        if more:
            lines += ["### In their words", ""]
            for q in more:
                lines += [f"> “{md(q.text)}”", ""]
        if p.differentiators:
            lines += ["### Compared with nearby groups", ""]
            lines += [f"- {md(line)}" for line in versus(p, names)]
            lines.append("")
        if flagged.get(p.subject_id):
            lines += [f"{flagged[p.subject_id]} texts in this group read as instructions to "
                      "a model; they were flagged and left out of every prompt.", ""]
        lines += ["<details><summary>Evidence and provenance</summary>", "",
                  *_provenance_md(p, segments), "", "</details>", ""]
    lines += ["---", "",
              f"Segmentation {md(segments.run_id)}, embedder {md(segments.embedder)}. Every "
              "claim is counted over the group's texts; quotes are verbatim.", ""]
    return "\n".join(lines)


def _provenance_md(p: Persona, segments: SegmentationRun) -> list[str]:
    out = [f"- Persona {md(p.id)}, {p.level} {md(p.subject_id)}"]
    for title, claims in facets(p):
        for c in claims:
            quote = f"; quote from {md(c.quote.doc_id)}" if c.quote else ""
            out.append(f"- {title}: “{md(c.text)}”: evidence "
                       f"{md(', '.join(c.evidence_ids[:5]))}{quote}")
    if p.quotes:
        out.append(f"- Quotes from {md(', '.join(q.doc_id for q in p.quotes[:4]))}")
    if p.keywords:
        out.append(f"- Keywords: {md(', '.join(p.keywords[:10]))}")
    if p.sub_segments:
        out.append("- Sub-segments: " + "; ".join(
            f"{md(s.id)} ({s.size} texts: {md(', '.join(s.keywords[:4]))})"
            for s in p.sub_segments[:8]))
    pv = p.provenance
    out.append(f"- Prompts {md(', '.join(pv.prompts))}; model {md(pv.chat_model)}; embedder "
               f"{md(pv.embedder)}; segmentation {md(pv.segmentation_run)}; written "
               f"{md(pv.created_at)}")
    if pv.claims_total:
        out.append(f"- Claims written by the model and accepted: {pv.model_claims} of "
                   f"{pv.claims_total}")
    return out


# -- index.html --------------------------------------------------------------------------------
def card_quotes(c: Claim) -> list:
    """A claim's quotes on the card face: its quote, and one in another language its members
    write in (a claim counted over English and Chinese texts shows both)."""
    if c.quote is None:
        return []
    other = next((q for q in c.other_quotes if q.lang and q.lang != c.quote.lang), None)
    return [c.quote] + ([other] if other else [])


def render_html(personas: list[Persona], segments: SegmentationRun, flagged: dict[str, int],
                mapping: MapData | None, labels: Labels | None = None) -> str:
    v = view(personas, segments, labels)
    colours = v["colours"]
    legend = [(u, v["names"][u], colours.get(u, "#999")) for u in
              (mapping.centres if mapping is not None else {})]
    return _template("deck.html.j2").render(
        csp=Markup(CSP), personas=personas, segments=segments, flagged=flagged,
        mapping=mapping, map=_map(mapping), colours=colours, names=v["names"], bars=v["bars"],
        legend=legend, facets=facets, versus=versus, languages=LANGUAGES, card_quotes=card_quotes,
        language_line={p.subject_id: language_line(p, segments.find(p.subject_id))
                       for p in personas},
        widest=max((b.share for b in v["bars"]), default=1.0) or 1.0,
        facts={p.subject_id: Markup(card_facts_html(segments, segments.find(p.subject_id),
                                                    colours.get(p.subject_id, "#4e79a7")))
               for p in personas})


def page(personas: list[Persona], segments: SegmentationRun, store: Any,
         labels: Labels | None = None) -> str:
    """The deck's HTML for these personas, with the map of ``store``'s records (what the
    served page shows at ``/deck``)."""
    from .mapping import segment_map

    flagged = {p.subject_id: p.provenance.flagged_texts_excluded for p in personas}
    return render_html(personas, segments, flagged, segment_map(store, _level(personas)), labels)


def _map(mapping: MapData | None) -> dict[str, Any] | None:
    """The map's points in SVG coordinates."""
    if mapping is None:
        return None
    w, h, pad = 560, 360, 14

    def at(x: float, y: float) -> tuple[float, float]:
        return pad + x * (w - 2 * pad), pad + (1 - y) * (h - 2 * pad)

    return {"w": w, "h": h,
            "points": [(at(x, y), g) for (x, y), g in zip(mapping.points.tolist(), mapping.groups,
                                                          strict=True)]}


@lru_cache(maxsize=4)
def _template(name: str):
    """A template of this package, autoescaped (every user- or model-written text is data)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("agent.deck", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["fmt"] = format
    return env.get_template(name)


def write_deck(out_dir: Path, personas: list[Persona], segments: SegmentationRun,
               flagged: dict[str, int], mapping: MapData | None,
               labels: Labels | None = None) -> tuple[Path, Path]:
    from agent.workspace import atomic_write

    out_dir.mkdir(parents=True, exist_ok=True)
    md_path, html_path = out_dir / "deck.md", out_dir / "index.html"
    atomic_write(md_path, render_markdown(personas, segments, flagged, labels))
    atomic_write(html_path, render_html(personas, segments, flagged, mapping, labels))
    return md_path, html_path
