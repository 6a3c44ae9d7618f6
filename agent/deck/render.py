"""Render personas as ``deck/deck.md`` and a self-contained ``deck/index.html``.

Every piece of user- or model-written text is escaped (the HTML is a Jinja2 template with
autoescape, ``templates/deck.html.j2``); the page carries a Content Security Policy that
forbids scripts, so even a text that slipped past every filter cannot run. No external
resources: the page works offline and from a file.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from agent.labels import Labels, display_name
from agent.persona.schema import CLAIM_FIELDS, Persona
from vectorstore.segment.artifact import SegmentationRun

from .charts import card_facts_html, card_facts_md
from .mapping import MapData

FIELD_TITLES = {"goals": "Goals", "pain_points": "Pain points", "behaviours": "Behaviours",
                "motivations": "Motivations"}
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c"]
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
       "base-uri 'none'; form-action 'none'")


def md(text: Any) -> str:
    """User text made inert in Markdown: no HTML, links, emphasis or code. Kept by hand:
    Jinja2's autoescape is for HTML, and no library we keep escapes Markdown."""
    s = html.escape(str(text), quote=False)
    return re.sub(r"([\\`*_\[\]{}()#+!|])", r"\\\1", s).replace("\n", " ")


def render_markdown(personas: list[Persona], segments: SegmentationRun, flagged: dict[str, int],
                    labels: Labels | None = None) -> str:
    lines = ["# Persona deck", "",
             f"{len(personas)} personas from {segments.records} texts "
             f"(segmentation {md(segments.run_id)}, embedder {md(segments.embedder)}).", ""]
    for p in personas:
        badge = " — degraded" if p.degraded else ""
        name = display_name(p.subject_id, p, labels)
        lines += [f"## {md(name)} ({p.subject_id}){badge}", "", f"*{md(p.tagline)}*", "",
                  f"{p.size.texts} texts, {p.size.users} users, {p.share:.1%} of all texts. "
                  f"Language: {p.language}.", "", md(p.summary), ""]
        facts = card_facts_md(segments, segments.find(p.subject_id))
        lines += [md(facts), ""] if facts else []
        if p.degraded:
            lines += [f"> Degraded: {md(p.degraded_reason)}", ""]
        for f in CLAIM_FIELDS:
            claims = getattr(p, f)
            if not claims:
                continue
            lines.append(f"### {FIELD_TITLES[f]}")
            lines += [f"- {md(c.text)} — {c.support_count} texts ({c.prevalence:.0%}); evidence "
                      f"{', '.join(c.evidence_ids[:3])}" for c in claims]
            lines.append("")
        if p.quotes:
            lines.append("### Quotes")
            lines += [f"> {md(q.text)} ({q.doc_id})" for q in p.quotes]
            lines.append("")
        lines += [f"Keywords: {md(', '.join(p.keywords))}", ""]
        if p.sub_segments:
            lines.append("Sub-segments: " + "; ".join(
                f"{s.id} ({s.size} texts: {md(', '.join(s.keywords[:4]))})" for s in p.sub_segments))
            lines.append("")
        for d in p.differentiators:
            lines.append(f"- {md(d.text)}")
        if flagged.get(p.subject_id):
            lines += ["", f"{flagged[p.subject_id]} texts in this group read as instructions to "
                          "a model; they were flagged and left out of every prompt."]
        lines += ["", f"<sub>{md(', '.join(p.provenance.prompts))} · model "
                      f"{md(p.provenance.chat_model)}</sub>", ""]
    return "\n".join(lines) + "\n"


def render_html(personas: list[Persona], segments: SegmentationRun, flagged: dict[str, int],
                mapping: MapData | None, labels: Labels | None = None) -> str:
    colours = {g.id: PALETTE[i % len(PALETTE)] for i, g in enumerate(segments.groups)}
    return _template("deck.html.j2").render(
        csp=Markup(CSP), personas=personas, segments=segments, flagged=flagged,
        mapping=mapping, map=_map(mapping), colours=colours, total=max(segments.records, 1),
        fields=list(FIELD_TITLES.items()),
        names={p.subject_id: display_name(p.subject_id, p, labels) for p in personas},
        facts={p.subject_id: Markup(card_facts_html(segments, segments.find(p.subject_id),
                                                    colours.get(p.subject_id, "#4e79a7")))
               for p in personas})


def _map(mapping: MapData | None) -> dict[str, Any] | None:
    """The map's points and labels in SVG coordinates."""
    if mapping is None:
        return None
    w, h, pad = 560, 360, 14

    def at(x: float, y: float) -> tuple[float, float]:
        return pad + x * (w - 2 * pad), pad + (1 - y) * (h - 2 * pad)

    return {"w": w, "h": h,
            "points": [(at(x, y), g) for (x, y), g in zip(mapping.points.tolist(), mapping.groups,
                                                          strict=True)],
            "labels": [(g, at(x, y)) for g, (x, y) in mapping.centres.items()]}


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
