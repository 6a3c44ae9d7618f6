"""The guided interview: the guide's questions, executed by code, answered by the model.

For each question code retrieves the group's texts that match the question's anchor
phrases, keeps the ones many texts agree with (counted support) and that differ from each
other, and asks the model to rewrite one comment at a time as a sentence about the users.
The model never sees or writes an id; code keeps track of where each sentence came from.
"""

from __future__ import annotations

import numpy as np

from agent.llm.structured import LLMCallFailed, StructuredLLM, Usage
from agent.prompts import Prompt

from .evidence import SupportCounter, quote_from, sentences, third_person
from .group import GroupData
from .guide import Question
from .llm_io import ClaimOut, comments_block, tidy
from .transcript import Finding, Transcript
from .validate import Validator

CANDIDATES = 40
DIVERSITY = 0.8   # skip a candidate this similar to one already chosen


class GuidedInterviewer:
    def __init__(self, llm: StructuredLLM, counter: SupportCounter, questions: list[Question],
                 system: Prompt, claim_prompt: Prompt, usage: Usage, claims_per_field: int = 3,
                 max_chars: int = 600, fit=None):
        self.llm = llm
        self.counter = counter
        self.questions = questions
        self.system = system
        self.claim_prompt = claim_prompt
        self.usage = usage
        self.claims_per_field = claims_per_field
        self.max_chars = max_chars
        self.fit = fit  # (prompt, answer_tokens) -> bool

    def interview(self, group: GroupData, validator: Validator, language: str) -> Transcript:
        t = Transcript(group.id, "guided")
        used: set[int] = set()
        self._taken = []  # sentences already asked about (any question): no repeats
        for q in self.questions:
            t.add("question", q.field, q.question)
            picks = self._candidates(group, q, used, language)
            t.add("tool", q.field, {"tool": "search_texts", "anchors": list(q.anchors),
                                    "result_ids": [group.ids[i] for i, _ in picks]})
            for i, sentence in picks:
                source, messages = self._messages(sentence, q, language)
                try:
                    out, errors = self.llm.ask(
                        messages, ClaimOut, max_tokens=80, usage=self.usage,
                        check=lambda o, s=source: validator.claim(tidy(o.claim), [s], language),
                        tag=f"{group.id}/{q.field}",
                        choices=[third_person(source, language)])
                except LLMCallFailed as exc:
                    t.add("note", q.field, str(exc))
                    raise
                t.add("answer", q.field, {"source_id": group.ids[i],
                                          "claim": out.claim if out else None, "errors": errors})
                found = tidy(out.claim) if out is not None else ""
                t.findings.append(Finding(q.field, found, [group.ids[i]], errors, source=source))
                if out is not None:
                    used.add(i)
        return t

    def _messages(self, text: str, q: Question, language: str):
        """The prompt for one comment, shortened at sentence boundaries until it fits."""
        limit = self.max_chars
        while True:
            source = quote_from(text, limit)
            messages = [{"role": "system", "content": self.system.render()},
                        {"role": "user", "content": self.claim_prompt.render(
                            comments=comments_block([source]), ask=q.instruction(language))}]
            if self.fit is None or limit <= 80 or self.fit(
                    messages[0]["content"] + messages[1]["content"], 80):
                return source, messages
            limit //= 2

    def plan_only(self, group: GroupData) -> Transcript:
        """The interview's retrieval without the model (when it cannot be reached): the
        writer then states the chosen texts verbatim."""
        t = Transcript(group.id, "guided (no model)")
        used: set[int] = set()
        self._taken = []
        for q in self.questions:
            picks = self._candidates(group, q, used, group.language())
            used.update(i for i, _ in picks)
            t.add("tool", q.field, {"tool": "search_texts", "anchors": list(q.anchors),
                                    "result_ids": [group.ids[i] for i, _ in picks]})
            t.findings.extend(Finding(q.field, "", [group.ids[i]], attempted=False, source=sent)
                              for i, sent in picks)
        return t

    def _candidates(self, group: GroupData, q: Question, used: set[int],
                    language: str | None = None) -> list[tuple[int, str]]:
        """(text index, sentence) pairs to ask about: a sentence per text, relevant to the
        question, said by many texts (counted support) and unlike the ones already chosen."""
        if group.size == 0:
            return []
        anchors = self.counter.vectors(list(q.anchors))
        relevance = (group.vectors @ anchors.T).max(axis=1)
        # Comments in the persona's language are rewritten; the others still count as support.
        same = [i for i in range(group.size) if group.metas[i].get("lang") == language]
        allowed = set(same) if language and len(same) >= 5 else set(range(group.size))
        pool = [int(i) for i in np.argsort(-relevance, kind="stable")
                if i not in used and i in allowed][:CANDIDATES]
        units = [(i, sent) for i in pool for sent in sentences(group.texts[i])]
        if not units:
            return []
        vecs = self.counter.vectors([u[1] for u in units])
        rel = (vecs @ anchors.T).max(axis=1)
        limits = np.array([self.counter.threshold_for(u[1]) for u in units])
        support = ((group.vectors @ vecs.T) >= limits).sum(axis=0)
        order = sorted(range(len(units)), key=lambda k: (-support[k], -rel[k], units[k][1]))
        chosen: list[int] = []
        taken = getattr(self, "_taken", [])
        for k in order:
            if support[k] < 2:
                break
            if any(units[k][0] == units[j][0] or float(vecs[k] @ vecs[j]) >= DIVERSITY
                   for j in chosen) or any(float(vecs[k] @ v) >= DIVERSITY for v in taken):
                continue
            chosen.append(k)
            if len(chosen) == self.claims_per_field:
                break
        taken.extend(vecs[k] for k in chosen)
        return [units[k] for k in chosen]
