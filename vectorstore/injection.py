"""Flag texts that read as instructions to a language model (prompt injection).

A flagged text is still stored, counted and shown (as flagged) — it is data a user wrote —
but the persona pipeline never places it in a prompt. The patterns cover English and
Chinese instruction overrides, fake system/assistant turns, chat-template tokens, imitation
tool calls and requests aimed at the model writing the persona.
"""

from __future__ import annotations

import re

_PATTERNS = [
    # English instruction overrides
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|any|your)\b"
    r".{0,30}\b(instruction|instructions|prompt|prompts|rules|directions|context)\b",
    r"\b(new|updated|real)\s+(instructions?|system\s+prompt)\b",
    r"\byou\s+are\s+(now|no\s+longer)\b", r"\bact\s+as\s+(an?\s+)?(ai|assistant|system|model)\b",
    r"\b(system|developer)\s*(prompt|message|instruction)s?\s*[:：]",
    r"^\s*(system|assistant|user|developer)\s*[:：]", r"\n\s*(system|assistant)\s*[:：]",
    r"\b(as\s+an?\s+)?(ai|language\s+model|llm|chatgpt|assistant)\b.{0,40}\b(must|should|will)\b"
    r".{0,40}\b(output|respond|reply|answer|write|name|say|print)\b",
    r"\b(name|call|title)\s+(this|the)\s+persona\b", r"\bpersona\s+name\s*[:=]",
    r"\b(respond|reply|answer|output)\s+(only\s+)?(with|in)\s+(json|the\s+word|exactly)\b",
    r"\bprint\s+(your|the)\s+(system\s+)?prompt\b", r"\bjailbreak\b|\bDAN\s+mode\b",
    # chat templates, fake tool calls
    r"<\|?(im_start|im_end|system|endoftext|assistant|user)\|?>", r"\[/?INST\]", r"<<\s*SYS\s*>>",
    r"#{2,}\s*(system|instruction|assistant)\b",
    r"\"(tool_calls?|function_call|arguments)\"\s*:", r"\b(tool_call|function_call)\s*\(",
    # JSON and Markdown breakers aimed at the output format
    r"\"(name|tagline|summary|goals|pain_points|degraded|evidence_ids|quotes)\"\s*:",
    r"```\s*json", r"\buse (exactly )?this (json|output|answer)\b",
    r"\*\*\s*(assistant|system|user)\s*:?\s*\*\*", r"\bjavascript:",
    # Chinese
    r"(忽略|无视|忘记|忘掉|不要理会).{0,10}(之前|以上|上面|前面|先前|所有|全部).{0,10}(指令|指示|提示|规则|要求|设定)",
    r"(你现在是|你现在扮演|从现在开始你|请扮演)", r"(系统提示|系统指令|系统消息)\s*[:：]?",
    r"(把|将)?(这个|该)?(用户)?画像(命名|取名|起名|叫做)", r"(输出|回复|回答)(只|仅)?(用|包含)?(JSON|json)",
]
_DETECTOR = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.MULTILINE)

FLAG_KEY = "flag"
FLAG_INSTRUCTION = "instruction"


def reads_as_instruction(text: str) -> bool:
    """True when ``text`` looks like it is talking to a model rather than about a product."""
    return _DETECTOR.search(text) is not None
