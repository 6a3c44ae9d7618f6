"""What ``persona forget`` does to the workspace's files besides the store: every output
derived from the erased records stops quoting them, and no file keeps their text or user id.

A text is found in a file by its bytes: every 24-byte window of each erased text (UTF-8) is
looked up at every 8th offset of the file, so any stretch of 31 bytes or more copied from an
erased text is found, wherever it sits (a log line, a model answer, a JSON string); shorter
sentence units of 8 bytes or more (what prompts quote, and models echo) and user ids are
searched for whole. A log or line file also loses every line with a word only the erased
texts used (a model's paraphrase of one copies too little to be found by its bytes). What a
remaining text also says is not a trace: a copy of someone else's words stays. Texts and
units under 8 bytes are removed by their record ids only.
"""

from __future__ import annotations

import json
import logging
import mmap
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.artifacts import read_persona, write_persona
from agent.logs import reopen_log_files
from agent.persona.schema import CLAIM_FIELDS, Claim, Persona, Quote
from agent.workspace import atomic_write
from vectorstore.segment.artifact import parse_segmentation

log = logging.getLogger(__name__)
WINDOW = 24
STRIDE = 8
MIN_PIECE = 8
SWEEP_FULL = 64 * 1024 * 1024  # bytes: larger files are searched for user ids only
_WORD = re.compile(r"\w+")
REMOVED = "Removed by `persona forget`: it quoted an erased text; run `persona generate`."


class Traces:
    """What the erased records leave, to find in files and strings: their user ids, every
    24-byte window of their texts and their short sentence units (what prompts and model
    answers quote), except what a remaining text says too (a copy of someone else's words
    is not the erased user's), and the words only they used (for keywords)."""

    def __init__(self, texts: Iterable[str], ids: Iterable[str], users: Iterable[str],
                 remaining: Iterable[str] = ()):
        from vectorstore.units import split_units

        self.ids = set(ids)
        users = {u.encode("utf-8") for u in users if u and len(u) >= 3}
        windows: set[bytes] = set()
        pieces: set[bytes] = set()
        words: set[str] = set()
        for k, text in enumerate(t for t in texts if t):
            b = text.encode("utf-8")
            windows.update(b[i:i + WINDOW] for i in range(len(b) - WINDOW + 1))
            for piece in [text, *(u.text for u in split_units(str(k), text))]:
                pb = piece.strip().encode("utf-8")
                if MIN_PIECE <= len(pb) < WINDOW + STRIDE - 1:
                    pieces.add(pb)
            words.update(_words(text))
        for text in remaining:  # one pass over the store: what others' texts say too
            b = text.encode("utf-8")
            windows.difference_update([w for w in (b[i:i + WINDOW]
                                                   for i in range(len(b) - WINDOW + 1))
                                       if w in windows])
            pieces.difference_update([p for p in pieces if p in b])
            words.difference_update(_words(text))
        self.windows = windows
        self.exact = sorted(users | pieces)
        self.words = words   # casefolded words no remaining text has

    def __bool__(self) -> bool:
        return bool(self.ids or self.exact or self.windows)

    def in_bytes(self, data: bytes) -> bool:
        if any(n in data for n in self.exact):
            return True
        windows = self.windows
        if windows:
            for i in range(0, len(data) - WINDOW + 1, STRIDE):
                if data[i:i + WINDOW] in windows:
                    return True
        return False

    def in_text(self, text: str | None) -> bool:
        return bool(text) and self.in_bytes(text.encode("utf-8"))

    def only_erased_words(self, text: str) -> bool:
        """Whether ``text`` has a word that only the erased texts had."""
        return bool(self.words and not self.words.isdisjoint(_words(text)))


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) >= 3}


@dataclass
class Scrub:
    """What forget changed in the workspace's files (paths relative to the workspace)."""

    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class Eraser:
    """Strips ``traces`` from the workspace's derived files."""

    def __init__(self, root: Path, traces: Traces):
        self.root = root
        self.traces = traces
        self.done = Scrub()

    def _rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def keep_keyword(self, word: str) -> bool:
        return not (self.traces.in_text(word) or self.traces.only_erased_words(word))

    # -- personas -----------------------------------------------------------------------------
    def personas(self, directory: Path) -> int:
        """Strip every persona in ``directory``; returns how many changed."""
        changed = 0
        for path in sorted(directory.glob("persona-*.json")):
            persona = read_persona(path)
            if persona is None:
                continue
            stripped = self.strip_persona(persona)
            if stripped.model_dump_json() != persona.model_dump_json():
                write_persona(path, stripped)
                self.done.changed.append(self._rel(path))
                changed += 1
        return changed

    def _quote_ok(self, q: Quote | None) -> bool:
        return q is not None and q.doc_id not in self.traces.ids and not self.traces.in_text(q.text)

    def _claim(self, c: Claim) -> Claim | None:
        evidence = [i for i in c.evidence_ids if i not in self.traces.ids]
        t = self.traces
        if not evidence or t.in_text(c.text) or t.only_erased_words(c.text) \
                or t.in_text(c.role):
            return None
        return c.model_copy(update={
            "evidence_ids": evidence,
            "quote": c.quote if self._quote_ok(c.quote) else None,
            "other_quotes": [q for q in c.other_quotes if self._quote_ok(q)]})

    def strip_persona(self, p: Persona) -> Persona:
        """``p`` without the claims, quotes and keywords that came from the erased texts:
        a claim loses the erased evidence ids and quotes, and goes when no evidence is left
        or its own words quote an erased text or use a word only the erased texts had."""
        t = self.traces
        update: dict[str, Any] = {}
        for name in (*CLAIM_FIELDS, "who"):
            update[name] = [c for c in (self._claim(c) for c in getattr(p, name)) if c]
        update["quotes"] = [q for q in p.quotes if self._quote_ok(q)]
        update["keywords"] = [k for k in p.keywords if self.keep_keyword(k)]
        update["sub_segments"] = [
            s.model_copy(update={"quote": s.quote if self._quote_ok(s.quote) else None,
                                 "keywords": [k for k in s.keywords if self.keep_keyword(k)]})
            for s in p.sub_segments]
        update["differentiators"] = [
            d.model_copy(update={"distinctive_keywords": [
                k for k in d.distinctive_keywords if self.keep_keyword(k)]})
            for d in p.differentiators if not t.in_text(d.text)]
        def quotes_erased(text: str | None) -> bool:
            return bool(text) and (t.in_text(text) or t.only_erased_words(text))

        if quotes_erased(p.role):
            update["role"] = None
        for name in ("tagline", "summary"):
            if quotes_erased(getattr(p, name)):
                update[name] = REMOVED[: 160 if name == "tagline" else 800]
        if quotes_erased(p.name):
            update["name"] = f"Persona {p.subject_id}"
        stripped = p.model_copy(update=update)
        return Persona.model_validate(stripped.model_dump())  # still a valid persona

    # -- segmentation, users, aspects -----------------------------------------------------------
    def segmentation(self, path: Path) -> None:
        """segments.json without the erased records' ids and keywords only they had."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError, UnicodeDecodeError):
            return
        cleaned = self._json(data)
        if cleaned == data:
            return
        try:
            parse_segmentation(cleaned)
        except ValueError as exc:
            log.warning("segments.json could not be stripped (%s); removing it", exc)
            path.unlink()
            self.done.removed.append(self._rel(path))
            return
        atomic_write(path, json.dumps(cleaned, indent=1, ensure_ascii=False))
        self.done.changed.append(self._rel(path))

    def _json(self, value: Any, key: str = "") -> Any:
        t = self.traces
        if isinstance(value, dict):
            return {k: self._json(v, k) for k, v in value.items() if not t.in_text(k)
                    and k.encode("utf-8") not in t.exact}
        if isinstance(value, list):
            if key.endswith("keywords"):
                return [v for v in value if not isinstance(v, str) or self.keep_keyword(v)]
            return [self._json(v) for v in value
                    if not (isinstance(v, str) and (v in t.ids or t.in_text(v)))]
        if isinstance(value, str) and t.in_text(value):
            return ""
        return value

    def users(self, path: Path, users: set[str]) -> None:
        """segment_users.json without the erased users."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError, UnicodeDecodeError):
            return
        if not isinstance(data, dict):
            return
        kept = {k: v for k, v in data.items() if k not in users and not self.traces.in_text(k)}
        if kept != data:
            atomic_write(path, json.dumps(kept, ensure_ascii=False))
            self.done.changed.append(self._rel(path))

    def aspects(self, directory: Path) -> None:
        """Remove the aspect sets that list an erased record (found again when needed)."""
        for path in sorted(directory.glob("aspects-*.json")) if directory.is_dir() else []:
            data = path.read_bytes()
            if self.traces.in_bytes(data) or any(
                    f'"{i}"'.encode() in data for i in self.traces.ids):
                for p in (path, path.with_suffix(".npz")):
                    if p.exists():
                        p.unlink()
                        self.done.removed.append(self._rel(p))

    # -- caches, logs and line files ------------------------------------------------------------
    def remove_tree(self, directory: Path) -> None:
        if directory.is_dir() and any(directory.iterdir()):
            shutil.rmtree(directory)
            self.done.removed.append(self._rel(directory) + "/")

    def lines(self, path: Path) -> bool:
        """Rewrite ``path`` without the lines that hold a trace — an erased text, a record id,
        or a word only the erased texts used; True if it changed."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return False
        ids = [i.encode() for i in self.traces.ids]

        def trace(chunk: bytes) -> bool:
            # a model's paraphrase of an erased text ("They lost Zqx96 their card") copies
            # too little of it to be found by its bytes, but keeps a word only they used
            return (self.traces.in_bytes(chunk) or any(i in chunk for i in ids)
                    or self.traces.only_erased_words(chunk.decode("utf-8", "replace")))

        if not trace(data):
            return False
        kept = [line for line in data.splitlines(keepends=True) if not trace(line)]
        atomic_write(path, b"".join(kept))
        self.done.changed.append(self._rel(path))
        return True

    def logs(self, directory: Path) -> None:
        """Every log file without the lines that quote an erased text or name the user."""
        if not directory.is_dir():
            return
        changed = [p for p in sorted(directory.rglob("*")) if p.is_file() and self.lines(p)]
        if changed:
            reopen_log_files()  # this process's handlers write to the new files

    # -- what is left ---------------------------------------------------------------------------
    def sweep(self, skip: set[Path]) -> list[Path]:
        """Files under the workspace (but ``skip``) that still hold a trace."""
        left = []
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            if any(path == s or s in path.parents for s in skip):
                continue
            try:
                if path.stat().st_size > SWEEP_FULL:  # a large store: user ids only
                    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0,
                                                          access=mmap.ACCESS_READ) as m:
                        hit = any(m.find(n) >= 0 for n in self.traces.exact)
                else:
                    hit = self.traces.in_bytes(path.read_bytes())
            except (OSError, ValueError):
                continue
            if hit:
                left.append(path)
        return left
