"""Exports for spreadsheets: one row per persona claim (.csv or .xlsx), and the record export
with the groups' labels and the personas' names joined in.

Claims are read through ``Persona.claims()`` and names through ``agent.labels.display_name``
only, so new persona fields (facets, per-claim quotes) reach the export without changes here.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.labels import display_name
from vectorstore.errors import InputError
from vectorstore.export import export_records

from .results import ExportResult, PersonaExportResult

if TYPE_CHECKING:
    from agent.persona.schema import Persona

    from .project import Project

PERSONA_FORMATS = (".csv", ".xlsx")
CLAIM_COLUMNS = ["level", "group_id", "segment_id", "name", "facet", "claim", "share",
                 "support_count", "quote", "quote_doc_id", "evidence_ids", "persona_id",
                 "generated_name"]
PERSONA_COLUMNS = ["level", "group_id", "segment_id", "name", "generated_name", "label",
                   "texts", "users", "share", "tagline", "summary", "degraded", "persona_id"]
JOINED = ["group_label", "segment_label", "persona_name"]
MAX_QUOTE = 240


# -- records ------------------------------------------------------------------------------------
def export_records_joined(project: Project, out: Path) -> ExportResult:
    """``persona export``: every record, with ``group_label``, ``segment_label`` and the
    displayed ``persona_name`` of the group (or segment) persona it belongs to."""
    labels = project.artifacts.labels()
    personas = project.artifacts.personas_by_subject()
    level = next(iter(personas.values())).level if personas else "group"
    key = "parent_id" if level == "group" else "segment_id"
    names = {uid: display_name(uid, p, labels) for uid, p in personas.items()}

    def joined(meta: dict[str, Any]) -> dict[str, Any]:
        return {"group_label": labels.get(meta.get("parent_id")),
                "segment_label": labels.get(meta.get("segment_id")),
                "persona_name": names.get(meta.get(key))}

    n = export_records(project.providers.store(), out, extra=joined, extra_columns=JOINED)
    return ExportResult(out=str(out), records=n)


# -- persona claims -----------------------------------------------------------------------------
def export_personas(project: Project, out: Path) -> PersonaExportResult:
    """``persona export --personas``: one row per claim (and, in .xlsx, a sheet of personas)."""
    suffix = out.suffix.lower()
    if suffix not in PERSONA_FORMATS:
        raise InputError(f"--out {out}: persona exports are .csv or .xlsx files")
    personas = project.artifacts.personas()
    if not personas:
        raise InputError("no personas yet: run `persona generate` (or `persona run FILE`)")
    labels = project.artifacts.labels()
    texts = _evidence_texts(project, personas)
    claims = [row for p in personas for row in claim_rows(p, labels, texts)]
    people = [persona_row(p, labels) for p in personas]
    _atomic(out, lambda tmp: (_xlsx if suffix == ".xlsx" else _csv)(tmp, claims, people))
    return PersonaExportResult(out=str(out), personas=len(personas), claims=len(claims))


def claim_rows(p: Persona, labels: dict[str, str], texts: dict[str, str]
               ) -> list[dict[str, Any]]:
    name = display_name(p.subject_id, p, labels)
    rows = []
    for facet, c in p.claims():
        quote, doc = claim_quote(p, c, texts)
        rows.append({"level": p.level, "group_id": p.group_id, "segment_id": p.segment_id,
                     "name": name, "facet": facet.replace("_", " "), "claim": c.text,
                     "share": c.prevalence, "support_count": c.support_count, "quote": quote,
                     "quote_doc_id": doc, "evidence_ids": ", ".join(c.evidence_ids),
                     "persona_id": p.id, "generated_name": p.name})
    return rows


def persona_row(p: Persona, labels: dict[str, str]) -> dict[str, Any]:
    return {"level": p.level, "group_id": p.group_id, "segment_id": p.segment_id,
            "name": display_name(p.subject_id, p, labels), "generated_name": p.name,
            "label": labels.get(p.subject_id), "texts": p.size.texts, "users": p.size.users,
            "share": p.share, "tagline": p.tagline, "summary": p.summary,
            "degraded": p.degraded, "persona_id": p.id}


def claim_quote(p: Persona, claim: Any, texts: dict[str, str]) -> tuple[str | None, str | None]:
    """The claim's own quote when it has one; else the first of its evidence texts that the
    persona quotes; else an excerpt of its first evidence text (verbatim, cut at a sentence)."""
    own = getattr(claim, "quote", None)
    if own:
        if isinstance(own, str):
            return own, None
        return getattr(own, "text", str(own)), getattr(own, "doc_id", None)
    quoted = {q.doc_id: q.text for q in p.quotes}
    for doc in claim.evidence_ids:
        if doc in quoted:
            return quoted[doc], doc
    for doc in claim.evidence_ids:
        if texts.get(doc):
            return excerpt(texts[doc]), doc
    return None, None


def excerpt(text: str, limit: int = MAX_QUOTE) -> str:
    """The start of ``text`` up to a sentence end within ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = max((m.end() for m in re.finditer(r"[.!?。！？；](\s|$)", text[:limit + 1])), default=0)
    if cut >= limit // 3:
        return text[:cut].strip()
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;: ") + " …"


def _evidence_texts(project: Project, personas: list[Persona]) -> dict[str, str]:
    """The texts of claims' evidence that the personas do not already quote."""
    wanted = []
    for p in personas:
        quoted = {q.doc_id for q in p.quotes}
        for _, c in p.claims():
            if not getattr(c, "quote", None) and not quoted & set(c.evidence_ids):
                wanted.extend(c.evidence_ids[:1])
    if not wanted:
        return {}
    store = project.providers.store()
    found = store.get(ids=sorted(set(wanted)), include=("documents",))
    return dict(zip(found["ids"], found["documents"], strict=True))


# -- writers ------------------------------------------------------------------------------------
def _atomic(out: Path, write: Callable[[Path], None]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv(path: Path, claims: list[dict[str, Any]], people: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CLAIM_COLUMNS)
        w.writeheader()
        for row in claims:
            w.writerow({k: "" if v is None else v for k, v in row.items()})


def _xlsx(path: Path, claims: list[dict[str, Any]], people: list[dict[str, Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    for sheet, columns, rows in ((book.active, CLAIM_COLUMNS, claims),
                                 (book.create_sheet(), PERSONA_COLUMNS, people)):
        sheet.title = "claims" if columns is CLAIM_COLUMNS else "personas"
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
        sheet.freeze_panes = "A2"
        for i, column in enumerate(columns, 1):
            letter = sheet.cell(row=1, column=i).column_letter
            if column == "share":
                for cell in sheet[letter][1:]:
                    cell.number_format = "0.0%"
            wide = column in ("claim", "quote", "summary", "tagline")
            sheet.column_dimensions[letter].width = 60 if wide else max(12, len(column) + 2)
            if wide:
                for cell in sheet[letter][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)
