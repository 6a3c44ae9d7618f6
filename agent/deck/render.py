"""Render personas as ``deck/deck.md`` and a self-contained ``deck/index.html``.

Every piece of user- or model-written text is escaped; the HTML page carries a Content
Security Policy that forbids scripts, so even a text that slipped past every filter cannot
run. No external resources: the page works offline and from a file.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

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


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def md(text: Any) -> str:
    """User text made inert in Markdown: no HTML, links, emphasis or code."""
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
    total = max(segments.records, 1)
    cards = "\n".join(_card(p, colours.get(p.subject_id, "#888"), flagged.get(p.subject_id, 0),
                            display_name(p.subject_id, p, labels),
                            card_facts_html(segments, segments.find(p.subject_id),
                                            colours.get(p.subject_id, "#4e79a7")))
                      for p in personas)
    bars = "\n".join(
        f'<div class="bar"><span class="lbl">{esc(g.id)} · {esc(", ".join(g.keywords[:3]))}'
        f'</span><span class="track"><span class="fill" style="width:{100 * g.size / total:.1f}%;'
        f'background:{colours.get(g.id, "#888")}"></span></span><span class="num">{g.size}'
        f'</span></div>' for g in segments.groups)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Persona deck</title>
<style>{STYLE}</style></head>
<body><header><h1>Persona deck</h1>
<p>{len(personas)} personas from {segments.records} texts · segmentation
{esc(segments.run_id)} · embedder {esc(segments.embedder)}</p></header>
<section class="overview"><div class="panel"><h2>Group sizes</h2>{bars}</div>
<div class="panel"><h2>Map of the segments</h2>{_svg(mapping, colours)}</div></section>
<main>{cards}</main>
<footer>Generated by personakit. Every claim carries its evidence ids and the number of texts
that support it; quotes are verbatim.</footer></body></html>
"""


def _card(p: Persona, colour: str, flagged: int, name: str, facts: str = "") -> str:
    sections = []
    for f in CLAIM_FIELDS:
        claims = getattr(p, f)
        if not claims:
            continue
        items = "".join(
            f'<li><span class="claim">{esc(c.text)}</span><span class="prev"><span class="pbar" '
            f'style="width:{max(2.0, 100 * c.prevalence):.1f}%"></span></span><span class="count">'
            f'{c.support_count} texts · {c.prevalence:.0%}</span><span class="ev">'
            f'{esc(", ".join(c.evidence_ids[:3]))}</span></li>' for c in claims)
        sections.append(f"<h4>{FIELD_TITLES[f]}</h4><ul>{items}</ul>")
    quotes = "".join(f'<blockquote>{esc(q.text)}<cite>{esc(q.doc_id)}</cite></blockquote>'
                     for q in p.quotes[:4])
    subs = "".join(f"<li>{esc(s.id)} · {s.size} texts · {esc(', '.join(s.keywords[:4]))}</li>"
                   for s in p.sub_segments[:8])
    diffs = "".join(f"<li>{esc(d.text)}</li>" for d in p.differentiators)
    degraded = (f'<p class="degraded">Degraded: {esc(p.degraded_reason)}</p>' if p.degraded else "")
    flag = (f'<p class="flagged">{flagged} texts read as instructions to a model: flagged and '
            'left out of every prompt.</p>' if flagged else "")
    return f"""<article class="card" style="border-top-color:{colour}">
<h2 class="name">{esc(name)}</h2><p class="tagline">{esc(p.tagline)}</p>
<p class="meta">{esc(p.subject_id)} · {p.size.texts} texts · {p.size.users} users ·
{p.share:.1%} · {esc(p.language)}</p>{facts}{degraded}{flag}
<p class="summary">{esc(p.summary)}</p>{''.join(sections)}
<h4>Quotes</h4>{quotes}
<p class="kw">{' '.join(f'<span>{esc(k)}</span>' for k in p.keywords[:10])}</p>
{f'<h4>Sub-segments</h4><ul class="subs">{subs}</ul>' if subs else ''}
{f'<h4>Compared with nearby groups</h4><ul>{diffs}</ul>' if diffs else ''}
<p class="prov">{esc(', '.join(p.provenance.prompts))} · {esc(p.provenance.chat_model)}</p>
</article>"""


def _svg(mapping: MapData | None, colours: dict[str, str]) -> str:
    if mapping is None:
        return "<p>Not enough texts for a map.</p>"
    w, h, pad = 560, 360, 14
    dots = "".join(
        f'<circle cx="{pad + x * (w - 2 * pad):.1f}" cy="{pad + (1 - y) * (h - 2 * pad):.1f}" '
        f'r="2.2" fill="{colours.get(g, "#999")}" fill-opacity="0.55"/>'
        for (x, y), g in zip(mapping.points.tolist(), mapping.groups, strict=True))
    labels = "".join(
        f'<text x="{pad + x * (w - 2 * pad):.1f}" y="{pad + (1 - y) * (h - 2 * pad):.1f}" '
        f'class="maplabel">{esc(g)}</text>' for g, (x, y) in mapping.centres.items())
    return (f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="2-D map of the segments">'
            f"{dots}{labels}</svg>")


def write_deck(out_dir: Path, personas: list[Persona], segments: SegmentationRun,
               flagged: dict[str, int], mapping: MapData | None,
               labels: Labels | None = None) -> tuple[Path, Path]:
    from agent.workspace import atomic_write

    out_dir.mkdir(parents=True, exist_ok=True)
    md_path, html_path = out_dir / "deck.md", out_dir / "index.html"
    atomic_write(md_path, render_markdown(personas, segments, flagged, labels))
    atomic_write(html_path, render_html(personas, segments, flagged, mapping, labels))
    return md_path, html_path


STYLE = """
:root{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC",sans-serif;
color:#1d2430;background:#f5f6f8}
body{margin:0 auto;max-width:1200px;padding:24px}
header h1{margin:0 0 4px}header p{margin:0;color:#596273}
.overview{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin:20px 0}
.panel{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px 3px #0001}
.panel h2{font-size:15px;margin:0 0 10px}
.bar{display:grid;grid-template-columns:200px 1fr 50px;gap:8px;align-items:center;font-size:13px;
margin:4px 0}
.lbl{overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
.track{background:#eceef2;height:10px;border-radius:5px;overflow:hidden}
.fill{display:block;height:100%}.num{text-align:right;color:#596273}
svg{width:100%;height:auto;background:#fafbfc;border-radius:6px}
.maplabel{font-size:12px;font-weight:600;fill:#1d2430}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:16px}
.card{background:#fff;border-radius:10px;padding:16px 18px;border-top:6px solid #888;
box-shadow:0 1px 3px #0001}
.name{margin:0;font-size:20px}.tagline{margin:4px 0;font-style:italic;color:#3b4556}
.meta{font-size:12px;color:#6b7487;margin:4px 0 8px}
.summary{margin:8px 0}h4{margin:12px 0 4px;font-size:13px;text-transform:uppercase;color:#596273}
ul{margin:0;padding-left:18px}li{margin:4px 0;font-size:14px}
.claim{display:block}
.prev{display:inline-block;width:120px;height:6px;background:#eceef2;border-radius:3px;
margin-right:6px;vertical-align:middle}
.pbar{display:block;height:100%;background:#4e79a7;border-radius:3px}
.count{font-size:12px;color:#596273}.ev{font-size:11px;color:#8a93a5;margin-left:6px}
blockquote{margin:6px 0;padding:6px 10px;background:#f3f5f8;border-left:3px solid #c5ccd8;font-size:14px}
cite{display:block;font-size:11px;color:#8a93a5;font-style:normal}
.kw span{display:inline-block;background:#eef1f6;border-radius:10px;padding:1px 8px;margin:2px;font-size:12px}
.degraded{background:#fff4e5;border-left:3px solid #f28e2b;padding:6px 8px;font-size:13px}
.flagged{background:#fdecec;border-left:3px solid #e15759;padding:6px 8px;font-size:13px}
.prov{font-size:11px;color:#8a93a5;margin-top:10px}
footer{margin:24px 0;color:#6b7487;font-size:13px}
"""
