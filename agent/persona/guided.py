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

from .evidence import SupportCounter, quote_from
from .group import GroupData
from .guide import Question
from .llm_io import ClaimOut, comments_block
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
        for q in self.questions:
            t.add("question", q.field, q.question)
            picks = self._candidates(group, q, used)
            t.add("tool", q.field, {"tool": "search_segment", "anchors": list(q.anchors),
                                    "result_ids": [group.ids[i] for i in picks]})
            for i in picks:
                source, messages = self._messages(group.texts[i], q, language)
                try:
                    out, errors = self.llm.ask(
                        messages, ClaimOut, max_tokens=80, usage=self.usage,
                        check=lambda o, s=source: validator.claim(o.claim, [s]),
                        tag=f"{group.id}/{q.field}")
                except LLMCallFailed as exc:
                    t.add("note", q.field, str(exc))
                    raise
                t.add("answer", q.field, {"source_id": group.ids[i],
                                          "claim": out.claim if out else None, "errors": errors})
                if out is not None:
                    t.findings.append(Finding(q.field, out.claim.strip(), [group.ids[i]], errors))
                    used.add(i)
                else:
                    t.findings.append(Finding(q.field, "", [group.ids[i]], errors))
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
        for q in self.questions:
            picks = self._candidates(group, q, used)
            used.update(picks)
            t.add("tool", q.field, {"tool": "search_segment", "anchors": list(q.anchors),
                                    "result_ids": [group.ids[i] for i in picks]})
            t.findings.extend(Finding(q.field, "", [group.ids[i]], attempted=False)
                              for i in picks)
        return t

    def _candidates(self, group: GroupData, q: Question, used: set[int]) -> list[int]:
        if group.size == 0:
            return []
        anchors = np.stack([self.counter.vector(a) for a in q.anchors])
        relevance = (group.vectors @ anchors.T).max(axis=1)
        pool = [i for i in np.argsort(-relevance, kind="stable") if i not in used][:CANDIDATES]
        support = {i: self.counter.count(group.texts[i], group).count for i in pool}
        # Common and relevant first: support counts, relevance breaks ties.
        ranked = sorted(pool, key=lambda i: (-support[i], -relevance[i], group.ids[i]))
        chosen: list[int] = []
        for i in ranked:
            if support[i] < 2:
                break
            if any(float(group.vectors[i] @ group.vectors[j]) >= DIVERSITY for j in chosen):
                continue
            chosen.append(i)
            if len(chosen) == self.claims_per_field:
                break
        return chosen
