"""Generate personas for every group (or fine segment): aspects → writer → Persona file.

Per group: its aspects are found in code from the sentence units of all its texts
(``agent.aspects``), written to ``aspects/aspects-<id>.json`` with every member id, and the
writer turns them into a persona (one claim per aspect). A persona is stored with the hash
of its inputs (the group's texts, prompt versions, model, embedder, aspect settings and
options); a persona whose inputs are unchanged is kept as it is, so a rerun makes no LLM
calls for it — and does not even start the model server. Groups run concurrently
(``concurrency``); one failing group is reported, never a failed run. An unreachable or
silent model (``ModelUnavailable``) is not waited for again: each group keeps its good
persona as it is (``stale`` when its inputs changed) and a group without one gets a persona
from the evidence alone, marked degraded — a good persona is never replaced by a worse one
(``GenerateResult.outage`` says why; the generate stage then exits 1).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.artifacts import read_persona, write_persona
from agent.aspects.finder import write_aspects
from agent.llm.errors import ModelUnavailable
from agent.llm.structured import LLMCallFailed, Usage
from agent.prompts import Prompt, load_prompt
from vectorstore.errors import InputError
from vectorstore.segment.artifact import Level, SegmentationRun, UnitInfo
from vectorstore.store import ChromaStore

from .group import GroupData, load_group
from .options import GenerateOptions
from .results import GenerateResult, TargetResult
from .role_rates import RoleRates
from .schema import SCHEMA_VERSION, Persona, Provenance, Size, TokenUsage
from .writer import WRITER_VERSION, PersonaWriter, differentiators, sub_segments

log = logging.getLogger(__name__)
#: the prompts the writer renders, with the variables it fills in
WRITER_PROMPTS = {"persona.system": set(), "writer.aspect": {"comments", "language", "start"},
                  "writer.name": {"role", "points", "language"},
                  "writer.tagline": {"statements", "language"}}
LLM_UNAVAILABLE = "llm_unavailable"


@dataclass
class LLMContext:
    """What the generator needs from a running model (built lazily by the caller)."""

    llm: Any                      # StructuredLLM
    model_name: str
    autonomous: Callable | None = None   # (group, usage, segments) -> Transcript
    count_tokens: Callable[[str], int] | None = None   # the model's own tokenizer
    context: int = 8192


@dataclass
class Target:
    id: str
    info: UnitInfo


class PersonaGenerator:
    def __init__(self, store: ChromaStore, embedder, segments: SegmentationRun, out_dir: Path,
                 options: GenerateOptions, llm_factory: Callable[[], LLMContext], finder,
                 on_done: Callable[[str, str], None] | None = None,
                 aspects_dir: Path | None = None):
        self.store = store
        self.embedder = embedder
        self.segments = segments
        self.out_dir = out_dir
        self.options = options
        self.llm_factory = llm_factory
        self.finder = finder          # agent.aspects.finder.AspectFinder
        self.aspects_dir = aspects_dir
        self.on_done = on_done or (lambda *_: None)
        self.usage = Usage()
        self._llm: LLMContext | None = None
        self._llm_lock = threading.Lock()
        self._rates: RoleRates | None = None
        self._rates_lock = threading.Lock()
        self.prompts: dict[str, Prompt] = {
            p: _writer_prompt(p, options.prompt_versions.get(p), wanted)
            for p, wanted in WRITER_PROMPTS.items()}

    # -- planning ------------------------------------------------------------------------------------
    def targets(self) -> list[Target]:
        items = [Target(x.id, x) for x in self.segments.units(self.options.level)]
        if self.options.only:
            wanted = set(self.options.only)
            unknown = wanted - {t.id for t in items}
            if unknown:
                raise InputError(f"unknown {self.options.level} id(s): {', '.join(sorted(unknown))}"
                                 f"; known: {', '.join(t.id for t in items)}")
            items = [t for t in items if t.id in wanted]
        return items

    def prompt_refs(self) -> list[str]:
        return [p.ref for p in self.prompts.values()]

    # -- running ---------------------------------------------------------------------------------------
    def run(self) -> GenerateResult:
        started = time.perf_counter()
        targets = self.targets()
        results: dict[str, TargetResult] = {}
        down: list[ModelUnavailable] = []

        def one(t: Target) -> None:
            if down:  # the model is down: do not wait for it once per group
                results[t.id] = self._outage(t, down[0])
            else:
                try:
                    results[t.id] = self._one(t)
                except ModelUnavailable as exc:
                    down.append(exc)
                    results[t.id] = self._outage(t, exc)
                except Exception as exc:
                    log.error("persona for %s failed", t.id, exc_info=True)
                    results[t.id] = TargetResult(id=t.id, status="failed",
                                                 reason=f"{type(exc).__name__}: {exc}")
            self.on_done(t.id, results[t.id].status)

        if self.options.concurrency > 1:
            with ThreadPoolExecutor(self.options.concurrency) as pool:
                list(pool.map(one, targets))
        else:
            for t in targets:
                one(t)
        self._remove_orphans({t.id for t in self.targets()} if not self.options.only else None)
        statuses = [results[t.id] for t in targets]
        return GenerateResult(
            level=self.options.level,
            personas=sum(1 for r in statuses if r.status in ("generated", "kept")),
            generated=sum(1 for r in statuses if r.status == "generated"),
            kept=sum(1 for r in statuses if r.status == "kept"),
            skipped_small=[r.id for r in statuses if r.status == "too_small"],
            failed=[r for r in statuses if r.status == "failed"],
            degraded=sum(1 for r in statuses if r.degraded),
            claims_dropped=sum(r.claims_dropped for r in statuses),
            **self.usage.as_dict(),
            estimated_cost_usd=self._cost(self.usage),
            seconds=round(time.perf_counter() - started, 2),
            slowest_call={"seconds": round(self.usage.slowest, 2), "for": self.usage.slowest_tag}
            if self.usage.slowest else None,
            model=self._llm.model_name if self._llm else None,
            outage=str(down[0]) if down else None,
            stale=[r.id for r in statuses if r.status == "kept" and r.stale],
            targets=statuses, options=self.options.comparable())

    def _llm_context(self) -> LLMContext:
        with self._llm_lock:
            if self._llm is None:
                self._llm = self.llm_factory()
            return self._llm

    def _one(self, t: Target) -> TargetResult:
        path = self.out_dir / f"persona-{t.id}.json"
        group = load_group(self.store, self.options.level, t.id, t.info,
                           self.segments.records, self.options.exclude_ids)
        if group.size < self.options.min_persona_size:
            path.unlink(missing_ok=True)
            return TargetResult(id=t.id, status="too_small", texts=group.size)
        inputs = self._inputs_hash(group)
        old = read_persona(path)
        if (old and old.provenance.inputs_hash == inputs
                and not (old.degraded_reason or "").startswith(LLM_UNAVAILABLE)):
            return TargetResult(id=t.id, status="kept", degraded=old.degraded, name=old.name)
        started = time.perf_counter()
        persona = self._generate(group, inputs)
        write_persona(path, persona)
        return TargetResult(id=t.id, status="generated", degraded=persona.degraded,
                            name=persona.name, claims_dropped=persona.provenance.claims_dropped,
                            llm_calls=persona.provenance.token_usage.llm_calls,
                            seconds=round(time.perf_counter() - started, 2))

    def _outage(self, t: Target, exc: ModelUnavailable) -> TargetResult:
        """The model is unreachable or silent: a good persona is kept as it is (stale when its
        inputs changed); a group without one gets a persona from the evidence alone."""
        path = self.out_dir / f"persona-{t.id}.json"
        group = load_group(self.store, self.options.level, t.id, t.info,
                           self.segments.records, self.options.exclude_ids)
        if group.size < self.options.min_persona_size:
            return TargetResult(id=t.id, status="too_small", texts=group.size)
        inputs = self._inputs_hash(group)
        old = read_persona(path)
        if old is not None and not old.degraded:
            return TargetResult(id=t.id, status="kept", name=old.name,
                                stale=old.provenance.inputs_hash != inputs)
        persona = self._generate(group, inputs, offline=f"{LLM_UNAVAILABLE}: {exc}")
        write_persona(path, persona)
        return TargetResult(id=t.id, status="generated", degraded=True, name=persona.name,
                            reason=str(exc))

    def _generate(self, group: GroupData, inputs: str, offline: str | None = None) -> Persona:
        """The persona of ``group``; ``offline`` (a reason) writes it from the evidence alone."""
        usage = Usage()
        language = self.options.language or group.language()
        found = self.finder.find(group)
        found.aspects.segmentation_run = self.segments.run_id
        if self.aspects_dir is not None:
            write_aspects(self.aspects_dir, found)
        reason = offline
        mode = "guided"
        try:
            if offline:
                raise LLMCallFailed(offline)
            ctx = self._llm_context()
            proposals, mode = self._interview(ctx, group, found, usage)
            writer = PersonaWriter(ctx.llm, self.prompts, usage, self.embedder, self.finder,
                                   self.options.min_support)
            written = writer.write(group, found, language, proposals, self.role_rates())
            model_name = ctx.model_name
        except LLMCallFailed as exc:
            if not offline:
                log.warning("model unavailable for %s: %s", group.id, exc)
                reason = f"{LLM_UNAVAILABLE}: {exc}"
            written = PersonaWriter(None, self.prompts, usage, self.embedder, self.finder,
                                    self.options.min_support).write(
                group, found, language, rates=self.role_rates())
            model_name = self._llm.model_name if self._llm else "unavailable"
        self.usage.merge(usage)
        peers = self._peers(group)
        level = Level(self.options.level)
        return Persona(
            schema_version=SCHEMA_VERSION, id=f"persona-{group.id}", level=level.value,
            **{"group_id" if level is Level.GROUP else "segment_id": group.id},
            name=written.name, tagline=written.tagline,
            summary=written.summary, size=Size(texts=group.size, users=group.users()),
            share=round(group.size / max(self.segments.records, 1), 4),
            **written.claims, who=written.who, role=written.role, quotes=written.quotes,
            keywords=list(group.info.keywords),
            sub_segments=sub_segments(group, self.segments),
            differentiators=differentiators(group, peers, language), language=language,
            degraded=reason is not None, degraded_reason=reason,
            provenance=Provenance(
                prompts=self.prompt_refs(), chat_model=model_name,
                embedder=self.segments.embedder,
                segmentation_run=self.segments.run_id, seed=self.segments.seed,
                inputs_hash=inputs, created_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                interview_mode=mode,
                token_usage=TokenUsage(**usage.as_dict(), estimated_cost_usd=self._cost(usage)),
                model_claims=written.model_claims, claims_total=written.claims_total,
                flagged_texts_excluded=len(group.flagged_ids)))

    def _interview(self, ctx: LLMContext, group: GroupData, found, usage
                   ) -> tuple[dict[str, str], str]:
        """Sentences an autonomous interview proposes, by the aspect each belongs to (guided:
        none — the writer asks the model about each aspect itself)."""
        if self.options.interview != "autonomous":
            return {}, "guided"
        if ctx.autonomous is None:
            log.warning("the model cannot call tools; %s is written in guided mode", group.id)
            return {}, "guided"
        transcript = ctx.autonomous(group, usage, self.segments)
        from .claims import placer

        place = placer(found, self.embedder.embed, self.finder.facets, self.finder.membership)
        proposals: dict[str, str] = {}
        for finding in transcript.findings:
            k = place(finding.text)
            if k >= 0:
                proposals.setdefault(found.aspects.aspects[k].id, finding.text)
        return proposals, "autonomous"

    # -- helpers ---------------------------------------------------------------------------------------
    def role_rates(self) -> RoleRates:
        """The roles a seeded sample of the whole corpus states, read once per run (texts
        held out of this run, ``exclude_ids``, are not read)."""
        with self._rates_lock:
            if self._rates is None:
                held = set(self.options.exclude_ids or ())
                ids = RoleRates.sample([i for i in self.store.get(include=[])["ids"]
                                        if i not in held], self.segments.seed or 0)
                got = self.store.get(ids=ids, include=["documents", "metadatas"])
                self._rates = RoleRates.read(list(got["ids"]), list(got["documents"]),
                                             [(m or {}).get("lang") or "und"
                                              for m in got["metadatas"]])
            return self._rates

    def _inputs_hash(self, group: GroupData) -> str:
        h = hashlib.sha256()
        for doc_id, text in zip(group.ids, group.texts, strict=True):
            h.update(doc_id.encode())
            h.update(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
        for p in self.prompts.values():
            h.update(f"{p.ref}:{p.sha256}".encode())
        o = self.options
        h.update(json.dumps({"schema": SCHEMA_VERSION, "level": o.level, "min_support": o.min_support,
                             "language": o.language, "interview": o.interview,
                             "embedder": self.segments.embedder,
                             "model": self._model_identity(), "aspects": self.finder.identity,
                             "writer": WRITER_VERSION, "roles": self.role_rates().digest,
                             "info": {"keywords": group.info.keywords,
                                      "segments": getattr(group.info, "segments", None)}},
                            sort_keys=True).encode())
        return h.hexdigest()[:24]

    def _model_identity(self) -> str:
        return getattr(self.llm_factory, "identity", "") or ""

    def _peers(self, group: GroupData) -> list[tuple[str, list[str], float]]:
        others = [x for x in self.segments.units(group.level) if x.id != group.id]
        if not others or group.size == 0:
            return []
        out = []
        for x in others:
            got = self.store.get(ids=x.central_ids[:5], include=["embeddings"])
            if len(got["ids"]) == 0:
                continue
            c = np.asarray(got["embeddings"], dtype=np.float32).mean(axis=0)
            c /= max(float(np.linalg.norm(c)), 1e-12)
            out.append((x.id, list(x.keywords), float(c @ group.centroid)))
        return sorted(out, key=lambda p: -p[2])

    def _remove_orphans(self, current: set[str] | None) -> None:
        if current is None or not self.out_dir.exists():
            return
        for p in self.out_dir.glob("persona-*.json"):
            persona = read_persona(p)
            if persona and persona.level == self.options.level and persona.subject_id not in current:
                p.unlink()

    def _cost(self, usage: Usage) -> float:
        pin, pout = self.options.price_per_million
        return round(usage.prompt_tokens * pin / 1e6 + usage.completion_tokens * pout / 1e6, 6)


def usable_versions() -> dict[str, list[int]]:
    """Each prompt's versions the code can fill in (a writer prompt's variables must match)."""
    from agent.prompts import available

    out: dict[str, list[int]] = {}
    for prompt_id, versions in available().items():
        wanted = WRITER_PROMPTS.get(prompt_id)
        ok = [v for v in versions
              if wanted is None or set(load_prompt(prompt_id, v).variables) == wanted]
        if ok:
            out[prompt_id] = ok
    return out


def _writer_prompt(prompt_id: str, version: int | None, wanted: set[str]) -> Prompt:
    """A writer prompt at ``version``, refused when it does not take the writer's variables
    (an older version written for another pipeline)."""
    prompt = load_prompt(prompt_id, version)
    if set(prompt.variables) != wanted:
        from agent.prompts import PromptError

        raise PromptError(f"prompt {prompt.ref} takes {sorted(prompt.variables)}, but the "
                          f"writer fills in {sorted(wanted)}; pick another version")
    return prompt
