"""Sentence units: the pieces of a text that aspects are made of.

A text ("As a nurse, the app logs me out every night. Please fix it.") says several things;
aspects are found and counted from its units, not from the whole text:

* sentences, split at Western and Chinese sentence punctuation (a period only when
  followed by a space or the end, so "2.9%" and "v1.2" stay whole);
* a leading self-description ("As a nurse,", "Student here:", "作为上班族，") becomes a
  ``who`` unit of its own, the rest of the sentence a ``content`` unit;
* a sentence that joins two statements with a contrast ("The free tier is fine but exports
  fail", "孙子帮我装的，但是找不到按钮") is two units, each side with content of its own;
* a leading discourse marker ("Honestly,", "On top of that,", "另外，") is left out of the
  unit (a unit is still a verbatim slice of the text, so a quote can be cut from it);
* a sentence with no content of its own ("Please fix it.", "Thanks!", "谢谢！") is a
  ``filler`` unit: kept for the record, never an aspect.

The lists below are general discourse of each language, not of any product or domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .language import detect_language

UnitKind = Literal["content", "who", "filler"]
#: bump when the splitting rules change: stored units of an older version are recomputed
VERSION = 3

_SENTENCE = re.compile(r"[^\n]+?(?:[.!?…]+(?=[\s\"'”’)\]]|$)|[。！？；;]+|(?=\n)|$)")
_ABBREVIATION = re.compile(r"(?:^|[\s(])(?:mr|mrs|ms|dr|prof|st|vs|etc|approx|no|e\.g|i\.e|"
                           r"[a-z])\.$", re.IGNORECASE)
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

# A self-description at the start of a sentence, up to the comma or colon that ends it.
_WHO_EN = re.compile(
    r"^(?:(?:speaking|writing)\s+as|as|being)\s+(?:a|an|the|someone|somebody|one|another)\b"
    r"[^,:;.!?]{2,70}[,:]\s*"
    r"|^(?:i\s*['’]?m|i\s+am)\s+(?:a|an)\s+[^,:;.!?]{2,50}[,:]\s*"
    r"|^(?:i\s*['’]?m|i\s+am)\s+(?:\d{2}|new\s+to\s+[^,:;.!?]{2,30}?|retired|pregnant)"
    r"(?:\s+years\s+old)?(?:,\s*(?:and\s+)?|\s+and\s+)"
    r"|^at\s+my\s+age,?\s+"
    r"|^[^,:;.!?]{2,40}?\s+here\s*[:,.!-]\s*"
    r"|^(?:(?:mum|mom|mother|dad|father|parent|grandma|grandpa)\s+of\s+[^,:;.!?]{1,30})[,:.]\s*",
    re.IGNORECASE)
_WHO_ZH = re.compile(r"^(?:作为|身为|我是|本人是|本人)[^，,。；;！!？?]{1,20}[，,：:]\s*"
                     r"|^我(?:今年)?[^，,。；;！!？?]{1,6}岁(?:了)?[，,：:]\s*"
                     r"|^[^，,。]{1,10}(?:一枚|党|表示)[，,：:]\s*")
# What a sentence of its own that looks like "X here." says when it says nobody.
_NOT_WHO = re.compile(r"^(?:i|i'm|im|we|you|he|she|it|they|this|that|nothing|everything|"
                      r"something|anything|nobody|everybody|somebody|anybody|no|all|same|more|"
                      r"help|hello|hi|hey|click|tap|look|come|get|stuck|still|over|down|up)\b",
                      re.IGNORECASE)
# A contrast that joins two statements inside one sentence.
_CONTRAST = re.compile(r",?\s+but\s+|[，,]\s*(?:但是|可是|不过|但)", re.IGNORECASE)
# Discourse markers that open a sentence without saying anything about the product.
_MARKER_EN = re.compile(
    r"^(?:also|and|but|so|plus|besides|anyway|honestly|frankly|overall|personally|basically|"
    r"btw|by the way|to be honest|to be fair|in general|in short|on top of that|another thing|"
    r"one more thing|quick note|just saying|for what it'?s worth|fwiw|that said|"
    r"all in all|oh and|ok so|well)\b[,:;!]?\s+", re.IGNORECASE)
_MARKER_ZH = re.compile(r"^(?:另外|还有|而且|并且|此外|顺便说一句|顺便说下|顺便|说实话|说真的|老实说|讲真|"
                        r"总之|总的来说|总体来说|其实|不过|但是|对了|补充一下|另外说一句|话说)[，,：:]?\s*")
# Sentences that only close, thank or plead.
_FILLER_EN = re.compile(
    r"^(?:please\s+(?:fix|look\s+into|sort|improve|help|update|do\s+something\s+about)"
    r"(?:\s+(?:it|this|that|them))?(?:\s+(?:soon|asap|quickly))?|thanks?(?:\s+you)?"
    r"(?:\s+(?:so\s+much|a\s+lot|in\s+advance))?|thank\s+you|cheers|regards|hope\s+(?:this|it)\s+"
    r"(?:gets?\s+(?:fixed|sorted|better|looked\s+at)|helps)(?:\s+soon)?|not\s+happy(?:\s+about"
    r"\s+(?:it|this))?|that'?s\s+all|just\s+my\s+two\s+cents|keep\s+it\s+up|fix\s+(?:it|this)"
    r"(?:\s+please)?|any\s+update\??|hello|hi(?:\s+there)?|(?:i\s+)?(?:would|'d)\s+"
    r"(?:really\s+)?appreciate\s+(?:it|that|this|a\s+fix)|(?:that'?s|that\s+is)\s+all\s+"
    r"(?:i'?m|i\s+am)\s+asking(?:\s+for)?|(?:that'?s|that\s+is)\s+all\s+i\s+(?:ask|want)|"
    r"just\s+saying|(?:please\s+)?do\s+better|(?:come\s+on|seriously|ugh|sigh)|"
    r"(?:thanks\s+)?for\s+reading|(?:keep\s+up\s+the\s+)?good\s+work|love\s+it|"
    r"(?:\w+\s+)?stars?|five\s+stars|one\s+star)[\s.!?…]*$",
    re.IGNORECASE)
_FILLER_ZH = re.compile(r"^(?:谢谢|谢谢你们|感谢|多谢|辛苦了|希望改进|希望尽快改进|请尽快改进|请改进|"
                        r"麻烦重视一下|麻烦看一下|麻烦处理一下|希望重视|希望尽快解决|请尽快处理|加油|"
                        r"就这样|以上|真的很影响体验|很影响体验|体验很差|不太满意|不满意|求改进|"
                        r"拜托了|麻烦了|辛苦|好评|五星|一星|差评|就说这么多|先这样|说完了|希望采纳|"
                        r"望采纳|希望官方看到|希望能看到|有人管吗)"
                        r"[。！!？?…~～\s]*$")
_STOP_EN = frozenset("""a an the and or but so to of in on at for with from by as is are was
were be been am it its this that these those i me my we our you your he she they them their
there here very really just also too not no yes do does did have has had will would can could
should get got make made one some any all more most much many please thanks thank oh ok well
""".split())


@dataclass(frozen=True)
class Unit:
    """One sentence (or self-description) of a record: ``text == record[start:end]``."""

    record_id: str
    index: int
    start: int
    end: int
    text: str
    kind: UnitKind
    lang: str


def _content_size(text: str) -> int:
    """Content words (Latin scripts) or content characters (Han) in ``text``."""
    han = len(_HAN.findall(text))
    if han:
        return han
    return sum(1 for w in _WORD.findall(text) if w.lower() not in _STOP_EN and len(w) > 2)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in "\"'“‘([-–—*•"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans; a period after "Mr", "e.g" or a single letter does not end one."""
    spans: list[tuple[int, int]] = []
    glue = False
    for m in _SENTENCE.finditer(text):
        start, end = _strip(text, m.start(), m.end())
        if end <= start:
            continue
        if glue and spans:
            start = spans.pop()[0]
        spans.append((start, end))
        glue = bool(_ABBREVIATION.search(text[start:end]))
    return spans


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence of ``text`` that holds ``text[start:end]`` — a unit is a
    clause cut at a contrast or a self-description split off its sentence, and a quote read
    without the rest of its sentence can say the opposite ("The payment went through" of
    "The payment went through, but I was never registered")."""
    for s, e in _sentences(text):
        if s <= start < e:
            return min(s, start), max(e, end)
    return start, end


def whole_sentence(text: str, piece: str, longest: int = 220) -> str:
    """``piece`` (a unit of ``text``) as the whole sentence of ``text`` that holds it,
    verbatim — ``piece`` itself when it is not found or that sentence is over ``longest``
    characters (what a quote or a citation shows)."""
    at = text.find(piece)
    if at < 0:
        return piece
    start, end = sentence_around(text, at, at + len(piece))
    return text[start:end] if end - start <= longest else piece


def _marker_length(sentence: str) -> int:
    """Length of a leading discourse marker (0 when there is none, or nothing after it)."""
    hit = _MARKER_EN.match(sentence) or _MARKER_ZH.match(sentence)
    return hit.end() if hit and hit.end() < len(sentence.rstrip()) else 0


def split_units(record_id: str, text: str, lang: str | None = None) -> list[Unit]:
    """The units of ``text``, in order; each ``text[start:end]``, verbatim."""
    out: list[Unit] = []

    def add(start: int, end: int, kind: UnitKind) -> None:
        start, end = _strip(text, start, end)
        if end <= start:
            return
        piece = text[start:end]
        if kind == "content" and (_FILLER_EN.match(piece) or _FILLER_ZH.match(piece)
                                  or _content_size(piece) < 1):
            kind = "filler"
        out.append(Unit(record_id, len(out), start, end, piece, kind,
                        lang or detect_language(piece)))

    for start, end in _sentences(text):
        start += _marker_length(text[start:end])
        who = _WHO_EN.match(text[start:end]) or _WHO_ZH.match(text[start:end])
        if who and start + who.end() < end and _content_size(text[start + who.end():end]) >= 2:
            add(start, start + who.end(), "who")
            start += who.end()
            start += _marker_length(text[start:end])
        elif who and _content_size(text[start + who.end():end]) == 0 and \
                not _NOT_WHO.match(text[start:end]):
            add(start, end, "who")   # the whole sentence says who ("Uni student here.")
            continue
        for a, b in _contrast_parts(text, start, end):
            add(a, b, "content")
    return out


def _contrast_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentence ``text[start:end]`` cut at a contrast ("…, but …", "…，但是…") when both
    sides say something (two content words or characters each)."""
    piece = text[start:end]
    for m in _CONTRAST.finditer(piece):
        left, right = piece[:m.start()], piece[m.end():]
        if _content_size(left) >= 2 and _content_size(right) >= 2:
            return [(start, start + m.start()), (start + m.end(), end)]
    return [(start, end)]


class UnitStore:
    """The units of a collection's records, embedded once and kept in a companion Chroma
    collection (``<collection>-units``): vectors and positions only — a unit's text is
    ``record[start:end]``, so no second copy of any text is stored.

    A record's units are recomputed when its text changes (its hash is kept with them) or
    the splitting rules change (``VERSION``), and removed with :meth:`delete`.
    """

    def __init__(self, store, embedder):
        self.store = store          # a ChromaStore for the companion collection
        self.embedder = embedder

    @staticmethod
    def collection_name(records_collection: str) -> str:
        return f"{records_collection}-units"

    def units(self, records: list[tuple[str, str]],
              record_vectors: dict[str, object] | None = None) -> tuple[list[Unit], object]:
        """The units of ``records`` ((id, text) pairs) and their vectors, in record order.

        Units missing or out of date are split and embedded now and stored; a record that
        is one unit whose text is the whole record reuses ``record_vectors[id]``.
        """
        import numpy as np

        from .clean import text_hash

        wanted = {rid: f"{VERSION}:{text_hash(text)}" for rid, text in records}
        stored = self._load(list(wanted))
        fresh_units: list[Unit] = []
        for rid, text in records:
            have = stored.get(rid)
            if have is not None and have[0] == wanted[rid]:
                continue
            fresh_units.extend(split_units(rid, text))
        if fresh_units:
            self._write(fresh_units, wanted, record_vectors or {},
                        {rid: text for rid, text in records})
            stored.update(self._load(sorted({u.record_id for u in fresh_units})))
        units: list[Unit] = []
        rows = []
        texts = dict(records)
        for rid, _ in records:
            entry = stored.get(rid)
            if entry is None:
                continue
            for meta, vec in entry[1]:
                start, end = int(meta["start"]), int(meta["end"])
                units.append(Unit(rid, int(meta["i"]), start, end, texts[rid][start:end],
                                  meta["kind"], meta["lang"]))
                rows.append(vec)
        dim = len(rows[0]) if rows else 0
        return units, (np.asarray(rows, dtype=np.float32).reshape(len(rows), dim))

    def delete(self, record_ids: list[str]) -> int:
        """Remove the units of these records; returns how many were removed."""
        found = self.store.find("record", record_ids) if record_ids else {}
        self.store.delete(sorted(found))
        return len(found)

    def _load(self, record_ids: list[str]) -> dict[str, tuple[str, list]]:
        """{record id: (hash, [(metadata, vector), ...] in unit order)} for stored units."""
        out: dict[str, tuple[str, list]] = {}
        if not record_ids or not self.store.exists():
            return out
        for s in range(0, len(record_ids), 500):
            chunk = record_ids[s:s + 500]
            where = {"record": chunk[0]} if len(chunk) == 1 else {"record": {"$in": chunk}}
            got = self.store.get(where=where, include=("metadatas", "embeddings"))
            for meta, vec in zip(got["metadatas"], got["embeddings"], strict=True):
                h, items = out.setdefault(meta["record"], (meta["hash"], []))
                if meta["hash"] == h:
                    items.append((meta, vec))
        for items in out.values():
            items[1].sort(key=lambda mv: int(mv[0]["i"]))
        return out

    def _write(self, units: list[Unit], hashes: dict[str, str], record_vectors: dict,
               texts: dict[str, str]) -> None:
        import numpy as np

        records = sorted({u.record_id for u in units})
        self.delete(records)  # old versions of these records' units
        single = {rid for rid in records
                  if sum(u.record_id == rid for u in units) == 1 and rid in record_vectors}
        vectors: list = [None] * len(units)
        todo = []
        for k, u in enumerate(units):
            if u.record_id in single and u.text == texts[u.record_id].strip():
                vectors[k] = np.asarray(record_vectors[u.record_id], dtype=np.float32)
            else:
                todo.append(k)
        if todo:
            for k, v in zip(todo, self.embedder.embed([units[k].text for k in todo]),
                            strict=True):
                vectors[k] = v
        self.store.upsert(
            [f"{u.record_id}~{u.index}" for u in units], np.vstack(vectors),
            [""] * len(units),
            [{"record": u.record_id, "i": u.index, "start": u.start, "end": u.end,
              "kind": u.kind, "lang": u.lang, "hash": hashes[u.record_id]} for u in units])
