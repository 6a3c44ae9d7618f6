"""The interview guide (``prompts/interview.guide.vN.md``): one question per claim field,
with the instruction the model gets and anchor phrases that steer retrieval."""

from __future__ import annotations

from dataclasses import dataclass

from agent.prompts import Prompt, PromptError, load_prompt

from .schema import CLAIM_FIELDS


@dataclass(frozen=True)
class Question:
    field: str
    question: str
    ask: str
    ask_zh: str
    anchors: tuple[str, ...]

    def instruction(self, language: str) -> str:
        return self.ask_zh if language == "zh" else self.ask


def load_guide(version: int | None = None) -> tuple[Prompt, list[Question]]:
    prompt = load_prompt("interview.guide", version)
    questions: list[Question] = []
    for block in prompt.body.split("## ")[1:]:
        head, *lines = block.strip().splitlines()
        values = {}
        for line in lines:
            if ":" in line:
                k, v = line.split(":", 1)
                values[k.strip()] = v.strip()
        field = head.strip()
        if field not in CLAIM_FIELDS or not {"question", "ask", "ask_zh", "anchors"} <= set(values):
            raise PromptError(f"{prompt.path}: section {field!r} needs question, ask, ask_zh and "
                              "anchors, and must be one of " + ", ".join(CLAIM_FIELDS))
        anchors = tuple(a.strip() for a in values["anchors"].split("|") if a.strip())
        questions.append(Question(field, values["question"], values["ask"], values["ask_zh"],
                                  anchors))
    return prompt, questions
